"""Branded error pages: 400, 403, 404, 500 and a failed CSRF check, each with a way back.

Wired in `practice/urls.py` (handler400/403/404/500) and `settings.CSRF_FAILURE_VIEW`. The 500
page renders from its template alone (no request context, no context processors), so it
cannot fail again on the database or the session that may have caused the error.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


def _page(request, *, status: int, title: str, lead: str, detail: str = "") -> HttpResponse:
    body = loader.render_to_string(
        "errors/error.html",
        {"status": status, "error_title": title, "lead": lead, "detail": detail},
        request=request,
    )
    return HttpResponse(body, status=status)


def _message(exception) -> str:
    # Only messages we wrote for people (practice.errors, via DomainErrorMiddleware) are shown.
    text = str(exception) if exception is not None else ""
    return "" if not text or text.startswith(("<", "{")) or "Traceback" in text else text


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(
        request,
        status=400,
        title="We could not understand that request",
        lead="Something in the link or the form was not in the shape we expected. Nothing was changed.",
    )


def domain_error_page(request, message: str, *, conflict: bool) -> HttpResponse:
    """A rule a page let through (practice.errors.DomainError): its message, on the branded page."""
    if conflict:
        return _page(
            request,
            status=409,
            title="That changed while you were working",
            lead="The record is no longer in the state this action needs. Reload the page and try again.",
            detail=message,
        )
    return _page(request, status=400, title="That could not be done", lead="Nothing was changed.", detail=message)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(
        request,
        status=403,
        title="You can't do that here",
        lead="Your account can see this page but is not allowed to make this change. "
        "If you think it should be, ask your practice's administrator.",
        detail=_message(exception),
    )


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(
        request,
        status=404,
        title="We couldn't find that page",
        lead="The link may be old, or the page may not be available to your account.",
    )


def server_error(request):
    body = loader.get_template("errors/500.html").render({})
    return HttpResponseServerError(body)


@requires_csrf_token
def csrf_failure(request, reason=""):
    return _page(
        request,
        status=403,
        title="Your form expired",
        lead="For your security, forms stop working after a while or after you sign in again in another tab. "
        "Nothing was saved. Go back, reload the page and submit it again.",
    )

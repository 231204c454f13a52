from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from practice.audit import RequestContext, audit_reads_batched, reset_request_context, set_request_context
from practice.authentication import SessionState, mfa_required, session_state

__all__ = [
    "AuditReadBatchMiddleware",
    "MfaEnforcementMiddleware",
    "PracticeTimeZoneMiddleware",
    "RequestIdMiddleware",
    "SessionTimeoutMiddleware",
    "client_ip",
    "mfa_required",
]

# A caller's request id is kept only when it is a plain token: it ends up in the audit log and
# in response headers, so anything else (spaces, quotes, control characters, long strings) is
# replaced with our own.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def client_ip(request) -> str | None:
    # Only REMOTE_ADDR: a forwarded header is trusted only behind a configured proxy,
    # which gunicorn's --forwarded-allow-ips handles before Django sees the request.
    return request.META.get("REMOTE_ADDR") or None


class RequestIdMiddleware:
    """Tags every request with an id (kept from X-Request-ID when sane) for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if REQUEST_ID_PATTERN.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = set_request_context(RequestContext(request_id=request_id, ip_address=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = request_id
        return response


class AuditReadBatchMiddleware:
    """A GET or HEAD writes the read events it records in one bulk insert, one commit, at
    the end of the request (practice.audit.audit_reads_batched), instead of one transaction
    per event."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        with audit_reads_batched():
            return self.get_response(request)


class SessionTimeoutMiddleware:
    """Absolute session lifetime on top of the idle timeout that SESSION_COOKIE_AGE gives.

    The idle limit is also checked here from a server-side timestamp, so a replayed cookie
    cannot outlive it either.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")
            and "_auth_user_id" in request.session
        ):
            now = time.time()
            started = request.session.setdefault("alliance_started_at", now)
            last_seen = request.session.get("alliance_last_seen", now)
            if now - started > settings.SESSION_ABSOLUTE_TIMEOUT or now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('login')}?expired=1")
            if now - last_seen >= settings.SESSION_TOUCH_SECONDS or "alliance_last_seen" not in request.session:
                # Saving the session refreshes its expiry too (SESSION_COOKIE_AGE from now).
                request.session["alliance_last_seen"] = now
        return self.get_response(request)


class MfaEnforcementMiddleware:
    """Applies the one session rule (`practice.authentication.session_state`) to every request.

    A deactivated member's session is signed out on any path. A session short of its second
    factor is sent to verify or enrol on every web page; under /api/ the DRF authentication
    class (`MfaSessionAuthentication`) applies the same rule and answers 401.
    """

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = session_state(request)
        if state is SessionState.ANONYMOUS and hasattr(request, "session") and "_auth_user_id" in request.session:
            # Django already refuses a deactivated *user* (the session resolves to nobody); end
            # that session too instead of leaving it to be revived by a reactivation.
            state = SessionState.INACTIVE
        if state is SessionState.INACTIVE:
            logout(request)
            if request.path.startswith(self.EXEMPT_PREFIXES):
                return self.get_response(request)
            return redirect(reverse("login"))
        if state in (SessionState.MFA_VERIFY_REQUIRED, SessionState.MFA_SETUP_REQUIRED) and not request.path.startswith(
            self.EXEMPT_PREFIXES
        ):
            if state is SessionState.MFA_SETUP_REQUIRED:
                return redirect(reverse("mfa_setup"))
            return redirect(f"{reverse('mfa_verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; `no-store` on everything that is not a static file.

    Every dynamic response (API, signed-in pages, error pages, the sign-in form) may hold or
    lead to clinical content, so no browser or shared cache keeps a copy: after sign-out the
    back button shows nothing. Static files keep WhiteNoise's long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}=({' '.join(allowed)})" for feature, allowed in settings.PERMISSIONS_POLICY.items()
        )
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        if not request.path.startswith(self.static_prefix):
            add_never_cache_headers(response)
        return response


class UnsafeInputMiddleware:
    """400 for a query string or form body holding a NUL (PostgreSQL cannot store or match it).

    JSON bodies are checked by practice.bounds.BoundedJSONParser. Django decodes query strings
    and form bodies with replacement characters, so no lone surrogate can come through them.
    """

    FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self._problem(request)
        if problem:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": problem}, status=400)
            return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    def _problem(self, request) -> str | None:
        from practice.bounds import unsafe_text

        sources = [request.GET]
        if request.method == "POST" and request.content_type in self.FORM_TYPES:
            sources.append(request.POST)
        for source in sources:
            for key, values in source.lists():
                for text in (key, *values):
                    problem = unsafe_text(text)
                    if problem:
                        return problem
        return None


class PracticeTimeZoneMiddleware:
    """Pages render dates and times in the practice's time zone (the API stays in UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import timezone

        from practice.timezones import LazyZone, practice_zone_name

        if request.path.startswith("/api/"):
            return self.get_response(request)
        timezone.activate(LazyZone(lambda: practice_zone_name(getattr(request, "user", None))))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

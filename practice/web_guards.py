"""Guards for the HTML views, on the same capability table as the API (`practice.roles`).

The one way in for a server-rendered page:
1. a guard decorator here says which *roles* may use the page at all, from capabilities,
   never from comparisons with role names:
   - `capability_required(*caps, write=..., break_glass_read=...)` mirrors the DRF
     `practice.permissions.capability_required`: a role with none of `caps` gets 404 (the
     page does not exist for it); a write (POST...) without one of `write` gets 403; with
     `break_glass_read` an admin holding an active break-glass grant may GET;
   - `portal_required`: client users only (USE_PORTAL), everyone else 404;
2. the view then gets its *record* from the app's selectors (`clients.selectors.
   client_for_read/client_for_write/client_for_portal/...`), which scope it, raise
   `practice.errors.NotFound`/`Forbidden`, and audit clinical reads;
3. `DomainErrorMiddleware` turns those domain errors into the 404/403/409 pages, so views
   need no try/except for them (catch them only to re-show a form or flash a message).

`user_can(user, capability)` answers "may this user's role do X" for template switches.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from practice.errors import DomainError, Forbidden, NotFound
from practice.permissions import holds_break_glass_grant, user_role
from practice.roles import Capability, has_capability

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def user_can(user, capability: Capability) -> bool:
    """Whether the user's (active) role holds `capability`."""
    return has_capability(user_role(user), capability)


def capability_required(
    *capabilities: Capability, write: tuple[Capability, ...] | None = None, break_glass_read: bool = False
) -> Callable:
    """Sign-in required; the role needs one of `capabilities` (404) and one of `write` to write (403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request, *args, **kwargs):
            role = user_role(request.user)
            if not any(has_capability(role, capability) for capability in capabilities):
                emergency = (
                    break_glass_read and request.method in SAFE_METHODS and holds_break_glass_grant(request.user)
                )
                if not emergency:
                    raise Http404
            writing = write and request.method not in SAFE_METHODS
            if writing and not any(has_capability(role, capability) for capability in write):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator


def portal_required(view: Callable) -> Callable:
    """Sign-in required; client users only (USE_PORTAL), everyone else 404.

    The client record itself comes from `clients.selectors.client_for_portal`.
    """
    return capability_required(Capability.USE_PORTAL)(view)


class DomainErrorMiddleware:
    """HTML side of `practice.errors`: NotFound -> 404, Forbidden -> 403, Conflict -> 409.

    Any other DomainError a page lets through is a 400 with its message. API views never
    reach this: DRF maps the same errors in `practice.api_support.exception_handler`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404 from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(exception.message) from exception
        if isinstance(exception, DomainError):
            from practice.web_errors import domain_error_page

            return domain_error_page(request, exception.message, conflict=exception.conflict)
        return None

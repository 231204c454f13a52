"""Failed password checks: one lockout for every password prompt, and their audit trail.

django-axes records every failed `authenticate()` in the database (per account and address,
see AXES_LOCKOUT_PARAMETERS) and refuses the account once AXES_FAILURE_LIMIT is reached.
On top of that:

- `AllianceAxesHandler` also refuses an address that failed AUTH_ADDRESS_FAILURE_LIMIT times
  across *all* accounts within the window (password spraying);
- `verify_password_step_up` runs a re-authentication prompt (break-glass) through the same
  `authenticate()`, so its failures count and lock out exactly like sign-in;
- `audit_sign_in_failure` writes the audit row for a failed sign-in or a lockout, without the
  password and without the name typed for an account that does not exist.
"""

from __future__ import annotations

import datetime as dt

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.crypto import salted_hmac

from practice.audit import AuditAction, audit_record, current_request_context
from practice.errors import DomainError, LockedOutError

LOCKED_OUT_MESSAGE = "Too many failed password attempts. Try again later."


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The account key axes counts failures under: e-mail logins are case-insensitive, so is this."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get(settings.AXES_USERNAME_FORM_FIELD) if hasattr(source, "get") else None
    if not isinstance(username, str):
        return None
    return username.strip().lower()[:255] or None


def address_failures(ip_address: str | None, *, now: dt.datetime | None = None) -> int:
    """Failed sign-ins from one address, over every account, within the window."""
    if not ip_address:
        return 0
    since = (now or timezone.now()) - settings.AUTH_ADDRESS_FAILURE_WINDOW
    total = AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return total or 0


class AllianceAxesHandler(AxesDatabaseHandler):
    """Axes' database handler plus the address-wide limit against password spraying."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    @staticmethod
    def address_locked(request) -> bool:
        limit = settings.AUTH_ADDRESS_FAILURE_LIMIT
        return bool(limit) and address_failures(getattr(request, "axes_ip_address", None)) >= limit

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        # Axes flags the request only when the *account* limit is met; the views (and axes'
        # middleware) answer 429 from that flag, so raise it for the address limit as well.
        if request is not None and not getattr(request, "axes_locked_out", False) and self.address_locked(request):
            request.axes_locked_out = True


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """What axes answers once a sign-in is locked out: the API's error shape under /api/."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Too many failed sign-in attempts. Try again later."}, status=429)
    minutes = max(int(settings.AXES_COOLOFF_TIME.total_seconds() // 60), 1)
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, {"cooloff_minutes": minutes}, status=429)


STEP_UP_PATH = "/step-up/"


def step_up_agent() -> str:
    """The user agent step-up failures are recorded under, to count them per account over every
    address (step_up_failures). Keyed with SECRET_KEY: a sign-in request sending the same
    User-Agent header must not be able to fill the count and block an admin's break-glass."""
    return "alliance-step-up-" + salted_hmac("alliance.lockout.step_up_agent", "agent").hexdigest()[:24]


def step_up_failures(user, *, now: dt.datetime | None = None) -> int:
    """Wrong passwords at re-authentication prompts for `user`, from any address, in the cool-off.

    Per account and not per address: only someone already signed in as the account reaches
    the prompt, so this cannot be used by an outsider to lock the account out of it."""
    since = (now or timezone.now()) - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(
        username=axes_username(None, {settings.AXES_USERNAME_FORM_FIELD: user.email}),
        user_agent=step_up_agent(),
        path_info=STEP_UP_PATH,
        attempt_time__gte=since,
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def _step_up_request() -> HttpRequest:
    """A request carrying the caller's address, for axes to count a step-up failure against.

    The service layer has no HTTP request; the address comes from the request context that
    RequestIdMiddleware sets for the audit log."""
    request = HttpRequest()
    request.method = "POST"
    request.path = request.path_info = STEP_UP_PATH
    request.META["PATH_INFO"] = STEP_UP_PATH
    request.META["HTTP_USER_AGENT"] = step_up_agent()
    ip_address = current_request_context().ip_address
    if ip_address:
        request.META["REMOTE_ADDR"] = ip_address
    return request


def verify_password_step_up(*, user, password: object, purpose: str) -> None:
    """Check that `password` is `user`'s own, counting failures toward the sign-in lockout.

    Raises LockedOutError while the account (or the address) is locked out, even for the right
    password, and DomainError(field="password") for a wrong one. Both are audited. Call
    outside any transaction that the caller might roll back (the failure must stay recorded)."""
    if not isinstance(password, str):
        password = ""
    limit = settings.AXES_FAILURE_LIMIT
    if step_up_failures(user) >= limit:
        audit_sign_in_failure(username=user.email, locked_out=True, target_type=purpose)
        raise LockedOutError(LOCKED_OUT_MESSAGE, field="password")
    request = _step_up_request()
    authenticated = authenticate(request, username=user.email, password=password)
    locked_out = bool(getattr(request, "axes_locked_out", False))
    if authenticated is None and not locked_out:
        locked_out = step_up_failures(user) >= limit
    if authenticated is not None and authenticated.pk == user.pk and not locked_out:
        return
    audit_sign_in_failure(username=user.email, locked_out=locked_out, target_type=purpose)
    if locked_out:
        raise LockedOutError(LOCKED_OUT_MESSAGE, field="password")
    raise DomainError("Your password is not correct.", field="password")


def audit_sign_in_failure(
    *, username: object, locked_out: bool, target_type: str = "login", fields: tuple[str, ...] = ()
) -> None:
    """One audit row for a refused password (or second-factor) check.

    The actor is the account when it exists; for a name that matches no account nothing of
    what was typed is kept (it is often a password typed in the wrong box)."""
    user = None
    if isinstance(username, str) and username.strip():
        user = (
            get_user_model().objects.select_related("membership").filter(email__iexact=username.strip()[:254]).first()
        )
    with transaction.atomic():
        audit_record(
            actor=user,
            action=AuditAction.LOCKOUT if locked_out else AuditAction.LOGIN_FAILED,
            target_type=target_type,
            target_id=user.pk if user is not None else "",
            fields=fields,
        )

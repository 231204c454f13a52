from __future__ import annotations

import time
import uuid

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from practice.audit import RequestContext, reset_request_context, set_request_context


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
        request_id = incoming if incoming.isascii() and 0 < len(incoming) <= 64 else uuid.uuid4().hex
        request.request_id = request_id
        token = set_request_context(RequestContext(request_id=request_id, ip_address=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            reset_request_context(token)
        response["X-Request-ID"] = request_id
        return response


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
            request.session["alliance_last_seen"] = now
        return self.get_response(request)


class MfaEnforcementMiddleware:
    """Staff of a practice that requires MFA must have verified a TOTP device this session."""

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/health/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and mfa_required(user)
            and not user.is_verified()
        ):
            from django_otp import user_has_device

            target = "mfa_verify" if user_has_device(user) else "mfa_setup"
            return redirect(reverse(target))
        return self.get_response(request)


def mfa_required(user) -> bool:
    from practice.roles import is_staff_role

    membership = getattr(user, "membership_or_none", None)
    if membership is None or not is_staff_role(membership.role):
        return False
    return settings.ALLIANCE["REQUIRE_MFA_FOR_STAFF"] or membership.practice.require_mfa

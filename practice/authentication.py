"""Who is signed in: one rule for the web and the API.

A request is authenticated only by a live API token or by a session that (a) belongs to an
active account with an active membership and (b) has passed the second factor whenever the
account has one or MFA is required for it. `session_state` is that rule; the web middleware
(`practice.middleware.MfaEnforcementMiddleware`) and the API's `MfaSessionAuthentication` both
call it, so the two can never disagree.
"""

from __future__ import annotations

import functools
import operator
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Value
from django.utils import timezone
from django_otp import device_classes
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from practice.models import ApiToken
from practice.roles import is_staff_role


class SessionState(StrEnum):
    ANONYMOUS = "anonymous"
    INACTIVE = "inactive"  # the user or their membership was deactivated: sign the session out
    MFA_SETUP_REQUIRED = "mfa_setup_required"  # MFA is required but no device is enrolled yet
    MFA_VERIFY_REQUIRED = "mfa_verify_required"  # a device is enrolled but not used this session
    AUTHENTICATED = "authenticated"


def mfa_required(user) -> bool:
    """Staff must use MFA when the deployment (REQUIRE_MFA_FOR_STAFF) or their practice says so."""
    membership = getattr(user, "membership_or_none", None)
    if membership is None or not is_staff_role(membership.role):
        return False
    return bool(settings.ALLIANCE["REQUIRE_MFA_FOR_STAFF"] or membership.practice.require_mfa)


def user_has_device(user) -> bool:
    """Whether the user has a confirmed second-factor device, in one query (django_otp's
    `user_has_device` asks each device table in turn: two queries on every page)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    flagged = getattr(user, DEVICE_FLAG, None)  # loaded with the user (practice.backends)
    if flagged is not None:
        return bool(flagged)
    return with_device_flag(get_user_model()._default_manager.filter(pk=user.pk)).filter(**{DEVICE_FLAG: True}).exists()


DEVICE_FLAG = "has_confirmed_otp_device"


def with_device_flag(users):
    """`users` annotated with DEVICE_FLAG: a confirmed device of any installed kind."""
    checks = [Exists(model.objects.filter(user_id=OuterRef("pk"), confirmed=True)) for model in device_classes()]
    if not checks:
        return users.annotate(**{DEVICE_FLAG: Value(False)})
    return users.annotate(**{DEVICE_FLAG: functools.reduce(operator.or_, checks)})


def account_is_active(user) -> bool:
    """The user may act at all: an active account whose membership (when it has one) is active.

    A user without a membership (an operator account) is not a member of anything: the
    per-role guards keep it out of every practice route."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    membership = user.membership_or_none
    return membership is None or membership.is_active


def _session_verified_otp(user) -> bool:
    is_verified = getattr(user, "is_verified", None)  # installed by django_otp's OTPMiddleware
    return bool(callable(is_verified) and is_verified())


def session_state(request) -> SessionState:
    """Where the session of `request` stands (call after the auth and OTP middleware)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return SessionState.ANONYMOUS
    # The middleware and the API's authentication class both ask: answer once per request.
    cached = getattr(request, "_alliance_session_state", None)
    if cached is not None and cached[0] is user:
        return cached[1]
    state = _session_state_for(user)
    request._alliance_session_state = (user, state)
    return state


def _session_state_for(user) -> SessionState:
    if not account_is_active(user):
        return SessionState.INACTIVE
    if _session_verified_otp(user):
        return SessionState.AUTHENTICATED
    if user_has_device(user):
        return SessionState.MFA_VERIFY_REQUIRED
    if mfa_required(user):
        return SessionState.MFA_SETUP_REQUIRED
    return SessionState.AUTHENTICATED


def session_passed_mfa(request) -> bool:
    """True when the session's account needs no second factor or has passed it this session."""
    return session_state(request) not in (SessionState.MFA_SETUP_REQUIRED, SessionState.MFA_VERIFY_REQUIRED)


class MfaSessionAuthentication(authentication.SessionAuthentication):
    """DRF session auth under the one rule: a session short of MFA, or of a deactivated member,
    is not authenticated (401), whatever DRF's stock class would say."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        state = session_state(request._request)
        if state is SessionState.INACTIVE:
            from django.contrib.auth import logout

            logout(request._request)
            raise exceptions.AuthenticationFailed("This account is inactive.")
        if state is SessionState.MFA_VERIFY_REQUIRED:
            raise exceptions.NotAuthenticated("Enter your two-factor code in the web app to use this session.")
        if state is SessionState.MFA_SETUP_REQUIRED:
            raise exceptions.NotAuthenticated(
                "Two-factor authentication is required: set it up in the web app to use this session."
            )
        return result


class ExpiringTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>`; tokens expire and can be revoked. Only hashes are stored."""

    keyword = "Token"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            raw = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed("Invalid token header.") from error
        # key_hash is unique: get(), not first(), whose ORDER BY would be compiled on every request.
        try:
            token = ApiToken.objects.select_related("user__membership__practice").get(key_hash=ApiToken.hash(raw))
        except ApiToken.DoesNotExist:
            token = None
        if token is None or not token.is_live(timezone.now()):
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        user = token.user
        membership = user.membership_or_none
        if not user.is_active or membership is None or not membership.is_active:
            raise exceptions.AuthenticationFailed("This account is inactive.")
        # A token is only issued after the second factor (see TokenView); one issued before MFA
        # became required for a staff member who has still not enrolled stops working.
        if mfa_required(user) and not user_has_device(user):
            raise exceptions.AuthenticationFailed(
                "Two-factor authentication is required: set it up in the web app, then sign in again."
            )
        return (user, token)

    def authenticate_header(self, request):
        return self.keyword


class ExpiringTokenScheme(OpenApiAuthenticationExtension):
    target_class = "practice.authentication.ExpiringTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Token-based authentication: `Token <token>` from POST /api/v1/auth/token/",
        }


class MfaSessionScheme(OpenApiAuthenticationExtension):
    target_class = "practice.authentication.MfaSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
        }

"""A member's own account: password reset and change, sign-out everywhere, second factor.

Every password that changes goes through `practice.services.password_set` (tokens revoked,
other sessions ended, audited); every prompt for the current password goes through
`practice.lockout.verify_password_step_up` (counted by the sign-in lockout). A password reset
never signs anyone in: the member signs in afterwards like any other time, second factor
included.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from practice.api_support import FallbackCache
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from practice.lockout import axes_username, verify_password_step_up
from practice.models import ApiToken
from practice.outbox import outbox_enqueue
from practice.services import password_set

User = get_user_model()

RECOVERY_CODE_COUNT = 10
RESET_SUBJECT = "Alliance: reset your password"

# Counters for the reset throttle; they keep counting in-process while the cache is down.
_reset_counters = FallbackCache()


# ---------------------------------------------------------------------------
# Ending sessions and tokens


def sessions_end(*, user) -> None:
    """End every web session of `user` at its next request (see User._get_session_auth_hash).

    Works whatever the session backend: the epoch is part of the hash each session carries.
    Call inside the caller's transaction; it writes no audit row of its own."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


def tokens_revoke_all(*, user) -> int:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())


def sign_out_everywhere(*, user, actor) -> int:
    """End every web session and API token of `user`, this browser's too. Returns tokens revoked."""
    with transaction.atomic():
        sessions_end(user=user)
        revoked = tokens_revoke_all(user=user)
        audit_record(
            actor=actor,
            action=AuditAction.SESSIONS_END,
            target=user,
            fields=["sessions", *(["api_tokens"] if revoked else [])],
        )
    return revoked


# ---------------------------------------------------------------------------
# Password reset by e-mail


def _reset_eligible(user) -> bool:
    """Only an account that signs in today gets a reset link (an invitee uses their invite)."""
    membership = user.membership_or_none
    return bool(user.is_active and user.has_usable_password() and membership is not None and membership.is_active)


def _over_limit(key: str, limit: int, window_seconds: int = 3600) -> bool:
    """Count one hit on `key`; True once more than `limit` hits fell in the current window."""
    count = (_reset_counters.get(key) or 0) + 1
    _reset_counters.set(key, count, window_seconds)
    return count > limit


def reset_address_over_limit(ip_address: str | None) -> bool:
    """Count a reset request from an address; True when that address asked too often."""
    return _over_limit(f"pwreset:ip:{ip_address or 'unknown'}", settings.PASSWORD_RESET_PER_ADDRESS_PER_HOUR)


def password_reset_request(*, email: object, link_for: Callable[[str, str], str]) -> None:
    """E-mail a one-time reset link to `email` if it is the login of an account that may reset.

    Returns nothing and raises nothing either way, so no caller can tell whether the address
    exists. An unknown address leaves no trace (no row, no audit). An account gets at most
    PASSWORD_RESET_PER_ACCOUNT_PER_HOUR e-mails an hour; further requests are dropped silently.
    `link_for(uidb64, token)` builds the absolute link."""
    if not isinstance(email, str) or not email.strip() or len(email) > 254:
        return
    user = User.objects.select_related("membership__practice").filter(email__iexact=email.strip()).first()
    if user is None or not _reset_eligible(user):
        return
    if _over_limit(
        f"pwreset:acct:{hashlib.sha256(user.email.encode()).hexdigest()}", settings.PASSWORD_RESET_PER_ACCOUNT_PER_HOUR
    ):
        return
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    minutes = max(settings.PASSWORD_RESET_TIMEOUT // 60, 1)
    practice = user.membership.practice
    body = (
        f"Hello,\n\nSomeone asked to reset the password of your Alliance account at {practice.name}.\n"
        f"To choose a new password, open this link within {minutes} minutes (it works once):\n\n"
        f"{link_for(uidb64, token)}\n\n"
        "If this was not you, ignore this e-mail: your password stays the same. If it keeps "
        "happening, tell your practice.\n\nAfter the reset you sign in as usual; if you use "
        "a two-factor code, you will still be asked for it."
    )
    with transaction.atomic():
        outbox_enqueue(
            kind="password_reset",
            to=[user.email],
            subject=RESET_SUBJECT,
            body=body,
            dedupe_key=f"password_reset:{user.pk}:{secrets.token_hex(8)}",
            practice_id=practice.pk,
        )
        audit_record(actor=None, action=AuditAction.PASSWORD_RESET_REQUEST, target=user, practice_id=practice.pk)


def password_reset_user(uidb64: str, token: str):
    """The account a reset link is for, or None when the link is wrong, used or expired."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    user = User.objects.select_related("membership").filter(pk=pk).first()
    if user is None or not _reset_eligible(user) or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_complete(*, user, raw_password: str):
    """Set the new password (tokens revoked, every session ended) and lift a sign-in lockout.

    Nobody is signed in by this: the member signs in next, with their second factor if they
    have one. Raises DomainError(field="password") for a password the rules refuse."""
    password_set(user=user, raw_password=raw_password, actor=user)
    # Whoever reads the account's e-mail proved it is theirs: failed guesses by someone else
    # should not keep them out for the rest of the cool-off.
    from axes.utils import reset as axes_reset

    axes_reset(username=axes_username(None, {settings.AXES_USERNAME_FORM_FIELD: user.email}))
    return user


# ---------------------------------------------------------------------------
# Password change (signed in)


def password_change(*, user, current_password: object, new_password: str, request) -> None:
    """Change one's own password: the current one first (counted by the lockout), then the new
    one through password_set; this browser stays signed in, every other session and token ends.

    Raises LockedOutError / DomainError(field="current_password") for the current password and
    DomainError(field="password") for a new one the rules refuse."""
    try:
        verify_password_step_up(user=user, password=current_password, purpose="password_change")
    except DomainError as error:
        error.field = "current_password"
        raise
    password_set(user=user, raw_password=new_password, actor=user, keep_session=request)


# ---------------------------------------------------------------------------
# Second factor


@dataclass(frozen=True)
class MfaStatus:
    enabled: bool
    required: bool
    enrolled_at: object  # datetime | None
    recovery_codes_left: int


def mfa_status(user) -> MfaStatus:
    from practice.authentication import mfa_required

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()
    codes = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    enrolled_at = getattr(device, "created_at", None) if device is not None else None
    return MfaStatus(
        enabled=device is not None, required=mfa_required(user), enrolled_at=enrolled_at, recovery_codes_left=codes
    )


def recovery_codes_issue(*, user) -> list[str]:
    """Replace the account's recovery codes with new ones. Call inside a transaction."""
    static, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    static.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    return codes


def recovery_codes_show(*, user, password: object) -> list[str]:
    """The unused recovery codes, after the password (counted by the lockout)."""
    verify_password_step_up(user=user, password=password, purpose="recovery_codes")
    with transaction.atomic():
        audit_record(actor=user, action=AuditAction.RECOVERY_CODES, target=user, fields=["shown"])
    return list(
        StaticToken.objects.filter(device__user=user, device__confirmed=True)
        .order_by("pk")
        .values_list("token", flat=True)
    )


def recovery_codes_regenerate(*, user, password: object) -> list[str]:
    """New recovery codes (the old ones stop working), after the password."""
    verify_password_step_up(user=user, password=password, purpose="recovery_codes")
    with transaction.atomic():
        codes = recovery_codes_issue(user=user)
        audit_record(actor=user, action=AuditAction.RECOVERY_CODES, target=user, fields=["replaced"])
    return codes


def mfa_reenrol_start(*, user, password: object) -> TOTPDevice:
    """Start enrolling a new authenticator (a new phone), after the password.

    The current device keeps working until the new one is confirmed on the setup page
    (`practice.web.mfa_setup`), which then removes the old one."""
    verify_password_step_up(user=user, password=password, purpose="mfa_reenrol")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)

"""Practice-wide writes: practices, members, API tokens. Each audits itself."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from practice.audit import AuditAction, audit_record
from practice.errors import DomainError, Forbidden, Invalid
from practice.models import ApiToken, Membership, Practice, User
from practice.roles import Role, can_grant, grantable_roles


def practice_create(*, name: str, slug: str, actor: User | None = None) -> Practice:
    if Practice.objects.filter(slug=slug).exists():
        raise DomainError(f"A practice with slug {slug!r} already exists.", field="slug")
    with transaction.atomic():
        practice = Practice.objects.create(name=name, slug=slug)
        audit_record(
            actor=actor, action=AuditAction.CREATE, target=practice, practice_id=practice.pk, fields=["name", "slug"]
        )
    from sessions.services.homework import homework_library_install

    homework_library_install(practice=practice)
    from clients.services.toolkit import ensure_library

    ensure_library(practice)  # the coping strategies a therapist picks from (issue 15)
    return practice


def member_add(
    *,
    practice: Practice,
    role: str,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    actor: User | None = None,
    validate: bool = True,
) -> Membership:
    """Create a user with one membership. Clients join through portal invites instead.

    `actor` is the member granting the role, who may grant only roles up to their own
    (`roles.grantable_roles`); None is the operator's shell (`manage.py add_member`).
    """
    if role not in {Role.THERAPIST, Role.MANAGER, Role.ADMIN}:
        raise DomainError("Role must be therapist, manager or admin.", field="role")
    if actor is not None:
        _check_may_grant(actor=actor, role=role)
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("A user with this email already exists.", field="email")
    if password and validate:
        try:
            # With the would-be user, so a password close to the name or e-mail is refused too.
            validate_password(password, user=User(email=email, first_name=first_name, last_name=last_name))
        except ValidationError as error:
            raise DomainError(" ".join(error.messages), field="password") from error
    with transaction.atomic():
        user = User.objects.create_user(email=email, password=password, first_name=first_name, last_name=last_name)
        if not password:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        membership = Membership.objects.create(user=user, practice=practice, role=role)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=membership,
            practice_id=practice.pk,
            fields=["email", "role", "first_name", "last_name"],
        )
    return membership


def _check_may_grant(*, actor: User, role: str) -> None:
    if not can_grant(actor.role, role):
        allowed = sorted(grantable_roles(actor.role))
        raise Forbidden(
            f"A {actor.role} cannot give the {role} role"
            + (f" (only: {', '.join(allowed)})." if allowed else ".")
            + " Ask a practice admin.",
            field="role",
        )


def member_update(*, membership: Membership, actor: User, data: dict) -> Membership:
    """Rename, deactivate or reactivate a member. A member whose role is above the actor's own
    (an admin, for a manager) is out of the actor's hands: 403, nothing changes."""
    if not can_grant(actor.role, membership.role):
        raise Forbidden(f"A {actor.role} cannot change a member whose role is {membership.role}. Ask a practice admin.")
    changed = []
    with transaction.atomic():
        for field in ("first_name", "last_name"):
            if field in data and getattr(membership.user, field) != data[field]:
                setattr(membership.user, field, data[field])
                changed.append(field)
        if changed:
            membership.user.save(update_fields=changed)
        if "is_active" in data and data["is_active"] != membership.is_active:
            if membership.user_id == actor.pk:
                raise DomainError("You cannot deactivate yourself.", field="is_active")
            membership.is_active = data["is_active"]
            membership.deactivated_at = None if membership.is_active else timezone.now()
            membership.save(update_fields=["is_active", "deactivated_at"])
            ApiToken.objects.filter(user=membership.user, revoked_at__isnull=True).update(revoked_at=timezone.now())
            if not membership.is_active:
                from practice.accounts import sessions_end  # accounts imports this module

                sessions_end(user=membership.user)
            changed.append("is_active")
        if changed:
            audit_record(actor=actor, action=AuditAction.UPDATE, target=membership, fields=changed)
    return membership


def password_set(*, user, raw_password: str, actor, keep_session=None) -> User:
    """Set the password of an existing account; the one way passwords change after creation.

    Validated against the password rules, audited, and every API token of the account is
    revoked in the same transaction. Other web sessions end too: Django ties each session to a
    hash of the password and drops a session whose hash no longer matches at its next request.
    `keep_session` is the request whose session should survive (a user changing their own
    password while signed in); it is re-keyed to the new password after commit.
    """
    if not isinstance(raw_password, str) or not raw_password:
        raise DomainError("Choose a password.", field="password")
    try:
        validate_password(raw_password, user=user)
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from error
    membership = getattr(user, "membership_or_none", None)
    with transaction.atomic():
        user.set_password(raw_password)
        user.save(update_fields=["password"])
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(
            actor=actor,
            action=AuditAction.PASSWORD_CHANGE,
            target=user,
            practice_id=membership.practice_id if membership else None,
            fields=["password", *(["api_tokens"] if revoked else [])],
        )
    if keep_session is not None:
        update_session_auth_hash(keep_session, user)
    return user


def token_issue(*, user) -> tuple[ApiToken, str]:
    with transaction.atomic():
        token, raw = ApiToken.issue(user=user, ttl=settings.API_TOKEN_TTL)
        audit_record(actor=user, action=AuditAction.TOKEN_ISSUE, target=token)
    return token, raw


def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.TOKEN_REVOKE, target=token)
    return token


# Practice settings an admin may change, with their allowed ranges (inclusive).
SETTING_RANGES: dict[str, tuple[int, int, str]] = {
    "urgent_ack_minutes": (5, 24 * 60, "minutes"),
    "concern_ack_business_days": (1, 10, "business days"),
    "note_overdue_hours": (1, 30 * 24, "hours"),
    "not_on_track_session": (2, 52, "sessions"),
    "pcl5_cutoff": (1, 80, "points"),
}
LOCALE_CHOICES = [
    ("en-US", "English (United States)"),
    ("en-GB", "English (United Kingdom)"),
    ("en-CA", "English (Canada)"),
    ("en-AU", "English (Australia)"),
    ("en-IE", "English (Ireland)"),
]
PRACTICE_SETTINGS = (
    "name",
    "country",
    "time_zone",
    "locale",
    "crisis_lines",
    "require_mfa",
    "urgent_ack_minutes",
    "concern_ack_business_days",
    "backup_clinician",
    "note_overdue_hours",
    "not_on_track_session",
    "pcl5_cutoff",
)


def _clean_practice_settings(practice: Practice, data: dict) -> dict:
    """Validate settings as the domain sees them (shared by the settings page and the API).

    Raises Invalid with every field's message at once. Returns the cleaned values.
    """
    import zoneinfo

    from practice.crisis import CrisisLineError, clean_lines, defaults_for

    cleaned: dict = {}
    errors: dict[str, list[str]] = {}
    for field, value in data.items():
        if field not in PRACTICE_SETTINGS:
            continue
        if field == "name":
            value = str(value or "").strip()
            if not value or len(value) > 200:
                errors[field] = ["Give the practice a name (at most 200 characters)."]
        elif field == "country":
            value = str(value or "").strip().upper()
            if defaults_for(value) is None:
                errors[field] = [
                    "Choose a country Alliance has crisis lines for (ISO code: US, GB, CA, AU or IE; "
                    "GB is the United Kingdom)."
                ]
        elif field == "time_zone":
            value = str(value or "").strip()
            if value not in zoneinfo.available_timezones():
                errors[field] = ["Choose a time zone such as Europe/London or America/Chicago."]
        elif field == "locale":
            if value not in dict(LOCALE_CHOICES):
                errors[field] = [f"Choose one of: {', '.join(code for code, _ in LOCALE_CHOICES)}."]
        elif field == "crisis_lines":
            try:
                value = clean_lines(value)
            except CrisisLineError as error:
                errors[field] = [str(error)]
        elif field == "require_mfa":
            value = bool(value)
        elif field == "backup_clinician":
            if value is not None and not isinstance(value, Membership):
                value = Membership.objects.filter(pk=value).first() if str(value).isdigit() else None
                if value is None:
                    errors[field] = ["Choose a therapist of this practice."]
            if isinstance(value, Membership) and (
                value.practice_id != practice.pk or not value.is_active or value.role != Role.THERAPIST
            ):
                errors[field] = ["The backup clinician must be an active therapist of this practice."]
        elif field in SETTING_RANGES:
            low, high, unit = SETTING_RANGES[field]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[field] = [f"Enter a whole number from {low} to {high} {unit}."]
        cleaned[field] = value
    if errors:
        raise Invalid(next(iter(errors.values()))[0], errors=errors)
    return cleaned


def practice_update(*, practice: Practice, actor: User, data: dict) -> Practice:
    """Change the practice's settings; audited as one UPDATE naming the fields that changed.

    A change of country without new crisis lines in the same request puts the practice back on
    the new country's default set: a UK practice must never keep showing US numbers.
    """
    from practice.crisis import defaults_for

    data = _clean_practice_settings(practice, data)
    if "country" in data and data["country"] != practice.country and "crisis_lines" not in data:
        data["crisis_lines"] = []
    if data.get("crisis_lines"):
        # Saving the country's own set unchanged keeps the practice following it.
        defaults = defaults_for(data.get("country", practice.country))
        if defaults is not None and data["crisis_lines"] == [line.as_dict() for line in defaults.lines]:
            data["crisis_lines"] = []
    changed = [field for field in data if getattr(practice, field) != data[field]]
    if "require_mfa" in changed and data["require_mfa"]:
        from django_otp import user_has_device

        # The admin who switches it on would be locked out of every route at once otherwise.
        if actor is not None and not user_has_device(actor):
            raise DomainError(
                "Set up two-factor authentication for your own account first, then require it for everyone.",
                field="require_mfa",
            )
    with transaction.atomic():
        for field in changed:
            setattr(practice, field, data[field])
        if changed:
            practice.save(update_fields=changed)
            audit_record(actor=actor, action=AuditAction.UPDATE, target=practice, fields=changed)
    return practice

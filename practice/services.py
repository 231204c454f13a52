"""Practice-wide writes: practices, members, API tokens. Each audits itself."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model, update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from practice.audit import AuditAction, audit_record
from practice.errors import DomainError, Forbidden
from practice.models import ApiToken, Membership, Practice
from practice.roles import Role, can_grant, grantable_roles

User = get_user_model()


def practice_create(*, name: str, slug: str, actor=None) -> Practice:
    if Practice.objects.filter(slug=slug).exists():
        raise DomainError(f"A practice with slug {slug!r} already exists.", field="slug")
    with transaction.atomic():
        practice = Practice.objects.create(name=name, slug=slug)
        audit_record(
            actor=actor, action=AuditAction.CREATE, target=practice, practice_id=practice.pk, fields=["name", "slug"]
        )
    from sessions.services.homework import homework_library_install

    homework_library_install(practice=practice)
    return practice


def member_add(
    *,
    practice: Practice,
    role: str,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    actor=None,
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


def _check_may_grant(*, actor, role: str) -> None:
    if not can_grant(actor.role, role):
        allowed = sorted(grantable_roles(actor.role))
        raise Forbidden(
            f"A {actor.role} cannot give the {role} role"
            + (f" (only: {', '.join(allowed)})." if allowed else ".")
            + " Ask a practice admin.",
            field="role",
        )


def member_update(*, membership: Membership, actor, data: dict) -> Membership:
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


def token_revoke(*, token: ApiToken, actor) -> ApiToken:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.TOKEN_REVOKE, target=token)
    return token


def practice_update(*, practice: Practice, actor, data: dict) -> Practice:
    allowed = {
        "name",
        "require_mfa",
        "crisis_resources",
        "urgent_ack_minutes",
        "concern_ack_business_days",
        "backup_clinician",
        "not_on_track_session",
        "pcl5_cutoff",
    }
    changed = [field for field in data if field in allowed and getattr(practice, field) != data[field]]
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

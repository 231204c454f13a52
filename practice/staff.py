"""Staff management: invites by e-mail, role changes, supervision, deactivation.

Who may do what comes from `practice.roles`: MANAGE_MEMBERS opens the staff pages, and a
member may grant (or manage someone holding) only the roles in their `grantable_roles`, so a
manager never makes or touches an admin. The invitee chooses their own password through
`practice.services.password_set`; where MFA is required the session rule sends them to
enrolment before anything else.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from practice.accounts import sessions_end, tokens_revoke_all
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError, Forbidden, NotFound
from practice.models import Membership, Practice, StaffInvite
from practice.outbox import outbox_enqueue
from practice.roles import STAFF_ROLES, Role, can_grant, grantable_roles
from practice.services import password_set

User = get_user_model()

INVITE_SUBJECT = "Alliance: you are invited to join your practice"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _practice_of(actor) -> Practice:
    membership = actor.membership_or_none
    if membership is None or not membership.is_active:
        raise Forbidden()
    return membership.practice


def _check_grant(*, actor, role: str) -> None:
    if role not in STAFF_ROLES:
        raise DomainError("Choose therapist, manager or admin.", field="role")
    if not can_grant(actor.role, role):
        allowed = ", ".join(sorted(grantable_roles(actor.role))) or "none"
        raise Forbidden(f"A {actor.role} cannot give the {role} role (you may give: {allowed}).", field="role")


def _check_manages(*, actor, membership: Membership) -> None:
    """The actor may manage this member: same practice, staff, and a role the actor may grant."""
    if membership.practice_id != actor.practice_id_or_none or membership.role not in STAFF_ROLES:
        raise NotFound()
    if not can_grant(actor.role, membership.role):
        raise Forbidden(f"Only an admin can change a member whose role is {membership.role}.")


def can_manage(*, actor, membership: Membership) -> bool:
    """Whether the page should offer `actor` the changes to `membership` (the services check again)."""
    return membership.user_id != actor.pk and can_grant(actor.role, membership.role)


# ---------------------------------------------------------------------------
# Reads


def staff_for_manage(*, user, member_id: int) -> Membership:
    """One staff member of the user's practice (404 outside it, or for a client login)."""
    membership = (
        Membership.objects.visible_to(user)
        .staff()
        .select_related("user", "supervisor__user", "practice")
        .filter(pk=member_id)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership


@dataclass(frozen=True)
class StaffRow:
    membership: Membership
    mfa_enabled: bool
    client_count: int
    can_manage: bool


def staff_list(*, user) -> list[StaffRow]:
    """Every staff member of the user's practice, active first, with MFA and caseload counts."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clients.models import Client

    members = list(
        Membership.objects.visible_to(user)
        .staff()
        .select_related("user", "supervisor__user")
        .order_by("-is_active", "user__last_name", "user__first_name", "user__email")
    )
    # Clients (not discharged) with the member anywhere on the care team, in one query.
    client_counts: Counter[int] = Counter()
    for team in (
        Client.objects.filter(practice_id=user.practice_id_or_none)
        .exclude(status=Client.Status.DISCHARGED)
        .values_list("primary_therapist_id", "co_therapist_id", "supervisor_id")
    ):
        client_counts.update({member_id for member_id in team if member_id is not None})
    with_mfa = set(
        TOTPDevice.objects.filter(user_id__in=[m.user_id for m in members], confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    return [
        StaffRow(
            membership=m,
            mfa_enabled=m.user_id in with_mfa,
            client_count=client_counts[m.pk],
            can_manage=can_grant(user.role, m.role) and m.user_id != user.pk,
        )
        for m in members
    ]


def member_clients(membership: Membership) -> list:
    """The clients this member treats or supervises (not discharged), for reassignment.

    Administrative fields only (names and status): never clinical content."""
    from clients.models import Client

    return list(
        Client.objects.filter(practice_id=membership.practice_id)
        .filter(Q(primary_therapist=membership) | Q(co_therapist=membership) | Q(supervisor=membership))
        .exclude(status=Client.Status.DISCHARGED)
        .order_by("last_name", "first_name", "pk")
    )


def staff_invites(*, user) -> list[StaffInvite]:
    practice_id = user.practice_id_or_none
    if practice_id is None:
        return []
    return list(
        StaffInvite.objects.filter(practice_id=practice_id, accepted_at__isnull=True)
        .select_related("created_by")
        .order_by("-created_at")[:50]
    )


# ---------------------------------------------------------------------------
# Invites


def _invite_body(*, invite: StaffInvite, link: str, inviter_name: str) -> str:
    days = max(int((invite.expires_at - timezone.now()).total_seconds() // 86400), 1)
    return (
        f"Hello,\n\n{inviter_name} invited you to join {invite.practice.name} on Alliance as a {invite.role}.\n"
        f"To accept, open this link and choose your password (it works once, for {days} days):\n\n"
        f"{link}\n\n"
        "If you were not expecting this, ignore this e-mail."
    )


def _send_invite(*, invite: StaffInvite, raw: str, actor, link_for) -> None:
    outbox_enqueue(
        kind="staff_invite",
        to=[invite.email],
        subject=INVITE_SUBJECT,
        body=_invite_body(invite=invite, link=link_for(raw), inviter_name=actor.get_full_name() or actor.email),
        dedupe_key=f"staff_invite:{invite.pk}:{invite.sent_count}",
        practice_id=invite.practice_id,
    )


def staff_invite_create(
    *, actor, email: str, role: str, first_name: str = "", last_name: str = "", link_for
) -> StaffInvite:
    """Invite someone by e-mail with a role the actor may grant. `link_for(raw_token)` builds
    the absolute acceptance link. Earlier pending invites to the same address are withdrawn."""
    practice = _practice_of(actor)
    _check_grant(actor=actor, role=role)
    email = User.objects.normalize_email(email or "").strip().lower()
    if not email:
        raise DomainError("Enter an e-mail address.", field="email")
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError("This e-mail address already has an Alliance account.", field="email")
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        StaffInvite.objects.filter(practice=practice, email__iexact=email).pending(now).update(revoked_at=now)
        invite = StaffInvite.objects.create(
            practice=practice,
            email=email,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
            role=role,
            token_hash=_hash(raw),
            created_by=actor,
            expires_at=now + settings.STAFF_INVITE_TTL,
        )
        audit_record(actor=actor, action=AuditAction.INVITE, target=invite, fields=["email", "role"])
        _send_invite(invite=invite, raw=raw, actor=actor, link_for=link_for)
    return invite


def _invite_for_manage(*, actor, invite_id: int) -> StaffInvite:
    invite = StaffInvite.objects.filter(pk=invite_id, practice_id=actor.practice_id_or_none).first()
    if invite is None:
        raise NotFound()
    if not can_grant(actor.role, invite.role):
        raise Forbidden(f"Only an admin can change an invite for the {invite.role} role.")
    return invite


def staff_invite_resend(*, actor, invite_id: int, link_for) -> StaffInvite:
    """A new link (the old one stops working) and a fresh expiry, e-mailed again."""
    invite = _invite_for_manage(actor=actor, invite_id=invite_id)
    if invite.accepted_at is not None:
        raise DomainError("This invite was already accepted.", conflict=True)
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        invite.token_hash = _hash(raw)
        invite.expires_at = timezone.now() + settings.STAFF_INVITE_TTL
        invite.revoked_at = None
        invite.sent_count += 1
        invite.save(update_fields=["token_hash", "expires_at", "revoked_at", "sent_count"])
        audit_record(actor=actor, action=AuditAction.INVITE, target=invite, fields=["resent"])
        _send_invite(invite=invite, raw=raw, actor=actor, link_for=link_for)
    return invite


def staff_invite_revoke(*, actor, invite_id: int) -> StaffInvite:
    invite = _invite_for_manage(actor=actor, invite_id=invite_id)
    if invite.accepted_at is not None:
        raise DomainError("This invite was already accepted.", conflict=True)
    with transaction.atomic():
        if invite.revoked_at is None:
            invite.revoked_at = timezone.now()
            invite.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action=AuditAction.REVOKE, target=invite)
    return invite


def staff_invite_lookup(raw: str) -> StaffInvite | None:
    """The pending invite a link is for, or None (wrong, used, withdrawn or expired)."""
    if not isinstance(raw, str) or not raw or len(raw) > 128:
        return None
    invite = StaffInvite.objects.select_related("practice").filter(token_hash=_hash(raw)).first()
    if invite is None or invite.state() != StaffInvite.State.PENDING:
        return None
    return invite


INVALID_INVITE = "This invite link is not valid any more (used, withdrawn or expired). Ask your practice for a new one."


def staff_invite_accept(*, raw_token: str, password: str, first_name: str = "", last_name: str = ""):
    """Create the account the invite grants; the password is set through password_set.

    Never touches an existing account: an address that has one by now is refused."""
    invite = staff_invite_lookup(raw_token)
    if invite is None:
        raise DomainError(INVALID_INVITE, field="token")
    with transaction.atomic():
        invite = StaffInvite.objects.select_for_update().select_related("practice").get(pk=invite.pk)
        if invite.state() != StaffInvite.State.PENDING:
            raise DomainError(INVALID_INVITE, field="token")
        if User.objects.filter(email__iexact=invite.email).exists():
            raise DomainError(
                "This e-mail address already has an account: sign in instead, or ask your practice.", field="token"
            )
        user = User.objects.create_user(
            email=invite.email,
            password=None,
            first_name=(first_name or invite.first_name).strip()[:150],
            last_name=(last_name or invite.last_name).strip()[:150],
        )
        membership = Membership.objects.create(user=user, practice=invite.practice, role=invite.role)
        # Validated against the rules (with the new user's names); a refused password rolls the
        # whole acceptance back and the invite stays usable.
        password_set(user=user, raw_password=password, actor=user)
        invite.accepted_at = timezone.now()
        invite.membership = membership
        invite.save(update_fields=["accepted_at", "membership"])
        audit_record(
            actor=user,
            action=AuditAction.INVITE_ACCEPT,
            target=invite,
            practice_id=invite.practice_id,
            fields=["role"],
        )
    return user


# ---------------------------------------------------------------------------
# Role, supervision, deactivation


def member_role_change(*, membership: Membership, role: str, actor) -> Membership:
    """Give another member a new staff role: the actor must be able to grant both the current
    role and the new one (a manager never touches or makes an admin)."""
    if membership.user_id == actor.pk:
        raise DomainError("You cannot change your own role: ask another admin.", field="role")
    _check_manages(actor=actor, membership=membership)
    _check_grant(actor=actor, role=role)
    if role == membership.role:
        return membership
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == Role.ADMIN and _last_active_admin(membership):
            raise DomainError("The practice needs at least one active admin.", field="role")
        previous = membership.role
        membership.role = role
        update = ["role"]
        if role != Role.THERAPIST and membership.supervisor_id:
            membership.supervisor = None
            update.append("supervisor")
        membership.save(update_fields=update)
        # A role is read on every request; tokens and sessions carry on under the new one.
        audit_record(actor=actor, action=AuditAction.UPDATE, target=membership, fields=["role", f"role:{previous}"])
    return membership


def _last_active_admin(membership: Membership) -> bool:
    return (
        not Membership.objects.filter(practice_id=membership.practice_id, role=Role.ADMIN, is_active=True)
        .exclude(pk=membership.pk)
        .exists()
    )


def supervisor_choices(membership: Membership) -> list[Membership]:
    """Active therapists of the practice who may supervise `membership` (not themself, and not
    someone they supervise); none for a member who is not a therapist."""
    if membership.role != Role.THERAPIST:
        return []
    return list(
        Membership.objects.filter(practice_id=membership.practice_id, role=Role.THERAPIST, is_active=True)
        .exclude(pk=membership.pk)
        .exclude(supervisor=membership)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )


def member_supervisor_set(*, membership: Membership, supervisor_id: int | None, actor) -> Membership:
    """Record who supervises a therapist (None: nobody). Grants no access to any client."""
    _check_manages(actor=actor, membership=membership)
    if membership.role != Role.THERAPIST:
        raise DomainError("Only a therapist has a clinical supervisor.", field="supervisor")
    supervisor = None
    if supervisor_id is not None:
        supervisor = next((m for m in supervisor_choices(membership) if m.pk == supervisor_id), None)
        if supervisor is None:
            raise DomainError(
                "Choose an active therapist of the practice other than this member (and not one they supervise).",
                field="supervisor",
            )
    if membership.supervisor_id == (supervisor.pk if supervisor else None):
        return membership
    with transaction.atomic():
        membership.supervisor = supervisor
        membership.save(update_fields=["supervisor"])
        audit_record(actor=actor, action=AuditAction.UPDATE, target=membership, fields=["supervisor"])
    return membership


def member_deactivate(*, membership: Membership, actor) -> Membership:
    """Switch a member off: every web session and API token of theirs ends at once.

    Their clients stay assigned (listed on their staff page for reassignment)."""
    if membership.user_id == actor.pk:
        raise DomainError("You cannot deactivate yourself.", field="is_active")
    _check_manages(actor=actor, membership=membership)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
        if not membership.is_active:
            return membership
        if membership.role == Role.ADMIN and _last_active_admin(membership):
            raise DomainError("The practice needs at least one active admin.", field="is_active")
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        sessions_end(user=membership.user)
        revoked = tokens_revoke_all(user=membership.user)
        audit_record(
            actor=actor,
            action=AuditAction.DEACTIVATE,
            target=membership,
            fields=["is_active", "sessions", *(["api_tokens"] if revoked else [])],
        )
    return membership


def member_reactivate(*, membership: Membership, actor) -> Membership:
    """Let a deactivated member sign in again (with their existing password and second factor)."""
    _check_manages(actor=actor, membership=membership)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.is_active:
            return membership
        membership.is_active = True
        membership.deactivated_at = None
        membership.save(update_fields=["is_active", "deactivated_at"])
        audit_record(actor=actor, action=AuditAction.REACTIVATE, target=membership, fields=["is_active"])
    return membership

"""Writes to the client record: create, update, reassign, consent, portal invites."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Consent, ConsentText, Goal, Objective, PortalInvite
from clients.notifications import (
    notice_queue,
    portal_account_ready_notice,
    portal_invite_notice,
    sign_in_reminder_notice,
)
from clients.services.care_team import care_team_change_record, is_sensitive_care_team_change
from clients.services.consents import consent_text_for_recording
from clients.services.protocols import apply_measurement_protocol
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from practice.models import Membership, User
from practice.roles import Role
from practice.services import password_set

CLIENT_ADMIN_FIELDS = {
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "email",
    "phone",
    "address",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "pronouns",
    "status",
    "referred_at",
    "intake_date",
    "discharged_at",
    "discharge_reason",
    "reminders_enabled",
    "reminder_hour",
    "reminder_channel",
}
CLIENT_CLINICAL_FIELDS = {"presenting_concerns", "diagnosis_codes", "plan_reviewed_on"}
CARE_TEAM_FIELDS = {"primary_therapist", "co_therapist", "supervisor"}


def _check_therapist(member: Membership | None, practice_id: int, field: str) -> None:
    if member is None:
        return
    if member.practice_id != practice_id or member.role != Role.THERAPIST or not member.is_active:
        raise DomainError("Choose an active therapist of this practice.", field=field)


def client_create(*, actor: User, data: dict) -> Client:
    """Create a client in the actor's practice. A therapist's new client is their own."""
    membership = actor.membership
    practice_id = membership.practice_id
    therapist = data.pop("primary_therapist", None)
    if membership.role == Role.THERAPIST:
        if therapist is not None and therapist.pk != membership.pk:
            raise DomainError(
                "A therapist's new client is their own; ask a manager to assign others.", field="therapist"
            )
        therapist = membership
    _check_therapist(therapist, practice_id, "therapist")
    for field in ("co_therapist", "supervisor"):
        _check_therapist(data.get(field), practice_id, field)
    if data.get("date_of_birth") and data["date_of_birth"] > timezone.localdate():
        raise DomainError("Date of birth cannot be in the future.", field="date_of_birth")
    data.setdefault("status", Client.Status.ACTIVE if therapist else Client.Status.WAITLIST)
    if data["status"] == Client.Status.ACTIVE and not data.get("intake_date"):
        data["intake_date"] = timezone.localdate()
    if data["status"] == Client.Status.WAITLIST and not data.get("referred_at"):
        data["referred_at"] = timezone.localdate()
    with transaction.atomic():
        client = Client.objects.create(practice_id=practice_id, primary_therapist=therapist, **data)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=client,
            client_id=client.pk,
            fields=[*data.keys(), "primary_therapist"],
        )
        treatment_text = consent_text_for_recording(practice_id=practice_id, kind=Consent.Kind.TREATMENT, actor=actor)
        Consent.objects.create(
            client=client,
            kind=Consent.Kind.TREATMENT,
            version=f"v{treatment_text.version}",
            text=treatment_text,
            recorded_by=actor,
        )
        # The practice's default measures (issue 16): schedules plus the intake questionnaires.
        apply_measurement_protocol(client=client, actor=actor)
    return client


def client_update(
    *, client: Client, actor: User, data: dict, clinical_allowed: bool, version: int | None = None
) -> Client:
    """Apply a partial update. Call with a client already scoped for the actor."""
    if version is not None and version != client.version:
        raise DomainError(
            "This client was changed by someone else since you loaded it; reload and try again.", conflict=True
        )
    allowed = CLIENT_ADMIN_FIELDS | CARE_TEAM_FIELDS | (CLIENT_CLINICAL_FIELDS if clinical_allowed else set())
    refused = set(data) - allowed
    if refused:
        raise DomainError(
            f"You may not change: {', '.join(sorted(refused))}.", conflict=False, field=sorted(refused)[0]
        )
    for field in CARE_TEAM_FIELDS & set(data):
        _check_therapist(data[field], client.practice_id, "therapist" if field == "primary_therapist" else field)
    if "date_of_birth" in data and data["date_of_birth"] > timezone.localdate():
        raise DomainError("Date of birth cannot be in the future.", field="date_of_birth")
    new_status = data.get("status", client.status)
    if new_status == Client.Status.DISCHARGED and client.status != Client.Status.DISCHARGED:
        data.setdefault("discharged_at", timezone.localdate())
        if not (data.get("discharge_reason") or client.discharge_reason):
            raise DomainError("Give a discharge reason.", field="discharge_reason")
    if new_status != Client.Status.DISCHARGED and client.status == Client.Status.DISCHARGED and "status" in data:
        data.setdefault("discharged_at", None)
    if new_status == Client.Status.ACTIVE and not client.intake_date:
        data.setdefault("intake_date", timezone.localdate())
    changed = [field for field, value in data.items() if getattr(client, field) != value]
    if not changed:
        return client
    reassigned = [field for field in changed if field in CARE_TEAM_FIELDS]
    before = {field: getattr(client, f"{field}_id") for field in reassigned}
    with transaction.atomic():
        for field in changed:
            setattr(client, field, data[field])
        client.version += 1
        client.save()
        if reassigned and is_sensitive_care_team_change(actor):
            care_team_change_record(
                client=client,
                actor=actor,
                before=before,
                after={field: getattr(client, f"{field}_id") for field in reassigned},
            )
        elif reassigned:
            audit_record(
                actor=actor, action=AuditAction.REASSIGN, target=client, client_id=client.pk, fields=reassigned
            )
        others = [field for field in changed if field not in CARE_TEAM_FIELDS]
        if others:
            audit_record(actor=actor, action=AuditAction.UPDATE, target=client, client_id=client.pk, fields=others)
    return client


def consent_grant(
    *,
    client: Client,
    kind: str,
    actor: User,
    version: str | None = None,
    method: str = Consent.Method.IN_SESSION,
    signature_name: str = "",
    text: ConsentText | None = None,
) -> Consent:
    """Record consent of `kind`, replacing the one in force. The consent points at the text
    version it accepts (the practice's current text unless `text` is given); `version` is the
    label the API has always returned ("v1", "v2": the text's version unless the caller names one).
    """
    with transaction.atomic():
        if text is None:
            text = consent_text_for_recording(practice_id=client.practice_id, kind=kind, actor=actor)
        now = timezone.now()
        Consent.objects.filter(client=client, kind=kind, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor if getattr(actor, "pk", None) else None
        )
        consent = Consent.objects.create(
            client=client,
            kind=kind,
            version=version or f"v{text.version}",
            text=text,
            method=method,
            signature_name=signature_name,
            granted_at=now,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=consent,
            client_id=client.pk,
            fields=["kind", "version", "method", *(["signature_name"] if signature_name else [])],
        )
    return consent


def consent_revoke(*, client: Client, kind: str, actor: User) -> int:
    """Withdraw the consent of `kind` in force (by the therapist, or the client in the portal)."""
    with transaction.atomic():
        revoked = Consent.objects.filter(client=client, kind=kind, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor if getattr(actor, "pk", None) else None
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target_type="clients.consent",
            client_id=client.pk,
            fields=["revoked_at"],
        )
    return revoked


def has_consent(client: Client, kind: str) -> bool:
    return Consent.objects.filter(client=client, kind=kind, revoked_at__isnull=True).exists()


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def has_portal_account(client: Client) -> bool:
    """The client already signs in: a login whose password works. An invite never touches it."""
    user = client.user if client.user_id else None
    return user is not None and user.has_usable_password()


def portal_invite_create(
    *, client: Client, actor: User, invite_url: Callable[[str], str] | None = None
) -> tuple[PortalInvite, str]:
    """Issue a single-use, expiring invite. Earlier unused invites stop working.

    Only for a client without a portal account: an invite is a way to choose a password, and a
    client's password is theirs alone (`portal_access_offer` sends them a reminder instead).
    With `invite_url` (raw token -> absolute link) and an e-mail address on the record, the
    link is e-mailed to the client through the outbox, in the same transaction."""
    if client.is_discharged:
        raise DomainError("A discharged client cannot be invited to the portal.", conflict=True)
    if has_portal_account(client):
        raise DomainError("This client already has a portal account: send a sign-in reminder.", conflict=True)
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        PortalInvite.objects.filter(client=client, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        email = client.email.strip() if invite_url is not None else ""
        invite = PortalInvite.objects.create(
            client=client,
            token_hash=_hash(raw),
            created_by=actor,
            expires_at=now + settings.PORTAL_INVITE_TTL,
            sent_to=email,
        )
        audit_record(actor=actor, action=AuditAction.INVITE, target=invite, client_id=client.pk)
        if email and invite_url is not None:
            notice_queue(portal_invite_notice(invite=invite, link=invite_url(raw)), target=None)
    return invite, raw


@dataclass(frozen=True)
class PortalAccessOffer:
    """What inviting a client did: a new invite (token and expiry), or a sign-in reminder."""

    reminder_sent: bool
    invite: PortalInvite | None = None
    raw_token: str = ""


def portal_access_offer(
    *, client: Client, actor, sign_in_url: str, invite_url: Callable[[str], str] | None = None
) -> PortalAccessOffer:
    """Invite a client to the portal; a client who already has an account gets a reminder.

    The reminder goes by email to the account's own login address (never to an address staff
    can edit on the record) and carries no token: staff cannot take an account over by
    inviting its owner again. Audited either way.
    """
    if not has_portal_account(client):
        invite, raw = portal_invite_create(client=client, actor=actor, invite_url=invite_url)
        return PortalAccessOffer(reminder_sent=False, invite=invite, raw_token=raw)
    if client.is_discharged:
        raise DomainError("A discharged client cannot be invited to the portal.", conflict=True)
    now = timezone.now()
    with transaction.atomic():
        # Invites issued before this rule existed stop working too.
        PortalInvite.objects.filter(client=client, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
        audit_record(actor=actor, action=AuditAction.SIGN_IN_REMINDER, target=client.user, client_id=client.pk)
        notice_queue(sign_in_reminder_notice(user=client.user, sign_in_url=sign_in_url), target=client.user)
    return PortalAccessOffer(reminder_sent=True)


def portal_invite_mark_opened(invite: PortalInvite) -> None:
    """Stamp the first time an invite link was followed, for the chart's invite state.

    The one write a GET makes here, on purpose: "opened" means the link was followed, which only
    a GET can tell. It touches the invite's own timestamp once (a conditional UPDATE), nothing
    clinical and no audit event."""
    if invite.opened_at is None:
        now = timezone.now()
        PortalInvite.objects.filter(pk=invite.pk, opened_at__isnull=True).update(opened_at=now)
        invite.opened_at = now


def portal_invite_lookup(raw: str) -> PortalInvite | None:
    invite = PortalInvite.objects.select_related("client__user").filter(token_hash=_hash(raw or "")).first()
    if invite is None or invite.used_at is not None or invite.expires_at <= timezone.now():
        return None
    return invite


ACCOUNT_EXISTS = (
    "This invite cannot be used: you already have a portal account. Sign in with your email address "
    "and password, or ask your practice for help."
)


def portal_invite_accept(*, raw_token: str, password: str, email: str | None = None):
    """Turn an invite into a client login. Returns the user.

    Refused for a client whose account already has a password: an invite never replaces one.
    The login address is told at once that the account was set up (someone else holding the
    link would not go unnoticed).
    """
    invite = portal_invite_lookup(raw_token)
    if invite is None:
        raise DomainError(
            "This invite link is invalid, used or expired. Ask your therapist for a new one.", field="invite_token"
        )
    client = invite.client
    if has_portal_account(client):
        raise DomainError(ACCOUNT_EXISTS, field="invite_token")
    login_email = (client.email or email or "").strip().lower()
    if not login_email:
        raise DomainError("Enter the email address you will sign in with.", field="email")
    existing = User.objects.filter(email__iexact=login_email).first()
    if existing is not None and existing.pk != client.user_id:
        raise DomainError("This email address already has an account.", field="email")
    try:
        validate_password(
            password, user=User(email=login_email, first_name=client.first_name, last_name=client.last_name)
        )
    except ValidationError as error:
        raise DomainError(" ".join(error.messages), field="password") from error
    with transaction.atomic():
        invite = PortalInvite.objects.select_for_update().get(pk=invite.pk)
        if invite.used_at is not None:
            raise DomainError("This invite link has already been used.", field="invite_token")
        client = Client.objects.select_for_update(of=("self",)).select_related("user").get(pk=client.pk)
        if has_portal_account(client):
            raise DomainError(ACCOUNT_EXISTS, field="invite_token")
        if client.user_id:
            # A login that never had a working password: setting one is a password change
            # (tokens revoked, audited) like any other.
            user = password_set(user=client.user, raw_password=password, actor=client.user)
        else:
            user = User.objects.create_user(
                email=login_email, password=password, first_name=client.first_name, last_name=client.last_name
            )
            Membership.objects.create(user=user, practice_id=client.practice_id, role=Role.CLIENT)
            client.user = user
            if not client.email:
                client.email = login_email
            client.save(update_fields=["user", "email", "updated_at"])
        invite.used_at = timezone.now()
        invite.save(update_fields=["used_at"])
        if not Consent.objects.filter(client=client, kind=Consent.Kind.PORTAL, revoked_at__isnull=True).exists():
            portal_text = consent_text_for_recording(
                practice_id=client.practice_id, kind=Consent.Kind.PORTAL, actor=user
            )
            Consent.objects.create(
                client=client,
                kind=Consent.Kind.PORTAL,
                version=f"v{portal_text.version}",
                text=portal_text,
                method=Consent.Method.INVITE_ACCEPTED,
                recorded_by=user,
            )
        audit_record(
            actor=user,
            action=AuditAction.INVITE_ACCEPT,
            target=invite,
            client_id=client.pk,
            practice_id=client.practice_id,
        )
        notice_queue(portal_account_ready_notice(user=user, invite_id=invite.pk), target=invite)
    return user


def goal_create(*, client: Client, actor: User, data: dict) -> Goal:
    objectives = data.pop("objectives", [])
    with transaction.atomic():
        goal = Goal.objects.create(client=client, **data)
        for objective in objectives:
            Objective.objects.create(goal=goal, **objective)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=goal,
            client_id=client.pk,
            fields=[*data.keys(), "objectives"],
        )
    return goal


def goal_update(*, goal: Goal, actor: User, data: dict) -> Goal:
    changed = [field for field, value in data.items() if getattr(goal, field) != value]
    with transaction.atomic():
        for field in changed:
            setattr(goal, field, data[field])
        if changed:
            goal.save(update_fields=changed)
            audit_record(actor=actor, action=AuditAction.UPDATE, target=goal, client_id=goal.client_id, fields=changed)
    return goal


def plan_review(*, client: Client, actor: User, reviewed_on: date) -> Client:
    with transaction.atomic():
        client.plan_reviewed_on = reviewed_on
        client.save(update_fields=["plan_reviewed_on", "updated_at"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, target=client, client_id=client.pk, fields=["plan_reviewed_on"]
        )
    return client

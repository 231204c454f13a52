"""Break-glass: an admin's emergency, time-limited, read-only access to one client's record.

Opening a grant needs a reason, is audited, and is announced to the client's primary therapist
and the practice's managers (a notification outbox row written in the same transaction). Access ends when the grant expires or
an admin or manager revokes it. What the grant opens is decided by
`Client.objects.clinical_scope` (reads only) and `capability_required(break_glass_read=True)`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from clients.models import BreakGlassGrant, Client
from clients.notifications import break_glass_notice_enqueue
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from practice.lockout import verify_password_step_up
from practice.roles import Capability, has_capability

if TYPE_CHECKING:
    from practice.models import User

DEFAULT_MINUTES = 60
MIN_MINUTES = 15
MAX_MINUTES = 240
MIN_REASON_LENGTH = 10


def break_glass_open(
    *, client: Client, actor: User, reason: str, password: str, minutes: int = DEFAULT_MINUTES
) -> BreakGlassGrant:
    """Open a grant for `actor` (an admin of the client's practice) on `client`.

    The admin types their password again: a borrowed session or a leaked token alone does not
    open a client's record. Raises LockedOutError after repeated wrong passwords."""
    membership = actor.membership_or_none
    if membership is None or not has_capability(actor.role, Capability.BREAK_GLASS):
        raise DomainError("Only a practice admin can open emergency access.", conflict=True)
    if membership.practice_id != client.practice_id:
        raise DomainError("This client is not in your practice.", conflict=True)
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise DomainError(
            f"Say why emergency access is needed (at least {MIN_REASON_LENGTH} characters).", field="reason"
        )
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DomainError(
            f"Emergency access lasts between {MIN_MINUTES} and {MAX_MINUTES} minutes.", field="duration_minutes"
        )
    # Counted and locked out like sign-in (practice.lockout): 5 wrong tries, then even the right
    # password is refused until the cool-off ends.
    verify_password_step_up(user=actor, password=password, purpose="break_glass_step_up")
    now = timezone.now()
    with transaction.atomic():
        # One open grant per admin and client: a second request while one runs is a conflict,
        # not a silent extension (each grant is its own audited decision).
        Client.objects.select_for_update().filter(pk=client.pk).first()
        current = BreakGlassGrant.objects.active(now).filter(client=client, granted_to=membership).first()
        if current is not None:
            raise DomainError(
                f"You already have emergency access to this client until {timezone.localtime(current.expires_at):%H:%M}.",
                conflict=True,
            )
        grant = BreakGlassGrant.objects.create(
            client=client,
            granted_to=membership,
            reason=reason,
            created_at=now,
            expires_at=now + dt.timedelta(minutes=minutes),
        )
        audit_record(
            actor=actor,
            action=AuditAction.BREAK_GLASS,
            target=grant,
            client_id=client.pk,
            fields=["reason", "expires_at"],
        )
        # The notice commits with the grant (outbox); a broker outage cannot lose it.
        break_glass_notice_enqueue(grant)
    return grant


def break_glass_revoke(*, grant: BreakGlassGrant, actor: User) -> BreakGlassGrant:
    """End a grant now. Call with a grant from `BreakGlassGrant.objects.visible_to(actor)`."""
    now = timezone.now()
    with transaction.atomic():
        updated = (
            BreakGlassGrant.objects.active(now)
            .filter(pk=grant.pk)
            .update(revoked_at=now, revoked_by=actor.membership_or_none)
        )
        if not updated:
            raise DomainError("This emergency access has already ended.", conflict=True)
        audit_record(
            actor=actor,
            action=AuditAction.REVOKE,
            target=grant,
            client_id=grant.client_id,
            practice_id=grant.granted_to.practice_id,
            fields=["revoked_at"],
        )
    grant.refresh_from_db()
    return grant

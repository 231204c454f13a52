"""Writes a client makes to their own record from the portal (other than clinical content).

Homework, check-ins and messages have their own services in sessions/services; this module
holds only what belongs to the client record itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from clients.models import Client
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError

if TYPE_CHECKING:
    from practice.models import User

REMINDER_CHANNELS = ("email", "none")


def reminder_preferences_update(*, client: Client, actor: User, enabled: bool, hour: int, channel: str) -> Client:
    """Change when (and whether) homework reminders are sent. Audited; nothing clinical.

    Call with the client already scoped for the actor (the client self, or their therapist).
    A discharged client's record is closed, so the change is refused (409).
    """
    if client.is_discharged:
        raise DomainError("This record is closed: the client has been discharged.", conflict=True)
    # bool is an int subclass: refuse True/False as an hour rather than store 1 or 0.
    if not isinstance(enabled, bool):
        raise DomainError("Choose whether reminders are on or off.", field="enabled")
    if type(hour) is not int or not 0 <= hour <= 23:
        raise DomainError("Choose an hour from 0 to 23.", field="hour")
    if channel not in REMINDER_CHANNELS:
        raise DomainError(f"Choose one of: {', '.join(REMINDER_CHANNELS)}.", field="channel")
    wanted = {"reminders_enabled": enabled, "reminder_hour": hour, "reminder_channel": channel}
    changed = [field for field, value in wanted.items() if getattr(client, field) != value]
    if not changed:
        return client
    with transaction.atomic():
        for field in changed:
            setattr(client, field, wanted[field])
        # Staff edits use the version for optimistic locking; a portal change must bump it too.
        client.version += 1
        client.save(update_fields=[*changed, "version", "updated_at"])
        audit_record(actor=actor, action=AuditAction.UPDATE, target=client, client_id=client.pk, fields=changed)
    return client

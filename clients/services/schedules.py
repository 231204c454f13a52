"""Measure schedules: which questionnaires a client is asked to fill in before which sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from clients.models import Client, MeasureSchedule

# Still importable from here for code written before it moved; new code imports it from
# clients.questionnaires (where the beat task's domain function uses it).
from clients.questionnaires import OPENS_BEFORE_SESSION as OPENS_BEFORE_SESSION
from clients.services.measures import instrument_for
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError

if TYPE_CHECKING:
    from practice.models import User


def measure_schedule_set(
    *,
    client: Client,
    actor: User,
    instrument: str,
    every_n_sessions: int,
    expires_after_days: int,
    active: bool = True,
    min_days_between: int = 0,
) -> MeasureSchedule:
    """Set (or override) one of the client's measures; a protocol copy becomes the client's own."""
    if instrument_for(client.practice_id, instrument) is None:
        raise DomainError(f"Unknown instrument {instrument!r}.", field="instrument")
    if not 1 <= every_n_sessions <= 52:
        raise DomainError("Choose every 1 to 52 sessions.", field="every_n_sessions")
    if not 1 <= expires_after_days <= 30:
        raise DomainError("Questionnaires expire after 1 to 30 days.", field="expires_after_days")
    if not 0 <= min_days_between <= 365:
        raise DomainError("Days between must be 0 to 365.", field="min_days_between")
    with transaction.atomic():
        schedule, created = MeasureSchedule.objects.update_or_create(
            client=client,
            instrument=instrument,
            defaults={
                "every_n_sessions": every_n_sessions,
                "expires_after_days": expires_after_days,
                "active": active,
                "min_days_between": min_days_between,
                "from_protocol": False,
            },
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            target=schedule,
            client_id=client.pk,
            fields=["instrument", "every_n_sessions", "expires_after_days", "active", "min_days_between"],
        )
    return schedule

"""Measure schedules: which questionnaires a client is asked to fill in before which sessions."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Client, DueQuestionnaire, MeasureSchedule
from clients.services.measures import instrument_for
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError

# Questionnaires open this long before the session they belong to.
OPENS_BEFORE_SESSION = dt.timedelta(days=2)


def measure_schedule_set(
    *, client: Client, actor, instrument: str, every_n_sessions: int, expires_after_days: int, active: bool = True
) -> MeasureSchedule:
    if instrument_for(client.practice_id, instrument) is None:
        raise DomainError(f"Unknown instrument {instrument!r}.", field="instrument")
    if not 1 <= every_n_sessions <= 52:
        raise DomainError("Choose every 1 to 52 sessions.", field="every_n_sessions")
    if not 1 <= expires_after_days <= 30:
        raise DomainError("Questionnaires expire after 1 to 30 days.", field="expires_after_days")
    with transaction.atomic():
        schedule, created = MeasureSchedule.objects.update_or_create(
            client=client,
            instrument=instrument,
            defaults={"every_n_sessions": every_n_sessions, "expires_after_days": expires_after_days, "active": active},
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            target=schedule,
            client_id=client.pk,
            fields=["instrument", "every_n_sessions", "expires_after_days", "active"],
        )
    return schedule


def create_due_questionnaires(now: dt.datetime | None = None, horizon: dt.timedelta = OPENS_BEFORE_SESSION) -> int:
    """Open questionnaires for sessions starting within `horizon`. Idempotent (unique per session)."""
    from sessions.models import Session

    now = now or timezone.now()
    created = 0
    schedules = MeasureSchedule.objects.filter(active=True, client__status=Client.Status.ACTIVE).select_related(
        "client"
    )
    by_client: dict[int, list[MeasureSchedule]] = {}
    for schedule in schedules:
        by_client.setdefault(schedule.client_id, []).append(schedule)
    if not by_client:
        return 0
    counted_statuses = ["scheduled", "attended", "no_show", "late_cancelled"]
    ordered = (
        Session.objects.filter(client_id__in=by_client, status__in=counted_statuses, starts_at__lte=now + horizon)
        .order_by("client_id", "starts_at", "id")
        .values_list("client_id", "id", "starts_at", "status")
    )
    number_by_client: dict[int, int] = {}
    for client_id, session_id, starts_at, status in ordered:
        number = number_by_client[client_id] = number_by_client.get(client_id, 0) + 1
        if status != "scheduled" or starts_at < now:
            continue
        for schedule in by_client[client_id]:
            if number % schedule.every_n_sessions:
                continue
            try:
                with transaction.atomic():
                    DueQuestionnaire.objects.create(
                        client_id=client_id,
                        instrument=schedule.instrument,
                        session_id=session_id,
                        due_at=starts_at,
                        expires_at=starts_at + dt.timedelta(days=schedule.expires_after_days),
                    )
                created += 1
            except IntegrityError:
                continue  # already opened for this session
    return created

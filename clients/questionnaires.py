"""Due questionnaires over time: opened before the sessions they belong to, expired when late.

Domain functions (no service imports), called by ``clients.tasks`` on the beat schedule. Both
are idempotent: a questionnaire is opened once per session (unique per session) and expiring
touches only pending rows.

Each row belongs to its session (`session`, `due_at` = the session's start): it opens the
practice's window before it (`MeasurementProtocol.opens_before_hours`, stored as `opens_at`),
expires `expires_after_days` after it, and the administration that completes it counts toward
that session (clients.services.measures.assessment_record). A schedule with
`min_days_between` skips a session when the instrument was already opened or given within
that many days before it (PCL-5 "monthly"). A reminder (w-reminders' machinery) needs only
client, due_at, expires_at and status, all stored here.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Assessment, Client, DueQuestionnaire, MeasurementProtocol, MeasureSchedule

# Questionnaires open this long before the session they belong to.
OPENS_BEFORE_SESSION = dt.timedelta(days=2)


def _windows(practice_ids) -> dict[int, dt.timedelta]:
    rows = MeasurementProtocol.objects.filter(practice_id__in=practice_ids).values_list(
        "practice_id", "opens_before_hours"
    )
    return {practice_id: dt.timedelta(hours=hours) for practice_id, hours in rows}


def _recently_given(client_id: int, instrument: str, before: dt.datetime, days: int) -> bool:
    since = before - dt.timedelta(days=days)
    opened = DueQuestionnaire.objects.filter(
        client_id=client_id, instrument=instrument, due_at__gt=since, due_at__lt=before
    ).exclude(status=DueQuestionnaire.Status.EXPIRED)
    given = Assessment.objects.filter(
        client_id=client_id, instrument=instrument, administered_at__gt=since, administered_at__lt=before
    )
    return opened.exists() or given.exists()


def create_due_questionnaires(now: dt.datetime | None = None, horizon: dt.timedelta | None = None) -> int:
    """Open questionnaires for sessions starting within each practice's window (or `horizon`).

    Idempotent (unique per session)."""
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
    practice_of = {schedule.client_id: schedule.client.practice_id for schedule in schedules}
    windows = _windows(set(practice_of.values()))
    widest = horizon or max([OPENS_BEFORE_SESSION, *windows.values()])
    counted_statuses = ["scheduled", "attended", "no_show", "late_cancelled"]
    ordered = (
        Session.objects.filter(client_id__in=by_client, status__in=counted_statuses, starts_at__lte=now + widest)
        .order_by("client_id", "starts_at", "id")
        .values_list("client_id", "id", "starts_at", "status")
    )
    number_by_client: dict[int, int] = {}
    for client_id, session_id, starts_at, status in ordered:
        number = number_by_client[client_id] = number_by_client.get(client_id, 0) + 1
        window = horizon or windows.get(practice_of[client_id], OPENS_BEFORE_SESSION)
        if status != "scheduled" or starts_at < now or starts_at > now + window:
            continue
        for schedule in by_client[client_id]:
            if number % schedule.every_n_sessions:
                continue
            if DueQuestionnaire.objects.filter(
                client_id=client_id, instrument=schedule.instrument, session_id=session_id
            ).exists():
                continue
            if schedule.min_days_between and _recently_given(
                client_id, schedule.instrument, starts_at, schedule.min_days_between
            ):
                continue
            try:
                with transaction.atomic():
                    DueQuestionnaire.objects.create(
                        client_id=client_id,
                        instrument=schedule.instrument,
                        session_id=session_id,
                        due_at=starts_at,
                        opens_at=starts_at - window,
                        expires_at=starts_at + dt.timedelta(days=schedule.expires_after_days),
                    )
                created += 1
            except IntegrityError:
                continue  # already opened for this session
    return created


def expire_due_questionnaires(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return DueQuestionnaire.objects.filter(status=DueQuestionnaire.Status.PENDING, expires_at__lte=now).update(
        status=DueQuestionnaire.Status.EXPIRED
    )

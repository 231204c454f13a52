"""Due questionnaires over time: opened before the sessions they belong to, expired when late.

Domain functions (no service imports), called by ``clients.tasks`` on the beat schedule. Both
are idempotent: a questionnaire is opened once per session (unique per session) and expiring
touches only pending rows.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Client, DueQuestionnaire, MeasureSchedule

# Questionnaires open this long before the session they belong to.
OPENS_BEFORE_SESSION = dt.timedelta(days=2)


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


def expire_due_questionnaires(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return DueQuestionnaire.objects.filter(status=DueQuestionnaire.Status.PENDING, expires_at__lte=now).update(
        status=DueQuestionnaire.Status.EXPIRED
    )

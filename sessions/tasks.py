"""Celery tasks for sessions: periodic homework sweeps (one domain call each)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from practice.tasks_support import time_limits
from sessions.homework_sweeps import mark_missed, reminders_send

logger = logging.getLogger(__name__)


@shared_task(
    name="sessions.mark_missed_homework",
    acks_late=True,
    **time_limits(),
)
def mark_missed_homework() -> int:
    """Beat: past-due assigned/in-progress homework becomes missed (idempotent)."""
    changed = mark_missed(timezone.now())
    logger.info("marked %s homework assignments missed", changed)
    return changed


@shared_task(name="sessions.send_reminders", acks_late=True, **time_limits())
def send_reminders() -> int:
    """Beat: email clients whose reminder hour is now. The email carries no clinical content."""
    sent = reminders_send(timezone.now())
    logger.info("sent %s homework reminders", sent)
    return sent


@shared_task(name="sessions.send_due_client_reminders", acks_late=True, **time_limits())
def send_due_client_reminders() -> int:
    """Beat (every 5 minutes): plan what is missing, then publish one send per due reminder."""
    from practice.tasks_support import safe_delay
    from sessions.reminders import reminders_due, reminders_plan

    reminders_plan()
    due = reminders_due()
    for reminder_id in due:
        safe_delay(send_client_reminder, reminder_id)
    logger.info("published %s due client reminders", len(due))
    return len(due)


@shared_task(name="sessions.send_client_reminder", acks_late=True, **time_limits(60, 45))
def send_client_reminder(reminder_id: int) -> bool:
    """Send one appointment or questionnaire reminder; claimed first, so a redelivery sends nothing."""
    from sessions.reminders import reminder_deliver

    return reminder_deliver(reminder_id)


@shared_task(name="sessions.extend_series", acks_late=True, **time_limits())
def extend_series() -> int:
    """Beat: create recurring sessions up to the horizon (idempotent: the series row is locked
    and remembers how far it is materialised)."""
    from sessions.recurrence import HORIZON_WEEKS, series_extend, series_to_extend

    created = sum(series_extend(series_id=series_id) for series_id in series_to_extend(weeks=HORIZON_WEEKS))
    logger.info("created %s recurring sessions", created)
    return created


@shared_task(name="sessions.note_draft_generate", acks_late=True, **time_limits(180, 150))
def note_draft_generate(draft_id: int) -> str | None:
    """Write one note draft (issue 18): the drafter, then the faithfulness check. Idempotent:
    only a queued draft is claimed, so a redelivery does nothing."""
    from sessions.drafting.run import draft_generate

    status = draft_generate(draft_id)
    logger.info("note draft %s: %s", draft_id, status)
    return status

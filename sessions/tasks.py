"""Celery tasks for sessions: periodic homework sweeps (one domain call each)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from practice.tasks_support import time_limits

logger = logging.getLogger(__name__)


@shared_task(
    name="sessions.mark_missed_homework",
    acks_late=True,
    **time_limits(),
)
def mark_missed_homework() -> int:
    """Beat: past-due assigned/in-progress homework becomes missed (idempotent)."""
    from sessions.services.homework import mark_missed

    changed = mark_missed(timezone.now())
    logger.info("marked %s homework assignments missed", changed)
    return changed


@shared_task(name="sessions.send_reminders", acks_late=True, **time_limits())
def send_reminders() -> int:
    """Beat: email clients whose reminder hour is now. The email carries no clinical content."""
    from sessions.services.homework import reminders_send

    sent = reminders_send(timezone.now())
    logger.info("sent %s homework reminders", sent)
    return sent


@shared_task(name="sessions.extend_series", acks_late=True, **time_limits())
def extend_series() -> int:
    """Beat: create recurring sessions up to the horizon (idempotent: the series row is locked
    and remembers how far it is materialised)."""
    from sessions.recurrence import HORIZON_WEEKS, series_extend
    from sessions.selectors import series_to_extend

    created = sum(series_extend(series_id=series_id) for series_id in series_to_extend(weeks=HORIZON_WEEKS))
    logger.info("created %s recurring sessions", created)
    return created

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

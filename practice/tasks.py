"""Celery tasks for practice-wide plumbing: the notification outbox (see practice/outbox.py)."""

from __future__ import annotations

from celery import shared_task

from practice.tasks_support import time_limits


@shared_task(name="practice.send_notification", acks_late=True, **time_limits(60, 45))
def send_notification(notification_id: int) -> bool:
    """Send one outbox row. No Celery retries: the beat sweeper re-sends with backoff."""
    from practice.outbox import outbox_deliver

    return outbox_deliver(int(notification_id))


@shared_task(name="practice.sweep_outbox", acks_late=True, **time_limits(180, 150))
def sweep_outbox() -> int:
    """Re-send outbox rows the on-commit task did not deliver (broker or SMTP outage)."""
    from practice.outbox import outbox_sweep

    return outbox_sweep()

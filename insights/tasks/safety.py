"""Escalation for alerts (alerts and their notices are written in-request, see practice/outbox.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from practice.tasks_support import time_limits

logger = logging.getLogger(__name__)


@shared_task(
    name="insights.notify_alert",
    acks_late=True,
    **time_limits(60, 50),
)
def notify_alert(alert_id: int) -> None:
    """Kept for messages queued before the notification outbox: new alerts write an outbox row
    (practice/outbox.py) instead, and the outbox sweeper does the retrying."""
    from insights.models import Alert
    from insights.notifications import notify_alert_created

    alert = (
        Alert.objects.filter(pk=alert_id).select_related("client__primary_therapist__user", "client__practice").first()
    )
    if alert is None:
        logger.info("alert %s is gone; nothing to notify", alert_id)
        return
    notify_alert_created(alert)


@shared_task(name="insights.escalate_overdue_alerts", acks_late=True, **time_limits())
def escalate_overdue_alerts() -> int:
    from insights.notifications import escalate_overdue

    return escalate_overdue()

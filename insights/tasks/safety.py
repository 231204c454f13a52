"""Notification fan-out and escalation for alerts. Alerts themselves are created in-request."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="insights.notify_alert",
    acks_late=True,
    time_limit=60,
    soft_time_limit=50,
    max_retries=5,
    autoretry_for=(ConnectionError, OSError),
    retry_backoff=True,
)
def notify_alert(alert_id: int) -> None:
    from insights.models import Alert
    from insights.notifications import notify_alert_created

    alert = (
        Alert.objects.filter(pk=alert_id).select_related("client__primary_therapist__user", "client__practice").first()
    )
    if alert is None:
        logger.info("alert %s is gone; nothing to notify", alert_id)
        return
    notify_alert_created(alert)


@shared_task(name="insights.escalate_overdue_alerts", acks_late=True, time_limit=300, soft_time_limit=240)
def escalate_overdue_alerts() -> int:
    from insights.notifications import escalate_overdue

    return escalate_overdue()

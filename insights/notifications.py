"""Alert notifications and escalation. Messages carry no clinical content or client names."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from insights.models import Alert
from practice.audit import AuditAction, audit_record
from practice.models import Membership
from practice.roles import Role

logger = logging.getLogger(__name__)

SUBJECT = "Alliance: a client alert needs your attention"


def _body(alert: Alert, escalated: bool) -> str:
    lead = (
        "An alert on a client's record was not acknowledged in time and has been escalated to you."
        if escalated
        else "A new alert was raised on one of your clients."
    )
    return (
        f"{lead}\n\nSeverity: {alert.severity}\nAcknowledge by: {alert.acknowledge_by:%Y-%m-%d %H:%M %Z}\n\n"
        "Sign in to Alliance to review it. For privacy this email contains no client details."
    )


def notify_alert_created(alert: Alert) -> None:
    therapist = alert.client.primary_therapist
    if therapist is None or alert.notified_at is not None:
        return
    send_mail(SUBJECT, _body(alert, escalated=False), settings.DEFAULT_FROM_EMAIL, [therapist.user.email])
    Alert.objects.filter(pk=alert.pk, notified_at__isnull=True).update(notified_at=timezone.now())


def _escalation_targets(alert: Alert, level: int) -> list[Membership]:
    practice = alert.client.practice
    if level == 1:
        return [practice.backup_clinician] if practice.backup_clinician_id else []
    return list(Membership.objects.filter(practice=practice, role=Role.MANAGER, is_active=True).select_related("user"))


def escalate_overdue(now=None) -> int:
    """Escalate open alerts past their deadline: backup clinician first, then the managers.

    Each level waits one more acknowledgement window. Idempotent: a level is raised with a
    conditional update, so two beat runs never escalate the same alert twice.
    """
    now = now or timezone.now()
    escalated = 0
    overdue = Alert.objects.filter(
        status=Alert.Status.OPEN, acknowledge_by__lte=now, escalation_level__lt=2
    ).select_related("client__practice__backup_clinician__user")
    for alert in overdue:
        window = alert.acknowledge_by - alert.created_at
        if alert.escalation_level == 1 and alert.escalated_at and now < alert.escalated_at + window:
            continue
        level = alert.escalation_level + 1
        with transaction.atomic():
            updated = Alert.objects.filter(
                pk=alert.pk, escalation_level=alert.escalation_level, status=Alert.Status.OPEN
            ).update(escalation_level=F("escalation_level") + 1, escalated_at=now)
            if not updated:
                continue
            audit_record(
                actor=None,
                action=AuditAction.ESCALATE,
                target=alert,
                client_id=alert.client_id,
                practice_id=alert.client.practice_id,
                fields=["escalation_level"],
            )
        recipients = [member.user.email for member in _escalation_targets(alert, level) if member and member.is_active]
        if recipients:
            try:
                send_mail(SUBJECT, _body(alert, escalated=True), settings.DEFAULT_FROM_EMAIL, recipients)
            except Exception:
                logger.warning("escalation mail for alert %s failed", alert.pk, exc_info=True)
        escalated += 1
    return escalated

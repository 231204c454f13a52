"""Alert notifications and escalation, through the notification outbox (practice/outbox.py).

Messages carry no clinical content or client names."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from insights.models import Alert
from practice.audit import AuditAction, audit_record
from practice.models import Membership, Notification
from practice.outbox import outbox_deliver, outbox_enqueue
from practice.roles import Role

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


def alert_created_enqueue(alert: Alert, *, send_on_commit: bool = True) -> Notification | None:
    """Put the "new alert" notice for the primary therapist in the outbox.

    Call inside the transaction that creates the alert: the notice commits with it."""
    therapist = alert.client.primary_therapist
    if therapist is None:
        return None
    return outbox_enqueue(
        kind="alert_created",
        to=[therapist.user.email],
        subject=SUBJECT,
        body=_body(alert, escalated=False),
        dedupe_key=f"alert:{alert.pk}:created",
        practice_id=alert.client.practice_id,
        target=alert,
        send_on_commit=send_on_commit,
    )


def notify_alert_created(alert: Alert) -> None:
    """Deliver the notice for an alert now (messages queued before the outbox existed)."""
    if alert.notified_at is not None:
        return
    with transaction.atomic():
        notification = alert_created_enqueue(alert, send_on_commit=False)
    if notification is not None:
        outbox_deliver(notification.pk)


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
            recipients = [
                member.user.email for member in _escalation_targets(alert, level) if member and member.is_active
            ]
            # The notice commits with the new level; the outbox sweeper re-sends it if the
            # mail below fails, so an escalation is never silently lost.
            notification = (
                outbox_enqueue(
                    kind="alert_escalated",
                    to=recipients,
                    subject=SUBJECT,
                    body=_body(alert, escalated=True),
                    dedupe_key=f"alert:{alert.pk}:escalation:{level}",
                    practice_id=alert.client.practice_id,
                    target=alert,
                    send_on_commit=False,
                )
                if recipients
                else None
            )
        if notification is not None:
            outbox_deliver(notification.pk)
        escalated += 1
    return escalated

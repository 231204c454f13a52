"""Celery tasks for the client record (ids in, one domain call each)."""

from __future__ import annotations

from celery import shared_task

from clients.questionnaires import create_due_questionnaires as create
from clients.questionnaires import expire_due_questionnaires as expire
from practice.tasks_support import time_limits


@shared_task(name="clients.expire_due_questionnaires", acks_late=True, **time_limits())
def expire_due_questionnaires() -> int:
    return expire()


@shared_task(name="clients.create_due_questionnaires", acks_late=True, **time_limits())
def create_due_questionnaires() -> int:
    return create()


@shared_task(
    name="clients.notify_break_glass",
    acks_late=True,
    **time_limits(60, 45),
)
def notify_break_glass(grant_id: int) -> int:
    """Kept for messages queued before the notification outbox: new grants write an outbox row
    (practice/outbox.py) instead, and the outbox sweeper does the retrying."""
    from clients.models import BreakGlassGrant
    from clients.notifications import notify_break_glass_opened

    grant = (
        BreakGlassGrant.objects.filter(pk=grant_id)
        .select_related("client__primary_therapist__user", "granted_to__user")
        .first()
    )
    if grant is None:
        return 0
    return notify_break_glass_opened(grant)

"""Celery tasks for the client record (ids in, one domain call each)."""

from __future__ import annotations

from celery import shared_task

from clients.questionnaires import create_due_questionnaires as create
from clients.questionnaires import expire_due_questionnaires as expire


@shared_task(name="clients.expire_due_questionnaires", acks_late=True, time_limit=300, soft_time_limit=240)
def expire_due_questionnaires() -> int:
    return expire()


@shared_task(name="clients.create_due_questionnaires", acks_late=True, time_limit=300, soft_time_limit=240)
def create_due_questionnaires() -> int:
    return create()


@shared_task(
    name="clients.notify_break_glass",
    acks_late=True,
    time_limit=60,
    soft_time_limit=45,
    autoretry_for=(OSError,),  # SMTP and socket errors
    retry_backoff=True,
    max_retries=5,
)
def notify_break_glass(grant_id: int) -> int:
    """Announce an opened break-glass grant to the client's therapist and the managers."""
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

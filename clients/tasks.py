"""Celery tasks for the client record (ids in, one domain call each)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="clients.expire_due_questionnaires", acks_late=True, time_limit=300, soft_time_limit=240)
def expire_due_questionnaires() -> int:
    from clients.services.measures import expire_due_questionnaires as expire

    return expire()


@shared_task(name="clients.create_due_questionnaires", acks_late=True, time_limit=300, soft_time_limit=240)
def create_due_questionnaires() -> int:
    from clients.services.schedules import create_due_questionnaires as create

    return create()

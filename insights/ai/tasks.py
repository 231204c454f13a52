"""Celery tasks for the AI adjuncts (ids in, one domain call each)."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="insights.ai_refresh_client",
    acks_late=True,
    time_limit=300,
    soft_time_limit=240,
)
def ai_refresh_client(client_id: int) -> None:
    """Recompute a consenting client's stored recommendations, affect and reminder timing.

    Idempotent: an unchanged recomputation reuses the stored rows. Without AI consent it
    computes and stores nothing.
    """
    from clients.models import Client
    from insights.ai.services import ai_refresh_client as refresh

    client = Client.objects.filter(pk=client_id).select_related("practice").first()
    if client is None:
        logger.info("client %s is gone; no AI refresh", client_id)
        return
    if not refresh(client=client):
        logger.info("client %s has no AI consent; nothing computed", client_id)

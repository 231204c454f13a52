"""Celery tasks for the AI adjuncts (ids in, one domain call each)."""

from __future__ import annotations

import logging

from celery import shared_task

from practice.tasks_support import time_limits

logger = logging.getLogger(__name__)


@shared_task(
    name="insights.ai_refresh_client",
    acks_late=True,
    **time_limits(),
)
def ai_refresh_client(client_id: int) -> None:
    """Recompute a consenting client's stored recommendations, affect and reminder timing.

    Idempotent: an unchanged recomputation reuses the stored rows. Without AI consent it
    computes and stores nothing.
    """
    from clients.models import Client
    from insights.ai.refresh import ai_refresh_client as refresh

    client = Client.objects.filter(pk=client_id).select_related("practice").first()
    if client is None:
        logger.info("client %s is gone; no AI refresh", client_id)
        return
    if not refresh(client=client):
        logger.info("client %s has no AI consent; nothing computed", client_id)


@shared_task(name="insights.ai_refresh_consenting", acks_late=True, **time_limits())
def ai_refresh_consenting() -> int:
    """Nightly: queue one AI refresh per active client with AI consent (ids only)."""
    from clients.models import Client, Consent
    from practice.tasks_support import safe_delay

    client_ids = (
        Client.objects.filter(
            status=Client.Status.ACTIVE, consents__kind=Consent.Kind.AI_PROCESSING, consents__revoked_at__isnull=True
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    return sum(1 for client_id in client_ids.iterator() if safe_delay(ai_refresh_client, client_id))

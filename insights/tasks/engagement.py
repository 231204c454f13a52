"""Celery tasks for engagement insights: thin wrappers that take ids and call one domain function.

Every task is idempotent (snapshots are upserts behind the OneToOne on client), so a task
delivered twice, or redelivered after a worker died, leaves the same state. Only errors that
can succeed on a later try (database/broker connection trouble) are retried, with backoff.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError

from practice.tasks_support import time_limits

logger = logging.getLogger(__name__)

RETRYABLE = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRY = {
    "autoretry_for": RETRYABLE,
    "retry_backoff": 5,
    # Below the broker visibility timeout: a retry waiting longer than that (an ETA message
    # held unacknowledged by the worker) would be handed out a second time.
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(
    name="insights.recompute_client",
    acks_late=True,
    **time_limits(120, 100),
    **RETRY,
)
def recompute_client(client_id: int) -> None:
    from clients.models import Client
    from insights import engagement

    # Writes from here on enqueue a fresh recompute instead of being coalesced into this one
    # (insights.freshness holds this key for a few seconds after the first write).
    try:
        cache.delete(f"insights:recompute-pending:{client_id}")
    except Exception:  # the cache is an optimisation; the sweeper covers misses
        logger.warning("could not clear the recompute coalescing key", exc_info=True)
    client = Client.objects.filter(pk=client_id).only("id", "user_id", "status", "created_at").first()
    if client is None:
        logger.info("client %s is gone; no engagement snapshot to compute", client_id)
        return
    engagement.recompute_client(client)


@shared_task(
    name="insights.recompute_all",
    acks_late=True,
    **time_limits(),
    **RETRY,
)
def recompute_all(batch_size: int = 1000) -> int:
    from insights import engagement

    return engagement.recompute_all(batch_size=int(batch_size))


@shared_task(
    name="insights.sweep_stale",
    acks_late=True,
    **time_limits(),
    **RETRY,
)
def sweep_stale(limit: int = 2000) -> int:
    from insights import engagement

    return engagement.sweep_stale(limit=int(limit))

"""Celery tasks for insights: thin wrappers that take ids and call one domain function."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="insights.recompute_client", acks_late=True, time_limit=300, soft_time_limit=240)
def recompute_client(client_id: int) -> None:
    # Placeholder until the insights engine lands; replaced by engagement recompute.
    logger.info("recompute requested for client %s", client_id)

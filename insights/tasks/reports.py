"""Celery tasks for practice reports (ids in, one domain call each)."""

from __future__ import annotations

import logging

from celery import shared_task

from practice.tasks_support import safe_delay, time_limits

logger = logging.getLogger(__name__)


@shared_task(name="insights.refresh_practice_aggregates", acks_late=True, **time_limits())
def refresh_practice_aggregates(practice_id: int | None = None) -> int:
    """Refresh one practice's monthly aggregates, or (no id) fan out one task per practice.

    An idempotent upsert: a task delivered twice leaves the same rows as once.
    """
    from practice.models import Practice

    if practice_id is None:
        practice_ids = list(Practice.objects.order_by("pk").values_list("pk", flat=True))
        for each in practice_ids:
            safe_delay(refresh_practice_aggregates, each)
        return len(practice_ids)

    from insights.reports.aggregates import refresh_practice_aggregates as refresh

    practice = Practice.objects.filter(pk=practice_id).first()
    if practice is None:
        logger.info("practice %s is gone; no aggregates to refresh", practice_id)
        return 0
    return refresh(practice).rows

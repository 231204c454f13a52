"""Enqueueing that can never fail or roll back the write that triggered it."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

logger = logging.getLogger("alliance.tasks")


def safe_delay(task, *args) -> bool:
    """Publish `task(*args)`; on a broker failure log and return False.

    Whatever the task would have done is recoverable: snapshots stay marked stale and the
    sweeper (Celery beat) reconciles them once the broker is back.
    """
    try:
        task.delay(*args)
    except Exception:
        logger.warning("could not enqueue %s%s; the sweeper will recover it", task.name, args, exc_info=True)
        return False
    return True


def enqueue_on_commit(task, *args) -> None:
    """Publish after the surrounding transaction commits. Args must be primitive ids."""
    for arg in args:
        if not isinstance(arg, (int, str)) or isinstance(arg, bool):
            raise TypeError(f"task arguments must be ids, not {type(arg).__name__}")
    transaction.on_commit(lambda: safe_delay(task, *args))


def time_limits(hard: int | None = None, soft: int | None = None) -> dict[str, int]:
    """`shared_task` keyword arguments: the task's own limits, capped by the project-wide ones.

    settings keep CELERY_TASK_TIME_LIMIT below the broker visibility timeout, so no task can
    outlive it: a task still running when its message becomes visible again would be handed
    to a second worker, and a killed worker's task is redelivered once the timeout passes.
    Without arguments the task gets the project-wide limits.
    """
    ceiling = settings.CELERY_TASK_TIME_LIMIT
    soft_ceiling = settings.CELERY_TASK_SOFT_TIME_LIMIT
    hard = min(hard or ceiling, ceiling)
    soft = min(soft or soft_ceiling, soft_ceiling, hard - 1)
    return {"time_limit": hard, "soft_time_limit": soft}

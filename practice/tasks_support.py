"""Enqueueing that can never fail or roll back the write that triggered it."""

from __future__ import annotations

import logging

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

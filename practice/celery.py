from __future__ import annotations

import logging
import os
import time

from celery import Celery
from celery.signals import before_task_publish, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")

app = Celery("alliance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Queue lag (enqueue to start), logged by the worker for every task it starts: the publisher
# stamps the message, the worker logs `task <name> queue=<queue> lag_ms=<n>` at INFO on
# "alliance.tasks.lag" (docs/capacity.md reads it; benchmarks/loadtest.py parses it).
ENQUEUED_AT = "alliance_enqueued_at"
lag_logger = logging.getLogger("alliance.tasks.lag")


@before_task_publish.connect(weak=False)
def stamp_enqueued_at(headers=None, **kwargs) -> None:
    if isinstance(headers, dict):
        headers.setdefault(ENQUEUED_AT, time.time())


@task_prerun.connect(weak=False)
def log_queue_lag(task=None, **kwargs) -> None:
    request = getattr(task, "request", None)
    if request is None or request.is_eager:
        return
    stamp = getattr(request, ENQUEUED_AT, None) or (request.headers or {}).get(ENQUEUED_AT)
    if stamp is None:  # published by a process without this hook (or before it existed)
        return
    try:
        lag_ms = max(0, round((time.time() - float(stamp)) * 1000))
    except (TypeError, ValueError):
        return
    queue = (request.delivery_info or {}).get("routing_key") or "?"
    lag_logger.info("task %s queue=%s lag_ms=%d", task.name, queue, lag_ms)

"""Celery queue routing (practice/settings.py CELERY_TASK_ROUTES; deploy/ runs a worker per queue).

Safety notices, analytics recomputes and AI refreshes each have their own queue, so a backlog in
one never delays another; every worker that is meant to run everything listens on every queue.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

from django.conf import settings

from practice.celery import app

ROOT = Path(__file__).resolve().parent.parent


def _registered() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def _queue(name: str) -> str:
    route = app.amqp.router.route({}, name)
    return route["queue"].name


def test_every_route_names_a_registered_task_and_a_known_queue():
    registered = _registered()
    for pattern, route in settings.CELERY_TASK_ROUTES.items():
        assert fnmatch.filter(registered, pattern), f"route {pattern!r} matches no task"
        assert route["queue"] in settings.TASK_QUEUES_ALL


def test_tasks_go_to_their_queues():
    registered = _registered()
    expected = {
        "practice.send_notification": "safety",
        "practice.sweep_outbox": "safety",
        "insights.notify_alert": "safety",
        "insights.escalate_overdue_alerts": "safety",
        "clients.notify_break_glass": "safety",
        "insights.recompute_client": "analytics",
        "insights.recompute_all": "analytics",
        "insights.sweep_stale": "analytics",
        "insights.refresh_practice_aggregates": "analytics",
        "insights.ai_refresh_client": "ai",
        "insights.ai_refresh_consenting": "ai",
        "sessions.send_reminders": "celery",
    }
    for name, queue in expected.items():
        assert name in registered
        assert _queue(name) == queue, name
    # Any task not routed lands on the default queue, which every all-queue worker consumes.
    for name in registered:
        assert _queue(name) in settings.TASK_QUEUES_ALL


def test_all_queue_workers_consume_every_queue():
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"^WORKER_QUEUES \?= (\S+)$", makefile, re.MULTILINE)
    assert match and set(match.group(1).split(",")) == set(settings.TASK_QUEUES_ALL)
    assert "-Q $(WORKER_QUEUES)" in makefile
    conftest = (ROOT / "tests" / "integration" / "conftest.py").read_text()
    assert '",".join(settings.TASK_QUEUES_ALL)' in conftest


def test_published_tasks_are_stamped_and_the_worker_logs_their_queue_lag(caplog):
    """The publisher stamps each message; the worker logs enqueue-to-start lag per task."""
    import logging
    import time
    from types import SimpleNamespace

    from practice.celery import ENQUEUED_AT, log_queue_lag, stamp_enqueued_at

    headers: dict = {}
    stamp_enqueued_at(headers=headers)
    assert abs(headers[ENQUEUED_AT] - time.time()) < 5

    request = SimpleNamespace(
        is_eager=False, headers={ENQUEUED_AT: time.time() - 2.5}, delivery_info={"routing_key": "safety"}
    )
    task = SimpleNamespace(name="practice.send_notification", request=request)
    with caplog.at_level(logging.INFO, logger="alliance.tasks.lag"):
        log_queue_lag(task=task)
    (record,) = [r for r in caplog.records if r.name == "alliance.tasks.lag"]
    message = record.getMessage()
    assert message.startswith("task practice.send_notification queue=safety lag_ms=")
    assert 2400 <= int(message.rsplit("=", 1)[1]) < 10_000

    caplog.clear()
    eager = SimpleNamespace(name="x", request=SimpleNamespace(is_eager=True, headers={}, delivery_info={}))
    with caplog.at_level(logging.INFO, logger="alliance.tasks.lag"):
        log_queue_lag(task=eager)
    assert not [r for r in caplog.records if r.name == "alliance.tasks.lag"]

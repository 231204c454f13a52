"""Celery configuration invariants and the insights tasks (run eagerly here; see
tests/integration/test_worker.py for a real worker and broker)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError

from insights import tasks
from insights.models import EngagementSnapshot
from practice.celery import app
from tests.factories import CheckInFactory, ClientFactory


def registered_tasks() -> dict:
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def visibility_timeout() -> int:
    return app.conf.broker_transport_options["visibility_timeout"]


def test_celery_settings_invariants():
    conf = app.conf
    assert conf.task_time_limit < visibility_timeout()
    assert conf.task_soft_time_limit < conf.task_time_limit
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.result_extended is False
    assert list(conf.accept_content) == ["json"]
    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"


def test_every_registered_task_has_a_time_limit_below_the_visibility_timeout():
    found = registered_tasks()
    assert {"insights.recompute_client", "insights.recompute_all", "insights.sweep_stale"} <= set(found)
    for name, task in found.items():
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert hard, f"{name} has no time limit"
        assert task.time_limit is not None, f"{name}: give it its own limit (practice.tasks_support.time_limits)"
        assert hard < visibility_timeout(), f"{name}: time limit {hard}s would outlive the visibility timeout"
        assert soft is None or soft < hard, f"{name}: soft limit must fire before the hard one"
        assert task.acks_late is True, f"{name} must ack late"
        if getattr(task, "autoretry_for", ()):
            # A retry's countdown is an unacknowledged ETA message: past the timeout, a duplicate.
            assert task.retry_backoff_max < visibility_timeout(), f"{name}: retry backoff outlives the timeout"


def test_every_beat_entry_names_a_registered_task():
    found = registered_tasks()
    for entry, schedule in settings.CELERY_BEAT_SCHEDULE.items():
        assert schedule["task"] in found, f"beat entry {entry} names no registered task"


def test_a_task_limit_is_capped_below_the_visibility_timeout(settings):
    from practice.tasks_support import time_limits

    settings.CELERY_TASK_TIME_LIMIT = 100
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 90
    assert time_limits() == {"time_limit": 100, "soft_time_limit": 90}
    assert time_limits(60, 45) == {"time_limit": 60, "soft_time_limit": 45}
    assert time_limits(600, 540) == {"time_limit": 100, "soft_time_limit": 90}
    assert time_limits(60, 90) == {"time_limit": 60, "soft_time_limit": 59}


@pytest.mark.parametrize("name", ["insights.recompute_client", "insights.recompute_all", "insights.sweep_stale"])
def test_insights_tasks_retry_only_retryable_errors_a_bounded_number_of_times(name):
    task = registered_tasks()[name]
    assert task.name == name
    assert OperationalError in task.autoretry_for
    assert not any(issubclass(ValueError, error) or error is Exception for error in task.autoretry_for)
    assert 0 < task.max_retries <= 10
    assert task.retry_backoff


@pytest.mark.django_db
def test_recompute_client_for_a_deleted_client_does_nothing():
    assert tasks.recompute_client.apply(args=[987654]).successful()
    assert not EngagementSnapshot.objects.exists()


@pytest.mark.django_db
def test_recompute_client_delivered_twice_leaves_the_same_state(client_record):
    CheckInFactory(client=client_record, mood=4)
    tasks.recompute_client.apply(args=[client_record.pk])
    first = EngagementSnapshot.objects.values(
        "client_id", "stale", "metrics", "disengagement_risk", "low_engagement", "watermark"
    ).get()
    tasks.recompute_client.apply(args=[client_record.pk])
    assert EngagementSnapshot.objects.count() == 1
    second = EngagementSnapshot.objects.values(
        "client_id", "stale", "metrics", "disengagement_risk", "low_engagement", "watermark"
    ).get()
    assert second == first


@pytest.mark.django_db
def test_recompute_client_retries_a_database_outage_then_succeeds(client_record):
    from insights import engagement

    real = engagement.recompute_client
    calls = []

    def flaky(client):
        calls.append(client.pk)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(client)

    with mock.patch.object(engagement, "recompute_client", side_effect=flaky):
        result = tasks.recompute_client.apply(args=[client_record.pk])
    assert result.successful()
    assert calls == [client_record.pk, client_record.pk]
    assert EngagementSnapshot.objects.filter(client=client_record).exists()


@pytest.mark.django_db
def test_recompute_client_does_not_retry_a_programming_error(client_record):
    from insights import engagement

    with mock.patch.object(engagement, "recompute_client", side_effect=ValueError("bug")) as broken:
        result = tasks.recompute_client.apply(args=[client_record.pk])
    assert result.failed()
    assert broken.call_count == 1


@pytest.mark.django_db
def test_recompute_all_and_sweep_stale_tasks(therapist):
    clients = [
        ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice) for _ in range(3)
    ]
    assert tasks.sweep_stale.apply(args=[2]).get() == 2
    assert tasks.sweep_stale.apply().get() == 1
    assert tasks.sweep_stale.apply().get() == 0
    EngagementSnapshot.objects.update(stale=True)
    assert tasks.recompute_all.apply(args=[2]).get() == 3
    assert EngagementSnapshot.objects.filter(stale=False).count() == len(clients)


def test_beat_schedule_names_the_insights_tasks():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"insights.sweep_stale", "insights.recompute_all"} <= scheduled

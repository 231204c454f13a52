"""Reliability of the insights pipeline against a real worker, Redis and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from insights import engagement
from insights.models import EngagementSnapshot
from insights.tasks import recompute_client
from practice.celery import app
from sessions.models import CheckIn, HomeworkAssignment
from tests.conftest import as_user
from tests.factories import CheckInFactory, ClientFactory, HomeworkAssignmentFactory
from tests.integration.conftest import DEAD_BROKER, broker_at, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

INSIGHTS_TASKS = ("insights.recompute_client", "insights.recompute_all", "insights.sweep_stale")


def state(exclude: tuple[int, ...] = ()) -> dict:
    """Everything a recompute decides, per client (computed_at is when, not what)."""
    rows = EngagementSnapshot.objects.exclude(client_id__in=exclude).values(
        "client_id", "stale", "metrics", "disengagement_risk", "low_engagement", "watermark"
    )
    return {row["client_id"]: row for row in rows}


def computed_after(client_id: int, moment: dt.datetime) -> bool:
    return EngagementSnapshot.objects.filter(client_id=client_id, computed_at__gt=moment).exists()


def drain(sentinel: Client) -> None:
    """Wait until everything queued so far ran: the solo worker takes the queue in order,
    so once a recompute of the sentinel queued last is done, so is everything before it."""
    marker = timezone.now()
    recompute_client.delay(sentinel.pk)
    wait_for(lambda: computed_after(sentinel.pk, marker), what="the sentinel task")


def client_with_history(therapist, **fields) -> Client:
    client = ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice, **fields)
    now = timezone.now()
    for day in range(4):
        CheckInFactory(client=client, mood=7 - day, created_at=now - dt.timedelta(days=day))
    HomeworkAssignmentFactory(client=client, due_at=now - dt.timedelta(days=2), status=HomeworkAssignment.Status.MISSED)
    return client


def test_recompute_enqueued_through_redis_reaches_the_database(start_worker, therapist, no_phi_in_task_messages):
    client = client_with_history(therapist)
    start_worker()
    recompute_client.delay(client.pk)
    wait_for(lambda: EngagementSnapshot.objects.filter(client=client).exists(), what="the snapshot")
    snapshot = EngagementSnapshot.objects.get(client=client)
    assert snapshot.stale is False
    assert snapshot.metrics["engagement"]["checkin_days_last_14"] == 4
    assert snapshot.metrics["engagement"]["homework_completion_percent"] == 0.0
    assert [name for name, *_ in no_phi_in_task_messages] == ["insights.recompute_client"]


def test_every_insights_task_delivered_twice_leaves_the_same_state(start_worker, therapist):
    registered = {name for name in app.tasks if name.startswith("insights.")}
    assert set(INSIGHTS_TASKS) <= registered
    clients = [client_with_history(therapist) for _ in range(3)]
    sentinel = ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)
    start_worker()
    args = {"insights.recompute_client": [clients[0].pk], "insights.recompute_all": [], "insights.sweep_stale": []}
    for name in INSIGHTS_TASKS:
        outcomes = []
        for deliveries in (1, 2):
            # The same starting point each time: every snapshot stale (what sweep_stale looks for).
            EngagementSnapshot.objects.update(stale=True)
            for _ in range(deliveries):
                app.send_task(name, args=args[name])
            drain(sentinel)
            outcomes.append(state(exclude=(sentinel.pk,)))
        once, twice = outcomes
        assert once == twice, f"{name} delivered twice left a different state"
        assert once, f"{name} computed nothing"
    assert EngagementSnapshot.objects.values("client_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0


def test_worker_killed_mid_recompute_all_converges_after_restart(start_worker, therapist):
    practice = therapist.membership.practice
    total = 150
    clients = Client.objects.bulk_create(
        [
            Client(
                practice=practice,
                primary_therapist=therapist.membership,
                first_name="C",
                last_name=str(i),
                date_of_birth=dt.date(1990, 1, 1),
            )
            for i in range(total)
        ]
    )
    now = timezone.now()
    CheckIn.objects.bulk_create(
        [CheckIn(client=client, mood=5, created_at=now - dt.timedelta(hours=2)) for client in clients]
    )
    # A short visibility timeout (and task limits below it, as settings require) so the
    # message of the killed worker is handed out again within the test.
    limits = {"CELERY_VISIBILITY_TIMEOUT": "20", "CELERY_TASK_TIME_LIMIT": "15", "CELERY_TASK_SOFT_TIME_LIMIT": "12"}
    first = start_worker(**limits)
    published = time.monotonic()
    app.send_task("insights.recompute_all", args=[1])  # batches of one client: a slow run
    wait_for(lambda: EngagementSnapshot.objects.count() >= 5, what="the recompute to start")
    first.kill()
    killed_at = timezone.now()
    done_before_kill = EngagementSnapshot.objects.count()
    assert done_before_kill < total, "the run finished before the kill; nothing was interrupted"

    # Unacknowledged messages become visible again after the visibility timeout; a worker
    # starting after that picks the interrupted task up.
    time.sleep(max(0.0, 21 - (time.monotonic() - published)))
    start_worker(**limits)
    wait_for(
        lambda: EngagementSnapshot.objects.filter(computed_at__gt=killed_at).count() == total,
        timeout=90,
        what="the redelivered recompute_all",
    )
    assert EngagementSnapshot.objects.count() == total
    assert EngagementSnapshot.objects.values("client_id").distinct().count() == total
    complete = EngagementSnapshot.objects.get(client=clients[0]).metrics["engagement"].keys()
    for snapshot in EngagementSnapshot.objects.all():
        assert snapshot.stale is False
        assert snapshot.metrics["engagement"].keys() == complete
        assert snapshot.metrics["engagement"]["checkin_days_last_14"] == 1


def test_broker_outage_keeps_writes_and_the_sweep_reconciles(
    start_worker, therapist, client_user, client_record, settings, no_phi_in_task_messages
):
    assignment = HomeworkAssignmentFactory(
        client=client_record, due_at=timezone.now() + dt.timedelta(days=2), kind="journal"
    )
    engagement.recompute_client(client_record)
    assert EngagementSnapshot.objects.get(client=client_record).stale is False
    portal = as_user(client_user)

    with broker_at(DEAD_BROKER, settings):
        checkin = portal.post(reverse("api-me-checkins"), {"mood": 6, "note": "Walked to the park"}, format="json")
        submission = portal.post(
            reverse("api-me-homework-submissions", kwargs={"pk": assignment.pk}),
            {"responses": {"entry": "Wrote three lines about the week"}},
            format="json",
        )
    assert checkin.status_code == 201, checkin.content
    assert submission.status_code == 201, submission.content
    assert CheckIn.objects.filter(client=client_record).count() == 1
    assert assignment.submissions.filter(is_draft=False).count() == 1
    assert EngagementSnapshot.objects.get(client=client_record).stale is True
    assert any(name == "insights.recompute_client" for name, *_ in no_phi_in_task_messages), (
        "the writes tried to enqueue"
    )

    start_worker()
    app.send_task("insights.sweep_stale")
    wait_for(lambda: not EngagementSnapshot.objects.filter(stale=True).exists(), what="the sweep")
    metrics = EngagementSnapshot.objects.get(client=client_record).metrics["engagement"]
    assert metrics["checkin_days_last_14"] == 1
    assert metrics["days_since_last_activity"] == 0
    assert metrics["homework_completion_percent"] == 100.0


def test_task_messages_carry_ids_only(start_worker, therapist, client_user, client_record, no_phi_in_task_messages):
    start_worker()
    response = as_user(client_user).post(
        reverse("api-me-checkins"), {"mood": 3, "note": f"private {client_record.first_name}"}, format="json"
    )
    assert response.status_code == 201
    wait_for(lambda: EngagementSnapshot.objects.filter(client=client_record).exists(), what="the recompute")
    assert no_phi_in_task_messages, "nothing was published"
    for name, args, kwargs in no_phi_in_task_messages:
        assert all(str(value).isdigit() for value in [*args, *kwargs.values()]), (name, args, kwargs)

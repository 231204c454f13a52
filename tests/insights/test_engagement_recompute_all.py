"""The nightly recompute_all against the engagement rules, on generated practices.

recompute_all takes the batched route (on PostgreSQL: one statement per id range, the ranges
shared between this thread's connection and a worker's); recompute_batch for one client at a
time is the Python route, where build_engagement and disengagement_risk apply the published
definitions. Both must store the same snapshot for every client of a seeded, varied practice.
The test commits its rows (transaction=True) so the worker connection sees them.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.db import connection

from clients.models import Assessment, Client
from insights import engagement
from insights.models import EngagementSnapshot
from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission, Session
from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = dt.datetime(2025, 3, 14, 12, 0, tzinfo=dt.UTC)
CLIENTS = 24
# Small batches so that a practice of CLIENTS spans several id ranges and both connections.
BATCH_SIZE = 5
HOMEWORK_STATUSES = [choice for choice, _ in HomeworkAssignment.Status.choices]
SESSION_STATUSES = [choice for choice, _ in Session.Status.choices]


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def generate_practice(seed: int) -> list[Client]:
    """Clients from idle to busy: check-ins on runs of days (streaks, ties at the 14/30-day
    edges), homework in every status with early, late and missing completions, draft and
    submitted work, sessions in every status, PHQ-9/GAD-7 with unscored totals."""
    rng = random.Random(seed)
    membership = MembershipFactory()
    clients = []
    for index in range(CLIENTS):
        client = ClientFactory(
            primary_therapist=membership,
            practice=membership.practice,
            user=UserFactory() if rng.random() < 0.6 else None,
            created_at=ago(rng.uniform(100, 400)),
        )
        clients.append(client)
        activity = index % 4  # 0: never active, then fading to engaged
        checkins = []
        for _ in range(rng.randint(0, 30) * activity):
            days = rng.choice([rng.randint(0, 20), rng.randint(0, 120)]) + rng.choice([0.0, 0.25, 0.5, 0.9])
            checkins.append(CheckIn(client=client, mood=rng.randint(0, 10), created_at=ago(days)))
        CheckIn.objects.bulk_create(checkins)
        for _ in range(rng.randint(0, 12) * min(activity, 2)):
            due = rng.uniform(-10, 120)
            status = rng.choice(HOMEWORK_STATUSES)
            completed = None
            if status == HomeworkAssignment.Status.COMPLETED and rng.random() < 0.9:
                completed = ago(due + rng.choice([-3.0, -0.5, 0.0, 0.25, 1.5, 4.0]))
            assignment = HomeworkAssignment.objects.create(
                client=client,
                title="Practice",
                kind="journal",
                due_at=ago(due),
                status=status,
                completed_at=completed,
                created_at=ago(max(due, 0) + 7),
            )
            if rng.random() < 0.5:
                draft = rng.random() < 0.3
                moment = ago(max(due + rng.uniform(-1, 2), 0))
                HomeworkSubmission.objects.create(
                    assignment=assignment,
                    responses={"entry": "text"},
                    is_draft=draft,
                    created_at=moment,
                    submitted_at=None if draft else moment,
                )
        for _ in range(rng.randint(0, 8) * min(activity, 1)):
            starts = ago(rng.uniform(-5, 110))
            session = Session.objects.create(
                client=client, therapist=membership, starts_at=starts, status=rng.choice(SESSION_STATUSES)
            )
            Session.objects.filter(pk=session.pk).update(updated_at=starts + dt.timedelta(hours=1))
            if rng.random() < 0.5:
                moment = starts + dt.timedelta(hours=rng.choice([-30, -20, 0, 20, 30]))
                total = rng.choice([None, *range(0, 27)])
                instrument = rng.choice(["phq9", "gad7"])
                Assessment.objects.create(
                    client=client,
                    session=session,
                    instrument=instrument,
                    version=f"{instrument}_v1",
                    answers=[],
                    result={"total": total},
                    total=total,
                    administered_at=moment,
                    created_at=moment,
                )
    return clients


def stored_snapshots() -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in EngagementSnapshot.objects.values_list(
            "client_id", "computed_at", "metrics", "disengagement_risk", "low_engagement", "watermark", "stale"
        )
    }


@pytest.mark.parametrize("seed", [7, 2026])
def test_recompute_all_stores_what_the_engagement_rules_give_each_client(seed):
    clients = generate_practice(seed)
    assert engagement.recompute_all(batch_size=BATCH_SIZE) == CLIENTS
    batched = stored_snapshots()
    EngagementSnapshot.objects.all().delete()
    for client in clients:
        engagement.recompute_batch([engagement.client_facts(client)])
    one_by_one = stored_snapshots()

    assert set(batched) == {client.pk for client in clients}
    mismatched = [pk for pk in batched if batched[pk] != one_by_one[pk]]
    assert mismatched == []
    # The generated practice exercises the rules, not only their empty cases.
    documents = [snapshot[1]["engagement"] for snapshot in batched.values()]
    assert any(document["longest_streak_days"] >= 3 for document in documents)
    assert any(document["mood_trend_14d"] is not None for document in documents)
    assert any(document["homework_median_days_late"] is not None for document in documents)
    assert any(document["session_no_show_percent"] for document in documents)
    assert any(document["latest_measure_change"]["phq9"] for document in documents)
    assert any(snapshot[1]["disengagement_risk"]["reasons"] for snapshot in batched.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the two-connection route is PostgreSQL only")
def test_recompute_all_on_two_connections_equals_one_connection():
    from insights.engagement import sql as engagement_sql

    generate_practice(11)
    assert engagement_sql.recompute_all(BATCH_SIZE, workers=2) == CLIENTS
    two = stored_snapshots()
    EngagementSnapshot.objects.all().delete()
    assert engagement_sql.recompute_all(BATCH_SIZE, workers=1) == CLIENTS
    assert stored_snapshots() == two

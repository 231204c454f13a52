"""Engagement metrics: definitions pinned on small histories, snapshots, risk, API, query counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.models import Assessment
from insights import engagement
from insights.models import EngagementSnapshot
from sessions.models import HomeworkAssignment, HomeworkSubmission
from tests.conftest import PHI_CANARY, as_user
from tests.factories import CheckInFactory, ClientFactory, HomeworkAssignmentFactory, SessionFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 3, 14, 12, 0, tzinfo=dt.UTC)
Status = HomeworkAssignment.Status


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def days_ago(days: float, hour: int | None = None) -> dt.datetime:
    moment = NOW - dt.timedelta(days=days)
    return moment.replace(hour=hour) if hour is not None else moment


def homework(client, *, due_days_ago: float, status=Status.ASSIGNED, completed_days_ago: float | None = None):
    return HomeworkAssignmentFactory(
        client=client,
        due_at=days_ago(due_days_ago),
        status=status,
        completed_at=None if completed_days_ago is None else days_ago(completed_days_ago),
        created_at=days_ago(max(due_days_ago, 0) + 7),
    )


def submit(assignment, *, days: float, draft: bool = False):
    return HomeworkSubmission.objects.create(
        assignment=assignment,
        responses={"entry": "text"},
        is_draft=draft,
        created_at=days_ago(days),
        submitted_at=None if draft else days_ago(days),
    )


def checkin(client, *, days: float, mood: int = 5):
    return CheckInFactory(client=client, mood=mood, created_at=days_ago(days))


def assessment(client, instrument: str, total: int, *, days: float):
    return Assessment.objects.create(
        client=client,
        instrument=instrument,
        version=f"{instrument}_v1",
        answers=[],
        result={"total": total},
        total=total,
        administered_at=days_ago(days),
        created_at=days_ago(days),
    )


def metrics(client) -> dict:
    engagement.recompute_client(client)
    return EngagementSnapshot.objects.get(client=client).metrics["engagement"]


# Homework completion ---------------------------------------------------------------------


def test_completion_is_null_not_zero_when_nothing_is_assigned(client_record):
    result = metrics(client_record)
    assert result["homework_completion_percent"] is None
    assert result["low_engagement"] is None
    assert result["homework_completion_percent_30d"] is None
    assert result["homework_on_time_percent"] is None


def test_completion_ignores_cancelled_and_not_yet_due_assignments(client_record):
    homework(client_record, due_days_ago=-3)  # not due yet, not done: not counted
    homework(client_record, due_days_ago=2, status=Status.CANCELLED)
    result = metrics(client_record)
    assert result["homework_completion_percent"] is None
    assert result["homework_counted_last_n"] == 0


def test_completion_counts_work_completed_before_it_is_due(client_record):
    homework(client_record, due_days_ago=-3, status=Status.COMPLETED, completed_days_ago=0.5)
    result = metrics(client_record)
    assert result["homework_completion_percent"] == 100.0
    assert result["low_engagement"] is False


def test_completion_uses_only_the_last_three_counted_assignments(client_record):
    homework(client_record, due_days_ago=20, status=Status.COMPLETED, completed_days_ago=21)
    homework(client_record, due_days_ago=10, status=Status.COMPLETED, completed_days_ago=11)
    homework(client_record, due_days_ago=5, status=Status.MISSED)
    homework(client_record, due_days_ago=1, status=Status.ASSIGNED)
    homework(client_record, due_days_ago=3, status=Status.CANCELLED)
    result = metrics(client_record)
    assert result["homework_counted_last_n"] == 3
    assert result["homework_completed_last_n"] == 1
    assert result["homework_completion_percent"] == 33.3
    assert result["low_engagement"] is True
    assert result["homework_missed_in_a_row"] == 2


def test_fifty_percent_is_not_low_engagement(client_record):
    homework(client_record, due_days_ago=10, status=Status.COMPLETED, completed_days_ago=10)
    homework(client_record, due_days_ago=5, status=Status.MISSED)
    result = metrics(client_record)
    assert result["homework_completion_percent"] == 50.0
    assert result["low_engagement"] is False


def test_completion_windows_30_and_90_days(client_record):
    homework(client_record, due_days_ago=100, status=Status.COMPLETED, completed_days_ago=100)  # outside both
    homework(client_record, due_days_ago=60, status=Status.COMPLETED, completed_days_ago=60)
    homework(client_record, due_days_ago=45, status=Status.MISSED)
    homework(client_record, due_days_ago=20, status=Status.COMPLETED, completed_days_ago=20)
    homework(client_record, due_days_ago=10, status=Status.MISSED)
    homework(client_record, due_days_ago=5, status=Status.MISSED)
    result = metrics(client_record)
    assert result["homework_completion_percent_30d"] == 33.3
    assert result["homework_completion_percent_90d"] == 40.0


def test_on_time_percent_and_median_days_late(client_record):
    homework(client_record, due_days_ago=30, status=Status.COMPLETED, completed_days_ago=31)  # on time
    homework(client_record, due_days_ago=20, status=Status.COMPLETED, completed_days_ago=19)  # 1 day late
    homework(client_record, due_days_ago=15, status=Status.COMPLETED, completed_days_ago=12)  # 3 days late
    homework(client_record, due_days_ago=12, status=Status.COMPLETED, completed_days_ago=2)  # 10 days late
    homework(client_record, due_days_ago=8, status=Status.MISSED)
    result = metrics(client_record)
    assert result["homework_on_time_percent"] == 20.0
    assert result["homework_median_days_late"] == 3.0
    assert result["homework_completion_percent_90d"] == 80.0


def test_median_days_late_of_an_even_count_is_the_mean_of_the_middle_two(client_record):
    homework(client_record, due_days_ago=20, status=Status.COMPLETED, completed_days_ago=19)  # 1
    homework(client_record, due_days_ago=15, status=Status.COMPLETED, completed_days_ago=12)  # 3
    result = metrics(client_record)
    assert result["homework_median_days_late"] == 2.0
    assert result["homework_on_time_percent"] == 0.0


# Activity, streaks, check-ins, mood -------------------------------------------------------


def test_streaks_count_check_ins_and_submitted_homework_but_not_drafts(client_record):
    for day in (0, 1, 2):
        checkin(client_record, days=day)
    checkin(client_record, days=0.1)  # a second check-in the same day is the same day
    for day in range(10, 16):
        checkin(client_record, days=day)
    assignment = homework(client_record, due_days_ago=4, status=Status.COMPLETED, completed_days_ago=5)
    submit(assignment, days=5)
    submit(homework(client_record, due_days_ago=1), days=4, draft=True)
    result = metrics(client_record)
    assert result["current_streak_days"] == 3
    assert result["longest_streak_days"] == 6
    assert result["active_days_total"] == 10
    assert result["days_since_last_activity"] == 0


def test_current_streak_survives_until_a_full_day_is_missed(client_record):
    checkin(client_record, days=1)
    checkin(client_record, days=2)
    assert metrics(client_record)["current_streak_days"] == 2
    assert metrics(client_record)["days_since_last_activity"] == 1


def test_current_streak_is_zero_after_a_missed_day(client_record):
    checkin(client_record, days=2)
    checkin(client_record, days=3)
    result = metrics(client_record)
    assert result["current_streak_days"] == 0
    assert result["longest_streak_days"] == 2
    assert result["days_since_last_activity"] == 2


def expected_streaks(days_active: set[int]) -> tuple[int, int]:
    """(current, longest) by walking day by day; days are "days ago" (0 = today)."""
    longest = run = 0
    for day in range(max(days_active), -1, -1):
        run = run + 1 if day in days_active else 0
        longest = max(longest, run)
    current = 0
    start = 0 if 0 in days_active else 1  # a streak survives until a full day is missed
    while start + current in days_active:
        current += 1
    return current, longest


# Whole days ago (0-20, so runs and one-day gaps are common) plus an hour offset within the day.
MOMENTS = st.tuples(st.integers(min_value=0, max_value=20), st.floats(min_value=0, max_value=0.95))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    checkins=st.lists(MOMENTS, max_size=20),
    submissions=st.lists(st.tuples(MOMENTS, st.booleans()), max_size=6),
)
def test_streaks_and_active_days_match_a_day_by_day_walk(client_record, checkins, submissions):
    """Both SQL routes (window passes on SQLite, day arrays on PostgreSQL) against a walk."""
    client_record.checkins.all().delete()
    HomeworkAssignment.objects.filter(client=client_record).delete()
    checkin_days = [whole + part for whole, part in checkins]
    submission_days = [(whole + part, draft) for (whole, part), draft in submissions]
    for days in checkin_days:
        checkin(client_record, days=days)
    for days, draft in submission_days:
        submit(homework(client_record, due_days_ago=days), days=days, draft=draft)
    moments = [days_ago(days) for days in checkin_days] + [
        days_ago(days) for days, draft in submission_days if not draft
    ]
    today = timezone.localdate(NOW)
    active = {(today - timezone.localdate(moment)).days for moment in moments}
    result = metrics(client_record)
    if not active:
        assert (result["current_streak_days"], result["longest_streak_days"], result["active_days_total"]) == (0, 0, 0)
        return
    assert (result["current_streak_days"], result["longest_streak_days"]) == expected_streaks(active)
    assert result["active_days_total"] == len(active)
    assert result["days_since_last_activity"] == min(active)


def test_days_since_last_activity_is_null_when_never_active(client_record):
    assert metrics(client_record)["days_since_last_activity"] is None


def test_checkin_days_in_last_14_counts_distinct_calendar_days(client_record):
    checkin(client_record, days=0)
    checkin(client_record, days=0.2)
    checkin(client_record, days=5)
    checkin(client_record, days=13)
    checkin(client_record, days=14)  # 14 days ago: outside today + 13 previous days
    assert metrics(client_record)["checkin_days_last_14"] == 3


def test_mood_average_and_trend_match_least_squares(client_record):
    points = [(13, 8), (11, 7), (9, 7), (6, 5), (4, 4), (2, 4), (1, 3), (25, 9), (20, 6)]
    for day, mood in points:
        checkin(client_record, days=day, mood=mood)
    result = metrics(client_record)
    last14 = [(-day, mood) for day, mood in points if day <= 14]
    slope14 = np.polyfit([x for x, _ in last14], [y for _, y in last14], 1)[0]
    slope30 = np.polyfit([-day for day, _ in points], [mood for _, mood in points], 1)[0]
    assert result["mood_trend_14d"] == pytest.approx(slope14, abs=1e-3)
    assert result["mood_trend"] == result["mood_trend_14d"]
    assert result["mood_trend_30d"] == pytest.approx(slope30, abs=1e-3)
    assert result["mood_average_14d"] == pytest.approx(round(np.mean([y for _, y in last14]), 1))
    assert result["mood_average_30d"] == pytest.approx(round(np.mean([m for _, m in points]), 1))
    assert result["mood_trend_direction"] == "down"


def test_mood_trend_needs_three_different_days(client_record):
    checkin(client_record, days=1, mood=2)
    checkin(client_record, days=1.2, mood=9)
    checkin(client_record, days=3, mood=5)
    result = metrics(client_record)
    assert result["mood_trend"] is None
    assert result["mood_trend_direction"] is None
    assert result["mood_average_14d"] == pytest.approx(5.3)


# Sessions and measures ---------------------------------------------------------------------


def test_attendance_no_show_and_measure_completion(client_record):
    attended = [
        SessionFactory(client=client_record, starts_at=days_ago(day), status="attended") for day in (7, 14, 21, 28)
    ]
    SessionFactory(client=client_record, starts_at=days_ago(35), status="no_show")
    SessionFactory(client=client_record, starts_at=days_ago(42), status="cancelled")  # not counted
    SessionFactory(client=client_record, starts_at=days_ago(200), status="no_show")  # outside 90 days
    SessionFactory(client=client_record, starts_at=days_ago(-3), status="scheduled")  # future
    assessment(client_record, "phq9", 12, days=7.5)  # 12 h before the session 7 days ago
    assessment(client_record, "gad7", 8, days=13.2)  # within a day after the 14-days-ago session
    assessment(client_record, "phq9", 11, days=23)  # 2 days away from any session
    assert len(attended) == 4
    result = metrics(client_record)
    assert result["sessions_attended_90d"] == 4
    assert result["sessions_no_show_90d"] == 1
    assert result["session_attendance_percent"] == 80.0
    assert result["session_no_show_percent"] == 20.0
    assert result["measure_completion_percent"] == 50.0


def test_latest_measure_change_is_last_minus_previous_scorable_total(client_record):
    assessment(client_record, "phq9", 18, days=30)
    assessment(client_record, "phq9", 14, days=16)
    assessment(client_record, "phq9", 9, days=2)
    Assessment.objects.create(
        client=client_record,
        instrument="phq9",
        version="phq9_v1",
        answers=[],
        result={},
        total=None,
        administered_at=days_ago(1),
    )
    assessment(client_record, "gad7", 7, days=2)
    change = metrics(client_record)["latest_measure_change"]
    assert change["phq9"]["latest"] == 9 and change["phq9"]["previous"] == 14
    assert change["phq9"]["change"] == -5
    assert change["gad7"] == {"latest": 7, "previous": None, "change": None, "administered_at": days_ago(2).isoformat()}


# Risk, suggestions -------------------------------------------------------------------------


def test_disengagement_risk_reasons_in_words(client_record, client_user):
    for day, mood in ((14, 8), (13, 7), (12, 6)):
        checkin(client_record, days=day, mood=mood)
    homework(client_record, due_days_ago=30, status=Status.COMPLETED, completed_days_ago=30)
    homework(client_record, due_days_ago=8, status=Status.MISSED)
    homework(client_record, due_days_ago=3, status=Status.ASSIGNED)
    engagement.recompute_client(client_record)
    snapshot = EngagementSnapshot.objects.get(client=client_record)
    risk = snapshot.metrics["disengagement_risk"]
    assert risk["reasons"][0] == "no portal activity for 12 days"
    assert "2 missed assignments in a row" in risk["reasons"]
    assert "1 of the last 3 assignments completed" in risk["reasons"]
    assert "mood trending down" in risk["reasons"]
    assert 0.5 < risk["score"] <= 1.0
    assert snapshot.disengagement_risk == risk["score"]
    assert snapshot.low_engagement is True


def test_an_engaged_client_has_no_risk(client_record, client_user):
    for day in range(0, 10):
        checkin(client_record, days=day, mood=6)
    homework(client_record, due_days_ago=3, status=Status.COMPLETED, completed_days_ago=4)
    risk = engagement.recompute_client(client_record).metrics["disengagement_risk"]
    assert risk == {"score": 0.0, "reasons": []}


def test_inactivity_is_not_a_risk_without_a_portal_login(client_record):
    risk = engagement.recompute_client(client_record).metrics["disengagement_risk"]
    assert client_record.user_id is None
    assert risk == {"score": 0.0, "reasons": []}


def test_low_engagement_suggestion_is_a_conversation_starter(client_record):
    homework(client_record, due_days_ago=5, status=Status.MISSED)
    snapshot = engagement.recompute_client(client_record)
    suggestions = engagement.insights_payload(client_record, snapshot)["suggestions"]
    low = [s for s in suggestions if s["kind"] == "low_engagement"]
    assert len(low) == 1
    assert low[0]["source"] == "rules"
    assert "conversation starter" in low[0]["text"]
    assert low[0]["reasons"] == ["0 of the last 1 assignment completed (0%)"]


def test_no_suggestions_for_a_discharged_client(client_record):
    homework(client_record, due_days_ago=5, status=Status.MISSED)
    client_record.status = "discharged"
    snapshot = engagement.recompute_client(client_record)
    assert engagement.insights_payload(client_record, snapshot)["suggestions"] == []


# Snapshots --------------------------------------------------------------------------------


def test_recompute_is_an_upsert_with_the_same_result(client_record):
    checkin(client_record, days=1)
    first = engagement.recompute_client(client_record)
    EngagementSnapshot.objects.filter(client=client_record).update(stale=True)
    engagement.recompute_client(client_record)
    assert EngagementSnapshot.objects.filter(client=client_record).count() == 1
    stored = EngagementSnapshot.objects.get(client=client_record)
    assert stored.stale is False
    assert stored.metrics == first.metrics
    assert stored.watermark == days_ago(1)


def test_a_write_during_the_computation_leaves_the_snapshot_stale(client_record):
    engagement.recompute_client(client_record)
    # A write committed after this computation started reading: freshness stamped it later.
    EngagementSnapshot.objects.filter(client=client_record).update(
        stale=True, source_changed_at=NOW + dt.timedelta(seconds=1)
    )
    engagement.recompute_client(client_record)
    assert EngagementSnapshot.objects.get(client=client_record).stale is True


def test_activity_change_marks_stale_then_the_recompute_refreshes(client_record, django_capture_on_commit_callbacks):
    from insights.freshness import client_activity_changed

    engagement.recompute_client(client_record)
    checkin(client_record, days=0)
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client_activity_changed(client_record.pk)
        assert EngagementSnapshot.objects.get(client=client_record).stale is True
    with time_machine.travel(NOW + dt.timedelta(minutes=2), tick=False):
        for callback in callbacks:
            callback()  # eager Celery: runs insights.recompute_client now
    snapshot = EngagementSnapshot.objects.get(client=client_record)
    assert snapshot.stale is False
    assert snapshot.metrics["engagement"]["checkin_days_last_14"] == 1


def test_batch_recompute_matches_single_client_recompute(therapist):
    clients = [
        ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice) for _ in range(4)
    ]
    for index, client in enumerate(clients):
        for day in range(index * 3):
            checkin(client, days=day * 2, mood=(day % 10))
        for day in range(index + 1):
            homework(
                client,
                due_days_ago=day * 4 + 1,
                status=Status.COMPLETED if day % 2 else Status.MISSED,
                completed_days_ago=day * 4 if day % 2 else None,
            )
        SessionFactory(client=client, starts_at=days_ago(index + 1), status="attended" if index % 2 else "no_show")
    assert engagement.recompute_all(batch_size=3) == 4
    batched = {s.client_id: s.metrics for s in EngagementSnapshot.objects.all()}
    for client in clients:
        assert engagement.recompute_client(client).metrics == batched[client.pk]
    assert EngagementSnapshot.objects.count() == 4


def test_sweep_recomputes_stale_and_missing_snapshots_only(therapist, client_record):
    other = ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)
    fresh = ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)
    engagement.recompute_client(client_record)
    engagement.recompute_client(fresh)
    EngagementSnapshot.objects.filter(client=client_record).update(stale=True)
    before = EngagementSnapshot.objects.get(client=fresh).computed_at
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        assert engagement.sweep_stale() == 2
    assert not EngagementSnapshot.objects.filter(stale=True).exists()
    assert EngagementSnapshot.objects.filter(client=other).exists()
    assert EngagementSnapshot.objects.get(client=fresh).computed_at == before


def test_sweep_is_bounded_per_run(therapist):
    for _ in range(5):
        ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)
    assert engagement.sweep_stale(limit=3) == 3
    assert EngagementSnapshot.objects.count() == 3


def test_snapshot_metrics_carry_no_free_text(client_record):
    CheckInFactory(client=client_record, mood=3, note=f"private words {PHI_CANARY}", created_at=days_ago(1))
    snapshot = engagement.recompute_client(client_record)
    assert PHI_CANARY not in str(snapshot.metrics)
    assert "Avery" not in str(snapshot.metrics)


# The PostgreSQL statement and the generic route ------------------------------------------


def rich_history(therapist, portal_client, idle_portal_client) -> list:
    """Clients covering every metric, including exact rounding ties (x.x5 values)."""
    practice = therapist.membership.practice
    tie, busy, empty = (ClientFactory(primary_therapist=therapist.membership, practice=practice) for _ in range(3))
    # Ties: mood 21 / 4 = 5.25; one assignment 6 hours late (0.25 days); 1 of 16 done (6.25%).
    for day, mood in ((1, 5), (2, 5), (3, 5), (4, 6)):
        checkin(tie, days=day, mood=mood)
    homework(tie, due_days_ago=40, status=Status.COMPLETED, completed_days_ago=39.75)
    for day in range(15):
        homework(tie, due_days_ago=45 + day * 2, status=Status.MISSED)
    # Streaks, submissions, a trend, sessions with no-shows and measures.
    for day in range(20):
        if day not in (6, 7):
            checkin(busy, days=day + 0.3, mood=(day * 3) % 11)
    for day in range(6):
        assignment = homework(
            busy, due_days_ago=day * 5 + 1, status=Status.COMPLETED, completed_days_ago=day * 5 + 1.4 - day % 2
        )
        submit(assignment, days=day * 5 + 1.4 - day % 2)
    homework(busy, due_days_ago=0.5, status=Status.MISSED)
    for day, status in ((7, "attended"), (14, "no_show"), (21, "attended"), (28, "late_cancelled"), (35, "no_show")):
        SessionFactory(client=busy, starts_at=days_ago(day), status=status)
    assessment(busy, "phq9", 16, days=21)
    assessment(busy, "phq9", 8, days=7.2)
    assessment(busy, "gad7", 11, days=6.9)
    # A portal client inactive for 12 days (risk share 0.175: a tie at 2 decimals), three
    # missed in a row, a no-show, mood going down.
    for day, mood in ((16, 9), (14, 6), (12, 2)):
        checkin(portal_client, days=day, mood=mood)
    for day in (20, 15, 10):
        homework(portal_client, due_days_ago=day, status=Status.MISSED)
    SessionFactory(client=portal_client, starts_at=days_ago(10), status="no_show")
    return [tie, busy, portal_client, empty, idle_portal_client]


def stored_snapshots() -> dict[int, tuple]:
    return {
        row[0]: row[1:]
        for row in EngagementSnapshot.objects.values_list(
            "client_id", "metrics", "disengagement_risk", "low_engagement", "watermark", "stale"
        )
    }


def test_rounding_is_half_up_on_exact_ties(therapist, client_record, other_client_record):
    tie = rich_history(therapist, client_record, other_client_record)[0]
    result = metrics(tie)
    assert result["mood_average_14d"] == 5.3  # 5.25
    assert result["homework_median_days_late"] == 0.3  # 0.25
    assert result["homework_completion_percent_90d"] == 6.3  # 6.25


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the single-statement route is PostgreSQL only")
def test_postgresql_statement_stores_the_same_snapshots_as_the_generic_route(
    therapist, client_record, client_user, other_client_record, other_client_user
):
    from insights.engagement import sql as engagement_sql

    clients = rich_history(therapist, client_record, other_client_record)
    assert len(engagement_sql.client_id_ranges(2)) == 3
    assert engagement_sql.recompute_all(batch_size=2) == len(clients)
    from_sql = stored_snapshots()
    EngagementSnapshot.objects.all().delete()
    for client in clients:
        engagement.recompute_batch([engagement.client_facts(client)])
    generic = stored_snapshots()
    assert from_sql == generic
    assert from_sql[clients[2].pk][0]["disengagement_risk"] == {
        "score": 0.73,  # 0.25 + 0.175 + 0.15 + 0.15 = 0.725, half up
        "reasons": [
            "3 missed assignments in a row",
            "no portal activity for 12 days",
            "0 of the last 3 assignments completed",
            "1 no-show in the last 90 days",
        ],
    }
    assert from_sql[other_client_record.pk][0]["disengagement_risk"] == {
        "score": 0.35,
        "reasons": ["no portal activity recorded yet"],
    }
    assert {key for value in from_sql.values() for key in value[0]["engagement"]} == set(
        from_sql[clients[3].pk][0]["engagement"]
    )


def test_recompute_all_leaves_a_snapshot_stale_when_its_source_changed_meanwhile(client_record):
    engagement.recompute_all()
    EngagementSnapshot.objects.filter(client=client_record).update(
        stale=True, source_changed_at=NOW + dt.timedelta(seconds=1)
    )
    engagement.recompute_all()
    assert EngagementSnapshot.objects.get(client=client_record).stale is True
    EngagementSnapshot.objects.filter(client=client_record).update(source_changed_at=NOW - dt.timedelta(seconds=1))
    engagement.recompute_all()
    assert EngagementSnapshot.objects.get(client=client_record).stale is False


# Query counts -----------------------------------------------------------------------------


def add_history(client, rows: int) -> None:
    for index in range(rows):
        checkin(client, days=index % 60, mood=index % 11)
        homework(
            client,
            due_days_ago=index % 80,
            status=Status.COMPLETED if index % 3 else Status.MISSED,
            completed_days_ago=index % 80,
        )
        SessionFactory(client=client, starts_at=days_ago(index % 85), status="attended")
        assessment(client, "phq9", index % 27, days=index % 70)


def recompute_query_count(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        engagement.recompute_client(client)
    return len(captured)


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_recompute_client_query_count_is_fixed(client_record, rows, django_assert_num_queries):
    add_history(client_record, rows)
    # Reads: savepoint + 5 aggregate queries + release; write: savepoint + upsert + stale
    # re-check + release.
    with django_assert_num_queries(11):
        engagement.recompute_client(client_record)


# API --------------------------------------------------------------------------------------


def insights_url(client) -> str:
    return reverse("api-client-insights", kwargs={"pk": client.pk})


def test_insights_without_a_snapshot_are_computed_in_the_request(therapist, client_record):
    homework(client_record, due_days_ago=2, status=Status.MISSED)
    checkin(client_record, days=0)
    response = as_user(therapist).get(insights_url(client_record))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"computed_at", "stale", "engagement", "disengagement_risk", "suggestions"}
    assert body["stale"] is False
    for key in (
        "homework_completion_percent",
        "homework_on_time_percent",
        "low_engagement",
        "checkin_days_last_14",
        "days_since_last_activity",
        "mood_trend",
    ):
        assert key in body["engagement"]
    assert body["engagement"]["homework_completion_percent"] == 0.0
    assert body["engagement"]["low_engagement"] is True
    assert body["engagement"]["checkin_days_last_14"] == 1
    assert set(body["disengagement_risk"]) == {"score", "reasons"}
    assert body["suggestions"][0] == {
        "kind": "low_engagement",
        "text": body["suggestions"][0]["text"],
        "reasons": ["0 of the last 1 assignment completed (0%)"],
        "source": "rules",
    }
    assert EngagementSnapshot.objects.filter(client=client_record).count() == 1


def test_insights_report_a_stale_snapshot_as_stale(therapist, client_record):
    engagement.recompute_client(client_record)
    EngagementSnapshot.objects.filter(client=client_record).update(stale=True)
    body = as_user(therapist).get(insights_url(client_record)).json()
    assert body["stale"] is True
    assert body["computed_at"].startswith("2025-03-14T12:00:00")


def test_insights_response_has_no_phi(therapist, client_record):
    body = as_user(therapist).get(insights_url(client_record)).content.decode()
    assert PHI_CANARY not in body
    assert "Avery" not in body


@pytest.mark.parametrize("rows", [1, 10, 100])
@pytest.mark.parametrize("has_snapshot", [True, False])
def test_insights_endpoint_query_count_is_fixed(
    therapist, client_record, rows, has_snapshot, django_assert_num_queries
):
    add_history(client_record, rows)
    if has_snapshot:
        engagement.recompute_client(client_record)
    api = as_user(therapist)
    # The token (with user and membership), the scoped client, the snapshot; plus the in-request
    # recompute (the 11 queries above) when there is none.
    expected = 3 if has_snapshot else 14
    with django_assert_num_queries(expected):
        response = api.get(insights_url(client_record))
    assert response.status_code == 200


def test_timezone_day_boundaries_follow_settings(settings, client_record):
    settings.TIME_ZONE = "America/New_York"
    with timezone.override("America/New_York"):
        # 01:00 UTC on the 14th is still the 13th in New York: two separate local days.
        CheckInFactory(client=client_record, mood=5, created_at=dt.datetime(2025, 3, 13, 13, 0, tzinfo=dt.UTC))
        CheckInFactory(client=client_record, mood=5, created_at=dt.datetime(2025, 3, 14, 1, 0, tzinfo=dt.UTC))
        result = metrics(client_record)
    assert result["checkin_days_last_14"] == 1
    assert result["current_streak_days"] == 1


def test_insights_recompute_a_snapshot_from_an_older_engine(therapist, client_record):
    EngagementSnapshot.objects.create(client=client_record, computed_at=NOW, watermark=NOW, metrics={})
    checkin(client_record, days=0)
    body = as_user(therapist).get(insights_url(client_record)).json()
    assert body["engagement"]["checkin_days_last_14"] == 1
    assert EngagementSnapshot.objects.get(client=client_record).metrics["version"] == engagement.VERSION

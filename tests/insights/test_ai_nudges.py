"""Tailored nudges: reminder hours learned from when a client actually completes homework."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Consent
from insights.ai.nudges import circular_mean_hour, learn_reminder_timing, learned_reminder_hour
from insights.ai.services import nudge_timing_refresh
from insights.models import AiSuggestion
from practice.models import AuditEvent
from tests.conftest import as_user
from tests.factories import HomeworkAssignmentFactory

MONDAY = dt.datetime(2025, 3, 3)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return MONDAY + dt.timedelta(days=day, hours=hour, minutes=minute)


def test_always_at_nine_pm_learns_21():
    timing = learn_reminder_timing([at(day, 21) for day in range(6)])
    assert timing.hour == 21
    assert "21:00" in timing.reasons[0]


def test_completions_within_the_hour_learn_that_hour():
    assert learn_reminder_timing([at(0, 7, 10), at(2, 7, 40), at(4, 7, 55)]).hour == 7


def test_mean_wraps_around_midnight():
    times = [at(0, 23, 30), at(1, 0, 30), at(2, 23, 30), at(3, 0, 30)]
    mean, spread = circular_mean_hour([t.hour + t.minute / 60 for t in times])
    assert min(mean, 24 - mean) < 1e-6  # midnight, not noon
    assert spread < 1
    assert learn_reminder_timing(times).hour == 0


def test_too_few_completions_learns_nothing():
    timing = learn_reminder_timing([at(0, 21), at(1, 21)])
    assert timing.hour is None
    assert "3 are needed" in timing.reasons[0]


def test_scattered_completions_learn_nothing():
    timing = learn_reminder_timing([at(day, hour) for day, hour in enumerate([2, 8, 14, 20, 5, 11, 17, 23])])
    assert timing.hour is None
    assert "too scattered" in timing.reasons[0]


def test_usual_weekday_is_reported_when_one_day_dominates():
    sundays = [at(6 + 7 * week, 20) for week in range(4)] + [at(2, 20)]
    timing = learn_reminder_timing(sundays)
    assert timing.weekday == 6
    assert any("Sunday" in reason for reason in timing.reasons)


def completed(client, when):
    aware = timezone.make_aware(when) if timezone.is_naive(when) else when
    return HomeworkAssignmentFactory(
        client=client, status="completed", completed_at=aware, due_at=aware + dt.timedelta(hours=2)
    )


def recent(days_ago: int, hour: int) -> dt.datetime:
    local = timezone.localtime(timezone.now()) - dt.timedelta(days=days_ago)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.mark.django_db
def test_learned_reminder_hour_for_a_client_who_always_completes_at_21(client_record):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    for days_ago in range(1, 6):
        completed(client_record, recent(days_ago, 21))
    hour, reasons = learned_reminder_hour(client_record.pk)
    assert hour == 21
    assert "5 completed assignments" in reasons[0]


@pytest.mark.django_db
def test_no_ai_consent_learns_nothing(client_record):
    for days_ago in range(1, 6):
        completed(client_record, recent(days_ago, 21))
    hour, reasons = learned_reminder_hour(client_record.pk)
    assert hour is None
    assert "not consented" in reasons[0]
    with pytest.raises(Exception, match="not consented"):
        nudge_timing_refresh(client=client_record)
    assert not AiSuggestion.objects.exists()


@pytest.mark.django_db
def test_accepting_a_reminder_suggestion_sets_the_clients_reminder_hour(client_record, therapist):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    done = [completed(client_record, recent(days_ago, 21)) for days_ago in range(1, 6)]
    api = as_user(therapist)
    body = api.get(reverse("api-client-recommendations", kwargs={"pk": client_record.pk})).json()
    timing = body["reminder_timing"]
    assert timing["inputs"]["homework_assignment_ids"] == sorted(a.pk for a in done)
    assert (timing["hour"], timing["current_hour"], timing["kind"]) == (21, 18, "ai_suggestion")
    assert timing["reasons"] and timing["method"] == "circular-mean-completion-hour" and timing["version"] == "nudge_v1"
    client_record.refresh_from_db()
    assert client_record.reminder_hour == 18  # nothing changes before the therapist accepts
    response = api.post(
        reverse("api-suggestion-decision", kwargs={"pk": timing["id"]}), {"decision": "accepted"}, format="json"
    )
    assert response.status_code == 200
    client_record.refresh_from_db()
    assert client_record.reminder_hour == 21
    assert AuditEvent.objects.filter(action="decide", target_id=str(timing["id"]), actor=therapist).exists()
    # Once the reminder matches the habit there is nothing left to suggest.
    assert (
        api.get(reverse("api-client-recommendations", kwargs={"pk": client_record.pk})).json()["reminder_timing"]
        is None
    )


def load_simulation():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "nudge_simulation.py"
    spec = importlib.util.spec_from_file_location("nudge_simulation", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def test_simulation_is_seeded_and_learned_timing_beats_fixed_on_habitual_clients():
    simulation = load_simulation()
    first = simulation.simulate(clients=300, seed=11)
    assert first == simulation.simulate(clients=300, seed=11)
    assert first.clients == 300
    assert first.learned_percent > first.fixed_percent
    # The boost applies within an hour of the habit and nowhere else.
    evening = simulation.SyntheticClient(habit_hour=18.2, spread_hours=0.3, base_probability=0.5)
    assert simulation.completion_probability(evening, 18) == simulation.completion_probability(evening, 19) == 0.75
    assert simulation.completion_probability(evening, 17) == simulation.completion_probability(evening, 21) == 0.5


@pytest.mark.django_db
def test_a_dismissed_reminder_time_is_not_suggested_again(client_record, therapist):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    for days_ago in range(1, 6):
        completed(client_record, recent(days_ago, 21))
    api = as_user(therapist)
    url = reverse("api-client-recommendations", kwargs={"pk": client_record.pk})
    suggestion_id = api.get(url).json()["reminder_timing"]["id"]
    decision = reverse("api-suggestion-decision", kwargs={"pk": suggestion_id})
    assert api.post(decision, {"decision": "dismissed"}, format="json").status_code == 200
    assert api.get(url).json()["reminder_timing"] is None
    client_record.refresh_from_db()
    assert client_record.reminder_hour == 18
    assert AiSuggestion.objects.filter(kind="nudge_timing").count() == 1

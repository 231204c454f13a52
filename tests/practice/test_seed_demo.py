from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from clients.models import Assessment, Client
from practice.models import Membership
from sessions.models import CheckIn, HomeworkAssignment, ProgressNote, Session

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_builds_a_practice_with_history_and_prints_logins():
    output = seed(clients=6, seed=3)
    assert "rivera@northside.example" in output and "alliance-demo-2026" in output
    northside = Membership.objects.filter(practice__slug="northside")
    # Three demo therapists, plus practice/demo_accounts.py's: one with two-factor, one deactivated.
    assert northside.filter(role="therapist", is_active=True).count() == 4
    assert northside.filter(role="therapist", is_active=False).count() == 1
    assert northside.filter(role__in=["manager", "admin"]).count() == 2
    demo_clients = Client.objects.filter(practice__slug="northside")
    # `clients` portal clients, plus the two clients clients/demo.py adds without an account yet.
    assert demo_clients.filter(user__isnull=False).count() == 6 and demo_clients.count() == 8
    assert Session.objects.exists() and ProgressNote.objects.filter(status="signed").exists()
    assert HomeworkAssignment.objects.exists() and CheckIn.objects.exists()
    assert Assessment.objects.filter(instrument="phq9").exists()


def test_seed_demo_is_deterministic_and_runs_once():
    seed(clients=4, seed=11)
    first = sorted(Session.objects.values_list("client__first_name", "starts_at", "status"))
    assert "already exists" in seed(clients=4, seed=11)
    assert sorted(Session.objects.values_list("client__first_name", "starts_at", "status")) == first


def test_seed_demo_sets_the_practice_country_and_adds_a_uk_practice_with_its_crisis_lines():
    from practice.models import AuditEvent, Practice

    output = seed(clients=4, seed=5)
    northside = Practice.objects.get(slug="northside")
    uk = Practice.objects.get(slug="harbour-lane")
    assert northside.country == "US" and "tel:988" in {r["href"] for r in northside.crisis_resources}
    assert uk.country == "GB" and uk.time_zone == "Europe/London" and uk.backup_clinician is not None
    assert [r["label"] for r in uk.crisis_resources][:1] == ["Samaritans"]
    assert not any("988" in r["href"] for r in uk.crisis_resources)
    assert Client.objects.filter(practice=uk, user__email="client@harbourlane.example").exists()
    # The audit viewer has a month of history to filter, and the settings change is in it.
    assert AuditEvent.objects.filter(practice=northside, action="read").count() > 30
    assert AuditEvent.objects.filter(practice=northside, action="update", target_type="practice.practice").exists()
    assert "admin@harbourlane.example" in output


def test_seed_demo_has_video_sessions_and_sent_reminders():
    from sessions.models import Reminder, ReminderPolicy

    seed(clients=6, seed=3)
    assert ReminderPolicy.objects.get().offsets_minutes == [2880, 120]
    assert Session.objects.filter(modality="video", status="scheduled").exclude(video_room="").exists()
    assert Reminder.objects.filter(status="sent").exists()

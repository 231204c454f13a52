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
    assert Membership.objects.filter(role="therapist").count() == 3
    assert Membership.objects.filter(role__in=["manager", "admin"]).count() == 2
    # `clients` portal clients, plus the two clients clients/demo.py adds without an account yet.
    assert Client.objects.filter(user__isnull=False).count() == 6 and Client.objects.count() == 8
    assert Session.objects.exists() and ProgressNote.objects.filter(status="signed").exists()
    assert HomeworkAssignment.objects.exists() and CheckIn.objects.exists()
    assert Assessment.objects.filter(instrument="phq9").exists()


def test_seed_demo_is_deterministic_and_runs_once():
    seed(clients=4, seed=11)
    first = sorted(Session.objects.values_list("client__first_name", "starts_at", "status"))
    assert "already exists" in seed(clients=4, seed=11)
    assert sorted(Session.objects.values_list("client__first_name", "starts_at", "status")) == first

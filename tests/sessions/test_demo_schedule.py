"""The demo's calendar (sessions/demo_schedule.py via seed_demo) and the horizon beat task."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from clients.models import Client
from practice.models import Membership
from sessions.models import Session, SessionSeries, TimeOff, WorkingHours
from sessions.tasks import extend_series

pytestmark = pytest.mark.django_db


def test_demo_gives_every_active_client_a_series_and_a_real_week():
    call_command("seed_demo", clients=9, seed=5, stdout=io.StringIO())
    active = Client.objects.filter(status=Client.Status.ACTIVE, practice__slug="northside")
    assert active.exists()
    assert set(active.values_list("pk", flat=True)) <= set(SessionSeries.objects.values_list("client_id", flat=True))
    # Every active demo therapist (the seed's three plus practice/demo_accounts.py's) has hours
    # and one block of time off.
    therapists = Membership.objects.filter(practice__slug="northside", role="therapist", is_active=True).count()
    assert WorkingHours.objects.values("membership").distinct().count() == therapists
    assert TimeOff.objects.count() == therapists
    now = timezone.now()
    week = Session.objects.filter(starts_at__gte=now, starts_at__lt=now + dt.timedelta(days=7), status="scheduled")
    assert week.count() >= active.count() - 1
    past_cancelled = Session.objects.filter(starts_at__lt=now, status__in=["cancelled", "late_cancelled"])
    assert past_cancelled.exists() and all(s.cancellation_reason and s.cancelled_by for s in past_cancelled)
    assert Session.objects.filter(starts_at__lt=now, status="no_show").exists()
    # Nothing double-booked: no therapist has two live sessions at once from now on.
    live = list(Session.objects.filter(starts_at__gte=now).exclude(status__in=Session.FREE_STATUSES))
    seen = {(s.therapist_id, s.starts_at) for s in live}
    assert len(seen) == len(live)
    # The beat task finds nothing to add right after seeding (idempotent horizon).
    assert extend_series() == 0

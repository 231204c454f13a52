from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import DueQuestionnaire
from clients.questionnaires import create_due_questionnaires, expire_due_questionnaires
from tests.conftest import as_user
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def schedule(therapist, client, **payload):
    return as_user(therapist).post(
        reverse("api-client-measure-schedules", kwargs={"pk": client.pk}), payload, format="json"
    )


def test_every_session_and_every_third_session(therapist, client_record):
    assert schedule(therapist, client_record, instrument="phq9", every_n_sessions=1).status_code == 201
    assert (
        schedule(therapist, client_record, instrument="wai_sr", every_n_sessions=3, expires_after_days=2).status_code
        == 201
    )
    now = timezone.now()
    for week in range(2):  # two sessions already attended
        SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=14 - 7 * week), status="attended")
    upcoming = SessionFactory(client=client_record, starts_at=now + dt.timedelta(days=1), status="scheduled")
    assert create_due_questionnaires(now) == 2  # the 3rd session: PHQ-9 and WAI-SR
    assert create_due_questionnaires(now) == 0  # idempotent
    due = DueQuestionnaire.objects.filter(session=upcoming).order_by("instrument")
    assert [row.instrument for row in due] == ["phq9", "wai_sr"]
    assert due[1].expires_at == upcoming.starts_at + dt.timedelta(days=2)


def test_the_client_sees_due_questionnaires_and_completing_one_closes_it(therapist, client_record, client_user):
    schedule(therapist, client_record, instrument="gad7", every_n_sessions=1)
    now = timezone.now()
    SessionFactory(client=client_record, starts_at=now + dt.timedelta(hours=20), status="scheduled")
    create_due_questionnaires(now)
    api = as_user(client_user)
    due = api.get(reverse("api-me-questionnaires")).json()
    assert [row["instrument"] for row in due] == ["gad7"]
    api.post(reverse("api-me-assessments"), {"instrument": "gad7", "answers": [1] * 7}, format="json")
    assert api.get(reverse("api-me-questionnaires")).json() == []
    assert DueQuestionnaire.objects.get().status == "completed"


def test_unfilled_questionnaires_expire(therapist, client_record):
    schedule(therapist, client_record, instrument="phq9", every_n_sessions=1, expires_after_days=1)
    now = timezone.now()
    SessionFactory(client=client_record, starts_at=now + dt.timedelta(hours=2), status="scheduled")
    create_due_questionnaires(now)
    with time_machine.travel(now + dt.timedelta(days=1, hours=3)):
        assert expire_due_questionnaires() == 1
    assert DueQuestionnaire.objects.get().status == "expired"


def test_bad_schedule_is_a_field_error(therapist, client_record):
    response = schedule(therapist, client_record, instrument="nope", every_n_sessions=1)
    assert response.status_code == 400 and "instrument" in response.json()
    response = schedule(therapist, client_record, instrument="phq9", every_n_sessions=0)
    assert response.status_code == 400 and "every_n_sessions" in response.json()


def test_the_schedule_api_takes_min_days_between_and_marks_overrides(therapist, client_record):
    response = schedule(therapist, client_record, instrument="pcl5", every_n_sessions=1, min_days_between=28)
    assert response.status_code == 201
    assert (response.json()["min_days_between"], response.json()["from_protocol"]) == (28, False)
    assert schedule(therapist, client_record, instrument="pcl5", min_days_between=400).status_code == 400

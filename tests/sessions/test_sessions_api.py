"""Sessions: booking, recording outcomes, validation, discharged clients, list shape."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from practice.audit import AuditAction
from practice.errors import DomainError
from practice.models import AuditEvent
from sessions.models import Session
from sessions.services import scheduling
from tests.conftest import as_user
from tests.factories import SessionFactory


def sessions_url(client) -> str:
    return reverse("api-client-sessions", kwargs={"pk": client.pk})


def session_url(session) -> str:
    return reverse("api-session-detail", kwargs={"pk": session.pk})


VALID = {
    "starts_at": "2030-03-04T10:00:00Z",
    "duration_minutes": 50,
    "kind": "telehealth",
    "status": "scheduled",
}


@pytest.fixture
def activity_calls(monkeypatch):
    """The client ids the scheduling service reported to the insights engine."""
    calls: list[int] = []
    monkeypatch.setattr(scheduling, "client_activity_changed", calls.append)
    return calls


@pytest.mark.django_db
def test_create_session_returns_every_field(client_record, therapist, activity_calls):
    response = as_user(therapist).post(sessions_url(client_record), VALID, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    session = Session.objects.get(pk=body["id"])
    assert body["client"] == client_record.pk
    assert body["therapist"] == therapist.membership.pk
    assert body["starts_at"] == "2030-03-04T10:00:00Z"
    assert body["ends_at"] == "2030-03-04T10:50:00Z"
    assert (body["duration_minutes"], body["kind"], body["status"]) == (
        50,
        "telehealth",
        "scheduled",
    )
    assert body["status_changed_at"] is None
    assert session.starts_at == dt.datetime(2030, 3, 4, 10, tzinfo=dt.UTC)
    assert AuditEvent.objects.filter(
        action=AuditAction.CREATE, target_id=str(session.pk), client_id=client_record.pk
    ).exists()
    assert activity_calls == [client_record.pk]


@pytest.mark.django_db
def test_create_session_defaults(client_record, therapist):
    response = as_user(therapist).post(
        sessions_url(client_record),
        {"starts_at": "2030-03-04T10:00:00Z"},
        format="json",
    )
    assert response.status_code == 201
    assert (
        response.json()["duration_minutes"],
        response.json()["kind"],
        response.json()["status"],
    ) == (50, "individual", "scheduled")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change,field",
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 601}, "duration_minutes"),
        ({"duration_minutes": "long"}, "duration_minutes"),
        ({"kind": "walk"}, "kind"),
        ({"status": "maybe"}, "status"),
        ({"starts_at": "next tuesday"}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
    ],
)
def test_invalid_session_is_400_with_field_error_and_nothing_stored(client_record, therapist, change, field):
    response = as_user(therapist).post(sessions_url(client_record), {**VALID, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_duration_boundaries_are_accepted(client_record, therapist):
    api = as_user(therapist)
    # On different days: two bookings at the same hour would overlap (issue 14 refuses that).
    for day, minutes in ((4, 1), (5, 600)):
        assert (
            api.post(
                sessions_url(client_record),
                {**VALID, "starts_at": f"2030-03-0{day}T10:00:00Z", "duration_minutes": minutes},
                format="json",
            ).status_code
            == 201
        )


@pytest.mark.django_db
def test_service_validates_even_without_the_api(client_record, therapist):
    with pytest.raises(DomainError) as error:
        scheduling.session_create(
            client=client_record,
            actor=therapist,
            starts_at=timezone.now(),
            duration_minutes=0,
        )
    assert error.value.field == "duration_minutes"
    with pytest.raises(DomainError) as error:
        scheduling.session_create(client=client_record, actor=therapist, starts_at=timezone.now(), kind="walk")
    assert error.value.field == "kind"
    assert not Session.objects.exists()


@pytest.mark.django_db
def test_discharged_client_is_readable_but_takes_no_new_sessions(client_record, therapist):
    existing = SessionFactory(client=client_record, status=Session.Status.SCHEDULED)
    Client.objects.filter(pk=client_record.pk).update(status=Client.Status.DISCHARGED)
    api = as_user(therapist)
    refused = api.post(sessions_url(client_record), VALID, format="json")
    assert refused.status_code == 409
    assert "discharged" in refused.json()["detail"]
    assert Session.objects.count() == 1
    listed = api.get(sessions_url(client_record))
    assert listed.status_code == 200 and listed.json()["count"] == 1
    # The outcome of a session already held can still be recorded; moving it cannot.
    assert api.patch(session_url(existing), {"status": "attended"}, format="json").status_code == 200
    moved = api.patch(session_url(existing), {"starts_at": "2031-01-01T09:00:00Z"}, format="json")
    assert moved.status_code == 409
    assert Session.objects.get(pk=existing.pk).starts_at == existing.starts_at


@pytest.mark.django_db
def test_patch_status_sets_status_changed_at_and_notifies_insights(client_record, therapist, activity_calls):
    session = SessionFactory(client=client_record, status=Session.Status.SCHEDULED)
    response = as_user(therapist).patch(session_url(session), {"status": "no_show"}, format="json")
    assert response.status_code == 200, response.content
    session.refresh_from_db()
    assert session.status == "no_show"
    assert session.status_changed_at is not None
    assert response.json()["status_changed_at"] is not None
    assert activity_calls == [client_record.pk]
    event = AuditEvent.objects.get(action=AuditAction.UPDATE, target_id=str(session.pk))
    assert event.fields == ["status"]


@pytest.mark.django_db
def test_patch_without_status_change_leaves_status_changed_at(client_record, therapist, activity_calls):
    session = SessionFactory(client=client_record, status=Session.Status.SCHEDULED)
    response = as_user(therapist).patch(session_url(session), {"duration_minutes": 90}, format="json")
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.duration_minutes == 90
    assert session.status_changed_at is None
    assert activity_calls == []


@pytest.mark.django_db
def test_invalid_patch_changes_nothing(client_record, therapist):
    session = SessionFactory(client=client_record, status=Session.Status.SCHEDULED)
    response = as_user(therapist).patch(
        session_url(session),
        {"status": "attended", "duration_minutes": 0},
        format="json",
    )
    assert response.status_code == 400
    assert "duration_minutes" in response.json()
    session.refresh_from_db()
    assert session.status == "scheduled" and session.duration_minutes == 50


@pytest.mark.django_db
def test_session_list_is_newest_first_and_paginated(client_record, therapist, other_client_record):
    now = timezone.now()
    old = SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=14))
    new = SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=1))
    SessionFactory(client=other_client_record)
    body = as_user(therapist).get(sessions_url(client_record)).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [row["id"] for row in body["results"]] == [new.pk, old.pk]


@pytest.mark.django_db
def test_session_list_filters_by_status(client_record, therapist):
    attended = SessionFactory(client=client_record, status=Session.Status.ATTENDED)
    SessionFactory(client=client_record, status=Session.Status.CANCELLED)
    api = as_user(therapist)
    body = api.get(sessions_url(client_record), {"status": "attended"}).json()
    assert [row["id"] for row in body["results"]] == [attended.pk]
    assert api.get(sessions_url(client_record), {"status": "nope"}).status_code == 400


SESSIONS_LIST_QUERIES = 4


@pytest.mark.django_db
def test_sessions_list_query_count_is_constant(client_record, therapist, django_assert_num_queries):
    api = as_user(therapist)
    url = sessions_url(client_record)
    counts = []
    for rows in (1, 10, 100):
        while Session.objects.filter(client=client_record).count() < rows:
            SessionFactory(client=client_record)
        with CaptureQueriesContext(connection) as captured:
            response = api.get(url, {"page_size": 200})
        assert len(response.json()["results"]) == rows
        counts.append(len(captured))
    assert counts == [counts[0]] * 3
    with django_assert_num_queries(SESSIONS_LIST_QUERIES):
        api.get(url, {"page_size": 200})

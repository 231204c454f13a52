"""Mood check-ins and messages: validation, and the in-request safety loop."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.selectors import client_for_read
from insights.models import Alert
from practice.celery import app as celery_app
from practice.models import AuditEvent, Notification
from sessions import selectors
from sessions.api_homework import ClientCheckInsView
from sessions.models import CheckIn, Message
from tests.api_reference import serializer_list_content
from tests.conftest import Snapshot, as_user
from tests.factories import CheckInFactory

pytestmark = pytest.mark.django_db

URGENT = "I want to kill myself tonight"
BENIGN = "I had a good walk"


@pytest.fixture
def me(client_user):
    return as_user(client_user)


def checkin(api, **data):
    return api.post(reverse("api-me-checkins"), data, format="json")


# ---------------------------------------------------------------------------
# Risk: the alert exists when the response is sent, whatever the queue is doing


def test_risky_note_returns_crisis_resources_and_alerts_with_eager_celery(
    me, client_record, practice, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    with django_capture_on_commit_callbacks(execute=True):
        response = checkin(me, mood=2, note=URGENT)
    assert response.status_code == 201
    body = response.json()
    assert body["crisis_resources"] == practice.crisis_resources and body["crisis_resources"]
    assert body["risk_level"] == "urgent"
    alert = Alert.objects.get(client=client_record)
    assert (alert.kind, alert.severity, alert.source_type, alert.source_id) == (
        "risk_language",
        "urgent",
        "checkin",
        body["id"],
    )
    # The eager notification reached the therapist, without clinical content.
    assert len(mail.outbox) == 1 and URGENT not in mail.outbox[0].body


@pytest.mark.parametrize("broker", ["queued_no_worker", "broker_down"])
def test_risky_note_alert_exists_right_after_the_response_without_a_worker(
    me, client_record, monkeypatch, django_capture_on_commit_callbacks, broker
):
    from practice import tasks as practice_tasks

    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    published = []

    def fake_delay(*args):
        if broker == "broker_down":
            raise OSError("broker unreachable")
        published.append(args)  # sits in the queue: no worker ever runs it

    monkeypatch.setattr(practice_tasks.send_notification, "delay", fake_delay)
    with django_capture_on_commit_callbacks(execute=True):
        response = checkin(me, mood=1, note=URGENT)
    assert response.status_code == 201 and response.json()["crisis_resources"]
    alert = Alert.objects.get(client=client_record)
    assert alert.status == "open" and alert.notified_at is None
    assert CheckIn.objects.filter(pk=response.json()["id"]).exists()
    # The notice waits in the outbox either way (the sweeper sends it when the broker is back).
    notification = Notification.objects.get(kind="alert_created", target_id=alert.pk)
    assert notification.sent_at is None and notification.recipients == [client_record.primary_therapist.user.email]
    assert published == ([(notification.pk,)] if broker == "queued_no_worker" else [])


def test_benign_note_has_no_crisis_key_and_no_alert(me):
    response = checkin(me, mood=7, note=BENIGN, emotions=["calm", "Hopeful", "calm"])
    assert response.status_code == 201
    body = response.json()
    assert "crisis_resources" not in body and "risk_level" not in body
    assert body["mood"] == 7 and body["note"] == BENIGN and body["emotions"] == ["calm", "hopeful"]
    assert not Alert.objects.exists()


def test_concern_level_note_alerts_as_concern(me, client_record):
    response = checkin(me, mood=3, note="Sometimes I wish I were dead")
    assert response.status_code == 201 and response.json()["risk_level"] == "concern"
    assert Alert.objects.get(client=client_record).severity == "concern"


# ---------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize("mood", [-1, 11, 5.5, 5.0, "5", True, None, [5]])
def test_mood_must_be_an_integer_from_0_to_10(me, mood):
    before = Snapshot.take()
    response = checkin(me, mood=mood)
    assert response.status_code == 400
    assert "mood" in response.json()
    assert not Snapshot.take().changed_since(before)


def test_missing_mood_is_400(me):
    response = checkin(me, note=BENIGN)
    assert response.status_code == 400 and "mood" in response.json()


@pytest.mark.parametrize("mood", [0, 10])
def test_mood_bounds_are_accepted(me, mood):
    assert checkin(me, mood=mood).status_code == 201


@pytest.mark.parametrize("emotions", [["elated"], "calm", [1]])
def test_emotions_must_come_from_the_list(me, emotions):
    response = checkin(me, mood=5, emotions=emotions)
    assert response.status_code == 400 and "emotions" in response.json()
    assert not CheckIn.objects.exists()


def test_overlong_note_is_400(me):
    response = checkin(me, mood=5, note="a" * 5001)
    assert response.status_code == 400 and "note" in response.json()


def test_risky_note_with_invalid_mood_still_alerts(me, client_record):
    response = checkin(me, mood=42, note=URGENT)
    assert response.status_code == 400
    assert "mood" in response.json() and response.json()["crisis_resources"]
    assert not CheckIn.objects.exists()
    assert Alert.objects.filter(client=client_record, severity="urgent", source_type="checkin").exists()


# ---------------------------------------------------------------------------
# Lists


def test_client_lists_only_their_own_checkins(me, client_record, other_client_record):
    mine = CheckInFactory(client=client_record, mood=4)
    CheckInFactory(client=other_client_record, mood=9)
    results = me.get(reverse("api-me-checkins")).json()["results"]
    assert [item["id"] for item in results] == [mine.pk]


def test_therapist_reads_checkins_with_a_read_audit(therapist, client_record):
    CheckInFactory(client=client_record, mood=4, note="Tired")
    response = as_user(therapist).get(reverse("api-client-checkins", kwargs={"pk": client_record.pk}))
    assert response.status_code == 200 and response.json()["results"][0]["note"] == "Tired"
    assert (
        AuditEvent.objects.filter(
            action="read", client_id=client_record.pk, target_type="clinical_sessions.checkin"
        ).count()
        == 1
    )


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_checkin_lists_query_count_is_flat(me, therapist, client_record, django_assert_num_queries, rows):
    for _ in range(rows):
        CheckInFactory(client=client_record)
    staff = as_user(therapist)
    with django_assert_num_queries(4):  # token, client with its portal consent, count, page
        assert me.get(reverse("api-me-checkins")).status_code == 200
    # token, the page with its count (the scope in the query), audit (savepoint, insert, release)
    with django_assert_num_queries(5):
        assert staff.get(reverse("api-client-checkins", kwargs={"pk": client_record.pk})).status_code == 200


def reference_checkins(view, user, pk: int, query: str = "") -> tuple[int, bytes]:
    """The list as CheckInSerializer answered it: the client looked up, then its check-ins."""

    def get_queryset(self):
        client = client_for_read(user=self.request.user, client_id=self.kwargs["pk"])
        return selectors.checkins_for_client(client=client, actor=self.request.user)

    path = reverse("api-client-checkins", kwargs={"pk": pk}) + query
    return serializer_list_content(view, user=user, path=path, kwargs={"pk": pk}, get_queryset=get_queryset)


def test_client_checkins_match_the_serializer(therapist, supervisor, client_record, other_client_record):
    moment = timezone.now()
    notes = ["", "Tired — “long” day \u2028", "Slept well"]
    for index in range(12):
        CheckInFactory(
            client=client_record,
            mood=index % 11,
            emotions=[] if index % 2 else ["calm", "anxious"],
            note=notes[index % 3],
            created_at=moment - dt.timedelta(hours=index // 2),  # pairs at the same instant: id decides
        )
    for user in (therapist, supervisor):
        for query in ("", "?page_size=5&page=2", "?page_size=5&page=last", "?page_size=200"):
            response = as_user(user).get(reverse("api-client-checkins", kwargs={"pk": client_record.pk}) + query)
            status, expected = reference_checkins(ClientCheckInsView, user, client_record.pk, query)
            assert response.status_code == status == 200
            assert response.content == expected
    # A client in scope with no check-ins: an empty page, and its read still recorded.
    before = AuditEvent.objects.filter(client_id=other_client_record.pk).count()
    response = as_user(therapist).get(reverse("api-client-checkins", kwargs={"pk": other_client_record.pk}))
    assert response.status_code == 200
    assert response.content == reference_checkins(ClientCheckInsView, therapist, other_client_record.pk)[1]
    # Two reads: the API's and the reference's.
    assert AuditEvent.objects.filter(client_id=other_client_record.pk).count() == before + 2


@pytest.mark.parametrize("query", ["", "?page=2", "?page=x"])
def test_client_checkins_out_of_scope_are_404_without_an_audit(colleague, therapist, client_record, query):
    CheckInFactory(client=client_record, note="Private")
    api = as_user(colleague)
    before = AuditEvent.objects.count()
    url = reverse("api-client-checkins", kwargs={"pk": client_record.pk}) + query
    response = api.get(url)
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}
    assert AuditEvent.objects.count() == before
    # An invalid page of a client in scope stays DRF's answer.
    if query:
        response = as_user(therapist).get(url)
        assert response.status_code == 404
        assert response.content == reference_checkins(ClientCheckInsView, therapist, client_record.pk, query)[1]


# ---------------------------------------------------------------------------
# Messages


def test_risky_client_message_alerts_in_the_same_request(me, client_record):
    response = me.post(reverse("api-me-messages"), {"body": URGENT}, format="json")
    assert response.status_code == 201
    assert response.json()["crisis_resources"] and response.json()["from_client"] is True
    alert = Alert.objects.get(client=client_record)
    assert alert.source_type == "message" and alert.source_id == response.json()["id"]


def test_therapist_message_is_not_screened_and_client_sees_it(me, therapist, client_record):
    staff = as_user(therapist)
    sent = staff.post(
        reverse("api-client-messages", kwargs={"pk": client_record.pk}),
        {"body": "If you ever want to kill yourself, call 988."},
        format="json",
    )
    assert sent.status_code == 201 and sent.json()["from_client"] is False and "crisis_resources" not in sent.json()
    assert not Alert.objects.exists()
    thread = me.get(reverse("api-me-messages")).json()["results"]
    assert [item["id"] for item in thread] == [sent.json()["id"]]


@pytest.mark.parametrize("body", ["", "   ", None, 5])
def test_empty_message_is_400(me, body):
    response = me.post(reverse("api-me-messages"), {"body": body}, format="json")
    assert response.status_code == 400 and "body" in response.json()
    assert not Message.objects.exists()


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_message_lists_query_count_is_flat(me, client_user, client_record, django_assert_num_queries, rows):
    Message.objects.bulk_create(
        [
            Message(client=client_record, sender=client_user, from_client=True, body=f"note {index}")
            for index in range(rows)
        ]
    )
    with django_assert_num_queries(4):  # token, client with its portal consent, count, page (with sender)
        assert me.get(reverse("api-me-messages")).status_code == 200


def test_crisis_resources_work_with_no_assignments(me, practice):
    response = me.get(reverse("api-me-crisis-resources"))
    assert response.status_code == 200 and response.json()["crisis_resources"] == practice.crisis_resources

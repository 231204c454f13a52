"""Messages between a client and their care team: the chart's Messages tab, read receipts, the
dashboard's unread badge and the portal's "Read" marker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from practice.models import AuditEvent
from sessions.models import Message
from tests.conftest import _portal_user, as_user, web_as
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def messages_tab(client_record) -> str:
    return reverse("client-chart", args=[client_record.pk]) + "?tab=messages"


@pytest.fixture
def client_message(client_record, client_user):
    return Message.objects.create(
        client=client_record, sender=client_user, from_client=True, body="Can we move Tuesday?"
    )


def test_the_therapist_reads_the_thread_and_the_client_sees_it_was_read(
    therapist, client_user, client_record, client_message
):
    portal = web_as(client_user)
    assert "· Read" not in portal.get(reverse("portal-messages")).content.decode()
    dashboard = web_as(therapist).get(reverse("dashboard")).content.decode()
    assert "1 unread message" in dashboard

    browser = web_as(therapist)
    page = browser.get(messages_tab(client_record))
    assert page.status_code == 200 and "Can we move Tuesday?" in page.content.decode()
    client_message.refresh_from_db()
    assert client_message.read_at is None, "opening the tab (a GET) writes nothing"
    assert 'name="action" value="mark_read"' in page.content.decode()
    assert browser.post(messages_tab(client_record), {"action": "mark_read"}).status_code == 302
    client_message.refresh_from_db()
    assert client_message.read_at is not None
    assert AuditEvent.objects.filter(action="update", actor=therapist, fields=["read_at"]).count() == 1
    assert AuditEvent.objects.filter(action="read", target_type="clinical_sessions.message").exists()
    # No unread badge on the caseload row (the page's filters and day panel still name the word).
    assert 'data-testid="unread-messages"' not in web_as(therapist).get(reverse("dashboard")).content.decode()
    assert "· Read" in portal.get(reverse("portal-messages")).content.decode()


def test_the_therapist_replies_from_the_chart(therapist, client_user, client_record):
    response = web_as(therapist).post(messages_tab(client_record), {"action": "message", "message-body": "Yes, 4pm?"})
    assert response.status_code == 302
    reply = Message.objects.get()
    assert reply.from_client is False and reply.sender == therapist and reply.body == "Yes, 4pm?"
    assert "Yes, 4pm?" in web_as(client_user).get(reverse("portal-messages")).content.decode()


def test_an_empty_reply_is_explained_and_stores_nothing(therapist, client_record):
    response = web_as(therapist).post(messages_tab(client_record), {"action": "message", "message-body": "  "})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Message.objects.exists()


def test_a_colleague_cannot_reply_or_read(colleague, client_record, client_message):
    assert web_as(colleague).get(messages_tab(client_record)).status_code == 404
    response = web_as(colleague).post(messages_tab(client_record), {"action": "message", "message-body": "Hi"})
    assert response.status_code == 404
    client_message.refresh_from_db()
    assert client_message.read_at is None and Message.objects.count() == 1


def test_the_api_marks_messages_read_for_the_care_team_only(therapist, client_record, client_message):
    url = reverse("api-client-messages-read", kwargs={"pk": client_record.pk})
    first = as_user(therapist).post(url)
    assert first.status_code == 200 and first.json() == {"marked": 1}
    assert as_user(therapist).post(url).json() == {"marked": 0}
    listed = as_user(therapist).get(reverse("api-client-messages", kwargs={"pk": client_record.pk})).json()
    assert listed["results"][0]["read_at"] is not None


def test_reading_the_thread_through_the_api_does_not_mark_it_read(therapist, client_record, client_message):
    as_user(therapist).get(reverse("api-client-messages", kwargs={"pk": client_record.pk}))
    client_message.refresh_from_db()
    assert client_message.read_at is None


def test_unread_messages_raise_a_client_on_the_needs_attention_sort(therapist, client_record, client_message):
    quiet = ClientFactory(primary_therapist=therapist.membership, practice=client_record.practice, last_name="Aaronson")
    _portal_user(quiet, "aaronson@clients.example")  # same engagement badge as the client who wrote
    rows = web_as(therapist).get(reverse("dashboard")).context["clients"]
    assert [row.client.pk for row in rows][:2] == [client_record.pk, quiet.pk]

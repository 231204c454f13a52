"""The therapist's inbox (sessions/web_inbox.py, sessions.selectors.inbox_*)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from insights.models import Alert
from practice.audit import AuditAction
from practice.models import AuditEvent
from sessions import selectors
from sessions.models import Message
from sessions.services.checkins import message_send
from tests.conftest import web_as
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def _client(therapist, name: str) -> Client:
    membership = therapist.membership
    return ClientFactory(primary_therapist=membership, practice=membership.practice, first_name=name, last_name="Q")


def _message(client, sender, *, from_client: bool, minutes_ago: int, read: bool = False) -> Message:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return Message.objects.create(
        client=client, sender=sender, from_client=from_client, body="Hello", created_at=at, read_at=at if read else None
    )


def test_threads_list_unread_first_then_latest_message(therapist):
    quiet = _client(therapist, "Quiet")
    recent = _client(therapist, "Recent")
    waiting = _client(therapist, "Waiting")
    _client(therapist, "Nobody")  # no messages: not a thread (but can be messaged)
    _message(quiet, therapist, from_client=False, minutes_ago=50)
    _message(recent, therapist, from_client=False, minutes_ago=5)
    _message(waiting, therapist, from_client=True, minutes_ago=90)
    threads = selectors.inbox_threads(user=therapist)
    assert [thread.client.first_name for thread in threads] == ["Waiting", "Recent", "Quiet"]
    assert threads[0].unread == 1 and threads[1].unread == 0
    assert "Nobody" in {c.first_name for c in selectors.inbox_new_message_clients(user=therapist)}


def test_threads_of_other_therapists_are_not_listed(therapist, colleague, client_record):
    _message(client_record, therapist, from_client=False, minutes_ago=1)
    assert selectors.inbox_threads(user=colleague) == []
    assert web_as(colleague).get(f"{reverse('inbox')}?client={client_record.pk}").status_code == 404


def test_a_risk_flagged_client_message_is_marked_in_the_thread(therapist, client_record, client_user):
    message, _outcome = message_send(client=client_record, actor=client_user, body="I want to kill myself tonight")
    assert Alert.objects.filter(source_type="message", source_id=message.pk).exists()
    message_send(client=client_record, actor=client_user, body="Also, can we move Thursday?")
    page = web_as(therapist).get(f"{reverse('inbox')}?client={client_record.pk}")
    html = page.content.decode()
    assert html.count('data-testid="risk-flag"') == 1
    assert "Risk flagged" in html
    conversation = page.context["conversation"]
    assert conversation.flagged_ids == {message.pk}


def test_opening_a_thread_records_the_read_and_does_not_mark_it_read(therapist, client_record, client_user):
    _message(client_record, client_user, from_client=True, minutes_ago=3)
    before = AuditEvent.objects.count()
    page = web_as(therapist).get(f"{reverse('inbox')}?client={client_record.pk}")
    assert page.status_code == 200
    assert Message.objects.filter(read_at__isnull=True).count() == 1  # GET pages do not write
    reads = AuditEvent.objects.filter(pk__gt=0).order_by("pk")[before:]
    assert any(event.action == AuditAction.READ and event.target_type == "clinical_sessions.message" for event in reads)
    assert 'data-testid="mark-read"' in page.content.decode()


def test_mark_read_is_an_explicit_post(therapist, client_record, client_user):
    _message(client_record, client_user, from_client=True, minutes_ago=3)
    response = web_as(therapist).post(reverse("inbox-read", args=[client_record.pk]))
    assert response.status_code == 302
    assert not Message.objects.filter(read_at__isnull=True).exists()


def test_reply_goes_through_the_message_service_and_is_audited(therapist, client_record, client_user):
    _message(client_record, client_user, from_client=True, minutes_ago=3)
    response = web_as(therapist).post(reverse("inbox-reply", args=[client_record.pk]), {"body": "See you Thursday."})
    assert response.status_code == 302 and response["Location"].endswith(f"?client={client_record.pk}#thread")
    reply = Message.objects.get(from_client=False)
    assert reply.sender == therapist and reply.body == "See you Thursday."
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="clinical_sessions.message").exists()


def test_an_empty_reply_is_refused_with_the_form_error(therapist, client_record):
    response = web_as(therapist).post(reverse("inbox-reply", args=[client_record.pk]), {"body": ""})
    assert response.status_code == 400 and not Message.objects.exists()
    assert "This field is required." in response.content.decode()


def test_an_empty_thread_offers_new_message_not_reply(therapist, client_record):
    html = web_as(therapist).get(f"{reverse('inbox')}?client={client_record.pk}").content.decode()
    assert "New message" in html and "Send message" in html and "Send reply" not in html
    _message(client_record, therapist, from_client=False, minutes_ago=1)
    html = web_as(therapist).get(f"{reverse('inbox')}?client={client_record.pk}").content.decode()
    assert "Send reply" in html and "New message" not in html


def test_the_navigation_shows_the_unread_count(therapist, client_record, client_user):
    for minutes in (1, 2, 3):
        _message(client_record, client_user, from_client=True, minutes_ago=minutes)
    html = web_as(therapist).get(reverse("inbox")).content.decode()
    nav = html[html.index('data-testid="nav-inbox"') :][:300]
    assert ">3<" in nav
    web_as(therapist).post(reverse("inbox-read", args=[client_record.pk]))
    html = web_as(therapist).get(reverse("inbox")).content.decode()
    nav = html[html.index('data-testid="nav-inbox"') :][:300]
    assert "unread" not in nav


# Session, user (with membership, practice and MFA-device flag), the threads (one query), the
# navigation's counts (one), the clients one may start a thread with (one), and the first
# view's session save (savepoint, update, release).
INBOX_QUERIES = 8


@pytest.mark.parametrize("count", [1, 10, 100])
def test_inbox_query_count_is_the_same_at_1_10_and_100_threads(
    therapist, client_user, count, django_assert_num_queries
):
    for index in range(count):
        client = _client(therapist, f"C{index}")
        _message(client, therapist, from_client=False, minutes_ago=index + 1)
        _message(client, client_user, from_client=True, minutes_ago=index + 2)
    browser = web_as(therapist)
    with django_assert_num_queries(INBOX_QUERIES):
        response = browser.get(reverse("inbox"))
    assert len(response.context["threads"]) == count

"""The server-rendered client portal: access, read-only discharge, consent, forms and risk."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client as WebClient
from django.urls import reverse
from django.utils import timezone

from clients.models import Assessment, Client, Consent, DueQuestionnaire
from clients.services.portal import reminder_preferences_update
from clients.services.records import portal_invite_create
from insights.models import Alert
from practice.errors import DomainError
from practice.models import AuditEvent, User
from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission, Message
from tests.conftest import PASSWORD, Snapshot, web_as
from tests.factories import CheckInFactory, HomeworkAssignmentFactory

pytestmark = pytest.mark.django_db

RISKY = "I want to kill myself tonight"


@pytest.fixture
def thought_record(client_record):
    return HomeworkAssignmentFactory(client=client_record, kind="thought_record", title="Thought record")


def page_urls(assignment) -> dict[str, str]:
    return {
        "home": reverse("portal-home"),
        "checkin": reverse("portal-checkin"),
        "history": reverse("portal-history"),
        "crisis": reverse("portal-crisis"),
        "messages": reverse("portal-messages"),
        "settings": reverse("portal-settings"),
        "questionnaires": reverse("portal-questionnaires"),
        "homework": reverse("portal-homework", args=[assignment.pk]),
    }


def thought_record_post(**overrides) -> dict:
    data = {
        "situation": "Meeting at work",
        "automatic_thought": "They think I'm useless",
        "emotion": "anxious",
        "emotion_intensity": "70",
        "action": "submit",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------
# Who may see the portal


@pytest.mark.parametrize("actor", ["therapist", "colleague", "manager", "admin", "outsider"])
def test_staff_get_404_on_every_portal_page(actors, thought_record, actor):
    browser = web_as(actors[actor])
    for name, url in page_urls(thought_record).items():
        assert browser.get(url).status_code == 404, name


def test_anonymous_visitor_is_sent_to_sign_in(thought_record):
    for url in page_urls(thought_record).values():
        response = WebClient().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_client_sees_every_portal_page_with_the_crisis_button(client_user, thought_record):
    browser = web_as(client_user)
    for name, url in page_urls(thought_record).items():
        response = browser.get(url)
        assert response.status_code == 200, name
        assert reverse("portal-crisis") in response.content.decode(), name


def test_client_cannot_open_another_clients_homework(client_user, other_client_record):
    theirs = HomeworkAssignmentFactory(client=other_client_record, title="Someone else's journal")
    response = web_as(client_user).get(reverse("portal-homework", args=[theirs.pk]))
    assert response.status_code == 404


def test_home_lists_own_open_homework_and_due_questionnaire(
    client_user, client_record, other_client_record, thought_record
):
    HomeworkAssignmentFactory(client=other_client_record, title="Not yours")
    HomeworkAssignmentFactory(client=client_record, title="Cancelled one", status=HomeworkAssignment.Status.CANCELLED)
    now = timezone.now()
    DueQuestionnaire.objects.create(
        client=client_record, instrument="phq9", due_at=now, expires_at=now + dt.timedelta(days=3)
    )
    body = web_as(client_user).get(reverse("portal-home")).content.decode()
    assert "Thought record" in body
    assert "Not yours" not in body
    assert "Cancelled one" not in body
    assert "Mood questionnaire" in body
    assert "How are you feeling today?" in body


# ---------------------------------------------------------------------------
# Consent withdrawn and discharge


def test_revoked_portal_consent_blocks_sign_in_with_a_clear_page(client_user, client_record):
    Consent.objects.filter(client=client_record, kind=Consent.Kind.PORTAL).update(revoked_at=timezone.now())
    browser = WebClient()
    response = browser.post(
        reverse("login"), {"username": client_user.email, "password": PASSWORD}, follow=True, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 403
    body = response.content.decode()
    assert "can't use the portal" in body
    assert "tel:988" in body  # help numbers are never withheld
    # The session was ended: the next request is sent to sign in again.
    again = browser.get(reverse("portal-home"))
    assert again.status_code == 302
    assert again["Location"].startswith(reverse("login"))


def test_discharged_portal_is_read_only(client_user, client_record, thought_record):
    client_record.status = Client.Status.DISCHARGED
    client_record.save(update_fields=["status"])
    browser = web_as(client_user)
    for url in (
        reverse("portal-home"),
        reverse("portal-checkin"),
        reverse("portal-homework", args=[thought_record.pk]),
    ):
        body = browser.get(url).content.decode()
        assert "read-only" in body
        assert '<form method="post" class="card"' not in body
    before = Snapshot.take()
    assert browser.post(reverse("portal-checkin"), {"mood": "5"}).status_code == 409
    assert browser.post(reverse("portal-homework", args=[thought_record.pk]), thought_record_post()).status_code == 409
    assert browser.post(reverse("portal-messages"), {"body": "hello"}).status_code == 409
    assert Snapshot.take().changed_since(before) == {}


# ---------------------------------------------------------------------------
# Homework


def test_invalid_submission_rerenders_with_field_errors_and_keeps_the_draft(client_user, thought_record):
    browser = web_as(client_user)
    url = reverse("portal-homework", args=[thought_record.pk])
    saved = browser.post(url, {"situation": "On the bus", "action": "save"})
    assert saved.status_code == 302
    draft = HomeworkSubmission.objects.get(assignment=thought_record)
    assert draft.is_draft and draft.responses == {"situation": "On the bus"}

    response = browser.post(
        url, thought_record_post(situation="Edited text", automatic_thought="", emotion_intensity="150")
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Please check your answers" in body
    assert 'id="field-automatic_thought-error"' in body
    assert "This field is required." in body
    assert "Must be between 0 and 100." in body
    assert "Edited text" in body  # what they typed is not lost
    draft.refresh_from_db()
    assert draft.is_draft and draft.responses == {"situation": "On the bus"}
    thought_record.refresh_from_db()
    assert thought_record.status == HomeworkAssignment.Status.IN_PROGRESS


def test_saved_draft_is_shown_when_the_client_comes_back(client_user, thought_record):
    browser = web_as(client_user)
    url = reverse("portal-homework", args=[thought_record.pk])
    browser.post(url, {"situation": "Draft words here", "emotion_intensity": "40", "action": "save"})
    body = browser.get(url).content.decode()
    assert "Draft words here" in body
    assert 'value="40" id="field-emotion_intensity-4" checked' in body


def test_submitting_a_thought_record_completes_it(client_user, thought_record):
    response = web_as(client_user).post(reverse("portal-homework", args=[thought_record.pk]), thought_record_post())
    assert response.status_code == 302
    thought_record.refresh_from_db()
    assert thought_record.status == HomeworkAssignment.Status.COMPLETED
    submission = HomeworkSubmission.objects.get(assignment=thought_record)
    assert submission.is_draft is False
    assert submission.responses["emotion_intensity"] == 70


def test_risky_homework_text_shows_the_crisis_panel_and_alerts(client_user, client_record, thought_record):
    response = web_as(client_user).post(
        reverse("portal-homework", args=[thought_record.pk]), thought_record_post(automatic_thought=RISKY)
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body and "crisis-panel" in body
    assert Alert.objects.filter(client=client_record, source_type="homework_submission").exists()


def test_scale_field_offers_a_short_row_of_radio_buttons(client_user, thought_record):
    body = web_as(client_user).get(reverse("portal-homework", args=[thought_record.pk])).content.decode()
    assert body.count('name="emotion_intensity"') == 11  # 0, 10, ... 100 rather than 101 buttons


# ---------------------------------------------------------------------------
# Check-ins


def test_risky_checkin_shows_crisis_panel_and_creates_alert_in_the_same_request(client_user, client_record):
    response = web_as(client_user).post(
        reverse("portal-checkin"), {"mood": "1", "emotions": ["sad", "lonely"], "note": RISKY}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "crisis-panel" in body
    assert "We have let your therapist know" in body
    assert 'href="tel:988"' in body
    checkin = CheckIn.objects.get(client=client_record)
    assert checkin.mood == 1 and checkin.emotions == ["sad", "lonely"]
    assert Alert.objects.filter(client=client_record, source_type="checkin", source_id=checkin.pk).exists()


def test_calm_checkin_is_saved_without_a_crisis_panel(client_user, client_record):
    response = web_as(client_user).post(reverse("portal-checkin"), {"mood": "7", "note": "Nice walk"}, follow=True)
    assert "crisis-panel" not in response.content.decode()
    assert CheckIn.objects.get(client=client_record).mood == 7
    assert not Alert.objects.filter(client=client_record).exists()


def test_checkin_without_mood_is_refused_and_stores_nothing(client_user, client_record):
    response = web_as(client_user).post(reverse("portal-checkin"), {"note": "forgot the mood"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not CheckIn.objects.filter(client=client_record).exists()


# ---------------------------------------------------------------------------
# Questionnaires


@pytest.fixture
def due_phq9(client_record):
    now = timezone.now()
    return DueQuestionnaire.objects.create(
        client=client_record, instrument="phq9", due_at=now, expires_at=now + dt.timedelta(days=3)
    )


def test_questionnaire_item9_answer_records_portal_assessment_and_shows_help(client_user, client_record, due_phq9):
    answers = {f"item{number}": "1" for number in range(1, 9)} | {"item9": "2", "difficulty": "1"}
    response = web_as(client_user).post(reverse("portal-questionnaire", args=[due_phq9.pk]), answers)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'role="alert"' in body and "crisis-panel" in body
    assessment = Assessment.objects.get(client=client_record)
    assert assessment.source == Assessment.Source.PORTAL
    assert assessment.answers == [1, 1, 1, 1, 1, 1, 1, 1, 2]
    # No scores or labels shown: look at the words on the page, not at attributes (a CSP nonce
    # or a drawing's coordinates may contain the same digits).
    words = re.sub(r"<[^>]*>", " ", body)
    assert "severe" not in words and not re.search(rf"\b{assessment.total}\b", words)
    due_phq9.refresh_from_db()
    assert due_phq9.status == DueQuestionnaire.Status.COMPLETED
    assert Alert.objects.filter(client=client_record, kind="phq9_item9").exists()


def test_blank_questionnaire_items_need_confirming_before_anything_is_stored(client_user, client_record, due_phq9):
    browser = web_as(client_user)
    url = reverse("portal-questionnaire", args=[due_phq9.pk])
    partial = {f"item{number}": "0" for number in range(1, 8)}
    response = browser.post(url, partial)
    assert response.status_code == 400
    assert "You left questions 8, 9 blank" in response.content.decode()
    assert not Assessment.objects.exists()
    confirmed = browser.post(url, partial | {"leave_blank": "yes"})
    assert confirmed.status_code == 200
    assert Assessment.objects.get(client=client_record).answers == [0, 0, 0, 0, 0, 0, 0, None, None]


def test_another_clients_questionnaire_is_404(client_user, other_client_record):
    now = timezone.now()
    theirs = DueQuestionnaire.objects.create(
        client=other_client_record, instrument="gad7", due_at=now, expires_at=now + dt.timedelta(days=3)
    )
    assert web_as(client_user).get(reverse("portal-questionnaire", args=[theirs.pk])).status_code == 404


# ---------------------------------------------------------------------------
# History, messages, crisis page


def test_history_shows_a_simple_mood_chart_and_no_clinical_labels(client_user, client_record):
    for mood in (3, 5, 8):
        CheckInFactory(client=client_record, mood=mood)
    Assessment.objects.create(
        client=client_record,
        instrument="phq9",
        version="phq9_v1",
        answers=[3] * 9,
        result={"severity": "severe"},
        total=27,
    )
    body = web_as(client_user).get(reverse("portal-history")).content.decode()
    assert '<svg class="chart"' in body
    assert "Your mood (0 to 10)" in body
    assert "Mood questionnaire" in body
    assert "severe" not in body.lower()
    assert "PHQ" not in body


def test_client_reply_goes_through_the_message_service(client_user, client_record, therapist):
    Message.objects.create(client=client_record, sender=therapist, body="How did the week go?")
    browser = web_as(client_user)
    response = browser.post(reverse("portal-messages"), {"body": "Better, thanks"})
    assert response.status_code == 302
    sent = Message.objects.filter(client=client_record, from_client=True).get()
    assert sent.body == "Better, thanks" and sent.sender == client_user
    body = browser.get(reverse("portal-messages")).content.decode()
    assert "How did the week go?" in body and "Better, thanks" in body


def test_risky_message_shows_the_crisis_panel(client_user, client_record):
    response = web_as(client_user).post(reverse("portal-messages"), {"body": RISKY})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert Alert.objects.filter(client=client_record, source_type="message").exists()


def test_crisis_page_lists_tap_to_call_links_and_explains_screening(client_user, practice):
    # Stored straight on the row (the settings service would refuse the javascript: link).
    practice.crisis_lines = [
        {"name": "Crisis line", "phone": "116 123", "when": "Any time"},
        {"name": "Bad link", "url": "javascript:alert(1)"},
    ]
    practice.save(update_fields=["crisis_lines"])
    body = web_as(client_user).get(reverse("portal-crisis")).content.decode()
    assert 'href="tel:116123"' in body
    assert "javascript:" not in body
    assert "How Alliance uses what you write" in body
    assert "safety check always runs" in body


# ---------------------------------------------------------------------------
# Reminder settings


def test_reminder_settings_are_saved_and_audited(client_user, client_record):
    response = web_as(client_user).post(reverse("portal-settings"), {"hour": "8", "channel": "none"})
    assert response.status_code == 302
    client_record.refresh_from_db()
    assert (client_record.reminders_enabled, client_record.reminder_hour, client_record.reminder_channel) == (
        False,
        8,
        "none",
    )
    event = AuditEvent.objects.filter(action="update", client_id=client_record.pk).latest("id")
    assert set(event.fields) == {"reminders_enabled", "reminder_hour", "reminder_channel"}


def test_reminder_settings_reject_an_impossible_hour(client_user, client_record):
    response = web_as(client_user).post(reverse("portal-settings"), {"enabled": "on", "hour": "25", "channel": "email"})
    assert response.status_code == 400
    client_record.refresh_from_db()
    assert client_record.reminder_hour == 18


@pytest.mark.parametrize(
    ("enabled", "hour", "channel", "field"),
    [
        (True, True, "email", "hour"),
        (True, 24, "email", "hour"),
        ("yes", 9, "email", "enabled"),
        (True, 9, "sms", "channel"),
    ],
)
def test_reminder_service_refuses_bad_values(client_user, client_record, enabled, hour, channel, field):
    with pytest.raises(DomainError) as raised:
        reminder_preferences_update(
            client=client_record, actor=client_user, enabled=enabled, hour=hour, channel=channel
        )
    assert raised.value.field == field


def test_reminder_service_bumps_version_and_skips_no_op_writes(client_user, client_record):
    version = client_record.version
    reminder_preferences_update(client=client_record, actor=client_user, enabled=True, hour=18, channel="email")
    assert client_record.version == version
    reminder_preferences_update(client=client_record, actor=client_user, enabled=True, hour=7, channel="email")
    client_record.refresh_from_db()
    assert client_record.version == version + 1 and client_record.reminder_hour == 7


# ---------------------------------------------------------------------------
# Accepting an invite


@pytest.fixture
def invite_token(client_record, therapist):
    _invite, raw = portal_invite_create(client=client_record, actor=therapist)
    return raw


def test_accept_invite_shows_terms_then_sets_password_and_signs_in(client_record, invite_token):
    browser = WebClient()
    url = f"{reverse('portal-accept-invite')}?token={invite_token}"
    page = browser.get(url).content.decode()
    assert "safety check always runs" in page
    assert "Optional AI features only run if you agree" in page
    new_password = "a calm blue lake at dawn"
    response = browser.post(url, {"token": invite_token, "password": new_password, "password_confirm": new_password})
    assert response.status_code == 302 and response["Location"] == reverse("portal-home")
    client_record.refresh_from_db()
    assert client_record.user is not None and client_record.user.check_password(new_password)
    assert browser.get(reverse("portal-home")).status_code == 200


def test_accept_invite_link_works_only_once(client_record, invite_token):
    password = "a calm blue lake at dawn"
    data = {"token": invite_token, "password": password, "password_confirm": password}
    WebClient().post(reverse("portal-accept-invite"), data)
    again = WebClient().post(reverse("portal-accept-invite"), data)
    assert again.status_code == 400
    assert "does not work any more" in again.content.decode()
    assert User.objects.filter(client_profile=client_record).count() == 1


def test_expired_invite_shows_a_clear_error(client_record, invite_token):
    client_record.portal_invites.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = WebClient().get(f"{reverse('portal-accept-invite')}?token={invite_token}")
    assert response.status_code == 400
    assert "ask your therapist to send you a new one" in response.content.decode().lower()


def test_mismatched_passwords_are_refused_and_the_invite_stays_usable(client_record, invite_token):
    response = WebClient().post(
        reverse("portal-accept-invite"),
        {"token": invite_token, "password": "a calm blue lake at dawn", "password_confirm": "something else"},
    )
    assert response.status_code == 400
    assert "do not match" in response.content.decode()
    assert client_record.portal_invites.get().used_at is None

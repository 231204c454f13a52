"""The SMS channel's backends: console, file (the demo's outbox folder), locmem, and the
Twilio-compatible gateway against a mocked HTTP layer."""

from __future__ import annotations

from unittest import mock

import pytest
import requests

from sessions import sms


def test_console_backend_logs_and_sends_nothing_out(settings, caplog):
    settings.ALLIANCE_SMS_BACKEND = "sessions.sms.ConsoleBackend"
    with caplog.at_level("INFO", logger="alliance.sms"):
        assert sms.send_sms("+1 555 010 0200", "Reminder: hello") == ""
    assert "+15550100200" in caplog.text and "Reminder: hello" in caplog.text


def test_file_backend_writes_one_file_per_text(settings, tmp_path):
    settings.ALLIANCE_SMS_BACKEND = "sessions.sms.FileBackend"
    settings.ALLIANCE_SMS_FILE_PATH = str(tmp_path / "outbox-sms")
    first = sms.send_sms("555-0104", "First")
    second = sms.send_sms("555-0104", "Second")
    files = sorted((tmp_path / "outbox-sms").glob("*.txt"))
    assert len(files) == 2 and first != second
    contents = {path.read_text() for path in files}
    assert any("To: 5550104" in text and text.rstrip().endswith("First") for text in contents)


def test_unusable_number_is_refused_before_any_backend():
    with pytest.raises(sms.SmsError):
        sms.send_sms("call me", "Hello")


GATEWAY = {"account_sid": "AC123", "auth_token": "secret-token", "sender": "+15550009999"}


def test_gateway_posts_to_the_messages_resource_with_basic_auth():
    backend = sms.TwilioBackend(**GATEWAY, api_base="https://sms.example.test/")
    response = mock.Mock(status_code=201)
    response.json.return_value = {"sid": "SM42"}
    with mock.patch("sessions.sms.requests.post", return_value=response) as post:
        assert backend.send("+15550100200", "Reminder: hello") == "SM42"
    post.assert_called_once()
    args, kwargs = post.call_args
    assert args[0] == "https://sms.example.test/2010-04-01/Accounts/AC123/Messages.json"
    assert kwargs["data"] == {"To": "+15550100200", "From": "+15550009999", "Body": "Reminder: hello"}
    assert kwargs["auth"] == ("AC123", "secret-token")
    assert kwargs["timeout"] == sms.GATEWAY_TIMEOUT_SECONDS


def test_gateway_refusal_is_an_error_and_only_busy_is_retryable():
    backend = sms.TwilioBackend(**GATEWAY)
    refused = mock.Mock(status_code=400)
    refused.json.return_value = {"message": "The 'To' number is not valid"}
    with mock.patch("sessions.sms.requests.post", return_value=refused), pytest.raises(sms.SmsError) as error:
        backend.send("+15550100200", "x")
    assert not error.value.retryable and "not valid" in str(error.value)
    busy = mock.Mock(status_code=429)
    busy.json.return_value = {}
    with mock.patch("sessions.sms.requests.post", return_value=busy), pytest.raises(sms.SmsError) as error:
        backend.send("+15550100200", "x")
    assert error.value.retryable


def test_gateway_connection_failure_is_retryable_but_a_read_timeout_is_not():
    backend = sms.TwilioBackend(**GATEWAY)
    with (
        mock.patch("sessions.sms.requests.post", side_effect=requests.ConnectionError("down")),
        pytest.raises(sms.SmsError) as error,
    ):
        backend.send("+15550100200", "x")
    assert error.value.retryable
    # The gateway may have sent it before the answer timed out: never retried (no double text).
    with (
        mock.patch("sessions.sms.requests.post", side_effect=requests.ReadTimeout("slow")),
        pytest.raises(sms.SmsError) as error,
    ):
        backend.send("+15550100200", "x")
    assert not error.value.retryable


def test_gateway_without_credentials_fails_loudly(settings):
    settings.ALLIANCE_SMS_ACCOUNT_SID = ""
    with pytest.raises(sms.SmsError):
        sms.TwilioBackend()


@pytest.mark.django_db
def test_gateway_failure_marks_the_reminder_for_retry_then_failed(settings, client_record, therapist):
    """A retryable failure puts the row back with a backoff; never more than MAX attempts."""
    import datetime as dt

    import time_machine

    from sessions.models import Reminder, ReminderPreference
    from sessions.reminders import MAX_SMS_ATTEMPTS, reminder_deliver
    from sessions.services import scheduling

    settings.ALLIANCE_SMS_BACKEND = "sessions.sms.TwilioBackend"
    settings.ALLIANCE_SMS_ACCOUNT_SID, settings.ALLIANCE_SMS_AUTH_TOKEN = "AC1", "token"
    settings.ALLIANCE_SMS_FROM = "+15550009999"
    client_record.phone = "+15550100200"
    client_record.save()
    ReminderPreference.objects.create(client=client_record, appointment_channel="sms")
    starts = dt.datetime(2031, 3, 6, 10, tzinfo=dt.UTC)
    with time_machine.travel(starts - dt.timedelta(days=3), tick=False):
        session = scheduling.session_create(client=client_record, actor=therapist, starts_at=starts)
    reminder = Reminder.objects.get(session=session, offset_minutes=120, channel="sms")
    moment = starts - dt.timedelta(minutes=110)
    with mock.patch("sessions.sms.requests.post", side_effect=requests.ConnectionError("down")) as post:
        for attempt in range(MAX_SMS_ATTEMPTS + 2):
            assert reminder_deliver(reminder.pk, now=moment + dt.timedelta(minutes=20 * attempt)) is False
    reminder.refresh_from_db()
    assert post.call_count == MAX_SMS_ATTEMPTS
    assert reminder.status == "failed" and reminder.sent_at is None

"""The client's appointments in the portal and the API, telehealth links, "I can't make it",
calendar downloads and reminder settings (issue 14 items 6 and 7)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from clients.models import Client, Consent
from practice.models import Notification
from sessions.models import CancellationRequest, Message, ReminderPolicy, ReminderPreference, Session
from sessions.selectors_appointments import client_appointments
from sessions.services import scheduling
from sessions.telehealth import client_may_join, video_url
from tests.conftest import as_user, web_as
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2031, 3, 3, 9, 0, tzinfo=dt.UTC)


def session_at(client, when, **extra) -> Session:
    values = {"status": Session.Status.SCHEDULED, **extra}
    return SessionFactory(client=client, starts_at=when, **values)


@pytest.fixture
def video_soon(client_record):
    return session_at(
        client_record, NOW + dt.timedelta(minutes=30), modality=Session.Modality.VIDEO, video_room="Zx9-room"
    )


# ---------------------------------------------------------------------------
# Telehealth


def test_booking_a_video_session_gives_it_an_unguessable_room(client_record, therapist):
    first = scheduling.session_create(
        client=client_record, actor=therapist, starts_at=timezone.now() + dt.timedelta(days=1), modality="video"
    )
    second = scheduling.session_create(
        client=client_record, actor=therapist, starts_at=timezone.now() + dt.timedelta(days=2), modality="video"
    )
    in_person = scheduling.session_create(
        client=client_record, actor=therapist, starts_at=timezone.now() + dt.timedelta(days=3)
    )
    assert len(first.video_room) >= 20 and first.video_room != second.video_room
    assert in_person.video_room == "" and video_url(in_person) == ""
    # The room stays the same when the session moves.
    room = first.video_room
    scheduling.session_update(
        session=first, actor=therapist, data={"starts_at": first.starts_at + dt.timedelta(hours=1)}
    )
    first.refresh_from_db()
    assert first.video_room == room


def test_join_link_uses_the_practice_base_url_or_the_placeholder(video_soon):
    assert video_url(video_soon) == reverse("video-room", kwargs={"room": "Zx9-room"})
    ReminderPolicy.objects.create(practice=video_soon.client.practice, video_base_url="https://meet.example.org/")
    assert video_url(video_soon) == "https://meet.example.org/Zx9-room"


def test_client_join_window_is_15_minutes_before_until_the_end(video_soon):
    start = video_soon.starts_at
    assert not client_may_join(video_soon, start - dt.timedelta(minutes=16))
    assert client_may_join(video_soon, start - dt.timedelta(minutes=15))
    assert client_may_join(video_soon, start + dt.timedelta(minutes=49))
    assert not client_may_join(video_soon, start + dt.timedelta(minutes=50))
    video_soon.status = Session.Status.CANCELLED
    assert not client_may_join(video_soon, start)


def test_portal_shows_the_join_button_only_inside_the_window(client_user, video_soon):
    with time_machine.travel(video_soon.starts_at - dt.timedelta(minutes=20), tick=False):
        # Signed in inside the travelled time: the session limits follow the clock.
        browser = web_as(client_user)
        page = browser.get(reverse("portal-appointments")).content.decode()
    assert 'data-testid="join-video"' not in page and "Zx9-room" not in page
    assert "The Join button appears here 15 minutes before the start" in page
    with time_machine.travel(video_soon.starts_at - dt.timedelta(minutes=10), tick=False):
        page = web_as(client_user).get(reverse("portal-home")).content.decode()
    assert 'data-testid="join-video"' in page and "Zx9-room" in page


def test_therapist_sees_the_join_link_on_the_schedule_and_chart(therapist, client_record, video_soon):
    week = timezone.localdate(video_soon.starts_at).isoformat()
    with time_machine.travel(NOW, tick=False):
        browser = web_as(therapist)
        schedule = browser.get(reverse("schedule") + f"?week={week}").content.decode()
        session_page = browser.get(reverse("session-detail", args=[video_soon.pk])).content.decode()
        chart = browser.get(reverse("client-chart", args=[client_record.pk])).content.decode()
    # The calendar marks the video session; its page (one click away) and the chart carry the link.
    assert f'data-session="{video_soon.pk}"' in schedule and "· Video" in schedule
    assert "Zx9-room" in session_page and 'data-testid="staff-join-video"' in session_page
    assert "Zx9-room" in chart


# ---------------------------------------------------------------------------
# Appointments page and home


def test_portal_home_shows_the_next_scheduled_session(client_user, client_record):
    session_at(client_record, NOW - dt.timedelta(days=2), status=Session.Status.ATTENDED)
    session_at(client_record, NOW + dt.timedelta(days=1), status=Session.Status.CANCELLED)
    session_at(client_record, NOW + dt.timedelta(days=9, hours=1))
    session_at(client_record, NOW + dt.timedelta(days=2, hours=5))  # Wed 5 Mar 14:00 UTC
    with time_machine.travel(NOW, tick=False):
        page = web_as(client_user).get(reverse("portal-home")).content.decode()
    section = page.split('data-testid="next-appointment"')[1].split("</section>")[0]
    # Shown on the practice's clock: 14:00 UTC is 09:00 in New York (EST, before 8 March).
    assert client_record.practice.time_zone == "America/New_York"
    assert "Wednesday 5 March" in section and "09:00" in section and "14:00" not in section


def test_appointments_lists_upcoming_and_past_without_clinical_words(client_user, client_record):
    session_at(client_record, NOW - dt.timedelta(days=7), status=Session.Status.NO_SHOW, kind="intake")
    session_at(client_record, NOW + dt.timedelta(days=7), kind="couple")
    with time_machine.travel(NOW, tick=False):
        upcoming, past = client_appointments(client=client_record)
        page = web_as(client_user).get(reverse("portal-appointments")).content.decode()
    assert len(upcoming) == 1 and len(past) == 1 and past[0].status_label == "Missed"
    assert "couple" not in page.lower() and "intake" not in page.lower()


def test_ics_download_parses_back_without_clinical_words(client_user, client_record):
    client_record.practice.name = "Northside Therapy"
    client_record.practice.save()
    session = session_at(client_record, NOW + dt.timedelta(days=1), kind="intake", modality="video", video_room="r")
    response = web_as(client_user).get(reverse("portal-appointment-ics", args=[session.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    assert event.decoded("dtstart") == session.starts_at
    assert event.decoded("dtend") == session.starts_at + dt.timedelta(minutes=50)
    assert str(event["summary"]) == "Appointment with Northside"
    text = response.content.decode().lower()
    for word in ("therapy", "intake", "individual", "session", "psych"):
        assert word not in text


def test_other_clients_session_is_404(other_client_user, client_record):
    session = session_at(client_record, NOW + dt.timedelta(days=1))
    browser = web_as(other_client_user)
    assert browser.get(reverse("portal-appointment-ics", args=[session.pk])).status_code == 404
    assert browser.get(reverse("portal-appointment-cancel", args=[session.pk])).status_code == 404


# ---------------------------------------------------------------------------
# I can't make it


def test_cant_make_it_inside_the_late_window_warns_then_notifies_the_therapist(client_user, client_record, therapist):
    session = session_at(client_record, NOW + dt.timedelta(hours=5))
    url = reverse("portal-appointment-cancel", args=[session.pk])
    with time_machine.travel(NOW, tick=False):
        browser = web_as(client_user)
        page = browser.get(url).content.decode()
        assert 'data-testid="late-cancel-warning"' in page and "less than 24 hours" in page
        response = browser.post(url, {"reason": "My car broke down"})
    assert response.status_code == 302
    request = CancellationRequest.objects.get(session=session)
    assert request.inside_late_window and request.reason == "My car broke down"
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED  # the therapist decides
    message = Message.objects.get(client=client_record, from_client=True)
    assert "can't make it" in message.body and "My car broke down" in message.body
    notice = Notification.objects.get(kind="cancellation_request")
    assert notice.recipients == [therapist.email]
    assert "late-cancellation window" in notice.body
    assert "Avery" not in notice.body and "car" not in notice.body
    # The therapist sees it on the schedule; the client sees it is pending; a second try is refused.
    week = timezone.localdate(session.starts_at).isoformat()
    with time_machine.travel(NOW + dt.timedelta(minutes=1), tick=False):
        schedule = web_as(therapist).get(reverse("schedule") + f"?week={week}").content.decode()
        browser = web_as(client_user)
        again = browser.post(url, {"reason": ""})
        appointments = browser.get(reverse("portal-appointments")).content.decode()
    assert 'data-testid="cancel-request-badge"' in schedule
    assert again.status_code == 302 and CancellationRequest.objects.count() == 1
    assert 'data-testid="cancel-requested"' in appointments and 'data-testid="cant-make-it"' not in appointments


def test_cant_make_it_outside_the_late_window_has_no_warning(client_user, client_record):
    ReminderPolicy.objects.create(practice=client_record.practice, late_cancel_hours=48)
    session = session_at(client_record, NOW + dt.timedelta(hours=72))
    with time_machine.travel(NOW, tick=False):
        page = web_as(client_user).get(reverse("portal-appointment-cancel", args=[session.pk])).content.decode()
        web_as(client_user).post(reverse("portal-appointment-cancel", args=[session.pk]), {"reason": ""})
    assert "late-cancel-warning" not in page
    assert CancellationRequest.objects.get(session=session).inside_late_window is False


def test_cancel_request_reason_is_risk_screened(client_user, client_record):
    session = session_at(client_record, timezone.now() + dt.timedelta(days=2))
    response = web_as(client_user).post(
        reverse("portal-appointment-cancel", args=[session.pk]), {"reason": "I want to kill myself"}
    )
    assert response.status_code == 200
    assert b'data-testid="crisis-panel"' in response.content


def test_api_lists_appointments_and_takes_a_cancel_request(client_user, client_record):
    session = session_at(client_record, timezone.now() + dt.timedelta(hours=3), modality="video", video_room="abc")
    api = as_user(client_user)
    listed = api.get(reverse("api-me-appointments")).json()
    assert [row["id"] for row in listed["upcoming"]] == [session.pk]
    assert listed["upcoming"][0]["join_url"] == ""  # not yet inside the window
    assert "kind" not in listed["upcoming"][0]
    response = api.post(reverse("api-me-appointment-cancel-request", args=[session.pk]), {"reason": ""}, format="json")
    assert response.status_code == 201
    assert response.json()["inside_late_window"] is True and response.json()["cancel_requested_at"]
    again = api.post(reverse("api-me-appointment-cancel-request", args=[session.pk]), {}, format="json")
    assert again.status_code == 409


def test_withdrawn_portal_consent_is_403_on_me_appointments(client_user, client_record):
    Consent.objects.filter(client=client_record, kind="portal").update(revoked_at=timezone.now())
    session = session_at(client_record, timezone.now() + dt.timedelta(days=2))
    api = as_user(client_user)
    assert api.get(reverse("api-me-appointments")).status_code == 403
    assert (
        api.post(reverse("api-me-appointment-cancel-request", args=[session.pk]), {}, format="json").status_code == 403
    )
    assert not CancellationRequest.objects.exists()


# ---------------------------------------------------------------------------
# Reminder settings


def test_client_chooses_texts_and_needs_a_number(client_user, client_record):
    Client.objects.filter(pk=client_record.pk).update(phone="")
    browser = web_as(client_user)
    url = reverse("portal-appointment-reminders")
    refused = browser.post(url, {"appointment_channel": "sms", "mobile": ""})
    assert refused.status_code == 400 and b"Add the mobile number" in refused.content
    assert browser.post(url, {"appointment_channel": "both", "mobile": "+1 555 010 0300"}).status_code == 302
    preference = ReminderPreference.objects.get(client=client_record)
    assert preference.appointment_channel == "both" and preference.mobile == "+1 555 010 0300"
    page = browser.get(reverse("portal-settings")).content.decode()
    assert 'data-testid="appointment-reminders"' in page and "48 hours and 2 hours" in page


def test_manager_sets_the_practice_policy(manager, practice):
    browser = web_as(manager)
    response = browser.post(
        reverse("reminder-settings"),
        {
            "enabled": "on",
            "offsets": ["2880", "120"],
            "channels": ["email", "sms"],
            "late_cancel_hours": "12",
            "reminder_name": "",
            "video_base_url": "https://meet.example.org",
        },
    )
    assert response.status_code == 302
    policy = ReminderPolicy.objects.get(practice=practice)
    assert policy.offsets_minutes == [2880, 120] and policy.late_cancel_hours == 12
    assert policy.video_base_url == "https://meet.example.org"
    refused = browser.post(reverse("reminder-settings"), {"enabled": "on", "late_cancel_hours": "12"})
    assert refused.status_code == 400 and b"Choose at least one time" in refused.content


def test_sessions_api_books_a_video_session_with_its_join_link(therapist, client_record):
    api = as_user(therapist)
    response = api.post(
        reverse("api-client-sessions", args=[client_record.pk]),
        {"starts_at": (timezone.now() + dt.timedelta(days=2)).isoformat(), "modality": "video"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["modality"] == "video" and body["video_url"].startswith("/video/")
    session = Session.objects.get(pk=body["id"])
    assert body["video_url"].endswith(f"/{session.video_room}/")


def test_policy_change_replans_upcoming_reminders(manager, practice, client_record, therapist):
    from sessions.models import Reminder
    from sessions.services.appointments import reminder_policy_update

    session = scheduling.session_create(
        client=client_record, actor=therapist, starts_at=timezone.now() + dt.timedelta(days=3)
    )
    assert set(Reminder.objects.filter(session=session, status="pending").values_list("offset_minutes", flat=True)) == {
        2880,
        120,
    }
    reminder_policy_update(
        practice=practice, actor=manager, enabled=True, offsets_minutes=[1440], channels=["email"], late_cancel_hours=24
    )
    pending = Reminder.objects.filter(session=session, status="pending")
    assert set(pending.values_list("offset_minutes", "channel")) == {(1440, "email")}

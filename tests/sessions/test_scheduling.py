"""Scheduling rules (issue 14): overlaps, outcomes only after the start, cancellations with a
reason, history, availability confirmation, recurring series, the ICS feed, query counts."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from practice.errors import Invalid
from practice.models import AuditEvent
from sessions.models import Session, SessionChange, SessionSeries, TherapistCalendar
from sessions.recurrence import series_extend
from sessions.services import availability, scheduling, series
from tests.conftest import as_user, make_member, web_as
from tests.factories import ClientFactory, SessionFactory

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def at(year, month, day, hour, minute=0, zone=dt.UTC):
    return dt.datetime(year, month, day, hour, minute, tzinfo=zone)


@pytest.fixture
def second_client(therapist):
    return ClientFactory(
        primary_therapist=therapist.membership, practice=therapist.membership.practice, first_name="Blake"
    )


@pytest.fixture
def other_therapist(practice):
    return make_member(practice, "therapist", "okafor@northside.example")


def book(client, actor, starts_at, **options):
    return scheduling.session_create(client=client, actor=actor, starts_at=starts_at, **options)


# ---------------------------------------------------------------------------
# Overlaps


@pytest.mark.django_db
def test_same_therapist_overlap_is_refused_naming_the_clash(therapist, client_record, second_client):
    book(client_record, therapist, at(2030, 3, 4, 10))
    with pytest.raises(Invalid) as refused:
        book(second_client, therapist, at(2030, 3, 4, 10, 30))
    message = refused.value.errors["starts_at"][0]
    # Named in the therapist's zone: their practice's (America/New_York) when they set none.
    assert therapist.membership.practice.time_zone == "America/New_York"
    assert "Mon 4 Mar 2030, 05:00–05:50 (America/New_York)" in message
    assert Session.objects.count() == 1


@pytest.mark.django_db
def test_back_to_back_sessions_do_not_clash(therapist, client_record, second_client):
    book(client_record, therapist, at(2030, 3, 4, 10), duration_minutes=60)
    book(second_client, therapist, at(2030, 3, 4, 11))
    assert Session.objects.count() == 2


@pytest.mark.django_db
def test_same_client_overlap_with_another_therapist_is_refused(therapist, other_therapist, client_record):
    book(client_record, therapist, at(2030, 3, 4, 10))
    with pytest.raises(Invalid) as refused:
        book(client_record, other_therapist, at(2030, 3, 4, 10, 40))
    assert "this client already has" in refused.value.errors["starts_at"][0]


@pytest.mark.django_db
def test_cancelled_session_frees_its_slot(therapist, client_record, second_client):
    first = book(client_record, therapist, at(2030, 3, 4, 10))
    scheduling.session_update(
        session=first,
        actor=therapist,
        data={"status": "cancelled", "cancellation_reason": "Unwell", "cancelled_by": "client"},
    )
    book(second_client, therapist, at(2030, 3, 4, 10))
    assert Session.objects.exclude(status="cancelled").count() == 1


@pytest.mark.django_db
def test_override_with_a_reason_books_and_is_audited(therapist, client_record, second_client):
    book(client_record, therapist, at(2030, 3, 4, 10))
    session = book(second_client, therapist, at(2030, 3, 4, 10), override_reason="Co-led couples session")
    session.refresh_from_db()
    assert session.overlap_override_reason == "Co-led couples session"
    event = AuditEvent.objects.filter(target_id=str(session.pk), action="create").get()
    assert "overlap_override_reason" in event.fields


@pytest.mark.django_db
def test_overlap_across_time_zones_is_the_same_instant(therapist, client_record, second_client):
    """10:00 in New York is 15:00 in London (winter): the same slot, whichever zone it is given in."""
    book(client_record, therapist, at(2030, 1, 14, 10, zone=NEW_YORK))
    with pytest.raises(Invalid):
        book(second_client, therapist, at(2030, 1, 14, 15, 20, zone=LONDON))
    book(second_client, therapist, at(2030, 1, 14, 10, zone=LONDON))  # 05:00 in New York: free


@pytest.mark.django_db
def test_weekly_series_keeps_wall_clock_time_over_the_dst_change_and_clashes_there(
    therapist, client_record, second_client
):
    """New York leaves daylight saving on Sunday 1 Nov 2026: 10:00 local is 14:00 UTC before and
    15:00 UTC after. A series at 10:00 clashes with 15:00 UTC after the change, not before."""
    TherapistCalendar.objects.create(membership=therapist.membership, time_zone="America/New_York")
    with time_machine.travel(at(2026, 10, 1, 12), tick=False):
        booked = series.series_create(
            client=client_record,
            actor=therapist,
            starts_at=at(2026, 10, 26, 10, zone=NEW_YORK),
            time_zone="America/New_York",
            frequency="weekly",
            count=3,
        )
        starts = [s.starts_at.astimezone(dt.UTC).hour for s in booked.occurrences.order_by("starts_at")]
        assert starts == [14, 15, 15]
        with pytest.raises(Invalid):
            book(second_client, therapist, at(2026, 11, 2, 15, 30))
        book(second_client, therapist, at(2026, 11, 2, 14, 0))  # 09:00 New York after the change: free
        # And a series that would land on an existing session is refused as a whole.
        with pytest.raises(Invalid):
            series.series_create(
                client=second_client,
                actor=therapist,
                starts_at=at(2026, 10, 19, 15, 0, zone=LONDON),  # 10:00 in New York that week
                time_zone="Europe/London",
                frequency="weekly",
                count=4,
            )


# ---------------------------------------------------------------------------
# Outcomes, cancellations, history


@pytest.mark.django_db
def test_api_refuses_attendance_before_the_session_starts(therapist, client_record):
    session = SessionFactory(client=client_record, starts_at=timezone.now() + dt.timedelta(hours=3), status="scheduled")
    api = as_user(therapist)
    for status in ("attended", "no_show", "late_cancelled"):
        response = api.patch(
            reverse("api-session-detail", args=[session.pk]),
            {"status": status, "cancellation_reason": "x", "cancelled_by": "client"},
            format="json",
        )
        assert response.status_code == 400, status
        assert "has not started" in response.json()["status"][0]
    created = api.post(
        reverse("api-client-sessions", args=[client_record.pk]),
        {"starts_at": "2030-01-01T10:00:00Z", "status": "attended"},
        format="json",
    )
    assert created.status_code == 400 and "status" in created.json()
    session.refresh_from_db()
    assert session.status == "scheduled"


@pytest.mark.django_db
def test_web_refuses_attendance_before_the_session_starts(therapist, client_record):
    session = SessionFactory(client=client_record, starts_at=timezone.now() + dt.timedelta(days=1), status="scheduled")
    response = web_as(therapist).post(reverse("session-status", args=[session.pk]), {"status": "attended"})
    assert response.status_code == 400
    assert b"has not started" in response.content
    session.refresh_from_db()
    assert session.status == "scheduled"
    started = SessionFactory(
        client=client_record, starts_at=timezone.now() - dt.timedelta(minutes=5), status="scheduled"
    )
    assert (
        web_as(therapist).post(reverse("session-status", args=[started.pk]), {"status": "attended"}).status_code == 302
    )


@pytest.mark.django_db
def test_cancellation_needs_a_reason_and_who_cancelled(therapist, client_record):
    session = SessionFactory(client=client_record, starts_at=timezone.now() + dt.timedelta(days=2), status="scheduled")
    url = reverse("api-session-detail", args=[session.pk])
    refused = as_user(therapist).patch(url, {"status": "cancelled"}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"cancellation_reason", "cancelled_by"}
    accepted = as_user(therapist).patch(
        url, {"status": "cancelled", "cancellation_reason": "Moving house", "cancelled_by": "client"}, format="json"
    )
    assert accepted.status_code == 200
    assert accepted.json()["cancelled_by"] == "client"
    change = SessionChange.objects.get(session=session, kind="status")
    assert (change.previous_status, change.status, change.reason) == ("scheduled", "cancelled", "Moving house")
    assert AuditEvent.objects.filter(target_id=str(session.pk), action="update").exists()


@pytest.mark.django_db
def test_reschedule_keeps_where_the_session_was(therapist, client_record):
    session = SessionFactory(client=client_record, starts_at=at(2030, 3, 4, 10), status="scheduled")
    response = as_user(therapist).patch(
        reverse("api-session-detail", args=[session.pk]), {"starts_at": "2030-03-05T11:00:00Z"}, format="json"
    )
    assert response.status_code == 200
    change = SessionChange.objects.get(session=session, kind="rescheduled")
    assert change.previous_starts_at == at(2030, 3, 4, 10)
    assert change.starts_at == at(2030, 3, 5, 11)


@pytest.mark.django_db
def test_write_note_is_offered_only_on_attended_sessions(therapist, client_record):
    past = SessionFactory(client=client_record, starts_at=timezone.now() - dt.timedelta(days=1), status="scheduled")
    browser = web_as(therapist)
    assert b"Write note" not in browser.get(reverse("session-detail", args=[past.pk])).content
    for status in ("cancelled", "no_show"):
        Session.objects.filter(pk=past.pk).update(status=status)
        assert b"Write note" not in browser.get(reverse("session-detail", args=[past.pk])).content
    Session.objects.filter(pk=past.pk).update(status="attended")
    assert b"Write note" in browser.get(reverse("session-detail", args=[past.pk])).content


# ---------------------------------------------------------------------------
# Availability


@pytest.fixture
def working_hours(therapist):
    availability.availability_save(
        membership=therapist.membership,
        actor=therapist,
        time_zone="Europe/London",
        hours={day: (dt.time(9), dt.time(17)) for day in range(5)},
    )
    availability.time_off_add(
        membership=therapist.membership, actor=therapist, first_day=dt.date(2030, 3, 6), last_day=dt.date(2030, 3, 6)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "starts_at",
    [
        at(2030, 3, 4, 8, zone=LONDON),  # before the day starts
        at(2030, 3, 4, 16, 30, zone=LONDON),  # runs past 17:00
        at(2030, 3, 9, 10, zone=LONDON),  # a Saturday
        at(2030, 3, 6, 10, zone=LONDON),  # time off
    ],
)
def test_booking_outside_availability_needs_a_confirmation(working_hours, therapist, client_record, starts_at):
    with pytest.raises(Invalid) as refused:
        book(client_record, therapist, starts_at)
    assert refused.value.field == "confirm_outside_hours"
    assert not Session.objects.exists()
    book(client_record, therapist, starts_at, confirm_outside_hours=True)
    assert Session.objects.count() == 1


@pytest.mark.django_db
def test_booking_inside_hours_needs_no_confirmation(working_hours, therapist, client_record):
    book(client_record, therapist, at(2030, 3, 4, 9, zone=LONDON))
    response = web_as(therapist).post(
        reverse("schedule-book"),
        {
            "new-client": client_record.pk,
            "new-starts_at": "2030-03-04T20:00",  # London wall clock (the therapist's zone)
            "new-duration_minutes": "50",
            "new-kind": "individual",
            "new-repeat": "none",
        },
    )
    assert response.status_code == 400
    assert "Book outside my hours" in response.content.decode() or "working hours" in response.content.decode()


# ---------------------------------------------------------------------------
# Series


@pytest.fixture
def weekly(therapist, client_record):
    with time_machine.travel(at(2030, 1, 1, 9), tick=False):
        yield series.series_create(
            client=client_record,
            actor=therapist,
            starts_at=at(2030, 3, 4, 10),
            time_zone="UTC",
            frequency="weekly",
            count=6,
        )


def occurrences(of) -> list[Session]:
    return list(Session.objects.filter(client=of.client).order_by("starts_at"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("frequency", "weekdays", "expected_days"),
    [
        ("weekly", [], [4, 11, 18, 25]),
        ("fortnightly", [], [4, 18, 1, 15]),
        ("weekdays", [0, 3], [4, 7, 11, 14]),
    ],
)
def test_series_rules(therapist, client_record, frequency, weekdays, expected_days):
    with time_machine.travel(at(2030, 1, 1, 9), tick=False):
        booked = series.series_create(
            client=client_record,
            actor=therapist,
            starts_at=at(2030, 3, 4, 10),
            time_zone="UTC",
            frequency=frequency,
            weekdays=weekdays,
            count=4,
        )
    assert [s.starts_at.day for s in booked.occurrences.order_by("starts_at")] == expected_days


@pytest.mark.django_db
def test_series_until_a_date(therapist, client_record):
    with time_machine.travel(at(2030, 1, 1, 9), tick=False):
        booked = series.series_create(
            client=client_record,
            actor=therapist,
            starts_at=at(2030, 3, 4, 10),
            time_zone="UTC",
            frequency="weekly",
            until=dt.date(2030, 3, 25),
        )
    assert booked.occurrences.count() == 4


@pytest.mark.django_db
def test_edit_one_occurrence_detaches_it_and_following_edits_leave_it(weekly, therapist):
    first, second, third, fourth, fifth, sixth = occurrences(weekly)
    with time_machine.travel(at(2030, 1, 1, 9), tick=False):
        scheduling.session_update(session=fourth, actor=therapist, data={"starts_at": at(2030, 3, 26, 16)})
        fourth.refresh_from_db()
        assert fourth.series_detached and fourth.series_id == weekly.pk
        # Move this (the 3rd) and the following an hour later.
        new_series = series.series_change_following(session=third, actor=therapist, starts_at=at(2030, 3, 18, 11))
    moved = {s.pk: s for s in occurrences(weekly)}
    assert moved[first.pk].starts_at == at(2030, 3, 4, 10)
    assert moved[second.pk].starts_at == at(2030, 3, 11, 10)
    assert [moved[s.pk].starts_at.hour for s in (third, fifth, sixth)] == [11, 11, 11]
    assert moved[fourth.pk].starts_at == at(2030, 3, 26, 16)  # the exception is kept
    assert moved[third.pk].series_id == new_series.pk and moved[fourth.pk].series_id == weekly.pk
    weekly.refresh_from_db()
    assert weekly.ended_on == dt.date(2030, 3, 18)
    assert SessionChange.objects.filter(session=third, kind="rescheduled").exists()


@pytest.mark.django_db
def test_cancel_this_and_following_keeps_earlier_and_detached(weekly, therapist):
    first, second, third, fourth, fifth, sixth = occurrences(weekly)
    with time_machine.travel(at(2030, 1, 1, 9), tick=False):
        scheduling.session_update(session=fifth, actor=therapist, data={"starts_at": at(2030, 4, 2, 9)})
        cancelled = series.series_cancel_following(
            session=third, actor=therapist, reason="Client moving away", cancelled_by="client"
        )
    assert {s.pk for s in cancelled} == {third.pk, fourth.pk, sixth.pk}
    statuses = {s.pk: s.status for s in occurrences(weekly)}
    assert statuses[first.pk] == statuses[second.pk] == statuses[fifth.pk] == "scheduled"
    assert statuses[third.pk] == statuses[fourth.pk] == statuses[sixth.pk] == "cancelled"
    with pytest.raises(Invalid):
        series.series_cancel_following(session=third, actor=therapist, reason="again", cancelled_by="client")


@pytest.mark.django_db
def test_series_is_materialised_to_a_horizon_and_extended_once(therapist, client_record):
    with time_machine.travel(at(2030, 1, 1, 9), tick=False):
        booked = series.series_create(
            client=client_record,
            actor=therapist,
            starts_at=at(2030, 1, 7, 10),
            time_zone="UTC",
            frequency="weekly",
            until=dt.date(2031, 12, 31),
        )
    assert booked.occurrences.count() == 27  # 7 Jan and 26 weeks after it
    assert series_extend(series_id=booked.pk, today=dt.date(2030, 2, 1)) == 3
    assert series_extend(series_id=booked.pk, today=dt.date(2030, 2, 1)) == 0  # redelivered: nothing twice
    starts = list(booked.occurrences.values_list("starts_at", flat=True))
    assert len(starts) == len(set(starts)) == 30


@pytest.mark.django_db
def test_web_books_a_series_from_the_booking_form(therapist, client_record):
    response = web_as(therapist).post(
        reverse("schedule-book"),
        {
            "new-client": client_record.pk,
            "new-starts_at": "2030-03-04T10:00",
            "new-duration_minutes": "50",
            "new-kind": "individual",
            "new-repeat": "fortnightly",
            "new-ends": "count",
            "new-count": "5",
        },
    )
    assert response.status_code == 302
    assert SessionSeries.objects.get().occurrences.count() == 5


# ---------------------------------------------------------------------------
# The ICS feed


@pytest.mark.django_db
def test_ics_feed_parses_back_without_client_names(therapist, client_record):
    session = SessionFactory(client=client_record, starts_at=timezone.now() + dt.timedelta(days=1), status="scheduled")
    SessionFactory(client=client_record, starts_at=timezone.now() + dt.timedelta(days=2), status="cancelled")
    raw = availability.feed_token_regenerate(membership=therapist.membership, actor=therapist)
    assert raw not in TherapistCalendar.objects.get().feed_token_hash
    response = web_as(None).get(reverse("calendar-feed", args=[raw]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    parsed = Calendar.from_ical(response.content)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == 1
    assert str(events[0]["SUMMARY"]) == "Session · Individual"
    assert events[0].decoded("DTSTART") == session.starts_at.replace(microsecond=0)
    assert client_record.last_name.encode() not in response.content
    availability.feed_token_revoke(membership=therapist.membership, actor=therapist)
    assert web_as(None).get(reverse("calendar-feed", args=[raw])).status_code == 404


@pytest.mark.django_db
def test_ics_feed_initials_only_when_chosen(therapist, client_record):
    SessionFactory(client=client_record, starts_at=timezone.now() + dt.timedelta(days=1), status="scheduled")
    raw = availability.feed_token_regenerate(membership=therapist.membership, actor=therapist, show_initials=True)
    events = list(Calendar.from_ical(web_as(None).get(reverse("calendar-feed", args=[raw])).content).walk("VEVENT"))
    assert str(events[0]["SUMMARY"]) == "Session · Individual · AQ"


# ---------------------------------------------------------------------------
# Pages: query counts, the practice view


def _queries(browser, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_calendar_queries_do_not_grow_with_sessions(therapist, client_record, view):
    browser = web_as(therapist)
    zone = availability.therapist_zone(therapist.membership)  # the calendar's zone: the practice's here
    day = timezone.localdate(timezone=zone)
    url = f"{reverse('schedule')}?view={view}&date={day.isoformat()}"
    counts = []
    made = 0
    browser.get(url)  # the first view stores the session's idle clock
    for total in (1, 10, 100):
        for number in range(made, total):
            client = ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)
            SessionFactory(
                client=client,
                starts_at=dt.datetime.combine(day, dt.time(0), tzinfo=zone) + dt.timedelta(minutes=number * 7),
                status="scheduled",
            )
        made = total
        counts.append(_queries(browser, url))
    assert counts[0] == counts[1] == counts[2], counts


@pytest.mark.django_db
def test_practice_view_shows_initials_never_names_or_kinds(manager, therapist, client_record):
    SessionFactory(
        client=client_record, starts_at=timezone.now() + dt.timedelta(hours=1), status="scheduled", kind="couple"
    )
    content = web_as(manager).get(reverse("practice-schedule")).content.decode()
    assert "AQ" in content
    assert "Quinn" not in content and "Avery" not in content and "Couple" not in content


# ---------------------------------------------------------------------------
# The series API


@pytest.mark.django_db
def test_api_books_a_series_and_refuses_an_overlapping_one(therapist, client_record, second_client):
    TherapistCalendar.objects.create(membership=therapist.membership, time_zone="UTC")  # no DST shift
    api = as_user(therapist)
    url = reverse("api-client-series", args=[client_record.pk])
    booked = api.post(url, {"starts_at": "2030-03-05T10:00:00Z", "frequency": "weekly", "count": 3}, format="json")
    assert booked.status_code == 201, booked.content
    body = booked.json()
    assert [o["starts_at"][:10] for o in body["occurrences"]] == ["2030-03-05", "2030-03-12", "2030-03-19"]
    clash = api.post(
        reverse("api-client-series", args=[second_client.pk]),
        {"starts_at": "2030-03-12T10:30:00Z", "frequency": "fortnightly", "count": 2},
        format="json",
    )
    assert clash.status_code == 400 and "starts_at" in clash.json()
    no_end = api.post(url, {"starts_at": "2030-06-05T10:00:00Z", "frequency": "weekly"}, format="json")
    assert no_end.status_code == 400 and "until" in no_end.json()
    cancelled = api.post(
        reverse("api-session-cancel-following", args=[body["occurrences"][1]["id"]]),
        {"cancellation_reason": "Ending therapy", "cancelled_by": "client"},
        format="json",
    )
    assert cancelled.status_code == 200 and len(cancelled.json()) == 2


@pytest.mark.django_db
def test_overlapping_sessions_sit_side_by_side_on_the_grid(therapist, client_record, second_client):
    start = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
    SessionFactory(client=client_record, starts_at=start, status="scheduled")
    SessionFactory(client=second_client, starts_at=start + dt.timedelta(minutes=20), status="scheduled")
    SessionFactory(client=second_client, starts_at=start + dt.timedelta(hours=3), status="scheduled")
    page = web_as(therapist).get(f"{reverse('schedule')}?view=day&date={start.date().isoformat()}")
    blocks = sorted(page.context["columns"][0].blocks, key=lambda block: block.starts)
    assert [(block.lane, block.lanes) for block in blocks] == [(0, 2), (1, 2), (0, 1)]


@pytest.mark.django_db
def test_working_hours_follow_the_london_clock_change(working_hours, therapist, client_record):
    """London moves to BST on Sunday 31 Mar 2030: 08:30 UTC is 08:30 (before 09:00, outside)
    the Monday before and 09:30 (inside) the Monday after."""
    with pytest.raises(Invalid):
        book(client_record, therapist, at(2030, 3, 25, 8, 30))
    book(client_record, therapist, at(2030, 4, 1, 8, 30))
    assert Session.objects.count() == 1


@pytest.mark.django_db
def test_a_therapist_without_their_own_zone_gets_the_practice_zone_not_the_server_zone(therapist):
    practice = therapist.membership.practice
    practice.time_zone = "Australia/Sydney"
    practice.save(update_fields=["time_zone"])
    assert str(availability.therapist_zone(therapist.membership)) == "Australia/Sydney"
    TherapistCalendar.objects.update_or_create(membership=therapist.membership, defaults={"time_zone": "Europe/Berlin"})
    assert str(availability.therapist_zone(therapist.membership)) == "Europe/Berlin"

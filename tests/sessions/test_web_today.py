"""The therapist's day on the dashboard, the caseload's filters and pages, and the navigation's
alert count (issue 17, item 2 and the count of item 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import DueQuestionnaire
from insights.models import AiSuggestion, Alert
from insights.safety import raise_alert
from sessions.models import Message, ProgressNote, Session
from sessions.selectors import navigation_counts
from sessions.selectors_today import instrument_short_name, practice_zone
from tests.conftest import web_as
from tests.factories import ClientFactory, SessionFactory

pytestmark = pytest.mark.django_db


def today_at(practice, hour: int, days: int = 0) -> dt.datetime:
    zone = practice_zone(practice)
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


def dashboard(user, query: str = ""):
    response = web_as(user).get(reverse("dashboard") + query)
    assert response.status_code == 200
    return response


def test_today_lists_the_therapists_own_live_sessions_of_the_practice_day(therapist, colleague, client_record):
    practice = client_record.practice
    practice.time_zone = "America/Chicago"
    practice.save(update_fields=["time_zone"])
    mine = SessionFactory(client=client_record, starts_at=today_at(practice, 9), status="scheduled")
    SessionFactory(client=client_record, starts_at=today_at(practice, 13), status="cancelled")
    SessionFactory(client=client_record, starts_at=today_at(practice, 9, days=1), status="scheduled")
    theirs = ClientFactory(primary_therapist=colleague.membership, practice=practice)
    SessionFactory(client=theirs, starts_at=today_at(practice, 10), status="scheduled")

    response = dashboard(therapist)

    today = response.context["today"]
    assert [item.session.pk for item in today.sessions] == [mine.pk]
    assert today.zone_name == "America/Chicago"
    page = response.content.decode()
    assert "09:00" in page and 'data-testid="today-sessions"' in page
    assert theirs.last_name not in page.split('data-testid="today-sessions"')[1].split("</ol>")[0]


def test_a_session_today_links_its_prep_brief_with_its_figures_and_the_video_room(therapist, client_record):
    practice = client_record.practice
    SessionFactory(
        client=client_record, starts_at=today_at(practice, 11), status="scheduled", modality="video", video_room="room1"
    )
    AiSuggestion.objects.create(
        client=client_record,
        kind="session_brief",
        payload={
            "sections": {
                "checkins": {"count": 3},
                "homework": {"completed": [1, 2], "missed": [3]},
                "measures": [{"instrument": "phq9"}],
                "alerts": [],
            }
        },
        method="m",
        version="1",
    )

    page = dashboard(therapist).content.decode()

    assert 'data-testid="prep-brief"' in page and "?tab=ai#brief-heading" in page
    assert "3 check-ins" in page and "homework 2 done, 1 missed" in page and "1 measure" in page
    assert reverse("video-room", kwargs={"room": "room1"}) in page


def test_notes_due_are_held_sessions_without_a_signed_note(therapist, client_record):
    held = SessionFactory(client=client_record, starts_at=timezone.now() - dt.timedelta(days=2), status="attended")
    signed = SessionFactory(client=client_record, starts_at=timezone.now() - dt.timedelta(days=3), status="attended")
    ProgressNote.objects.create(
        client=client_record, author=therapist, session=signed, format="free", status="signed", signed_at=timezone.now()
    )
    drafted = SessionFactory(client=client_record, starts_at=timezone.now() - dt.timedelta(days=4), status="attended")
    ProgressNote.objects.create(client=client_record, author=therapist, session=drafted, format="free")
    SessionFactory(client=client_record, starts_at=timezone.now() - dt.timedelta(days=1), status="no_show")

    today = dashboard(therapist).context["today"]

    assert [session.pk for session in today.notes_due] == [drafted.pk, held.pk]
    assert today.notes_due_count == 2


def test_the_day_counts_open_alerts_unread_messages_and_questionnaires_with_the_most_urgent_first(
    therapist, client_record, other_client_record, client_user
):
    concern = raise_alert(client=client_record, kind="measure_flag", severity="concern", reason="r")
    urgent = raise_alert(client=other_client_record, kind="risk_language", severity="urgent", reason="r")
    resolved = raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="r")
    Alert.objects.filter(pk=resolved.pk).update(status="resolved")
    Message.objects.create(client=client_record, sender=client_user, from_client=True, body="Hello")
    Message.objects.create(client=client_record, sender=client_user, from_client=True, body="Again")
    now = timezone.now()
    for instrument in ("phq9", "gad7"):
        DueQuestionnaire.objects.create(
            client=client_record,
            instrument=instrument,
            due_at=now + dt.timedelta(hours=3),
            opens_at=now - dt.timedelta(hours=1),
            expires_at=now + dt.timedelta(days=3),
        )
    DueQuestionnaire.objects.create(  # not open yet
        client=other_client_record,
        instrument="phq9",
        due_at=now + dt.timedelta(days=5),
        opens_at=now + dt.timedelta(days=3),
        expires_at=now + dt.timedelta(days=8),
    )

    today = dashboard(therapist).context["today"]

    assert today.alerts_count == 2 and today.most_urgent_alert.pk == urgent.pk
    assert [alert.pk for alert in today.alerts] == [urgent.pk, concern.pk]
    assert today.unread_count == 2 and today.unread_threads[0].client.pk == client_record.pk
    assert today.questionnaires_count == 2
    assert [(row.client.pk, row.instruments) for row in today.questionnaires] == [
        (client_record.pk, ["PHQ-9", "GAD-7"])
    ]


def test_instrument_short_names_come_from_the_instrument_definitions():
    assert instrument_short_name("phq9") == "PHQ-9"
    assert instrument_short_name("wai_sr") in {"WAI-SR", "WAI_SR"}
    assert instrument_short_name("custom") == "CUSTOM"


# ---------------------------------------------------------------------------
# The caseload: filters and pages


def test_caseload_filters_by_open_alert_unread_messages_and_not_on_track(
    therapist, client_record, other_client_record, client_user
):
    third = ClientFactory(primary_therapist=therapist.membership, practice=client_record.practice, first_name="Zed")
    raise_alert(client=other_client_record, kind="measure_flag", severity="concern", reason="r")
    Message.objects.create(client=client_record, sender=client_user, from_client=True, body="Hello")

    def shown(query):
        return {row.client.pk for row in dashboard(therapist, query).context["clients"]}

    assert shown("") == {client_record.pk, other_client_record.pk, third.pk}
    assert shown("?alert=1") == {other_client_record.pk}
    assert shown("?unread=1") == {client_record.pk}
    assert shown("?alert=1&unread=1") == set()
    assert shown("?off_track=1") == set()


def test_the_filters_post_with_the_name_search_and_stay_in_the_url_without_the_name(therapist, client_record):
    response = web_as(therapist).post(reverse("dashboard"), {"q": "Avery", "alert": "1", "status": "current"})
    assert response.status_code == 302
    assert "alert=1" in response["Location"] and "Avery" not in response["Location"]


def test_caseload_is_paginated_25_a_page_and_keeps_its_filters_in_the_page_links(therapist, practice):
    for index in range(30):
        ClientFactory(primary_therapist=therapist.membership, practice=practice, last_name=f"Client{index:02d}")

    first = dashboard(therapist, "?sort=name")
    second = dashboard(therapist, "?sort=name&page=2")

    assert len(first.context["clients"]) == 25 and len(second.context["clients"]) == 5
    assert first.context["caseload_page"].paginator.count == 30
    assert "sort=name&amp;page=2" in first.content.decode()
    names = [row.client.last_name for row in first.context["clients"]] + [
        row.client.last_name for row in second.context["clients"]
    ]
    assert names == sorted(names) and len(set(names)) == 30


# ---------------------------------------------------------------------------
# The navigation's alert count


def test_the_alerts_nav_item_counts_unresolved_alerts_in_one_query(
    therapist, colleague, client_record, django_assert_num_queries
):
    raise_alert(client=client_record, kind="measure_flag", severity="concern", reason="r")
    acknowledged = raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="r")
    Alert.objects.filter(pk=acknowledged.pk).update(status="acknowledged")
    resolved = raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="r")
    Alert.objects.filter(pk=resolved.pk).update(status="resolved")
    theirs = ClientFactory(primary_therapist=colleague.membership, practice=client_record.practice)
    raise_alert(client=theirs, kind="risk_language", severity="urgent", reason="r")
    therapist.membership  # noqa: B018 - loaded as the request's middleware loads it

    with django_assert_num_queries(1):
        counts = navigation_counts(user=therapist)

    assert counts.alerts_unresolved == 2
    page = dashboard(therapist).content.decode()
    nav = page.split('data-testid="nav-alerts"')[1].split("</a>")[0]
    assert ">2<" in nav and "open" in nav


def test_no_alert_badge_when_nothing_is_open(therapist, client_record):
    page = dashboard(therapist).content.decode()
    nav = page.split('data-testid="nav-alerts"')[1].split("</a>")[0]
    assert "badge" not in nav


def test_a_today_session_recorded_without_a_therapist_counts_for_the_primary_one(therapist, client_record):
    session = SessionFactory(client=client_record, starts_at=today_at(client_record.practice, 15), status="scheduled")
    Session.objects.filter(pk=session.pk).update(therapist=None)
    assert [item.session.pk for item in dashboard(therapist).context["today"].sessions] == [session.pk]

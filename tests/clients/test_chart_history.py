"""Long histories on the chart (issue 17, item 7): the overview timeline and the Homework tab
are paginated and filtered by type and date range; past assignments are collapsed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.selectors_history import HistoryFilters, timeline_page
from sessions.models import CheckIn, HomeworkAssignment
from sessions.selectors_today import practice_zone
from tests.conftest import web_as
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def chart(user, client, query: str):
    response = web_as(user).get(f"{reverse('client-chart', args=[client.pk])}?{query}")
    assert response.status_code == 200
    return response


def checkins(client, count: int) -> None:
    now = timezone.now()
    CheckIn.objects.bulk_create(
        [CheckIn(client=client, mood=5, created_at=now - dt.timedelta(hours=index + 1)) for index in range(count)]
    )


def test_the_timeline_is_paginated_50_entries_a_page_past_the_old_cut_at_100(therapist, client_record):
    checkins(client_record, 120)
    first = chart(therapist, client_record, "tab=overview")
    third = chart(therapist, client_record, "tab=overview&page=3")
    assert first.context["timeline_page"].paginator.count == 120
    assert len(first.context["timeline"]) == 50 and len(third.context["timeline"]) == 20
    whens = [entry.when for entry in first.context["timeline"]] + [entry.when for entry in third.context["timeline"]]
    assert whens == sorted(whens, reverse=True)
    assert "tab=overview&amp;page=2" in first.content.decode()


def test_the_timeline_merges_its_sources_newest_first_across_pages(therapist, client_record):
    now = timezone.now()
    for index in range(30):
        SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=index, hours=2))
        CheckIn.objects.create(client=client_record, mood=3, created_at=now - dt.timedelta(days=index, hours=1))
    entries = []
    for page in (1, 2):
        entries += list(
            timeline_page(client=client_record, user=therapist, filters=HistoryFilters(), page=page).object_list
        )
    assert len(entries) == 60
    assert [entry.kind for entry in entries[:4]] == ["Check-in", "Session", "Check-in", "Session"]
    assert [entry.when for entry in entries] == sorted((entry.when for entry in entries), reverse=True)


def test_the_timeline_filters_by_type_and_date_range(therapist, client_record):
    now = timezone.now()
    checkins(client_record, 3)
    SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=40))
    SessionFactory(client=client_record, starts_at=now - dt.timedelta(days=10))

    sessions_only = chart(therapist, client_record, "tab=overview&kind=session").context["timeline"]
    assert {entry.kind for entry in sessions_only} == {"Session"} and len(sessions_only) == 2

    since = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    recent = chart(therapist, client_record, f"tab=overview&kind=session&from={since}").context["timeline"]
    assert len(recent) == 1

    until = (timezone.localdate() - dt.timedelta(days=20)).isoformat()
    older = chart(therapist, client_record, f"tab=overview&to={until}").context["timeline"]
    assert [entry.kind for entry in older] == ["Session"]


def test_booked_sessions_ahead_stay_off_the_timeline_unless_the_range_reaches_them(therapist, client_record):
    ahead = timezone.now() + dt.timedelta(days=30)
    SessionFactory(client=client_record, starts_at=ahead, status="scheduled")
    assert chart(therapist, client_record, "tab=overview").context["timeline"] == []
    until = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    assert len(chart(therapist, client_record, f"tab=overview&to={until}").context["timeline"]) == 1


def test_an_unreadable_date_is_dropped_and_said_so(therapist, client_record):
    checkins(client_record, 2)
    response = chart(therapist, client_record, "tab=overview&from=yesterday")
    assert len(response.context["timeline"]) == 2
    assert "year-month-day" in response.content.decode()


def _assignment(client, title: str, status: str, days: int, kind: str = "journal") -> HomeworkAssignment:
    return HomeworkAssignment.objects.create(
        client=client,
        title=title,
        kind=kind,
        due_at=timezone.now() + dt.timedelta(days=days),
        status=status,
        completed_at=timezone.now() if status == "completed" else None,
    )


def test_homework_lists_open_assignments_first_and_collapses_past_ones(therapist, client_record):
    _assignment(client_record, "Done long ago", "completed", -30)
    _assignment(client_record, "Missed", "missed", -3)
    later = _assignment(client_record, "Due later", "assigned", 6)
    sooner = _assignment(client_record, "Due soon", "in_progress", 1)

    response = chart(therapist, client_record, "tab=homework")

    titles = [assignment.title for assignment in response.context["assignments"]]
    assert titles == [sooner.title, later.title, "Missed", "Done long ago"]
    page = response.content.decode()
    assert page.count('data-testid="past-assignment"') == 2
    assert '<details class="homework past"' in page and 'data-testid="past-assignment" open' not in page


def test_homework_is_paginated_and_filtered_by_type_and_due_date(therapist, client_record):
    for index in range(25):
        _assignment(client_record, f"Journal {index}", "completed", -index - 1)
    _assignment(client_record, "A log", "completed", -2, kind="activity_log")

    first = chart(therapist, client_record, "tab=homework")
    second = chart(therapist, client_record, "tab=homework&page=2")
    assert first.context["homework_page"].paginator.count == 26
    assert len(first.context["assignments"]) == 20 and len(second.context["assignments"]) == 6

    logs = chart(therapist, client_record, "tab=homework&kind=activity_log").context["assignments"]
    assert [assignment.title for assignment in logs] == ["A log"]

    practice_today = timezone.now().astimezone(practice_zone(client_record.practice)).date()
    since = (practice_today - dt.timedelta(days=2)).isoformat()  # from midnight two days ago
    recent = chart(therapist, client_record, f"tab=homework&from={since}&kind=journal").context["assignments"]
    assert sorted(assignment.title for assignment in recent) == ["Journal 0", "Journal 1"]

"""Human dates and times (practice/templatetags/alliance_dates.py) and the practice time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

from practice.templatetags.alliance_dates import (
    human_date,
    human_date_text,
    human_datetime,
    human_datetime_text,
    human_time,
    human_time_text,
    iso,
)
from practice.timezones import LazyZone, practice_zone_name, zone_named

NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
NOW = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)  # 10:00 in New York, 02:00 on 4 Dec in Sydney


def test_datetime_is_shown_in_the_given_zone():
    moment = dt.datetime(2026, 12, 3, 19, 5, tzinfo=dt.UTC)
    assert human_time_text(moment, zone=NEW_YORK) == "14:05"
    assert human_time_text(moment, zone=SYDNEY) == "06:05"
    assert human_datetime_text(moment, zone=NEW_YORK, now=NOW) == "Today, 14:05"
    assert human_datetime_text(moment, zone=SYDNEY, now=NOW) == "Today, 06:05"  # 4 Dec there
    assert human_date_text(moment, zone=SYDNEY, now=NOW - dt.timedelta(hours=6)) == "Tomorrow"


def test_today_and_yesterday_follow_the_practice_day_not_utc():
    # 02:30 UTC on 3 Dec is still 2 Dec in New York: with "now" at 10:00 New York time on
    # 3 Dec, that was yesterday evening, although UTC calls it the same day.
    late_evening = dt.datetime(2026, 12, 3, 2, 30, tzinfo=dt.UTC)
    assert human_datetime_text(late_evening, zone=NEW_YORK, now=NOW) == "Yesterday, 21:30"
    assert human_datetime_text(late_evening, zone=dt.UTC, now=NOW) == "Today, 02:30"


def test_older_dates_are_absolute_and_the_year_appears_only_when_it_differs():
    assert human_date_text(dt.date(2026, 11, 28), zone=NEW_YORK, now=NOW) == "28 Nov"
    assert human_date_text(dt.date(2025, 11, 28), zone=NEW_YORK, now=NOW) == "28 Nov 2025"
    assert human_date_text(dt.date(2026, 11, 28), zone=NEW_YORK, now=NOW, always_year=True) == "28 Nov 2026"
    assert human_date_text(dt.date(2026, 12, 3), zone=NEW_YORK, now=NOW, relative=False) == "3 Dec"


def test_daylight_saving_changes_the_offset_not_the_wall_clock():
    # New York springs forward on 8 Mar 2026 (EST -05:00 -> EDT -04:00): 14:00 UTC is 09:00
    # the day before and 10:00 the day after.
    before = dt.datetime(2026, 3, 7, 14, 0, tzinfo=dt.UTC)
    after = dt.datetime(2026, 3, 9, 14, 0, tzinfo=dt.UTC)
    assert human_time_text(before, zone=NEW_YORK) == "09:00"
    assert human_time_text(after, zone=NEW_YORK) == "10:00"
    # 06:59 UTC on 8 Mar is 01:59 EST; a minute later it is 03:00 EDT.
    assert human_time_text(dt.datetime(2026, 3, 8, 6, 59, tzinfo=dt.UTC), zone=NEW_YORK) == "01:59"
    assert human_time_text(dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC), zone=NEW_YORK) == "03:00"


@pytest.mark.parametrize("empty", [None, ""])
def test_missing_values_render_as_a_dash(empty):
    assert human_date(empty) == "—"
    assert human_datetime(empty) == "—"
    assert human_time(empty) == "—"
    assert iso(empty) == ""
    assert human_date_text(empty, missing="") == ""


def test_filters_use_the_active_zone_and_iso_keeps_the_offset():
    moment = dt.datetime(2025, 7, 1, 12, 0, tzinfo=dt.UTC)
    with timezone.override(NEW_YORK):
        assert human_datetime(moment) == "1 Jul 2025, 08:00"
        assert human_datetime(moment, "absolute") == "1 Jul 2025, 08:00"
        assert iso(moment) == "2025-07-01T08:00-04:00"
        rendered = Template("{% load alliance_dates %}{{ when|human_time }} {{ day|human_date:'year' }}").render(
            Context({"when": moment, "day": dt.date(2025, 7, 1)})
        )
    assert rendered == "08:00 1 Jul 2025"


def test_lazy_zone_resolves_once_and_converts_like_the_real_zone():
    calls = []

    def resolve():
        calls.append(1)
        return "Europe/London"

    lazy = LazyZone(resolve)
    assert calls == []
    moment = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    local = timezone.localtime(moment, lazy)
    assert (local.hour, local.utcoffset()) == (13, dt.timedelta(hours=1))
    assert local.tzname() == "BST"
    assert local == moment
    timezone.localtime(dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC), lazy)
    assert len(calls) == 1


def test_unknown_or_blank_zone_falls_back_to_the_server_zone(settings):
    settings.TIME_ZONE = "UTC"
    assert str(zone_named("Not/AZone")) == "UTC"
    assert str(zone_named("")) == "UTC"
    assert practice_zone_name(None) is None


@pytest.mark.django_db
def test_pages_show_times_in_the_practice_zone(therapist):
    from django.test import Client as WebClient

    practice = therapist.membership.practice
    practice.time_zone = "Asia/Tokyo"
    practice.save(update_fields=["time_zone"])
    seen = {}

    def probe(request):
        from django.http import HttpResponse

        seen["zone"] = str(timezone.get_current_timezone())
        return HttpResponse("ok")

    from practice.middleware import PracticeTimeZoneMiddleware

    web = WebClient()
    web.force_login(therapist)
    request = web.get("/").wsgi_request
    PracticeTimeZoneMiddleware(probe)(request)
    assert seen["zone"] == "Asia/Tokyo"
    api_request = web.get("/api/v1/").wsgi_request
    PracticeTimeZoneMiddleware(probe)(api_request)
    assert seen["zone"] != "Asia/Tokyo"


def test_iso_strings_from_stored_payloads_are_read_as_dates():
    with timezone.override(NEW_YORK):
        assert human_date("2025-12-07", "year absolute") == "7 Dec 2025"
        assert human_datetime("2025-07-01T12:00:00+00:00") == "1 Jul 2025, 08:00"
        assert human_date("not a date") == "not a date"

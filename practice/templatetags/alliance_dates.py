"""Human dates and times for pages, in the practice's time zone.

    {% load alliance_dates %}
    {{ note.signed_at|human_datetime }}   ->  "Today, 14:05" / "Yesterday, 09:30" / "3 Dec, 14:05"
    {{ client.intake_date|human_date }}   ->  "Today" / "Yesterday" / "Tomorrow" / "3 Dec 2026"
    {{ session.starts_at|human_time }}    ->  "14:05"
    {{ event.created_at|iso }}            ->  "2026-12-03T14:05:00-05:00" (for <time datetime>)

Aware datetimes are shown in the active time zone (PracticeTimeZoneMiddleware activates the
practice's); dates are shown as they are. None and "" render as an em dash (or the argument:
`|human_date:""`). The year is left out for dates in the current year unless asked for
(`|human_date:"year"`). PDF and CSV exports keep ISO 8601 and do not use these filters.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()

MISSING = "—"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _parsed(value):
    """ISO strings ("2026-12-07", "2026-12-07T10:00:00+00:00") as dates/datetimes; else as is."""
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _local(value: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    if timezone.is_naive(value):
        return value
    return timezone.localtime(value, zone)


def _today(zone: dt.tzinfo | None = None, now: dt.datetime | None = None) -> dt.date:
    return _local(now or timezone.now(), zone).date()


def _day(value: dt.date | dt.datetime, zone: dt.tzinfo | None = None) -> dt.date:
    return _local(value, zone).date() if isinstance(value, dt.datetime) else value


def format_date(day: dt.date, *, with_year: bool) -> str:
    text = f"{day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if with_year else text


def relative_day(day: dt.date, today: dt.date) -> str | None:
    """'Today', 'Yesterday' or 'Tomorrow', else None."""
    return {0: "Today", -1: "Yesterday", 1: "Tomorrow"}.get((day - today).days)


def human_date_text(
    value: dt.date | dt.datetime | None,
    *,
    zone: dt.tzinfo | None = None,
    now: dt.datetime | None = None,
    relative: bool = True,
    always_year: bool = False,
    missing: str = MISSING,
) -> str:
    if value in (None, ""):
        return missing
    if isinstance(value, str):  # not a date after all: shown as given
        return value
    day, today = _day(value, zone), _today(zone, now)
    if relative and (word := relative_day(day, today)):
        return word
    return format_date(day, with_year=always_year or day.year != today.year)


def human_time_text(
    value: dt.datetime | dt.time | None, *, zone: dt.tzinfo | None = None, missing: str = MISSING
) -> str:
    if value in (None, ""):
        return missing
    if isinstance(value, str):
        return value
    moment = _local(value, zone) if isinstance(value, dt.datetime) else value
    return f"{moment:%H:%M}"


def human_datetime_text(
    value: dt.datetime | None,
    *,
    zone: dt.tzinfo | None = None,
    now: dt.datetime | None = None,
    relative: bool = True,
    always_year: bool = False,
    missing: str = MISSING,
) -> str:
    if value in (None, ""):
        return missing
    if not isinstance(value, dt.datetime):
        return human_date_text(value, zone=zone, now=now, relative=relative, always_year=always_year)
    day = human_date_text(value, zone=zone, now=now, relative=relative, always_year=always_year)
    return f"{day}, {human_time_text(value, zone=zone)}"


def _options(arg: str | None) -> dict:
    words = set((arg or "").replace(",", " ").split())
    return {"always_year": "year" in words, "relative": "absolute" not in words}


@register.filter(expects_localtime=False)
def human_date(value, arg: str | None = None) -> str:
    """'Today', 'Yesterday', 'Tomorrow', '3 Dec' (this year) or '3 Dec 2025'.

    Argument words: "year" always shows the year, "absolute" never says today/yesterday."""
    return human_date_text(_parsed(value), **_options(arg))


@register.filter(expects_localtime=False)
def human_datetime(value, arg: str | None = None) -> str:
    """'Today, 14:05', 'Yesterday, 09:30', '3 Dec, 14:05' or '3 Dec 2025, 14:05'."""
    return human_datetime_text(_parsed(value), **_options(arg))


@register.filter(expects_localtime=False)
def human_time(value) -> str:
    """'14:05' in the practice's zone."""
    return human_time_text(_parsed(value))


@register.filter(expects_localtime=False)
def iso(value) -> str:
    """ISO 8601 for machine-readable attributes (<time datetime=...>), in the practice's zone."""
    value = _parsed(value)
    if value in (None, "") or isinstance(value, str):
        return value or ""
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="minutes")
    return value.isoformat()

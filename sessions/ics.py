"""The therapist's private calendar feed (iCalendar, RFC 5545), built with `icalendar`.

Titles carry no client name: "Session · Individual" (the client's initials only when the
therapist opted in). No notes, no descriptions, no locations from the record.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from icalendar import Calendar, Event

from sessions.models import Session, TherapistCalendar
from sessions.selectors import feed_sessions

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 26 * 7


def event_title(session: Session, *, with_initials: bool) -> str:
    title = f"Session · {session.get_kind_display()}"
    if with_initials:
        client = session.client
        title += f" · {client.first_name[:1]}{client.last_name[:1]}".upper()
    return title


def feed_for(calendar: TherapistCalendar) -> bytes:
    now = timezone.now()
    sessions = feed_sessions(
        membership=calendar.membership,
        start=now - dt.timedelta(days=FEED_PAST_DAYS),
        end=now + dt.timedelta(days=FEED_FUTURE_DAYS),
    )
    feed = Calendar()
    feed.add("prodid", "-//Alliance//Therapist calendar//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", f"Alliance · {calendar.membership.practice.name}")
    for session in sessions:
        event = Event()
        event.add("uid", f"session-{session.pk}@alliance")
        event.add("summary", event_title(session, with_initials=calendar.feed_shows_initials))
        event.add("dtstart", session.starts_at.astimezone(dt.UTC))
        event.add("dtend", session.ends_at.astimezone(dt.UTC))
        event.add("dtstamp", now.astimezone(dt.UTC))
        event.add("last-modified", session.updated_at.astimezone(dt.UTC))
        event.add("status", "CONFIRMED")
        event.add("transp", "OPAQUE")
        feed.add_component(event)
    return feed.to_ical()

"""The practice's time zone, activated for each page request.

Pages show times in the practice's zone (Practice.time_zone), not the server's. The zone is
resolved lazily: nothing is queried until a datetime is actually localised, and then through
the same `user.membership.practice` the template context processor already loads, so
activating it adds no query to a page. The JSON API is left alone: it returns UTC instants
and the caller chooses how to show them.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from functools import cached_property

from django.conf import settings


def zone_named(name: str | None) -> dt.tzinfo:
    """ZoneInfo for a stored zone name; the server's TIME_ZONE for a blank or unknown one."""
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def practice_zone_name(user) -> str | None:
    """The zone name of the user's practice, or None for anonymous or practice-less users."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    membership = getattr(user, "membership_or_none", None)
    if membership is None or not membership.is_active:
        return None
    return membership.practice.time_zone


class LazyZone(dt.tzinfo):
    """A tzinfo that looks up its real zone (via `resolve`) the first time it is used."""

    def __init__(self, resolve: Callable[[], str | None]):
        self._resolve = resolve

    @cached_property
    def zone(self) -> dt.tzinfo:
        return zone_named(self._resolve())

    def _as_zone(self, value: dt.datetime | None) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=self.zone)

    def utcoffset(self, value: dt.datetime | None) -> dt.timedelta | None:
        return self.zone.utcoffset(self._as_zone(value))

    def dst(self, value: dt.datetime | None) -> dt.timedelta | None:
        return self.zone.dst(self._as_zone(value))

    def tzname(self, value: dt.datetime | None) -> str | None:
        return self.zone.tzname(self._as_zone(value))

    def fromutc(self, value: dt.datetime) -> dt.datetime:
        local = self.zone.fromutc(value.replace(tzinfo=self.zone))
        return local.replace(tzinfo=self)

    def __repr__(self) -> str:
        return f"LazyZone({self.zone!r})"

    def __str__(self) -> str:
        return str(self.zone)

"""Long histories on the client chart: the overview timeline and the Homework tab, paginated
and filtered by type and date range (issue 17, item 7).

Both are Django `Page`s, in a fixed number of queries whatever the length of the history:
- `timeline_page`: the timeline (`clients.selectors.counted_timeline`, which records the reads)
  merged from its five sources, up to the end of today unless the range ends elsewhere; page
  number p of N entries reads the latest p x N entries of each chosen source, and counts the
  source's rows in the same query (a window count): one query per source, no COUNT query;
- `homework_page`: the assignments, open ones first (soonest due), then past ones (completed,
  missed or cancelled; latest due first), with their final submissions (one query for the
  count, one for the page, one for the submissions). Records the read of the answers.

Dates are days in the practice's time zone: a range covers `start` 00:00 to the end of `end`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, F, IntegerField, Prefetch, Value, When
from django.utils import timezone

from clients.models import Client
from clients.selectors import TIMELINE_KINDS, CountedTimeline, TimelineEntry, counted_timeline
from practice.audit import audit_read
from sessions.models import HomeworkAssignment, HomeworkSubmission, HomeworkTemplate

TIMELINE_PER_PAGE = 50
HOMEWORK_PER_PAGE = 20
# A page number beyond the history reads at most this many pages ahead (then the last page).
MAX_PAGE_READ_AHEAD = 10_000
HOMEWORK_KINDS = dict(HomeworkTemplate.Kind.choices)
OPEN_HOMEWORK = (HomeworkAssignment.Status.ASSIGNED, HomeworkAssignment.Status.IN_PROGRESS)


@dataclass(frozen=True)
class HistoryFilters:
    """A chart list's filters: a kind ("" for all) and a range of days (either end optional)."""

    kind: str = ""
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def any(self) -> bool:
        return bool(self.kind or self.start or self.end)


def _zone(client: Client) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(client.practice.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def day_bounds(client: Client, filters: HistoryFilters) -> tuple[dt.datetime | None, dt.datetime | None]:
    """[start, end) as aware datetimes: the start day's midnight and the day after the end day."""
    zone = _zone(client)
    start = dt.datetime.combine(filters.start, dt.time.min, tzinfo=zone) if filters.start else None
    end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone) if filters.end else None
    return start, end


class _Timeline:
    """The merged timeline as a sequence a Paginator can count and slice. The count comes
    with the entries (`counted_timeline`): the first read fetches `read_ahead` entries, the
    page asked for, and a slice within them is served from it."""

    def __init__(self, *, client: Client, user, filters: HistoryFilters, read_ahead: int) -> None:
        self.client, self.user = client, user
        self.kind = filters.kind if filters.kind in TIMELINE_KINDS else ""
        self.start, self.end = day_bounds(client, filters)
        if self.end is None:
            # Up to the end of today: booked sessions ahead belong to the schedule, and would
            # fill the first pages of a long history.
            today = timezone.now().astimezone(_zone(client)).date()
            self.end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=_zone(client))
        self.read_ahead = read_ahead
        self.read: CountedTimeline | None = None
        self.read_limit = 0

    def _read(self, limit: int) -> CountedTimeline:
        self.read = counted_timeline(
            client=self.client, user=self.user, limit=limit, kind=self.kind, start=self.start, end=self.end
        )
        self.read_limit = limit
        return self.read

    def count(self) -> int:
        """The entries in all (only the chosen kinds are counted)."""
        return (self.read or self._read(self.read_ahead)).total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.stop is None:
            raise TypeError("The timeline is read a page at a time.")
        read = self.read
        if read is None or index.stop > self.read_limit:
            read = self._read(index.stop)
        return read.entries[index.start or 0 : index.stop]


def _page_number(page: int | str | None) -> int:
    """The page asked for, as Paginator.get_page reads it (1 when unreadable), capped."""
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE_READ_AHEAD)


def timeline_page(
    *, client: Client, user, filters: HistoryFilters, page: int | str | None = 1, per_page: int = TIMELINE_PER_PAGE
) -> Page:
    """One page of the client's timeline, newest first (`TimelineEntry` rows; records the read
    of check-ins and scores through `counted_timeline`)."""
    timeline: Any = _Timeline(  # counted and sliced, as a list is
        client=client, user=user, filters=filters, read_ahead=_page_number(page) * per_page
    )
    shown: Page = Paginator(timeline, per_page).get_page(page)
    shown.object_list = list(shown.object_list)
    return shown


def homework_page(
    *, client: Client, user, filters: HistoryFilters, page: int | str | None = 1, per_page: int = HOMEWORK_PER_PAGE
) -> Page:
    """One page of the client's assignments, open ones first (soonest due), then past ones
    (latest due first), each with its final submissions as `done` and `is_past` set.
    Narrowed to a homework kind and to due dates in the range. Records the read of the
    responses and feedback."""
    past = Case(When(status__in=OPEN_HOMEWORK, then=Value(0)), default=Value(1), output_field=IntegerField())
    queryset = HomeworkAssignment.objects.filter(client=client).annotate(
        past=past, open_due=Case(When(status__in=OPEN_HOMEWORK, then=F("due_at")), default=None)
    )
    if filters.kind in HOMEWORK_KINDS:
        queryset = queryset.filter(kind=filters.kind)
    start, end = day_bounds(client, filters)
    if start is not None:
        queryset = queryset.filter(due_at__gte=start)
    if end is not None:
        queryset = queryset.filter(due_at__lt=end)
    submitted = HomeworkSubmission.objects.filter(is_draft=False).order_by("created_at", "id")
    queryset = queryset.prefetch_related(Prefetch("submissions", queryset=submitted, to_attr="done")).order_by(
        "past", F("open_due").asc(nulls_last=True), "-due_at", "-id"
    )
    shown: Page = Paginator(queryset, per_page).get_page(page)
    assignments: list[HomeworkAssignment] = list(shown.object_list)
    for assignment in assignments:
        assignment.is_past = bool(assignment.past)  # type: ignore[attr-defined]
    shown.object_list = assignments
    audit_read(
        actor=user,
        client_id=client.pk,
        target_type="clinical_sessions.homeworksubmission",
        fields=["responses", "feedback"],
    )
    return shown


__all__ = [
    "HOMEWORK_KINDS",
    "TIMELINE_KINDS",
    "HistoryFilters",
    "TimelineEntry",
    "day_bounds",
    "homework_page",
    "timeline_page",
]

"""Long histories on the client chart: the overview timeline and the Homework tab, paginated
and filtered by type and date range (issue 17, item 7).

Both are Django `Page`s, in a fixed number of queries whatever the length of the history:
- `timeline_page`: the timeline (`clients.selectors.chart_timeline`, which records the reads)
  merged from its five sources, up to the end of today unless the range ends elsewhere; a page of N entries reads the latest page x N of each chosen
  source, and the total is one COUNT query over them;
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
from django.db.models import Case, Count, F, IntegerField, Prefetch, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Client
from clients.selectors import TIMELINE_KINDS, TimelineEntry, chart_timeline, timeline_sources
from practice.audit import audit_read
from sessions.models import HomeworkAssignment, HomeworkSubmission, HomeworkTemplate

TIMELINE_PER_PAGE = 50
HOMEWORK_PER_PAGE = 20
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


def _scalar_count(queryset: QuerySet):
    rows = queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


class _Timeline:
    """The merged timeline as a sequence a Paginator can count and slice."""

    def __init__(self, *, client: Client, user, filters: HistoryFilters) -> None:
        self.client, self.user = client, user
        self.kind = filters.kind if filters.kind in TIMELINE_KINDS else ""
        self.start, self.end = day_bounds(client, filters)
        if self.end is None:
            # Up to the end of today: booked sessions ahead belong to the schedule, and would
            # fill the first pages of a long history.
            today = timezone.now().astimezone(_zone(client)).date()
            self.end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=_zone(client))

    def count(self) -> int:
        """The entries in all, in one query (only the chosen kinds are counted)."""
        sources = timeline_sources(client=self.client, kind=self.kind, start=self.start, end=self.end)
        wanted = [self.kind] if self.kind else list(TIMELINE_KINDS)
        counts = (
            Client.objects.filter(pk=self.client.pk)
            .annotate(**{f"n_{key}": _scalar_count(sources[key]) for key in wanted})
            .values_list(*(f"n_{key}" for key in wanted))
            .get()
        )
        return sum(counts)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.stop is None:
            raise TypeError("The timeline is read a page at a time.")
        entries = chart_timeline(
            client=self.client, user=self.user, limit=index.stop, kind=self.kind, start=self.start, end=self.end
        )
        return entries[index.start or 0 : index.stop]


def timeline_page(
    *, client: Client, user, filters: HistoryFilters, page: int | str | None = 1, per_page: int = TIMELINE_PER_PAGE
) -> Page:
    """One page of the client's timeline, newest first (`TimelineEntry` rows; records the read
    of check-ins and scores through `chart_timeline`)."""
    timeline: Any = _Timeline(client=client, user=user, filters=filters)  # counted and sliced, as a list is
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

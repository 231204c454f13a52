"""Monthly practice figures per therapist, stored raw in PracticeAggregate.

One refresh recomputes every month of a practice from the source tables with a handful of
grouped queries (a fixed number per practice, whatever its size) and upserts one row per
(therapist, month) plus one whole-practice row per month (therapist = NULL).

What is stored, and why:
- Counts are stored unsuppressed; small-cell suppression happens at presentation
  (insights/reports/__init__.py), after summing, because "<5" cannot be added up.
- Rates are stored as numerator and denominator counts so any range of months sums exactly.
- Medians over a range need the raw values: each row keeps its list of wait days and
  acknowledgement minutes, and the report takes the median of the concatenated lists.
- "Distinct clients with a check-in" is not additive across months (a client who checks in
  in March and April is one client), so rows keep the client ids and the report counts the
  union. Ids never leave the server: reports show only the count.
- Stocks (active clients, waitlist) are end-of-month snapshots; a range reports the stock at
  the end of its last month.

Attribution: session figures go to the session's therapist; client figures (caseload flows,
homework, check-ins, outcomes, alerts, AI decisions) go to the client's current primary
therapist, so a reassignment moves a client's history with them. Figures with no therapist
(unassigned waitlist, sessions without a therapist) count only in the whole-practice rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from clients.models import Assessment, Client
from clients.outcomes import talking_therapies
from insights.models import AiSuggestion, Alert, PracticeAggregate
from practice.models import Membership, Practice
from sessions.models import CheckIn, HomeworkAssignment, NoteDraft, ProgressNote, Session

logger = logging.getLogger(__name__)

METRICS_VERSION = 1
NOTE_DEADLINE = dt.timedelta(hours=72)
MEASURE_WINDOW = dt.timedelta(hours=24)
# Bounds keep a stray date (a typo'd 1905 intake) from producing centuries of empty rows.
MAX_MONTHS_BACK = 120
MAX_MONTHS_AHEAD = 12

COUNT_KEYS = (
    "referrals",
    "intakes",
    "discharges",
    "sessions_total",
    "sessions_attended",
    "sessions_no_show",
    "sessions_late_cancelled",
    "sessions_cancelled",
    "sessions_pending",
    "sessions_measured",
    "homework_assigned",
    "homework_due",
    "homework_completed",
    "homework_on_time",
    "checkins",
    "courses_finished",
    "courses_paired",
    "courses_caseness",
    "courses_recovered",
    "courses_reliable_improvement",
    "courses_reliable_deterioration",
    "courses_reliable_recovery",
    "course_sessions",
    "notes_due",
    "notes_on_time",
    "notes_late",
    "notes_overdue",
    "alerts_raised",
    "alerts_urgent",
    "alerts_escalated",
    "alerts_acknowledged",
    "ai_homework_decided",
    "ai_homework_accepted",
    "ai_drafts_decided",
    "ai_drafts_inserted",
    "ai_drafts_edited",
)
LIST_KEYS = ("wait_days", "ack_minutes")
ID_KEYS = ("checkin_client_ids",)
STOCK_KEYS = ("active_end", "waitlist_end")

SESSION_STATUS_KEYS: dict[str, str] = {
    Session.Status.ATTENDED: "sessions_attended",
    Session.Status.NO_SHOW: "sessions_no_show",
    Session.Status.LATE_CANCELLED: "sessions_late_cancelled",
    Session.Status.CANCELLED: "sessions_cancelled",
    Session.Status.SCHEDULED: "sessions_pending",
}

TherapistKey = int | None
BucketKey = tuple[TherapistKey, dt.date]


def empty_metrics() -> dict[str, Any]:
    metrics: dict[str, Any] = {"v": METRICS_VERSION}
    metrics.update(dict.fromkeys(COUNT_KEYS + STOCK_KEYS, 0))
    metrics.update({key: [] for key in LIST_KEYS + ID_KEYS})
    return metrics


def month_of(value: dt.date | dt.datetime) -> dt.date:
    """The first day of the (local) calendar month holding `value`."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def month_last_day(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, current = [], month_of(first)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def _score(result: Any) -> int | None:
    """A scorable total from an assessment result dict, else None (skipped by the rules)."""
    if not isinstance(result, dict) or result.get("scorable") is False:
        return None
    total = result.get("total")
    return int(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None


def local_day(value: dt.date | dt.datetime) -> dt.date:
    """The (local) calendar day of a date or datetime."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


class _Buckets:
    """Metric dicts keyed by (therapist id or None, month), created on first touch.

    With a `window` (first day, last day) only events on those days count: the exact range of
    a report whose dates are not whole months (edge months hold only their days in range).
    """

    def __init__(self, window: tuple[dt.date, dt.date] | None = None) -> None:
        self.data: dict[BucketKey, dict[str, Any]] = defaultdict(empty_metrics)
        self.window = window

    def month(self, value: dt.date | dt.datetime | None) -> dt.date | None:
        """The month an event on `value` counts in; None when it falls outside the window."""
        if value is None:
            return None
        if self.window is not None and not (self.window[0] <= local_day(value) <= self.window[1]):
            return None
        return month_of(value)

    def add(self, therapist: TherapistKey, month: dt.date | None, key: str, amount: int = 1) -> None:
        if amount and month is not None:
            self.data[(therapist, month)][key] += amount

    def append(self, therapist: TherapistKey, month: dt.date | None, key: str, value: Any) -> None:
        if month is not None:
            self.data[(therapist, month)][key].append(value)

    def months(self) -> set[dt.date]:
        return {month for _, month in self.data}


def _collect_sessions(buckets: _Buckets, practice_id: int, now: dt.datetime) -> None:
    by_status = (
        Session.objects.filter(client__practice_id=practice_id)
        .annotate(month=TruncDate("starts_at"))
        .values("therapist_id", "month", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in by_status:
        month = buckets.month(row["month"])
        buckets.add(row["therapist_id"], month, "sessions_total", row["n"])
        buckets.add(row["therapist_id"], month, SESSION_STATUS_KEYS.get(row["status"], "sessions_pending"), row["n"])

    # Per attended session: was a measure taken around it, and when was its note first signed.
    # Timeliness needs session end + 72h, which is simplest (and portable) in Python.
    measured = Assessment.objects.filter(
        Q(session_id=OuterRef("pk"))
        | Q(
            client_id=OuterRef("client_id"),
            administered_at__gte=OuterRef("window_start"),
            administered_at__lte=OuterRef("window_end"),
        )
    )
    first_signed = (
        ProgressNote.objects.filter(
            session_id=OuterRef("pk"), status=ProgressNote.Status.SIGNED, signed_at__isnull=False
        )
        .order_by("signed_at")
        .values("signed_at")[:1]
    )
    attended = (
        Session.objects.filter(client__practice_id=practice_id, status=Session.Status.ATTENDED)
        .annotate(
            window_start=ExpressionWrapper(F("starts_at") - MEASURE_WINDOW, output_field=DateTimeField()),
            window_end=ExpressionWrapper(F("starts_at") + MEASURE_WINDOW, output_field=DateTimeField()),
        )
        .annotate(has_measure=Exists(measured), first_signed=Subquery(first_signed))
        .values_list("therapist_id", "starts_at", "duration_minutes", "has_measure", "first_signed")
        .order_by()
    )
    for therapist_id, starts_at, duration, has_measure, signed_at in attended:
        month = buckets.month(starts_at)
        if has_measure:
            buckets.add(therapist_id, month, "sessions_measured")
        deadline = starts_at + dt.timedelta(minutes=duration or 0) + NOTE_DEADLINE
        if deadline > now:
            continue  # not yet due: neither on time nor overdue
        buckets.add(therapist_id, month, "notes_due")
        if signed_at is None:
            buckets.add(therapist_id, month, "notes_overdue")
        elif signed_at <= deadline:
            buckets.add(therapist_id, month, "notes_on_time")
        else:
            buckets.add(therapist_id, month, "notes_late")


def _collect_homework(buckets: _Buckets, practice_id: int, now: dt.datetime) -> None:
    live = HomeworkAssignment.objects.filter(client__practice_id=practice_id).exclude(
        status=HomeworkAssignment.Status.CANCELLED
    )
    assigned = (
        live.annotate(month=TruncDate("created_at"))
        .values("month", therapist_key=F("client__primary_therapist_id"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in assigned:
        buckets.add(row["therapist_key"], buckets.month(row["month"]), "homework_assigned", row["n"])
    completed = Q(status=HomeworkAssignment.Status.COMPLETED)
    due = (
        live.filter(due_at__lte=now)
        .annotate(month=TruncDate("due_at"))
        .values("month", therapist_key=F("client__primary_therapist_id"))
        .annotate(
            due=Count("id"),
            completed=Count("id", filter=completed),
            on_time=Count("id", filter=completed & Q(completed_at__lte=F("due_at"))),
        )
        .order_by()
    )
    for counts in due:
        month = buckets.month(counts["month"])
        buckets.add(counts["therapist_key"], month, "homework_due", counts["due"])
        buckets.add(counts["therapist_key"], month, "homework_completed", counts["completed"])
        buckets.add(counts["therapist_key"], month, "homework_on_time", counts["on_time"])


def _collect_checkins(buckets: _Buckets, practice_id: int) -> None:
    per_client = (
        CheckIn.objects.filter(client__practice_id=practice_id)
        .annotate(month=TruncDate("created_at"))
        .values("client_id", "month", therapist_key=F("client__primary_therapist_id"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in per_client:
        month = buckets.month(row["month"])
        buckets.add(row["therapist_key"], month, "checkins", row["n"])
        buckets.append(row["therapist_key"], month, "checkin_client_ids", row["client_id"])


def _collect_safety_and_ai(buckets: _Buckets, practice_id: int) -> None:
    alerts = Alert.objects.filter(client__practice_id=practice_id).values_list(
        "client__primary_therapist_id", "created_at", "acknowledged_at", "severity", "escalation_level"
    )
    for therapist_id, created_at, acknowledged_at, severity, escalation_level in alerts.order_by():
        month = buckets.month(created_at)
        buckets.add(therapist_id, month, "alerts_raised")
        if severity == Alert.Severity.URGENT:
            buckets.add(therapist_id, month, "alerts_urgent")
        if escalation_level:
            buckets.add(therapist_id, month, "alerts_escalated")
        if acknowledged_at is not None:
            buckets.add(therapist_id, month, "alerts_acknowledged")
            minutes = max((acknowledged_at - created_at).total_seconds() / 60, 0)
            buckets.append(therapist_id, month, "ack_minutes", round(minutes, 1))

    decisions = (
        AiSuggestion.objects.filter(
            client__practice_id=practice_id,
            kind=AiSuggestion.Kind.HOMEWORK_RECOMMENDATION,
            decision__in=[AiSuggestion.Decision.ACCEPTED, AiSuggestion.Decision.DISMISSED],
        )
        .annotate(month=TruncDate("created_at"))
        .values("month", "decision", therapist_key=F("client__primary_therapist_id"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in decisions:
        month = buckets.month(row["month"])
        buckets.add(row["therapist_key"], month, "ai_homework_decided", row["n"])
        if row["decision"] == AiSuggestion.Decision.ACCEPTED:
            buckets.add(row["therapist_key"], month, "ai_homework_accepted", row["n"])

    # Note drafts (issue 18): decided = signed as drafted, edited then signed, or discarded.
    drafts = (
        NoteDraft.objects.filter(
            client__practice_id=practice_id,
            decision__in=[NoteDraft.Decision.ACCEPTED, NoteDraft.Decision.EDITED, NoteDraft.Decision.DISCARDED],
        )
        .annotate(month=TruncDate("created_at"))
        .values("month", "decision", therapist_key=F("client__primary_therapist_id"))
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in drafts:
        month = buckets.month(row["month"])
        buckets.add(row["therapist_key"], month, "ai_drafts_decided", row["n"])
        if row["decision"] != NoteDraft.Decision.DISCARDED:
            buckets.add(row["therapist_key"], month, "ai_drafts_inserted", row["n"])
        if row["decision"] == NoteDraft.Decision.EDITED:
            buckets.add(row["therapist_key"], month, "ai_drafts_edited", row["n"])


def _collect_courses(buckets: _Buckets, practice_id: int, discharged: dict[int, tuple[TherapistKey, dt.date]]) -> None:
    """Talking Therapies outcomes for courses that ended (discharge) with >= 2 treatment sessions."""
    if not discharged:
        return
    in_episode = {"client__practice_id": practice_id, "client__discharged_at__isnull": False}
    sessions = dict(
        Session.objects.filter(
            status=Session.Status.ATTENDED, starts_at__date__lte=F("client__discharged_at"), **in_episode
        )
        .exclude(kind=Session.Kind.INTAKE)  # an assessment/intake is not a treatment session
        .values("client_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("client_id", "n")
    )
    scores: dict[int, dict[str, list[int | None]]] = defaultdict(lambda: {"phq9": [], "gad7": []})
    assessments = (
        Assessment.objects.filter(
            instrument__in=["phq9", "gad7"], administered_at__date__lte=F("client__discharged_at"), **in_episode
        )
        .order_by("administered_at", "id")
        .values_list("client_id", "instrument", "result")
    )
    for client_id, instrument, result in assessments:
        scores[client_id][instrument].append(_score(result))
    for client_id, (therapist_id, discharged_at) in discharged.items():
        attended = sessions.get(client_id, 0)
        series = scores.get(client_id, {"phq9": [], "gad7": []})
        outcome = talking_therapies(series["phq9"], series["gad7"], attended)
        if not outcome["finished_course"]:
            continue
        month = buckets.month(discharged_at)
        buckets.add(therapist_id, month, "courses_finished")
        buckets.add(therapist_id, month, "course_sessions", attended)
        if outcome["reliable_improvement"] is None:
            continue  # no first/last score on one of the measures: outside every rate
        buckets.add(therapist_id, month, "courses_paired")
        buckets.add(therapist_id, month, "courses_reliable_improvement", int(outcome["reliable_improvement"]))
        buckets.add(therapist_id, month, "courses_reliable_deterioration", int(bool(outcome["reliable_deterioration"])))
        if outcome["recovery"] is not None:
            buckets.add(therapist_id, month, "courses_caseness")
            buckets.add(therapist_id, month, "courses_recovered", int(outcome["recovery"]))
            buckets.add(therapist_id, month, "courses_reliable_recovery", int(bool(outcome["reliable_recovery"])))


@dataclass
class _ClientDates:
    therapist_id: TherapistKey
    referred: dt.date | None
    intake: dt.date | None
    ends: dt.date | None  # discharge date; a discharged client without one ends "always"


def _collect_clients(
    buckets: _Buckets, practice_id: int
) -> tuple[list[_ClientDates], dict[int, tuple[TherapistKey, dt.date]]]:
    rows = Client.objects.filter(practice_id=practice_id).values_list(
        "id", "primary_therapist_id", "status", "referred_at", "intake_date", "discharged_at", "created_at"
    )
    clients: list[_ClientDates] = []
    discharged: dict[int, tuple[TherapistKey, dt.date]] = {}
    for client_id, therapist_id, status, referred, intake, discharged_at, created_at in rows.order_by():
        if referred:
            buckets.add(therapist_id, buckets.month(referred), "referrals")
        if intake:
            buckets.add(therapist_id, buckets.month(intake), "intakes")
            if referred and referred <= intake:
                buckets.append(therapist_id, buckets.month(intake), "wait_days", (intake - referred).days)
        if discharged_at:
            buckets.add(therapist_id, buckets.month(discharged_at), "discharges")
            discharged[client_id] = (therapist_id, discharged_at)
        ends = discharged_at or (dt.date.min if status == Client.Status.DISCHARGED else None)
        if intake is None and status in (Client.Status.ACTIVE, Client.Status.ON_HOLD):
            intake = timezone.localtime(created_at).date()  # legacy rows: active without an intake date
        clients.append(_ClientDates(therapist_id, referred, intake, ends))
    return clients, discharged


def _add_stocks(buckets: _Buckets, clients: Iterable[_ClientDates], months: list[dt.date], today: dt.date) -> None:
    """End-of-month active and waitlist counts via difference arrays (O(clients + months))."""
    as_of = [min(month_last_day(month), today) for month in months]
    deltas: dict[tuple[TherapistKey, str], list[int]] = defaultdict(lambda: [0] * (len(months) + 1))

    def mark(therapist_id: TherapistKey, key: str, begins: dt.date | None, ends: dt.date | None) -> None:
        if begins is None:
            return
        first = bisect.bisect_left(as_of, begins)
        stop = len(months) if ends is None else bisect.bisect_left(as_of, ends)
        if first < stop:
            deltas[(therapist_id, key)][first] += 1
            deltas[(therapist_id, key)][stop] -= 1

    for client in clients:
        # Active from intake until discharge; waiting from referral until intake or discharge.
        mark(client.therapist_id, "active_end", client.intake, client.ends)
        waiting_ends = min((d for d in (client.intake, client.ends) if d is not None), default=None)
        mark(client.therapist_id, "waitlist_end", client.referred, waiting_ends)
    for (therapist_id, key), delta in deltas.items():
        running = 0
        for index, month in enumerate(months):
            running += delta[index]
            buckets.add(therapist_id, month, key, running)


def compute_practice_metrics(
    practice_id: int, *, now: dt.datetime, window: tuple[dt.date, dt.date] | None = None
) -> tuple[list[dt.date], dict[BucketKey, dict[str, Any]]]:
    """Raw monthly metrics per (therapist or None, month), and the months covered.

    With `window` (first day, last day), only events on those days count and the months are
    those the window touches; stocks are taken at the end of each month or, for the last one,
    at the window's last day. Nothing is stored: this is the exact-range report's read.
    """
    buckets = _Buckets(window)
    clients, discharged = _collect_clients(buckets, practice_id)
    _collect_sessions(buckets, practice_id, now)
    _collect_homework(buckets, practice_id, now)
    _collect_checkins(buckets, practice_id)
    _collect_safety_and_ai(buckets, practice_id)
    _collect_courses(buckets, practice_id, discharged)

    if window is not None:
        months = months_between(window[0], month_of(window[1]))
        _add_stocks(buckets, clients, months, min(timezone.localdate(now), window[1]))
        return months, {key: metrics for key, metrics in buckets.data.items() if key[1] in set(months)}

    current = month_of(now)
    lowest, highest = add_months(current, -(MAX_MONTHS_BACK - 1)), add_months(current, MAX_MONTHS_AHEAD)
    seen = buckets.months() | {month_of(d) for c in clients for d in (c.referred, c.intake) if d and d > dt.date.min}
    first = max(min(seen | {current}), lowest)
    last = min(max(seen | {current}), highest)
    months = months_between(first, last)
    _add_stocks(buckets, clients, months, timezone.localdate(now))
    in_range = {key: metrics for key, metrics in buckets.data.items() if first <= key[1] <= last}
    return months, in_range


def practice_totals(months: list[dt.date], buckets: dict[BucketKey, dict[str, Any]]) -> dict[dt.date, dict[str, Any]]:
    totals = {month: empty_metrics() for month in months}
    for (_, month), metrics in buckets.items():
        target = totals[month]
        for key in COUNT_KEYS + STOCK_KEYS:
            target[key] += metrics[key]
        for key in LIST_KEYS + ID_KEYS:
            target[key].extend(metrics[key])
    for metrics in totals.values():
        for key in LIST_KEYS + ID_KEYS:
            metrics[key].sort()
    return totals


@dataclass(frozen=True)
class RefreshResult:
    practice_id: int
    rows: int
    months: int
    computed_at: dt.datetime


def refresh_practice_aggregates(practice: Practice, *, now: dt.datetime | None = None) -> RefreshResult:
    """Recompute and upsert every monthly row of one practice; idempotent.

    Runs in its own transaction; the report cache is invalidated after commit.
    """
    now = now or timezone.now()
    months, buckets = compute_practice_metrics(practice.pk, now=now)
    member_ids = set(Membership.objects.filter(practice_id=practice.pk).values_list("id", flat=True))
    wanted: dict[BucketKey, dict[str, Any]] = {
        key: metrics for key, metrics in buckets.items() if key[0] is not None and key[0] in member_ids
    }
    for month, metrics in practice_totals(months, buckets).items():
        wanted[(None, month)] = metrics

    with transaction.atomic():
        # Serialise refreshes of one practice so two deliveries cannot interleave their writes.
        Practice.objects.select_for_update().filter(pk=practice.pk).exists()
        existing = {
            (row.therapist_id, row.month): row
            for row in PracticeAggregate.objects.filter(practice_id=practice.pk).only("id", "therapist_id", "month")
        }
        to_update, to_create = [], []
        for (therapist_id, month), metrics in wanted.items():
            row = existing.pop((therapist_id, month), None)
            if row is None:
                to_create.append(
                    PracticeAggregate(
                        practice_id=practice.pk,
                        therapist_id=therapist_id,
                        month=month,
                        metrics=metrics,
                        computed_at=now,
                    )
                )
            else:
                row.metrics, row.computed_at = metrics, now
                to_update.append(row)
        PracticeAggregate.objects.bulk_update(to_update, ["metrics", "computed_at"], batch_size=500)
        PracticeAggregate.objects.bulk_create(to_create, batch_size=500)
        if existing:  # months or therapists that no longer have any figures
            PracticeAggregate.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
        transaction.on_commit(lambda: bump_report_cache_version(practice.pk))
    return RefreshResult(practice_id=practice.pk, rows=len(wanted), months=len(months), computed_at=now)


# Report cache versioning: reports are cached under a per-practice version token that every
# refresh replaces, so stale reports are never served and no key enumeration is needed.
_VERSION_KEY = "insights:practice-report-version:{practice_id}"


def report_cache_version(practice_id: int) -> str:
    key = _VERSION_KEY.format(practice_id=practice_id)
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, None)
        version = cache.get(key) or "unversioned"
    return str(version)


def bump_report_cache_version(practice_id: int) -> None:
    try:
        cache.set(_VERSION_KEY.format(practice_id=practice_id), uuid.uuid4().hex, None)
    except Exception:  # a cache outage must not fail a refresh; entries expire anyway
        logger.warning("could not invalidate cached reports of practice %s", practice_id, exc_info=True)

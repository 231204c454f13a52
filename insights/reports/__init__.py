"""The practice report: sums stored monthly aggregates, then applies small-cell suppression.

The figures cover exactly the dates chosen: whole months read the stored monthly rows; any
other range (1 Jan-3 Dec) is computed for its days by the same collectors (``_exact_rows``).

Privacy rules (CLINICAL/API): aggregates only; any count below 5 (0 included) is shown as the
string "<5"; a rate, median or mean built on fewer than 5 is suppressed (value null,
"suppressed": true, its base shown as "<5"). Suppression is applied here, after summing,
never to the stored figures. Nothing in a report names a client or carries clinical text;
therapist names (staff) are shown.

Known limit: a rate shown next to its denominator can let a reader work out a numerator
below 5 (2 of 7 = 28.6%). The rule suppresses rates on small denominators only, as agreed.

Package layout: this module (the report, suppression applied) and ``insights.reports.aggregates``
(the stored monthly figures and their refresh, run by ``insights.tasks.reports``).
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from insights.models import PracticeAggregate
from insights.reports import aggregates
from insights.reports.aggregates import add_months, month_last_day, month_of, months_between
from practice.bounds import DATE_RANGE_MESSAGE, date_in_supported_range
from practice.models import Membership, Practice
from practice.roles import Role

logger = logging.getLogger(__name__)

SMALL_CELL_THRESHOLD = 5
SMALL_CELL = "<5"
MAX_REPORT_MONTHS = 120
DEFAULT_REPORT_MONTHS = 12
REPORT_CACHE_SECONDS = 6 * 3600

Presented = int | str | dict[str, Any]


# --- presentation of single figures -------------------------------------------------------


def present_count(count: int) -> int | str:
    return SMALL_CELL if count < SMALL_CELL_THRESHOLD else int(count)


def present_rate(numerator: int, denominator: int) -> dict[str, Any]:
    suppressed = denominator < SMALL_CELL_THRESHOLD
    return {
        "percent": None if suppressed else round(100 * numerator / denominator, 1),
        "numerator": present_count(numerator),
        "denominator": present_count(denominator),
        "suppressed": suppressed,
    }


def present_median(values: Sequence[float], unit: str) -> dict[str, Any]:
    suppressed = len(values) < SMALL_CELL_THRESHOLD
    return {
        "value": None if suppressed else round(float(statistics.median(values)), 1),
        "unit": unit,
        "n": present_count(len(values)),
        "suppressed": suppressed,
    }


def present_mean(total: float, count: int) -> dict[str, Any]:
    suppressed = count < SMALL_CELL_THRESHOLD
    return {
        "value": None if suppressed else round(total / count, 1),
        "n": present_count(count),
        "suppressed": suppressed,
    }


def display(value: Presented) -> str:
    """One line of text for a presented figure (web page, CSV, PDF)."""
    if not isinstance(value, dict):
        return str(value)
    if value.get("suppressed"):
        return "suppressed (fewer than 5)"
    if "percent" in value:
        return f"{value['percent']}% ({value['numerator']} of {value['denominator']})"
    unit = f" {value['unit']}" if value.get("unit") else ""
    return f"{value['value']}{unit} (n = {value['n']})"


def chart_value(value: Presented | None) -> float | None:
    """The plottable number of a presented figure; suppressed ones are gaps."""
    if isinstance(value, dict):
        number = value.get("percent", value.get("value"))
        return None if number is None else float(number)
    return float(value) if isinstance(value, int) else None


# --- summing monthly rows -----------------------------------------------------------------


@dataclass
class Totals:
    counts: dict[str, int] = field(default_factory=dict)
    stocks: dict[str, int] = field(default_factory=dict)
    lists: dict[str, list[float]] = field(default_factory=dict)
    ids: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, monthly: Iterable[tuple[dt.date, Mapping[str, Any]]], last_month: dt.date) -> Totals:
        """Sum counts and lists over months; stocks are those at the end of `last_month`."""
        totals = cls(
            counts=dict.fromkeys(aggregates.COUNT_KEYS, 0),
            stocks=dict.fromkeys(aggregates.STOCK_KEYS, 0),
            lists={key: [] for key in aggregates.LIST_KEYS},
            ids={key: set() for key in aggregates.ID_KEYS},
        )
        for month, metrics in monthly:
            for key in aggregates.COUNT_KEYS:
                totals.counts[key] += int(metrics.get(key, 0))
            for key in aggregates.LIST_KEYS:
                totals.lists[key].extend(metrics.get(key, []))
            for key in aggregates.ID_KEYS:
                totals.ids[key].update(metrics.get(key, []))
            if month == last_month:
                for key in aggregates.STOCK_KEYS:
                    totals.stocks[key] = int(metrics.get(key, 0))
        return totals

    def __getitem__(self, key: str) -> int:
        if key in self.stocks:
            return self.stocks[key]
        if key in self.ids:
            return len(self.ids[key])
        return self.counts[key]


def _due_sessions(t: Totals) -> int:
    # Appointments that were meant to happen: cancellations with notice and unrecorded ones excluded.
    return t["sessions_attended"] + t["sessions_no_show"] + t["sessions_late_cancelled"]


@dataclass(frozen=True)
class Figure:
    section: str
    key: str
    label: str
    value: Callable[[Totals], Presented]
    chart: str | None = None  # "bar" (counts), "line" (counts) or "percent" (0-100 line)

    @property
    def help(self) -> str:
        return DEFINITIONS[f"{self.section}.{self.key}"]


def _count(key: str) -> Callable[[Totals], Presented]:
    return lambda t: present_count(t[key])


Part = str | Callable[[Totals], int]


def _rate(numerator: Part, denominator: Part) -> Callable[[Totals], Presented]:
    def get(t: Totals, part: Part) -> int:
        return t[part] if isinstance(part, str) else part(t)

    return lambda t: present_rate(get(t, numerator), get(t, denominator))


# The definition of every figure: shown as help text, exported, and quoted in the README.
DEFINITIONS: dict[str, str] = {
    "caseload.active_clients": "Clients with an intake on or before the end of the period (or today, if sooner) and not discharged by then; by primary therapist.",
    "caseload.new_intakes": "Clients whose intake date falls in the period.",
    "caseload.discharges": "Clients whose discharge date falls in the period.",
    "caseload.referrals": "Clients referred (joined the waitlist) in the period.",
    "caseload.waitlist": "Clients referred on or before the end of the period who had neither an intake nor a discharge by then.",
    "caseload.median_wait_days": "Median days from referral to intake, over clients whose intake fell in the period and who have a referral date.",
    "attendance.sessions_scheduled": "All sessions booked to start in the period, whatever happened to them.",
    "attendance.sessions_attended": "Sessions in the period marked attended.",
    "attendance.sessions_no_show": "Sessions in the period marked no-show.",
    "attendance.sessions_late_cancelled": "Sessions in the period cancelled late.",
    "attendance.sessions_cancelled": "Sessions in the period cancelled in good time.",
    "attendance.sessions_unrecorded": "Sessions in the period still marked scheduled (upcoming, or the outcome was never recorded).",
    "attendance.attendance_rate": "Attended / (attended + no-show + late-cancelled) sessions in the period.",
    "attendance.no_show_rate": "No-shows / (attended + no-show + late-cancelled) sessions in the period.",
    "attendance.late_cancel_rate": "Late cancellations / (attended + no-show + late-cancelled) sessions in the period.",
    "engagement.homework_assigned": "Homework assignments created in the period (cancelled ones excluded).",
    "engagement.homework_due": "Assignments due in the period whose due time has passed (cancelled ones excluded).",
    "engagement.homework_completion_rate": "Completed / due, over the assignments due in the period (late completion counts).",
    "engagement.homework_on_time_rate": "Completed by the due time / due, over the assignments due in the period.",
    "engagement.checkin_clients": "Distinct clients with at least one portal check-in in the period.",
    "engagement.checkins": "Portal check-ins made in the period.",
    "engagement.measure_completion_rate": "Attended sessions in the period with a measure (any instrument) for the client taken within 24 hours of the session start or linked to the session / attended sessions.",
    "outcomes.finished_courses": "Clients discharged in the period with at least 2 attended treatment sessions (intake sessions not counted), per NHS Talking Therapies.",
    "outcomes.courses_with_scores": "Finished courses with a first and a last scorable PHQ-9 and GAD-7.",
    "outcomes.recovery_rate": "Of finished courses at caseness at the first scores (PHQ-9 >= 10 or GAD-7 >= 8): share below caseness on both at the last scores.",
    "outcomes.reliable_improvement_rate": "Of finished courses with paired scores: a reliable drop (PHQ-9 >= 6 or GAD-7 >= 4 points) on at least one measure and no reliable rise on the other.",
    "outcomes.reliable_recovery_rate": "Of finished courses at caseness at the first scores: recovered and reliably improved.",
    "outcomes.reliable_deterioration_rate": "Of finished courses with paired scores: a reliable rise on at least one measure and no reliable drop on the other.",
    "outcomes.average_sessions_per_course": "Mean attended treatment sessions over finished courses.",
    "documentation.notes_due": "Attended sessions in the period whose note deadline (session end + 72 hours) had passed when the figures were computed.",
    "documentation.notes_signed_within_72h": "Of notes due: a progress note for the session signed within 72 hours of the session end.",
    "documentation.notes_signed_late": "Of notes due: first signed note more than 72 hours after the session end.",
    "documentation.notes_overdue": "Of notes due: no signed note yet.",
    "documentation.notes_on_time_rate": "Signed within 72 hours / notes due.",
    "safety.alerts_raised": "Safety alerts raised in the period (any kind and severity).",
    "safety.urgent_alerts": "Alerts raised in the period with urgent severity.",
    "safety.median_minutes_to_acknowledge": "Median minutes from an alert being raised to a person acknowledging it, over acknowledged alerts raised in the period.",
    "safety.escalations": "Alerts raised in the period that were escalated at least once for not being acknowledged in time.",
    "ai.homework_recommendations_decided": "AI homework recommendations made in the period that a clinician accepted or dismissed.",
    "ai.homework_recommendation_acceptance_rate": "Accepted / decided AI homework recommendations made in the period.",
    "ai.note_drafts_decided": "AI note drafts asked for in the period whose note was signed or that the therapist discarded.",
    "ai.note_draft_acceptance_rate": "Drafts inserted into a note that was then signed / decided drafts.",
    "ai.note_draft_edit_rate": "Of drafts inserted and signed: those the therapist edited before signing.",
}

FIGURES: tuple[Figure, ...] = (
    Figure("caseload", "active_clients", "Active clients", _count("active_end"), "line"),
    Figure("caseload", "new_intakes", "New intakes", _count("intakes"), "bar"),
    Figure("caseload", "discharges", "Discharges", _count("discharges")),
    Figure("caseload", "referrals", "Referrals", _count("referrals")),
    Figure("caseload", "waitlist", "Waitlist", _count("waitlist_end"), "line"),
    Figure("caseload", "median_wait_days", "Median wait", lambda t: present_median(t.lists["wait_days"], "days")),
    Figure("attendance", "sessions_scheduled", "Sessions scheduled", _count("sessions_total")),
    Figure("attendance", "sessions_attended", "Sessions attended", _count("sessions_attended"), "bar"),
    Figure("attendance", "sessions_no_show", "No-shows", _count("sessions_no_show")),
    Figure("attendance", "sessions_late_cancelled", "Late cancellations", _count("sessions_late_cancelled")),
    Figure("attendance", "sessions_cancelled", "Cancelled with notice", _count("sessions_cancelled")),
    Figure("attendance", "sessions_unrecorded", "Not yet recorded", _count("sessions_pending")),
    Figure("attendance", "attendance_rate", "Attendance rate", _rate("sessions_attended", _due_sessions), "percent"),
    Figure("attendance", "no_show_rate", "No-show rate", _rate("sessions_no_show", _due_sessions), "percent"),
    Figure("attendance", "late_cancel_rate", "Late-cancel rate", _rate("sessions_late_cancelled", _due_sessions)),
    Figure("engagement", "homework_assigned", "Homework assigned", _count("homework_assigned")),
    Figure("engagement", "homework_due", "Homework due", _count("homework_due")),
    Figure(
        "engagement",
        "homework_completion_rate",
        "Homework completed",
        _rate("homework_completed", "homework_due"),
        "percent",
    ),
    Figure("engagement", "homework_on_time_rate", "Homework on time", _rate("homework_on_time", "homework_due")),
    Figure("engagement", "checkin_clients", "Clients checking in", _count("checkin_client_ids")),
    Figure("engagement", "checkins", "Check-ins", _count("checkins"), "bar"),
    Figure(
        "engagement",
        "measure_completion_rate",
        "Measure completion",
        _rate("sessions_measured", "sessions_attended"),
        "percent",
    ),
    Figure("outcomes", "finished_courses", "Finished courses", _count("courses_finished")),
    Figure("outcomes", "courses_with_scores", "Courses with paired scores", _count("courses_paired")),
    Figure("outcomes", "recovery_rate", "Recovery rate", _rate("courses_recovered", "courses_caseness"), "percent"),
    Figure(
        "outcomes",
        "reliable_improvement_rate",
        "Reliable improvement",
        _rate("courses_reliable_improvement", "courses_paired"),
    ),
    Figure(
        "outcomes",
        "reliable_recovery_rate",
        "Reliable recovery",
        _rate("courses_reliable_recovery", "courses_caseness"),
    ),
    Figure(
        "outcomes",
        "reliable_deterioration_rate",
        "Reliable deterioration",
        _rate("courses_reliable_deterioration", "courses_paired"),
    ),
    Figure(
        "outcomes",
        "average_sessions_per_course",
        "Sessions per course",
        lambda t: present_mean(t["course_sessions"], t["courses_finished"]),
    ),
    Figure("documentation", "notes_due", "Notes due", _count("notes_due")),
    Figure("documentation", "notes_signed_within_72h", "Signed within 72 hours", _count("notes_on_time")),
    Figure("documentation", "notes_signed_late", "Signed late", _count("notes_late")),
    Figure("documentation", "notes_overdue", "Overdue notes", _count("notes_overdue")),
    Figure("documentation", "notes_on_time_rate", "Notes on time", _rate("notes_on_time", "notes_due"), "percent"),
    Figure("safety", "alerts_raised", "Alerts raised", _count("alerts_raised"), "bar"),
    Figure("safety", "urgent_alerts", "Urgent alerts", _count("alerts_urgent")),
    Figure(
        "safety",
        "median_minutes_to_acknowledge",
        "Median time to acknowledge",
        lambda t: present_median(t.lists["ack_minutes"], "minutes"),
    ),
    Figure("safety", "escalations", "Escalations", _count("alerts_escalated")),
    Figure("ai", "homework_recommendations_decided", "Recommendations decided", _count("ai_homework_decided")),
    Figure(
        "ai",
        "homework_recommendation_acceptance_rate",
        "Acceptance rate",
        _rate("ai_homework_accepted", "ai_homework_decided"),
    ),
    Figure("ai", "note_drafts_decided", "Note drafts decided", _count("ai_drafts_decided")),
    Figure("ai", "note_draft_acceptance_rate", "Note drafts used", _rate("ai_drafts_inserted", "ai_drafts_decided")),
    Figure("ai", "note_draft_edit_rate", "Note drafts edited", _rate("ai_drafts_edited", "ai_drafts_inserted")),
)
SECTIONS: tuple[tuple[str, str], ...] = (
    ("caseload", "Caseload"),
    ("attendance", "Attendance"),
    ("engagement", "Engagement"),
    ("outcomes", "Outcomes (NHS Talking Therapies)"),
    ("documentation", "Documentation"),
    ("safety", "Safety operations"),
    ("ai", "AI suggestions"),
)
# The compact per-therapist table (web page and PDF): (section, figure key, heading).
THERAPIST_SUMMARY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("caseload", "active_clients", "Active clients"),
    ("attendance", "sessions_attended", "Attended"),
    ("attendance", "no_show_rate", "No-show rate"),
    ("engagement", "homework_completion_rate", "Homework completed"),
    ("engagement", "measure_completion_rate", "Measure completion"),
    ("documentation", "notes_on_time_rate", "Notes on time"),
    ("documentation", "notes_overdue", "Overdue notes"),
)


def present_sections(totals: Totals) -> dict[str, dict[str, Presented]]:
    sections: dict[str, dict[str, Presented]] = {section: {} for section, _ in SECTIONS}
    for figure in FIGURES:
        sections[figure.section][figure.key] = figure.value(totals)
    return sections


# --- parameters ---------------------------------------------------------------------------


class ReportParamsError(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class ReportParams:
    start: dt.date
    end: dt.date
    therapist_id: int | None = None

    @property
    def months(self) -> list[dt.date]:
        return months_between(self.start, month_of(self.end))

    @property
    def period_start(self) -> dt.date:
        return month_of(self.start)

    @property
    def period_end(self) -> dt.date:
        return month_last_day(month_of(self.end))

    @property
    def whole_months(self) -> bool:
        """Whether the dates chosen are whole calendar months (the stored monthly figures)."""
        return (self.start, self.end) == (self.period_start, self.period_end)

    @property
    def widened(self) -> bool:
        """Whether whole months would cover more than the dates chosen. Reports never widen:
        such a range is computed for its exact days (`practice_report`)."""
        return not self.whole_months

    def whole_months_within(self) -> tuple[dt.date, dt.date] | None:
        """The largest run of whole months inside the chosen dates, if there is one."""
        first = self.period_start if self.start == self.period_start else add_months(self.period_start, 1)
        last_month = month_of(self.end) if self.end == self.period_end else add_months(month_of(self.end), -1)
        if last_month < first:
            return None
        return first, month_last_day(last_month)


def refresh_report_figures(*, practice: Practice, actor) -> aggregates.RefreshResult:
    """Recompute the practice's monthly figures now (the page's "Refresh figures" POST);
    audited. The hourly task does the same without an actor."""
    from django.db import transaction

    from practice.audit import AuditAction, audit_record

    result = aggregates.refresh_practice_aggregates(practice)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target_type=PracticeAggregate._meta.label_lower,
            practice_id=practice.pk,
            fields=["metrics", "computed_at"],
        )
    return result


def _parse_date(raw: str | None, name: str, errors: dict[str, list[str]]) -> dt.date | None:
    if not raw:
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        errors[name] = ["Enter a date as YYYY-MM-DD."]
        return None
    if not date_in_supported_range(value):
        errors[name] = [DATE_RANGE_MESSAGE]
        return None
    return value


def parse_report_params(data: Mapping[str, Any], *, therapist_ids: Iterable[int], today: dt.date) -> ReportParams:
    """Validate ?start, ?end (YYYY-MM-DD) and ?therapist (member id); raise ReportParamsError.

    Defaults: the 12 calendar months ending with the current one (whole months, so the
    default report reads the stored monthly figures).
    """
    errors: dict[str, list[str]] = {}
    start = _parse_date(data.get("start"), "start", errors)
    end = _parse_date(data.get("end"), "end", errors)
    therapist_id = None
    raw_therapist = str(data.get("therapist") or "").strip()
    if raw_therapist:
        if raw_therapist.isdigit() and int(raw_therapist) in set(therapist_ids):
            therapist_id = int(raw_therapist)
        else:
            errors["therapist"] = ["Choose a therapist of this practice."]
    if errors:
        raise ReportParamsError(errors)
    end = end or month_last_day(month_of(start if start and start > today else today))
    start = start or add_months(month_of(end), -(DEFAULT_REPORT_MONTHS - 1))
    if start > end:
        raise ReportParamsError({"end": ["The end date must be on or after the start date."]})
    if len(months_between(start, month_of(end))) > MAX_REPORT_MONTHS:
        raise ReportParamsError({"start": [f"A report covers at most {MAX_REPORT_MONTHS} months."]})
    return ReportParams(start=start, end=end, therapist_id=therapist_id)


@dataclass(frozen=True)
class TherapistOption:
    id: int
    name: str


def practice_therapists(practice: Practice) -> list[TherapistOption]:
    """Therapists (active or not: their history still counts) who can be a report filter."""
    members = Membership.objects.filter(practice_id=practice.pk, role=Role.THERAPIST).select_related("user")
    options = [TherapistOption(member.pk, member.display_name) for member in members]
    return sorted(options, key=lambda option: (option.name.lower(), option.id))


# --- the report ---------------------------------------------------------------------------


def build_report(
    *,
    practice: Practice,
    params: ReportParams,
    therapists: Sequence[TherapistOption],
    rows: Iterable[tuple[int | None, dt.date, Mapping[str, Any]]],
    computed_at: dt.datetime | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """The report dict from stored monthly rows (no queries)."""
    months = params.months
    last_month = months[-1]
    by_scope: dict[int | None, dict[dt.date, Mapping[str, Any]]] = {}
    for therapist_id, month, metrics in rows:
        by_scope.setdefault(therapist_id, {})[month] = metrics
    scope = by_scope.get(params.therapist_id, {})
    names = {option.id: option.name for option in therapists}
    shown = [option for option in therapists if params.therapist_id in (None, option.id)]

    trend_figures = [figure for figure in FIGURES if figure.chart]
    trends = []
    for month in months:
        totals = Totals.of([(month, scope.get(month, {}))], month)
        trends.append(
            {"month": month.strftime("%Y-%m"), **{figure.key: figure.value(totals) for figure in trend_figures}}
        )

    return {
        "practice": {"id": practice.pk, "name": practice.name},
        "period": {
            # The figures cover exactly the dates chosen; the first and last month of the
            # trends hold only their days inside the range when the dates are not whole months.
            "start": params.start.isoformat(),
            "end": params.end.isoformat(),
            "requested_start": params.start.isoformat(),
            "requested_end": params.end.isoformat(),
            "granularity": "month",
            "months": [month.strftime("%Y-%m") for month in months],
        },
        "filters": {
            "therapist": None
            if params.therapist_id is None
            else {"id": params.therapist_id, "name": names.get(params.therapist_id, "")}
        },
        "computed_at": computed_at.isoformat() if computed_at else None,
        "generated_at": now.isoformat(),
        "suppression": {
            "threshold": SMALL_CELL_THRESHOLD,
            "shown_as": SMALL_CELL,
            "rule": 'Counts below 5 (0 included) are shown as "<5"; rates, medians and means built on fewer than 5 are suppressed (null).',
        },
        **present_sections(Totals.of(scope.items(), last_month)),
        "by_therapist": [
            {
                "therapist": {"id": option.id, "name": option.name},
                **present_sections(Totals.of(by_scope.get(option.id, {}).items(), last_month)),
            }
            for option in shown
        ],
        "trends": trends,
        "definitions": DEFINITIONS,
    }


def _load_rows(
    practice: Practice, params: ReportParams
) -> tuple[list[tuple[int | None, dt.date, Mapping[str, Any]]], dt.datetime | None]:
    months = params.months
    queryset = PracticeAggregate.objects.filter(practice_id=practice.pk, month__gte=months[0], month__lte=months[-1])
    if params.therapist_id is not None:
        queryset = queryset.filter(Q(therapist__isnull=True) | Q(therapist_id=params.therapist_id))
    fields = ("therapist_id", "month", "metrics", "computed_at")
    rows = list(queryset.values_list(*fields))
    if not rows:
        # Reading never computes (GET pages do not write): the hourly task or the page's
        # "Refresh figures" POST (`refresh_report_figures`) does. Say when figures were last
        # computed for the practice, if ever.
        latest = (
            PracticeAggregate.objects.filter(practice_id=practice.pk)
            .order_by("-computed_at")
            .values_list("computed_at", flat=True)
            .first()
        )
        return [], latest
    computed_at = max((row[3] for row in rows), default=None)
    return [(therapist_id, month, metrics) for therapist_id, month, metrics, _ in rows], computed_at


def _exact_rows(
    practice: Practice, params: ReportParams
) -> tuple[list[tuple[int | None, dt.date, Mapping[str, Any]]], dt.datetime]:
    """Figures for exactly the dates chosen, computed now from the source tables (read-only).

    Stored figures are whole months, and a 1 Jan-3 Dec range must not silently become
    1 Jan-31 Dec; so a range that is not whole months is computed for its days, with the same
    rules and a fixed number of grouped queries. Nothing is written (GET never writes); the
    result is cached like any report, and its "as of" time is when it was computed.
    """
    now = timezone.now()
    months, buckets = aggregates.compute_practice_metrics(practice.pk, now=now, window=(params.start, params.end))
    rows: list[tuple[int | None, dt.date, Mapping[str, Any]]] = [
        (therapist_id, month, metrics) for (therapist_id, month), metrics in buckets.items() if therapist_id is not None
    ]
    rows += [(None, month, metrics) for month, metrics in aggregates.practice_totals(months, buckets).items()]
    return rows, now


def _cache_key(practice: Practice, params: ReportParams) -> str:
    version = aggregates.report_cache_version(practice.pk)
    return (
        f"insights:practice-report:{practice.pk}:{version}:{params.start}:{params.end}:{params.therapist_id or 'all'}"
    )


def practice_report(
    *, practice: Practice, params: ReportParams, therapists: Sequence[TherapistOption]
) -> dict[str, Any]:
    """The report for validated params, from the cache when the aggregates have not changed."""
    try:
        key = _cache_key(practice, params)
        cached = cache.get(key)
    except Exception:  # a cache outage degrades to computing from aggregates
        logger.warning("report cache unavailable", exc_info=True)
        key, cached = None, None
    if cached is not None:
        return cached
    if params.whole_months:
        rows, computed_at = _load_rows(practice, params)
    else:
        rows, computed_at = _exact_rows(practice, params)
    report = build_report(
        practice=practice, params=params, therapists=therapists, rows=rows, computed_at=computed_at, now=timezone.now()
    )
    if key is not None:
        try:
            cache.set(key, report, REPORT_CACHE_SECONDS)
        except Exception:  # serving the report matters more than caching it
            logger.warning("could not cache a report of practice %s", practice.pk, exc_info=True)
    return report


def report_sections(figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Titled sections of {key, label, help, value, display} for templates and exports.

    `figures` is a report (or one `by_therapist` entry) holding the section dicts.
    """
    sections = []
    for section, title in SECTIONS:
        rows = [
            {
                "key": figure.key,
                "label": figure.label,
                "help": figure.help,
                "value": figures[section][figure.key],
                "display": display(figures[section][figure.key]),
            }
            for figure in FIGURES
            if figure.section == section
        ]
        sections.append({"key": section, "title": title, "figures": rows})
    return sections


def therapist_summary(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows of {therapist, cells: [display text]} in THERAPIST_SUMMARY_COLUMNS order."""
    return [
        {
            "therapist": entry["therapist"],
            "cells": [display(entry[section][key]) for section, key, _ in THERAPIST_SUMMARY_COLUMNS],
        }
        for entry in report["by_therapist"]
    ]


def trend_series(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One chartable series per trend figure: {key, title, kind, points: [(month, value|None)]}."""
    series = []
    for figure in FIGURES:
        if not figure.chart:
            continue
        points = [(entry["month"], chart_value(entry.get(figure.key))) for entry in report["trends"]]
        series.append({"key": figure.key, "title": figure.label, "kind": figure.chart, "points": points})
    return series

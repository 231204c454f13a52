"""The therapist's client chart: key facts, risk flags, timeline and tabs (server-rendered).

Access goes through the read layer: `practice.web_guards.capability_required` (VIEW_CLINICAL
roles, and an admin's break-glass grant for GETs; anyone else 404; a write needs
EDIT_CLINICAL), then the client through `clients.selectors.client_for_read` (out of scope
404) and, for a write, `client_is_editable` (a supervisor sees the chart, a POST is 403).
The tabs' reads are selectors that record the clinical read themselves; this module does
not audit. GET never writes: the AI tab shows stored suggestions, and its "Refresh" button
POSTs `ai_refresh`. Writes are POSTs naming an `action`; each calls one service and
redirects back to its tab.

The panels built here (measure trends, mood sparkline) are shared with the note editor in
sessions/web.py; its "since last session" panel is `sessions.selectors.since_last_session`,
and the Engagement tab reads `insights.selectors.engagement_view` (one freshness rule).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients import selectors, web_safety_plan
from clients.charts import measure_panels, mood_table, sparkline
from clients.models import Client, Consent
from clients.recovery import practice_curves
from clients.selectors import assessment_series, client_for_read, client_is_editable, client_outcomes
from clients.selectors_history import HOMEWORK_KINDS, TIMELINE_KINDS, HistoryFilters, homework_page, timeline_page
from clients.selectors_onboarding import consent_states, portal_access
from clients.services.care_team import recent_care_team_changes
from clients.services.measures import instruments_for
from clients.web_chart_actions import (
    ACTIONS,
    READER_ACTIONS,
    ActionFailed,
    AssignForm,
    GoalForm,
    MessageForm,
    PlanReviewForm,
    PsychotherapyNoteForm,
)
from clients.web_measures_tab import measures_tab_extras
from insights.ai import policy as ai_policy
from insights.ai import services as ai
from insights.ai import sources as ai_sources
from insights.api_ai import LABELS, suggestion_meta
from insights.charts import bar_chart
from insights.selectors import engagement_view
from practice.errors import DomainError, Forbidden, NotFound
from practice.roles import Capability
from practice.web_guards import capability_required, user_can
from practice.web_paging import query_without
from sessions import selectors as session_selectors
from sessions.models import HomeworkAssignment, Session
from sessions.selectors_appointments import next_session_for_staff
from sessions.services import homework as homework_services

if TYPE_CHECKING:
    from practice.models import User

TABS = (
    ("overview", "Overview"),
    ("plan", "Plan"),
    ("safety", "Safety plan"),
    ("toolkit", "Toolkit and agenda"),
    ("measures", "Measures"),
    ("engagement", "Engagement"),
    ("homework", "Homework"),
    ("messages", "Messages"),
    ("ai", "AI"),
    ("documents", "Documents"),
    ("consent", "Consent"),
)
# AI adjuncts are the care team's tools: a break-glass reader does not get them.
CARE_TEAM_TABS = frozenset({"ai"})
TIMELINE_LIMIT = selectors.TIMELINE_LIMIT
MESSAGES_SHOWN = 100
MOOD_POINTS = 60
CONSENT_LABELS = {
    Consent.Kind.TREATMENT: "Treatment",
    Consent.Kind.PORTAL: "Portal",
    Consent.Kind.AI_PROCESSING: "AI processing",
}
ITEM9_MISSING = "Item 9 unanswered — ask directly"
DONE_MESSAGES = {
    "message": "Message sent.",
    "ai_refresh": "AI suggestions refreshed.",
    "consent_record": "Consent recorded.",
    "consent_revoke": "Consent withdrawn.",
}


# ---------------------------------------------------------------------------
# Access (shared with sessions/web.py and insights/web_alerts.py)

# The chart: care-team roles read and write (the client's editability is checked per
# client); an admin holding a break-glass grant reads (GET) only; anyone else 404.
chart_reader_required = capability_required(
    Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,), break_glass_read=True
)
# ---------------------------------------------------------------------------
# Panels shared with the note editor


def attended_starts(client: Client) -> list[dt.datetime]:
    return list(
        client.sessions.filter(status=Session.Status.ATTENDED).order_by("starts_at").values_list("starts_at", flat=True)
    )


def measure_trends(
    client: Client,
    actor: User,
    *,
    only: tuple[str, ...] = (),
    compact: bool = False,
    tracking: tuple = (),
    curves: dict | None = None,
    definitions: dict[str, dict] | None = None,
    reads: selectors.MeasuresReads | None = None,
):
    """Trend panels per instrument (assessment_series, or `reads` from
    `selectors.measures_reads`, records the read of the answers)."""
    if reads is None:
        assessments = list(assessment_series(client=client, actor=actor))
        attended = attended_starts(client)
    else:
        assessments, attended = reads.assessments, reads.attended
    return measure_panels(
        assessments,
        definitions if definitions is not None else instruments_for(client.practice_id),
        attended,
        only=only,
        compact=compact,
        curves=curves if curves is not None else practice_curves(client.practice_id),
        tracking=tracking,
    )


def mood_sparkline(moods: list[int], *, what: str = "Mood", dates: list[dt.datetime] | None = None):
    """The mood line with its 0-10 axis; with `dates`, the check-ins as a table too."""
    if not moods:
        return None
    label = f"{what}: {len(moods)} check-in{'s' if len(moods) != 1 else ''}, from {moods[0]} to {moods[-1]} (0-10)"
    chart = sparkline(moods, label=label, dates=dates)
    if dates:
        return chart + mood_table(moods, dates, title=f"{what} (0-10)")
    return chart


# ---------------------------------------------------------------------------
# Tabs


def _header(client: Client, user) -> dict:
    today = timezone.localdate()
    dob = client.date_of_birth
    age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    header = selectors.chart_header(client=client, user=user, care_team=user_can(user, Capability.VIEW_CLINICAL))
    return {
        "age": age,
        "consents": [(CONSENT_LABELS[kind], kind in header.active_consents) for kind in CONSENT_LABELS],
        "ai_consent": Consent.Kind.AI_PROCESSING.value in header.active_consents,
        "alerts": header.alerts,
        "item9_missing": ITEM9_MISSING if header.item9_missing else None,
        # The care team sees who opened emergency access to this record lately, and why.
        "recent_break_glass": header.recent_break_glass,
        # Whoever reads the chart sees who changed the care team lately (and so who can read it).
        "recent_care_team_changes": recent_care_team_changes(client),
        "portal": portal_access(client=client, invites_if_signed_in=False),
    }


@dataclass(frozen=True)
class HistoryRequest:
    """The overview's and the Homework tab's list filters and page, from the query string."""

    filters: HistoryFilters = field(default_factory=HistoryFilters)
    page: str = "1"
    query: str = ""  # the filters url-encoded (tab included), for the pager's links
    date_error: str = ""


def _day(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def history_request(params) -> HistoryRequest:
    """Filters from `kind`, `from` and `to` (YYYY-MM-DD); a bad date is dropped and said so."""
    start, end = _day(params.get("from", "")), _day(params.get("to", ""))
    error = ""
    if (params.get("from") and start is None) or (params.get("to") and end is None):
        error = "Dates are written as year-month-day; the unreadable one was left out."
    if start and end and start > end:
        start, end, error = end, start, "The dates were the wrong way round; they have been swapped."
    return HistoryRequest(
        filters=HistoryFilters(kind=params.get("kind", ""), start=start, end=end),
        page=params.get("page") or "1",
        query=query_without(params),
        date_error=error,
    )


def _history_context(history: HistoryRequest, kinds: dict[str, str]) -> dict:
    return {
        "history": history,
        "history_kinds": list(kinds.items()),
        "history_kind": history.filters.kind if history.filters.kind in kinds else "",
    }


def _overview(client: Client, user, forms_: dict) -> dict:
    history: HistoryRequest = forms_.get("history") or HistoryRequest()
    page = timeline_page(client=client, user=user, filters=history.filters, page=history.page)
    # The note editor is the care team's; a break-glass reader reads notes on the Documents tab.
    care_team = user_can(user, Capability.VIEW_CLINICAL)
    documents = f"{reverse('client-chart', args=[client.pk])}?tab=documents"
    for entry in page.object_list:
        if entry.note_id is not None:
            entry.url = reverse("note-edit", args=[entry.note_id]) if care_team else documents
    return {"timeline": page.object_list, "timeline_page": page, **_history_context(history, TIMELINE_KINDS)}


def _plan(client: Client, user, forms_: dict) -> dict:
    return {
        "goals": list(selectors.goals_for_client(client=client, actor=user)),
        "goal_form": forms_.get("goal") or GoalForm(prefix="goal"),
        "review_form": forms_.get("review")
        or PlanReviewForm(prefix="review", initial={"reviewed_on": timezone.localdate()}),
    }


def _measures(client: Client, user, forms_: dict) -> dict:
    # The scores, attended sessions and curves' stamp are read once for the outcomes and trends.
    reads = selectors.measures_reads(client=client, actor=user)
    outcomes = client_outcomes(client=client, actor=user, with_curves=True, reads=reads)
    tracking = tuple(SimpleNamespace(**row) for row in outcomes["expected_recovery"])
    definitions = instruments_for(client.practice_id)  # read once for the panels, schedules and forms
    panels = measure_trends(
        client, user, tracking=tracking, curves=outcomes["curves"], definitions=definitions, reads=reads
    )
    return {
        "panels": panels,
        "outcomes": outcomes,
        "tt": outcomes["talking_therapies"],
        **measures_tab_extras(client, user, forms_, definitions),
    }


ENGAGEMENT_ROWS = (
    ("homework_completion_percent", "Homework completed (last 3 assigned)", "%"),
    ("homework_completion_percent_30d", "Homework completed, last 30 days", "%"),
    ("homework_on_time_percent", "Homework on time, last 90 days", "%"),
    ("homework_missed_in_a_row", "Missed assignments in a row", ""),
    ("current_streak_days", "Current activity streak (days)", ""),
    ("days_since_last_activity", "Days since last portal activity", ""),
    ("checkin_days_last_14", "Check-in days in the last 14", ""),
    ("mood_average_14d", "Average mood, last 14 days (0-10)", ""),
    ("mood_trend_direction", "Mood trend (14 days)", ""),
    ("session_attendance_percent", "Session attendance, last 90 days", "%"),
    ("measure_completion_percent", "Sessions with a measure, last 90 days", "%"),
)


def _weekly(dates: list[dt.datetime], weeks: int = 12) -> list[tuple[str, int]]:
    start = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday() + 7 * (weeks - 1))
    counts = [0] * weeks
    for moment in dates:
        index = (timezone.localdate(moment) - start).days // 7
        if 0 <= index < weeks:
            counts[index] += 1
    return [(f"{start + dt.timedelta(weeks=i):%-d %b}", count) for i, count in enumerate(counts)]


def _engagement(client: Client, user, _forms: dict) -> dict:
    # The one freshness rule (insights/freshness.py), as the API and the note editor read it.
    view = engagement_view(client)
    engagement = view.engagement if view else {}
    rows = []
    for key, label, unit in ENGAGEMENT_ROWS:
        value = engagement.get(key)
        rows.append(
            (label, "—" if value is None else f"{value:g}{unit}" if isinstance(value, int | float) else str(value))
        )
    checkins = selectors.recent_moods(client=client, user=user, limit=MOOD_POINTS)
    completed = HomeworkAssignment.objects.filter(
        client=client, status=HomeworkAssignment.Status.COMPLETED, completed_at__isnull=False
    )
    return {
        "snapshot": view,
        "engagement_rows": rows,
        "toolkit_uses_30d": web_safety_plan.toolkit_uses_30d(client),
        "risk": view.risk if view else None,
        "starters": view.suggestions(status=client.status) if view else [],
        "mood_chart": mood_sparkline(
            [mood for mood, _ in checkins], what="Check-in mood", dates=[when for _, when in checkins]
        ),
        "checkin_chart": bar_chart(
            _weekly([when for _, when in checkins]),
            width=440,
            height=200,
            title="Check-ins per week",
            y_label="Check-ins",
            x_label="Week starting",
            integer=True,
        ),
        "homework_chart": bar_chart(
            _weekly(list(completed.values_list("completed_at", flat=True))),
            width=440,
            height=200,
            title="Homework completed per week",
            y_label="Assignments",
            x_label="Week starting",
            integer=True,
        ),
    }


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "—" if value in (None, "") else str(value)


def _homework(client: Client, user, forms_: dict) -> dict:
    history: HistoryRequest = forms_.get("history") or HistoryRequest()
    page = homework_page(client=client, user=user, filters=history.filters, page=history.page)
    assignments = page.object_list
    feedback_errors = forms_.get("feedback") or {}
    for assignment in assignments:
        assignment.feedback_error = " ".join(str(problem) for problem in feedback_errors.get(assignment.pk, []))
        labels = {
            field["name"]: field.get("label", field["name"])
            for field in homework_services.effective_fields(assignment.kind, assignment.fields)
        }
        assignment.shown = [
            (sub, [(labels.get(name, name), _shown(value)) for name, value in (sub.responses or {}).items()])
            for sub in assignment.done
        ]
    return {
        "assignments": assignments,
        "homework_page": page,
        "assign_form": forms_.get("assign") or AssignForm(client=client),
        **_history_context(history, HOMEWORK_KINDS),
    }


def _ai(client: Client, user, _forms: dict) -> dict:
    """Stored suggestions only: the nightly task computes them, and "Refresh" POSTs ai_refresh."""
    if not ai.ai_consent_given(client):
        return {"ai_enabled": False}
    # What the practice's AI policy lets run for this client (insights/ai/policy.py); an output
    # of a feature that is off is not shown, even when one was stored before the switch.
    decisions = {
        key: ai_policy.feature_decision(client.practice, key, client=client, consent_given=True)
        for key in (
            ai_policy.HOMEWORK_RECOMMENDATIONS.key,
            ai_policy.SESSION_BRIEF.key,
            ai_policy.AFFECT.key,
        )
    }
    off = {key: decision.message for key, decision in decisions.items() if not decision.allowed}
    stored = selectors.stored_ai_outputs(client=client, user=user)
    brief = stored.brief
    affect = stored.affect
    brief_context = None
    if brief is not None:
        sections = dict((brief.payload or {}).get("sections") or {})
        sections["alerts"] = [
            {**alert, "reason": stored.brief_alert_reasons.get(alert.get("id"), "")}
            for alert in sections.get("alerts") or []
        ]
        sections["agenda"] = web_safety_plan.brief_agenda(client, user, sections.get("agenda") or [])
        brief_context = {
            **suggestion_meta(brief),
            "sections": sections,
            "quotes": stored.brief_quotes,
            "period": (brief.payload or {}).get("period"),
        }
    affect_context = None
    if affect is not None:
        series = (affect.payload or {}).get("series") or []
        affect_context = {
            **suggestion_meta(affect),
            "chart": sparkline(
                [point["mood"] for point in series],
                second=[point["sentiment_on_mood_scale"] for point in series],
                label="Mood (solid) and AI-estimated sentiment of written text (dashed), 0-10",
            )
            if series
            else None,
            "disagreements": [point for point in series if point["disagreement"]],
        }
    # "Why am I seeing this?" lists the records each output read, as links (one query for all).
    shown = [*stored.recommendations, *([brief] if brief is not None else [])]
    links = ai_sources.sources_for(client=client, inputs_list=[row.inputs or {} for row in shown])
    recommendations = [
        {**suggestion_meta(row), "payload": row.payload, "sources": sources}
        for row, sources in zip(stored.recommendations, links, strict=False)
    ]
    if brief_context is not None:
        brief_context["sources"] = links[-1]
    return {
        "ai_enabled": True,
        "ai_off": off,
        "ai_notice_missing": any(
            decision.reason == ai_policy.Reason.NOTICE_NOT_ACCEPTED for decision in decisions.values()
        ),
        "recommendations": recommendations if ai_policy.HOMEWORK_RECOMMENDATIONS.key not in off else [],
        "brief": brief_context if ai_policy.SESSION_BRIEF.key not in off else None,
        "affect": affect_context if ai_policy.AFFECT.key not in off else None,
        "labels": LABELS,
    }


def _documents(client: Client, user, forms_: dict) -> dict:
    notes = list(session_selectors.notes_for_client(client=client, actor=user))
    for note in notes:
        note.overdue = session_selectors.is_note_overdue(note)
    if not user_can(user, Capability.VIEW_CLINICAL):
        # Break-glass reader: the notes are shown here (the editor is the care team's), and
        # psychotherapy notes are their author's alone.
        return {"notes": notes, "notes_inline": True}
    own = list(session_selectors.psychotherapy_notes_for_client(client=client, actor=user))
    return {
        "notes": notes,
        "psychotherapy_notes": own,
        "pnote_form": forms_.get("pnote") or PsychotherapyNoteForm(prefix="pnote"),
    }


def _messages(client: Client, user, forms_: dict) -> dict:
    # GET only reads: the page marks the client's messages read with a POST of its own
    # (`mark_read`, sent by htmx as the tab loads, or by the button without script).
    thread = selectors.message_thread(client=client, user=user, limit=MESSAGES_SHOWN)
    unread = sum(1 for message in thread if message.from_client and message.read_at is None)
    return {"thread": thread, "unread": unread, "message_form": forms_.get("message") or MessageForm(prefix="message")}


def _consent(client: Client, user, _forms: dict) -> dict:
    return {"consent_states": consent_states(client=client)}


TAB_BUILDERS = {
    "consent": _consent,
    "overview": _overview,
    "plan": _plan,
    "safety": web_safety_plan.safety_plan_tab,
    "toolkit": web_safety_plan.toolkit_tab,
    "measures": _measures,
    "engagement": _engagement,
    "homework": _homework,
    "messages": _messages,
    "ai": _ai,
    "documents": _documents,
}


# ---------------------------------------------------------------------------
# The view


def _render(
    request, client: Client, tab: str, forms_: dict, *, status: int = 200, error: str | None = None
) -> HttpResponse:
    grant = None
    if not user_can(request.user, Capability.VIEW_CLINICAL):
        grant = selectors.under_break_glass(user=request.user, client=client)
    context = {
        "client": client,
        "tab": tab,
        "tabs": TABS if grant is None else [(key, label) for key, label in TABS if key not in CARE_TEAM_TABS],
        "editable": client_is_editable(user=request.user, client=client),
        "break_glass": grant,
        "error": error,
        "next_session": next_session_for_staff(client=client),
        **_header(client, request.user),
    }
    context.update(TAB_BUILDERS[tab](client, request.user, forms_))
    return render(request, "therapist/chart.html", context, status=status)


@chart_reader_required
@require_http_methods(["GET", "POST"])
def client_chart(request, pk: int) -> HttpResponse:
    client = client_for_read(user=request.user, client_id=pk, related=selectors.CHART_RELATED)
    tab = request.GET.get("tab", "overview")
    if tab not in TAB_BUILDERS or (not user_can(request.user, Capability.VIEW_CLINICAL) and tab in CARE_TEAM_TABS):
        tab = "overview"
    if request.method == "GET":
        version = request.GET.get("version", "")
        extras: dict = {"version_number": int(version)} if version.isdigit() else {}
        extras["history"] = history_request(request.GET)
        return _render(request, client, tab, extras)
    name = request.POST.get("action", "")
    action = ACTIONS.get(name) or READER_ACTIONS.get(name)
    if action is None:
        return _render(request, client, tab, {}, status=400, error="Unknown action.")
    if name not in READER_ACTIONS and not client_is_editable(user=request.user, client=client):
        raise Forbidden(selectors.EDIT_REFUSED)
    try:
        tab = action(request, client)
    except ActionFailed as failed:
        return _render(
            request, client, failed.tab, failed.forms, status=failed.status, error="Please correct the errors below."
        )
    except (NotFound, Forbidden):
        raise  # 404/403 pages (practice.web_guards.DomainErrorMiddleware)
    except DomainError as error:
        return _render(request, client, tab, {}, status=409 if error.conflict else 400, error=error.message)
    messages.success(request, DONE_MESSAGES.get(name, "Saved."))
    return redirect(f"{reverse('client-chart', args=[client.pk])}?tab={tab}")

"""The therapist's client chart: key facts, risk flags, timeline and tabs (server-rendered).

Access: therapists only (any other role 404), the client through `clinical_scope` (out of
scope 404); writes need `editable_by` (a supervisor sees the chart, a POST is 403). Every
clinical read records a READ audit event, as the API does. Writes are POSTs naming an
`action`; each calls one service and redirects back to its tab.

The panels built here (measure trends, mood sparkline, "since last session") are shared with
the note editor in sessions/web.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients.charts import measure_panels, sparkline
from clients.models import Assessment, BreakGlassGrant, Client, Consent, Goal
from clients.selectors import assessment_series, client_outcomes
from clients.services.measures import instruments_for
from clients.web_chart_actions import (
    ACTIONS,
    ActionFailed,
    AssignForm,
    GoalForm,
    MessageForm,
    PlanReviewForm,
    PsychotherapyNoteForm,
)
from insights.models import Alert, EngagementSnapshot
from practice.api_support import DomainError
from practice.audit import AuditAction, audit_record
from practice.permissions import holds_break_glass_grant
from practice.roles import Role
from sessions import selectors as session_selectors
from sessions.models import (
    CheckIn,
    HomeworkAssignment,
    HomeworkSubmission,
    Message,
    ProgressNote,
    Session,
)
from sessions.services import checkins as checkin_services
from sessions.services import homework as homework_services

if TYPE_CHECKING:
    from practice.models import User

TABS = (
    ("overview", "Overview"),
    ("plan", "Plan"),
    ("measures", "Measures"),
    ("engagement", "Engagement"),
    ("homework", "Homework"),
    ("messages", "Messages"),
    ("ai", "AI"),
    ("documents", "Documents"),
)
# AI adjuncts are the care team's tools: a break-glass reader does not get them.
CARE_TEAM_TABS = frozenset({"ai"})
TIMELINE_LIMIT = 100
BREAK_GLASS_SHOWN_FOR = dt.timedelta(days=30)
MESSAGES_SHOWN = 100
MOOD_POINTS = 60
CONSENT_LABELS = {
    Consent.Kind.TREATMENT: "Treatment",
    Consent.Kind.PORTAL: "Portal",
    Consent.Kind.AI_PROCESSING: "AI processing",
}
ITEM9_MISSING = "Item 9 unanswered — ask directly"


# ---------------------------------------------------------------------------
# Access and audit (shared with sessions/web.py and insights/web_alerts.py)


def therapist_required(view):
    """Signed-in therapists only; every other role gets 404 (the page does not exist for them)."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if request.user.role != Role.THERAPIST:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(guarded)


def chart_reader_required(view):
    """Therapists, and admins holding an active break-glass grant (reading only: GET). Every
    other role, and an admin without a grant, gets 404; `chart_client_or_404` narrows an admin
    to the granted client."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        role = request.user.role
        reading_under_grant = role == Role.ADMIN and request.method == "GET" and holds_break_glass_grant(request.user)
        if role != Role.THERAPIST and not reading_under_grant:
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(guarded)


def audit_read(user, client_id: int, target_type: str, fields: list[str]) -> None:
    with transaction.atomic():
        audit_record(actor=user, action=AuditAction.READ, target_type=target_type, client_id=client_id, fields=fields)


def can_edit(user, client: Client) -> bool:
    return Client.objects.editable_by(user).filter(pk=client.pk).exists()


def chart_client_or_404(user, client_id) -> Client:
    queryset = Client.objects.clinical_scope(user).select_related(
        "practice", "primary_therapist__user", "co_therapist__user", "supervisor__user", "engagement"
    )
    return get_object_or_404(queryset, pk=client_id)


def snapshot_of(client: Client) -> EngagementSnapshot | None:
    try:
        return client.engagement
    except EngagementSnapshot.DoesNotExist:
        return None


# ---------------------------------------------------------------------------
# Panels shared with the note editor


def attended_starts(client: Client) -> list[dt.datetime]:
    return list(
        client.sessions.filter(status=Session.Status.ATTENDED).order_by("starts_at").values_list("starts_at", flat=True)
    )


def measure_trends(client: Client, actor: User, *, only: tuple[str, ...] = (), compact: bool = False):
    """Trend panels per instrument (assessment_series records the read of the answers)."""
    assessments = list(assessment_series(client=client, actor=actor))
    return measure_panels(
        assessments, instruments_for(client.practice_id), attended_starts(client), only=only, compact=compact
    )


def mood_sparkline(moods: list[int], *, what: str = "Mood"):
    if not moods:
        return None
    label = f"{what}: {len(moods)} check-in{'s' if len(moods) != 1 else ''}, from {moods[0]} to {moods[-1]} (0-10)"
    return sparkline(moods, label=label)


def open_alerts(client: Client) -> list[Alert]:
    urgent_first = Case(
        When(severity=Alert.Severity.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        Alert.objects.filter(client=client)
        .exclude(status=Alert.Status.RESOLVED)
        .order_by(urgent_first, "-created_at", "-id")
    )


# ---------------------------------------------------------------------------
# Tabs


def _header(client: Client, user) -> dict:
    today = timezone.localdate()
    dob = client.date_of_birth
    age = today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))
    consents = {consent.kind for consent in client.consents.filter(revoked_at__isnull=True)}
    latest_phq9 = (
        Assessment.objects.filter(client=client, instrument="phq9")
        .order_by("-administered_at", "-id")
        .values_list("result", flat=True)
        .first()
    )
    audit_read(user, client.pk, "clients.client", ["diagnosis_codes", "alerts"])
    return {
        "age": age,
        "consents": [(CONSENT_LABELS[kind], kind in consents) for kind in CONSENT_LABELS],
        "ai_consent": Consent.Kind.AI_PROCESSING.value in consents,
        "alerts": open_alerts(client),
        "item9_missing": ITEM9_MISSING if latest_phq9 and latest_phq9.get("safety_item_missing") else None,
        # The care team sees who opened emergency access to this record lately, and why.
        "recent_break_glass": list(
            BreakGlassGrant.objects.filter(
                client=client, created_at__gte=timezone.now() - BREAK_GLASS_SHOWN_FOR
            ).select_related("granted_to__user")[:3]
        )
        if user.role == Role.THERAPIST
        else [],
    }


@dataclass
class TimelineEntry:
    when: dt.datetime
    kind: str
    title: str
    status: str = ""
    detail: str = ""
    text: str = ""
    url: str = ""


def _overview(client: Client, user, _forms: dict) -> dict:
    limit = TIMELINE_LIMIT
    entries = [
        TimelineEntry(row.starts_at, "Session", row.get_kind_display(), row.status)
        for row in client.sessions.order_by("-starts_at", "-id")[:limit]
    ]
    notes = ProgressNote.objects.filter(client=client).order_by("-created_at", "-id")
    # The note editor is the care team's; a break-glass reader reads notes on the Documents tab.
    documents = f"{reverse('client-chart', args=[client.pk])}?tab=documents"
    entries += [
        TimelineEntry(
            row["created_at"],
            "Note",
            f"{row['format'].upper()} note",
            row["status"],
            url=reverse("note-edit", args=[row["id"]]) if user.role == Role.THERAPIST else documents,
        )
        for row in notes.values("id", "format", "status", "created_at")[:limit]
    ]
    entries += [
        TimelineEntry(row.completed_at or row.due_at, "Homework", row.title, row.status)
        for row in HomeworkAssignment.objects.filter(client=client).order_by("-due_at", "-id")[:limit]
    ]
    entries += [
        TimelineEntry(
            row.created_at, "Check-in", f"Mood {row.mood}/10", detail=", ".join(row.emotions or []), text=row.note
        )
        for row in CheckIn.objects.filter(client=client).order_by("-created_at", "-id")[:limit]
    ]
    scores = Assessment.objects.filter(client=client).order_by("-administered_at", "-id")
    for row in scores.values("instrument", "total", "result", "administered_at")[:limit]:
        result = row["result"] or {}
        total = "not scorable" if row["total"] is None else row["total"]
        band = (result.get("severity") or result.get("risk") or "").replace("_", " ")
        entries.append(
            TimelineEntry(row["administered_at"], "Measure", f"{row['instrument'].upper()} {total}", detail=band)
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    audit_read(user, client.pk, "clinical_sessions.checkin", ["mood", "emotions", "note"])
    audit_read(user, client.pk, "clients.assessment", ["total", "result"])
    return {"timeline": entries[:limit]}


def _plan(client: Client, user, forms_: dict) -> dict:
    goals = list(Goal.objects.filter(client=client).prefetch_related("objectives"))
    audit_read(user, client.pk, "clients.goal", ["problem", "description", "objectives"])
    return {
        "goals": goals,
        "goal_form": forms_.get("goal") or GoalForm(prefix="goal"),
        "review_form": forms_.get("review")
        or PlanReviewForm(prefix="review", initial={"reviewed_on": timezone.localdate()}),
    }


def _measures(client: Client, user, _forms: dict) -> dict:
    outcomes = client_outcomes(client=client, actor=user)
    return {"panels": measure_trends(client, user), "outcomes": outcomes, "tt": outcomes["talking_therapies"]}


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
    return [(f"{start + dt.timedelta(weeks=i):%d %b}", count) for i, count in enumerate(counts)]


def _engagement(client: Client, user, _forms: dict) -> dict:
    from insights.charts import bar_chart
    from insights.engagement import suggestions_for

    snapshot = snapshot_of(client)
    engagement = ((snapshot.metrics or {}).get("engagement") or {}) if snapshot else {}
    rows = []
    for key, label, unit in ENGAGEMENT_ROWS:
        value = engagement.get(key)
        rows.append(
            (label, "—" if value is None else f"{value:g}{unit}" if isinstance(value, int | float) else str(value))
        )
    checkins = list(
        CheckIn.objects.filter(client=client)
        .order_by("-created_at", "-id")
        .values_list("mood", "created_at")[:MOOD_POINTS]
    )
    checkins.reverse()
    audit_read(user, client.pk, "clinical_sessions.checkin", ["mood"])
    completed = HomeworkAssignment.objects.filter(
        client=client, status=HomeworkAssignment.Status.COMPLETED, completed_at__isnull=False
    )
    return {
        "snapshot": snapshot,
        "engagement_rows": rows,
        "risk": (snapshot.metrics or {}).get("disengagement_risk") if snapshot else None,
        "starters": suggestions_for(engagement, status=client.status) if engagement else [],
        "mood_chart": mood_sparkline([mood for mood, _ in checkins], what="Check-in mood"),
        "checkin_chart": bar_chart(
            _weekly([when for _, when in checkins]), width=520, height=170, title="Check-ins per week"
        ),
        "homework_chart": bar_chart(
            _weekly(list(completed.values_list("completed_at", flat=True))),
            width=520,
            height=170,
            title="Homework completed per week",
        ),
    }


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "—" if value in (None, "") else str(value)


def _homework(client: Client, user, forms_: dict) -> dict:
    submitted = HomeworkSubmission.objects.filter(is_draft=False).order_by("created_at", "id")
    assignments = list(
        HomeworkAssignment.objects.filter(client=client)
        .prefetch_related(Prefetch("submissions", queryset=submitted, to_attr="done"))
        .order_by("-due_at", "-id")
    )
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
    audit_read(user, client.pk, "clinical_sessions.homeworksubmission", ["responses", "feedback"])
    return {"assignments": assignments, "assign_form": forms_.get("assign") or AssignForm(client=client)}


def _ai(client: Client, user, _forms: dict) -> dict:
    from insights.ai import services as ai
    from insights.api_ai import LABELS, suggestion_meta

    if not ai.ai_consent_given(client):
        return {"ai_enabled": False}
    recommendations = ai.recommendations_refresh(client=client)
    brief_row, brief = ai.brief_refresh(client=client, actor=user)
    affect_row, affect = ai.affect_refresh(client=client, actor=user)
    series = affect.payload()["series"]
    return {
        "ai_enabled": True,
        "recommendations": [
            {**suggestion_meta(row), "payload": row.payload} for row in recommendations if row.decision == "pending"
        ],
        "brief": {
            **suggestion_meta(brief_row),
            "sections": brief.sections,
            "quotes": brief.quotes,
            "period": brief.period,
        },
        "affect": {
            **suggestion_meta(affect_row),
            "chart": sparkline(
                [point["mood"] for point in series],
                second=[point["sentiment_on_mood_scale"] for point in series],
                label="Mood (solid) and AI-estimated sentiment of written text (dashed), 0-10",
                width=320,
                height=60,
            )
            if series
            else None,
            "disagreements": [point for point in series if point["disagreement"]],
        },
        "labels": LABELS,
    }


def _documents(client: Client, user, forms_: dict) -> dict:
    notes = list(session_selectors.notes_for_client(client=client, actor=user))
    for note in notes:
        note.overdue = session_selectors.is_note_overdue(note)
    if user.role != Role.THERAPIST:
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
    if can_edit(user, client):
        checkin_services.messages_mark_read(client=client, actor=user)
    recent = Message.objects.filter(client=client).select_related("sender").order_by("-created_at", "-id")
    thread = list(reversed(recent[:MESSAGES_SHOWN]))
    audit_read(user, client.pk, "clinical_sessions.message", ["body"])
    return {"thread": thread, "message_form": forms_.get("message") or MessageForm(prefix="message")}


TAB_BUILDERS = {
    "overview": _overview,
    "plan": _plan,
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
    if request.user.role != Role.THERAPIST:
        grant = BreakGlassGrant.objects.active().filter(client=client, granted_to=request.user.membership).first()
    context = {
        "client": client,
        "tab": tab,
        "tabs": TABS if grant is None else [(key, label) for key, label in TABS if key not in CARE_TEAM_TABS],
        "editable": can_edit(request.user, client),
        "break_glass": grant,
        "error": error,
        **_header(client, request.user),
    }
    context.update(TAB_BUILDERS[tab](client, request.user, forms_))
    return render(request, "therapist/chart.html", context, status=status)


@chart_reader_required
@require_http_methods(["GET", "POST"])
def client_chart(request, pk: int) -> HttpResponse:
    client = chart_client_or_404(request.user, pk)
    tab = request.GET.get("tab", "overview")
    if tab not in TAB_BUILDERS or (request.user.role != Role.THERAPIST and tab in CARE_TEAM_TABS):
        tab = "overview"
    if request.method == "GET":
        return _render(request, client, tab, {})
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return _render(request, client, tab, {}, status=400, error="Unknown action.")
    if not can_edit(request.user, client):
        raise PermissionDenied("Only the client's therapists can change this record.")
    try:
        tab = action(request, client)
    except ActionFailed as failed:
        return _render(
            request, client, failed.tab, failed.forms, status=failed.status, error="Please correct the errors below."
        )
    except DomainError as error:
        return _render(request, client, tab, {}, status=409 if error.conflict else 400, error=error.message)
    messages.success(request, "Message sent." if tab == "messages" else "Saved.")
    return redirect(f"{reverse('client-chart', args=[client.pk])}?tab={tab}")

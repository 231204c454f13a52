"""The client portal: server-rendered, phone-first pages for the client's own record.

Every page goes through `portal_page`: `practice.web_guards.portal_required` (client users
only, anyone else 404), then the client's own record from
`clients.selectors.client_for_portal` (the same accessor as the /me/ API routes): once
portal consent is withdrawn the client is signed out and shown the "access paused" page
with the crisis numbers. Writes go through the domain services; whenever a service reports risk in what
the client wrote, the response itself shows the practice's crisis resources.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth import login, logout
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients.charts import Band, MeasurePoint, friendly_band, measure_chart
from clients.forms import (
    AcceptInviteForm,
    ReminderPreferencesForm,
    answers_for_display,
    homework_responses_from_post,
    homework_widgets,
    questionnaire_answers_from_post,
    questionnaire_widgets,
    safe_resources,
)
from clients.models import Assessment, Client, Consent, DueQuestionnaire
from clients.scoring import AnswerValidationError
from clients.selectors import client_for_portal, due_questionnaires, portal_assignment, portal_due_questionnaire
from clients.services.measures import assessment_record, instrument_for
from clients.services.portal import reminder_preferences_update
from clients.services.records import (
    ACCOUNT_EXISTS,
    has_consent,
    has_portal_account,
    portal_invite_accept,
    portal_invite_lookup,
    portal_invite_mark_opened,
)
from insights.charts import line_chart
from insights.safety import crisis_resources_for
from practice.errors import DomainError, Forbidden
from practice.web_guards import portal_required
from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission, Message
from sessions.services.checkins import checkin_create, message_send
from sessions.services.homework import InvalidInput, effective_fields, submission_save

Status = HomeworkAssignment.Status
# Missed work can still be finished (late completion counts), but only recent misses are
# shown: a long list of old misses would read as a telling-off.
MISSED_SHOWN_FOR = dt.timedelta(days=7)
HISTORY_LIMIT = 30
MESSAGES_SHOWN = 50
# Plain names for the measure charts; the clinical name is not what a client needs to see.
FRIENDLY_INSTRUMENT_NAMES = {
    "phq9": "Mood questionnaire",
    "gad7": "Worry questionnaire",
    "phq4": "Mood and worry questions",
    "pcl5": "Stress questionnaire",
    "wai_sr": "How therapy is going",
    "cssrs_screener": "Safety questions",
}
# Risk triage is for the therapist; it never becomes a chart for the client.
NOT_CHARTED = {"cssrs_screener"}

PortalView = Callable[..., HttpResponse]


def portal_page(view: PortalView) -> PortalView:
    """Sign-in required; client users only (everyone else 404); portal consent required."""

    @portal_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            client = client_for_portal(user=request.user)
        except Forbidden:
            # Withdrawn consent ends portal access, sign-in included; help numbers stay.
            client = client_for_portal(user=request.user, allow_withdrawn_consent=True)
            resources = safe_resources(crisis_resources_for(client))
            logout(request)
            return render(request, "portal/access_paused.html", {"resources": resources}, status=403)
        return view(request, client, *args, **kwargs)

    return wrapper


def _render(request, template: str, client: Client, context: dict | None = None, status: int = 200) -> HttpResponse:
    base = {"client": client, "read_only": client.is_discharged, "practice": client.practice}
    context = context or {}
    if context.get("crisis"):
        # Risk in what they wrote: their own safety plan comes first in the crisis panel.
        context["crisis"] = {**context["crisis"], **_crisis_plan(request, client, context)}
    return render(request, f"portal/{template}", {**base, **context}, status=status)


def _crisis_plan(request, client: Client, context: dict) -> dict:
    from clients.selectors_between import safety_plan_for_portal, toolkit_items

    # The plan page shows the plan itself; the panel there does not repeat it.
    plan = None if "plan" in context else safety_plan_for_portal(client=client, user=request.user)
    return {"plan": plan, "has_toolkit": bool(toolkit_items(client=client))}


def _closed(request, client: Client) -> HttpResponse:
    """A write attempted on a discharged client's read-only portal."""
    return _render(request, "closed.html", client, status=409)


def _risk_context(outcome) -> dict:
    """What the crisis panel needs, or nothing when the screening found no risk."""
    if outcome is None or not outcome.crisis_resources:
        return {}
    return {"crisis": {"resources": safe_resources(outcome.crisis_resources)}}


def _due_phrase(due_at: dt.datetime, now: dt.datetime) -> str:
    days = (timezone.localdate(due_at) - timezone.localdate(now)).days
    if due_at < now:
        return "Past its due date: you can still do it"
    if days == 0:
        return "Due today"
    if days == 1:
        return "Due tomorrow"
    local = timezone.localtime(due_at)
    return f"Due {local:%A} {local.day} {local:%B}"


# ---------------------------------------------------------------------------
# Today


@portal_page
def portal_home(request, client: Client):
    now = timezone.now()
    homework = list(
        HomeworkAssignment.objects.filter(client=client)
        .filter(
            Q(status__in=(Status.ASSIGNED, Status.IN_PROGRESS))
            | Q(status=Status.MISSED, due_at__gte=now - MISSED_SHOWN_FOR)
        )
        .order_by("due_at", "id")
    )
    for assignment in homework:
        assignment.due_phrase = _due_phrase(assignment.due_at, now)
    questionnaires = _pending_questionnaires(client, now)
    checked_in_today = CheckIn.objects.filter(
        client=client, created_at__date=timezone.localdate(now), created_at__lte=now
    ).exists()
    latest_message = Message.objects.filter(client=client, from_client=False).order_by("-created_at", "-id").first()
    from sessions.selectors_appointments import next_appointment

    return _render(
        request,
        "home.html",
        client,
        {
            "homework": homework,
            "questionnaires": questionnaires,
            "checked_in_today": checked_in_today,
            "latest_message": latest_message,
            **_between_sessions(client),
            "next_appointment": next_appointment(client=client, now=now),
        },
    )


def _between_sessions(client: Client) -> dict:
    from clients.selectors_between import shared_goals, toolkit_items

    return {"has_toolkit": bool(toolkit_items(client=client)), "has_goals": bool(shared_goals(client=client))}


# ---------------------------------------------------------------------------
# Homework


def _latest_draft(assignment: HomeworkAssignment) -> HomeworkSubmission | None:
    return assignment.submissions.filter(is_draft=True).order_by("-id").first()


@portal_page
@require_http_methods(["GET", "POST"])
def portal_homework(request, client: Client, assignment_id: int):
    assignment = portal_assignment(client=client, assignment_id=assignment_id)
    schema = effective_fields(assignment.kind, assignment.fields)
    context = {"assignment": assignment, "due_phrase": _due_phrase(assignment.due_at, timezone.now())}
    if assignment.status == Status.COMPLETED:
        final = assignment.submissions.filter(is_draft=False).order_by("-id").first()
        context["answers"] = answers_for_display(schema, final.responses if final else {})
        return _render(request, "homework_done.html", client, context)
    draft = _latest_draft(assignment)
    values = dict(draft.responses) if draft else {}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        final = request.POST.get("action") == "submit"
        values = homework_responses_from_post(schema, request.POST)
        try:
            _submission, outcome = submission_save(
                assignment=assignment, actor=request.user, responses=values, final=final
            )
        except InvalidInput as invalid:
            # Nothing was stored and the saved draft is untouched; show what they typed.
            errors = invalid.errors.get("responses", invalid.errors)
            context.update(_risk_context(invalid.screening))
            status = 400
        except DomainError:
            return _closed(request, client) if client.is_discharged else redirect("portal-home")
        else:
            if final:
                if outcome.crisis_resources:
                    context.update(_risk_context(outcome), answers=[])
                    return _render(request, "homework_done.html", client, context)
                messages.success(request, "Thank you. Your homework was sent to your therapist.")
                return redirect("portal-home")
            if not outcome.crisis_resources:
                messages.success(request, "Saved. You can come back and finish it later.")
                return redirect("portal-homework", assignment_id=assignment.pk)
            context.update(_risk_context(outcome))
    context["fields"] = homework_widgets(schema, values, errors)
    context["error_fields"] = [widget for widget in context["fields"] if widget["errors"]]
    context["form_errors"] = errors.get("non_field_errors", [])
    context["has_draft"] = draft is not None if request.method == "GET" else _latest_draft(assignment) is not None
    return _render(request, "homework.html", client, context, status=status)


# ---------------------------------------------------------------------------
# Check in


def _mood_value(raw: str | None):
    # The service refuses anything but a real integer; a tampered value is passed through
    # unchanged so it is refused with a message rather than silently coerced.
    if raw is None or raw == "":
        return None
    return int(raw) if raw.isdigit() and len(raw) <= 2 else raw


@portal_page
@require_http_methods(["GET", "POST"])
def portal_checkin(request, client: Client):
    context: dict = {"emotions": CheckIn.EMOTIONS, "moods": range(11), "chosen": [], "mood": None, "note": ""}
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        mood = _mood_value(request.POST.get("mood"))
        chosen = request.POST.getlist("emotions")
        note = request.POST.get("note", "")
        context.update(chosen=chosen, mood=str(mood) if mood is not None else None, note=note)
        try:
            _checkin, outcome = checkin_create(client=client, actor=request.user, mood=mood, emotions=chosen, note=note)
        except InvalidInput as invalid:
            context.update(errors=invalid.errors, **_risk_context(invalid.screening))
            return _render(request, "checkin.html", client, context, status=400)
        except DomainError:
            return _closed(request, client)
        if outcome.crisis_resources:
            return _render(request, "checkin_done.html", client, _risk_context(outcome))
        messages.success(request, "Thanks for checking in.")
        return redirect("portal-home")
    return _render(request, "checkin.html", client, context)


# ---------------------------------------------------------------------------
# Past entries


def _short_date(moment: dt.datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b}"


def _measure_charts(client: Client) -> list[dict]:
    assessments = (
        Assessment.objects.filter(client=client, total__isnull=False)
        .exclude(instrument__in=NOT_CHARTED)
        .only("instrument", "total", "administered_at")
        .order_by("administered_at", "id")
    )
    attended = list(client.sessions.filter(status="attended").order_by("starts_at").values_list("starts_at", flat=True))
    by_instrument: dict[str, list[Assessment]] = {}
    for assessment in assessments:
        by_instrument.setdefault(assessment.instrument, []).append(assessment)
    charts = []
    for code, rows in by_instrument.items():
        definition = instrument_for(client.practice_id, code) or {}
        name = FRIENDLY_INSTRUMENT_NAMES.get(code) or definition.get("name") or "Questionnaire"
        items = definition.get("items") or []
        high = len(items) * definition.get("max_item_value", 0) if items else max(row.total for row in rows)
        rows = rows[-12:]
        # The therapist's chart code (dated x axis, severity bands), with the client's words.
        points = [
            MeasurePoint(
                label="", total=row.total, date_label=_short_date(row.administered_at), when=row.administered_at
            )
            for row in rows
        ]
        bands = [Band(b["min"], b["max"], friendly_band(b["code"])) for b in definition.get("bands") or []]
        sessions = [when for when in attended if rows[0].administered_at - dt.timedelta(days=1) <= when]
        charts.append(
            {
                "name": name,
                "svg": measure_chart(
                    points,
                    title=f"{name}: your totals by date",
                    y_max=high,
                    bands=bands,
                    width=340,
                    height=190,
                    band_labels=False,
                    sessions=sessions,
                ),
                "rows": list(reversed(rows)),
            }
        )
    return charts


@portal_page
def portal_history(request, client: Client):
    checkins = list(CheckIn.objects.filter(client=client).order_by("-created_at", "-id")[:HISTORY_LIMIT])
    mood_chart = None
    if checkins:
        series = [(_short_date(checkin.created_at), checkin.mood) for checkin in reversed(checkins)]
        mood_chart = line_chart(
            series,
            title="Your mood (0 to 10)",
            y_min=0,
            y_max=10,
            width=440,
            height=200,
            y_label="Mood",
            x_label="Check-in",
        )
    completed = HomeworkAssignment.objects.filter(client=client, status=Status.COMPLETED).order_by(
        "-completed_at", "-id"
    )[:HISTORY_LIMIT]
    return _render(
        request,
        "history.html",
        client,
        {
            "checkins": checkins,
            "mood_chart": mood_chart,
            "completed": completed,
            "measure_charts": _measure_charts(client),
        },
    )


# ---------------------------------------------------------------------------
# Help now


@portal_page
def portal_crisis(request, client: Client):
    from clients.selectors_between import safety_plan_for_portal, toolkit_items

    return _render(
        request,
        "crisis.html",
        client,
        {
            # The client's own plan comes first, above the practice's crisis lines.
            "plan": safety_plan_for_portal(client=client, user=request.user),
            "has_toolkit": bool(toolkit_items(client=client)),
            "resources": safe_resources(crisis_resources_for(client)),
            "ai_consent": has_consent(client, Consent.Kind.AI_PROCESSING),
        },
    )


# ---------------------------------------------------------------------------
# Questionnaires


def _pending_questionnaires(client: Client, now: dt.datetime) -> list[DueQuestionnaire]:
    pending = list(due_questionnaires(client=client, now=now, opening_early=False))
    for due in pending:
        due.friendly_name = FRIENDLY_INSTRUMENT_NAMES.get(due.instrument, "Questionnaire")
    return pending


@portal_page
def portal_questionnaires(request, client: Client):
    return _render(
        request, "questionnaires.html", client, {"questionnaires": _pending_questionnaires(client, timezone.now())}
    )


@portal_page
@require_http_methods(["GET", "POST"])
def portal_questionnaire(request, client: Client, due_id: int):
    due = portal_due_questionnaire(client=client, due_id=due_id)
    definition = instrument_for(client.practice_id, due.instrument)
    if definition is None:
        raise Http404
    context: dict = {"due": due, "definition": definition, "name": FRIENDLY_INSTRUMENT_NAMES.get(due.instrument)}
    post = None
    errors: dict[int, str] = {}
    status = 200
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        post = request.POST
        parsed = questionnaire_answers_from_post(definition, post)
        # A skipped question is allowed (it is stored as unanswered), but only on purpose.
        if parsed.unanswered and post.get("leave_blank") != "yes":
            context["unanswered"] = parsed.unanswered
            status = 400
        else:
            try:
                result = assessment_record(
                    client=client,
                    actor=request.user,
                    instrument=due.instrument,
                    answers=parsed.answers,
                    difficulty=parsed.difficulty,
                    source=Assessment.Source.PORTAL,
                )
            except AnswerValidationError as invalid:
                errors = {error["item"]: error["message"] for error in invalid.errors if "item" in error}
                context["form_error"] = "Some answers could not be read. Please choose again."
                status = 400
            except DomainError:
                return _closed(request, client)
            else:
                return _render(request, "questionnaire_done.html", client, _risk_context(result))
    context["items"] = questionnaire_widgets(definition, post, errors)
    return _render(request, "questionnaire.html", client, context, status=status)


# ---------------------------------------------------------------------------
# Messages


@portal_page
@require_http_methods(["GET", "POST"])
def portal_messages(request, client: Client):
    context: dict = {"body": ""}
    status = 200
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        body = request.POST.get("body", "")
        try:
            _message, outcome = message_send(client=client, actor=request.user, body=body)
        except InvalidInput as invalid:
            context.update(body=body, errors=invalid.errors, **_risk_context(invalid.screening))
            status = 400
        except DomainError:
            return _closed(request, client)
        else:
            if not outcome.crisis_resources:
                messages.success(request, "Your message was sent.")
                return redirect("portal-messages")
            context.update(_risk_context(outcome))
    recent = Message.objects.filter(client=client).select_related("sender").order_by("-created_at", "-id")
    context["thread"] = list(reversed(recent[:MESSAGES_SHOWN]))
    return _render(request, "messages.html", client, context, status=status)


# ---------------------------------------------------------------------------
# Reminder settings


@portal_page
@require_http_methods(["GET", "POST"])
def portal_settings(request, client: Client):
    initial = {"enabled": client.reminders_enabled, "hour": client.reminder_hour, "channel": client.reminder_channel}
    form = ReminderPreferencesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        if form.is_valid():
            try:
                reminder_preferences_update(
                    client=client,
                    actor=request.user,
                    enabled=form.cleaned_data["enabled"],
                    hour=form.cleaned_data["hour"],
                    channel=form.cleaned_data["channel"],
                )
            except DomainError as error:
                if error.conflict:
                    return _closed(request, client)
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Your reminder settings are saved.")
                return redirect("portal-settings")
        status = 400
    from sessions.web_appointments import appointment_reminder_context

    return _render(
        request,
        "settings.html",
        client,
        {
            "form": form,
            "ai_consent": has_consent(client, Consent.Kind.AI_PROCESSING),
            **appointment_reminder_context(client),
        },
        status=status,
    )


# ---------------------------------------------------------------------------
# Accepting an invite (the one portal page reached before signing in)


@require_http_methods(["GET", "POST"])
def portal_accept_invite(request):
    raw_token = request.POST.get("token") or request.GET.get("token") or ""
    invite = portal_invite_lookup(raw_token) if raw_token else None
    if invite is None:
        return render(request, "portal/accept_invite.html", {"invalid": True}, status=400 if raw_token else 200)
    client = invite.client
    if has_portal_account(client):
        # An invite never replaces a password the client already has.
        return render(request, "portal/accept_invite.html", {"invalid": True, "reason": ACCOUNT_EXISTS}, status=400)
    if request.method == "GET":
        portal_invite_mark_opened(invite)
    needs_email = not client.email
    form = AcceptInviteForm(request.POST or None, needs_email=needs_email)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = portal_invite_accept(
                    raw_token=raw_token, password=form.cleaned_data["password"], email=form.cleaned_data.get("email")
                )
            except DomainError as error:
                if error.field == "invite_token":
                    return render(
                        request, "portal/accept_invite.html", {"invalid": True, "reason": error.message}, status=400
                    )
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                login(request, user, backend="practice.backends.MemberModelBackend")
                messages.success(request, "Welcome. Your account is ready.")
                return redirect(reverse("portal-home"))
        status = 400
    return render(
        request,
        "portal/accept_invite.html",
        {
            "form": form,
            "token": raw_token,
            "first_name": client.preferred_name or client.first_name,
            "practice": client.practice,
            "portal_text": _portal_consent_text(client),
        },
        status=status,
    )


def _portal_consent_text(client: Client):
    """The practice's current wording of the portal consent the new account agrees to."""
    from clients.selectors_onboarding import consent_states

    return next(state for state in consent_states(client=client) if state.kind == Consent.Kind.PORTAL)

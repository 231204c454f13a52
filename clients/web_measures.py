"""Measures in the browser: giving one in session, kiosk mode, the practice protocol page, and
progress reports (therapist and portal).

- `measure_give`: the therapist fills a measure in item by item; the answers go to the same
  service as POST /api/v1/clients/{id}/assessments/ (`assessment_record`): same validation,
  same safety alerts.
- Kiosk mode: `kiosk_start` (POST from the chart) puts a flag in the signed-in therapist's
  session; while it is set `KioskMiddleware` sends every request except the kiosk pages back
  to `kiosk` (API calls get 403), so the client holding the device sees only the
  questionnaire. `kiosk_exit` clears it with the therapist's password, checked by
  `practice.lockout.verify_password_step_up` (failures count toward the sign-in lockout;
  once locked out the session is signed out, which ends the kiosk too).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clients.forms import questionnaire_answers_from_post, questionnaire_widgets, safe_resources
from clients.models import Assessment, Client, ProgressReport, ProtocolRule
from clients.progress import (
    COMMENT_MAX,
    progress_report_content,
    progress_report_export,
    progress_report_share,
    report_charts,
)
from clients.scoring import AnswerValidationError
from clients.selectors import client_for_read, client_for_write
from clients.services.measures import assessment_record, instrument_for, instruments_for
from clients.services.protocols import (
    protocol_rule_delete,
    protocol_rule_set,
    protocol_rules_view,
    protocol_window_set,
)
from clients.web_portal import FRIENDLY_INSTRUMENT_NAMES, portal_page
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError, LockedOutError
from practice.lockout import verify_password_step_up
from practice.roles import Capability
from practice.web_guards import capability_required

KIOSK_SESSION_KEY = "alliance_kiosk"
clinician_writer = capability_required(Capability.EDIT_CLINICAL)
care_team = capability_required(Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,))
protocol_editor = capability_required(Capability.MANAGE_LIBRARY, Capability.CONFIGURE_PRACTICE)


def _todays_session(client: Client):
    from sessions.models import Session

    today = timezone.localdate()
    return (
        client.sessions.filter(starts_at__date=today, status__in=[Session.Status.SCHEDULED, Session.Status.ATTENDED])
        .order_by("starts_at")
        .first()
    )


def _definition(client: Client, instrument: str) -> dict:
    definition = instrument_for(client.practice_id, instrument)
    if definition is None:
        raise Http404
    return definition


def _record_from_post(request, client: Client, definition: dict, source: str):
    """(result, context, status): the same service as the API; unanswered only on purpose."""
    parsed = questionnaire_answers_from_post(definition, request.POST)
    context: dict = {}
    if parsed.unanswered and request.POST.get("leave_blank") != "yes":
        context["unanswered"] = parsed.unanswered
        return None, context, {}, 400
    try:
        result = assessment_record(
            client=client,
            actor=request.user,
            instrument=definition["code"],
            answers=parsed.answers,
            difficulty=parsed.difficulty,
            source=source,
            session=_todays_session(client),
        )
    except AnswerValidationError as invalid:
        errors = {error["item"]: error["message"] for error in invalid.errors if "item" in error}
        context["form_error"] = "Some answers could not be read. Please choose again."
        return None, context, errors, 400
    return result, context, {}, 201


# ---------------------------------------------------------------------------
# In session, by the therapist


@clinician_writer
@require_http_methods(["GET", "POST"])
def measure_give(request, pk: int, instrument: str) -> HttpResponse:
    client = client_for_write(user=request.user, client_id=pk)
    definition = _definition(client, instrument)
    context: dict = {"client": client, "definition": definition}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        result, extra, errors, status = _record_from_post(request, client, definition, Assessment.Source.THERAPIST)
        context.update(extra)
        if result is not None:
            return render(
                request,
                "therapist/measure_given.html",
                {"client": client, "definition": definition, "assessment": result.assessment, "alerts": result.alerts},
                status=201,
            )
    context["items"] = questionnaire_widgets(definition, request.POST if request.method == "POST" else None, errors)
    return render(request, "therapist/measure_give.html", context, status=status)


# ---------------------------------------------------------------------------
# Kiosk mode


def kiosk_state(request) -> dict | None:
    return request.session.get(KIOSK_SESSION_KEY) if hasattr(request, "session") else None


class KioskMiddleware:
    """While a kiosk is open in this browser session, only the kiosk pages answer."""

    ALLOWED_NAMES = ("kiosk", "kiosk-exit")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = kiosk_state(request)
        user = getattr(request, "user", None)
        if state and user is not None and user.is_authenticated:
            from django.conf import settings

            allowed = {reverse(name) for name in self.ALLOWED_NAMES}
            if request.path not in allowed and not request.path.startswith(settings.STATIC_URL):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "Kiosk mode: hand the device back to your therapist."}, status=403)
                return redirect("kiosk")
        return self.get_response(request)


@clinician_writer
@require_POST
def kiosk_start(request, pk: int) -> HttpResponse:
    client = client_for_write(user=request.user, client_id=pk)
    definition = _definition(client, request.POST.get("instrument", ""))
    if definition.get("answer_format") != "list" or client.is_discharged:
        raise DomainError("This questionnaire cannot be handed over in kiosk mode.")
    audit_record(
        actor=request.user,
        action=AuditAction.CREATE,
        target_type="clients.kiosk",
        target_id=client.pk,
        client_id=client.pk,
    )
    request.session[KIOSK_SESSION_KEY] = {"client_id": client.pk, "instrument": definition["code"], "done": False}
    return redirect("kiosk")


def _kiosk_client(request) -> tuple[Client, dict, dict]:
    state = kiosk_state(request)
    if not state:
        raise Http404
    client = client_for_write(user=request.user, client_id=state["client_id"])
    return client, _definition(client, state["instrument"]), state


@clinician_writer
@require_http_methods(["GET", "POST"])
def kiosk(request) -> HttpResponse:
    client, definition, state = _kiosk_client(request)
    name = FRIENDLY_INSTRUMENT_NAMES.get(definition["code"], "Questionnaire")
    base = {"first_name": client.preferred_name or client.first_name, "name": name, "definition": definition}
    if state.get("done"):
        return render(request, "kiosk/done.html", base)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        result, extra, errors, status = _record_from_post(request, client, definition, Assessment.Source.KIOSK)
        base.update(extra)
        if result is not None:
            request.session[KIOSK_SESSION_KEY] = {**state, "done": True}
            crisis = {"resources": safe_resources(result.crisis_resources)} if result.crisis_resources else None
            return render(request, "kiosk/done.html", {**base, "crisis": crisis})
    base["items"] = questionnaire_widgets(definition, request.POST if request.method == "POST" else None, errors)
    return render(request, "kiosk/questionnaire.html", base, status=status)


class KioskExitForm(forms.Form):
    password = forms.CharField(
        label="Therapist's password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


@clinician_writer
@require_http_methods(["GET", "POST"])
def kiosk_exit(request) -> HttpResponse:
    state = kiosk_state(request)
    if not state:
        return redirect("dashboard")
    form = KioskExitForm(request.POST or None)
    status = 200
    if request.method == "POST":
        try:
            verify_password_step_up(user=request.user, password=request.POST.get("password"), purpose="kiosk_exit")
        except LockedOutError:
            # Nobody can leave to the record now: end the whole session instead.
            logout(request)
            return redirect(f"{reverse('login')}?locked=1")
        except DomainError as error:
            form.add_error("password", error.message)
            status = 400
        else:
            del request.session[KIOSK_SESSION_KEY]
            messages.success(request, "Kiosk mode ended.")
            return redirect(f"{reverse('client-chart', args=[state['client_id']])}?tab=measures")
    return render(request, "kiosk/exit.html", {"form": form}, status=status)


# ---------------------------------------------------------------------------
# The practice's measurement protocol


class ProtocolRuleForm(forms.Form):
    instrument = forms.ChoiceField(label="Measure")
    condition = forms.ChoiceField(label="For", choices=ProtocolRule.Condition.choices)
    at_intake = forms.BooleanField(label="At intake", required=False)
    every_n_sessions = forms.IntegerField(label="Before every Nth session", min_value=1, max_value=52, initial=1)
    min_days_between = forms.IntegerField(label="At least days apart", min_value=0, max_value=365, initial=0)
    expires_after_days = forms.IntegerField(label="Expires after (days)", min_value=1, max_value=30, initial=3)

    def __init__(self, *args, practice_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [
            (code, d["name"]) for code, d in instruments_for(practice_id).items() if d.get("answer_format") == "list"
        ]


class WindowForm(forms.Form):
    opens_before_hours = forms.IntegerField(
        label="Open questionnaires this many hours before the session", min_value=1, max_value=168
    )


@protocol_editor
@require_http_methods(["GET", "POST"])
def measurement_protocol(request) -> HttpResponse:
    practice = request.user.membership.practice
    rule_form = ProtocolRuleForm(practice_id=practice.pk, prefix="rule")
    window_form = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rule":
                rule_form = ProtocolRuleForm(request.POST, practice_id=practice.pk, prefix="rule")
                if rule_form.is_valid():
                    protocol_rule_set(practice=practice, actor=request.user, data=rule_form.cleaned_data)
                    messages.success(
                        request, "Protocol rule saved. New clients get it; existing clients keep their schedules."
                    )
                    return redirect("measurement-protocol")
            elif action == "delete":
                protocol_rule_delete(practice=practice, actor=request.user, rule_id=int(request.POST.get("rule") or 0))
                messages.success(request, "Rule removed from the protocol.")
                return redirect("measurement-protocol")
            elif action == "window":
                window_form = WindowForm(request.POST)
                if window_form.is_valid():
                    protocol_window_set(practice=practice, actor=request.user, **window_form.cleaned_data)
                    messages.success(request, "Opening window saved.")
                    return redirect("measurement-protocol")
            else:
                raise DomainError("Unknown action.")
        except (DomainError, ValueError) as error:
            messages.error(request, getattr(error, "message", "That could not be saved."))
        status = 400
    hours, rules = protocol_rules_view(practice)
    names = instruments_for(practice.pk)
    for rule in rules:
        rule.name = names.get(rule.instrument, {}).get("name", rule.instrument)
    return render(
        request,
        "therapist/measurement_protocol.html",
        {
            "rules": rules,
            "rule_form": rule_form,
            "window_form": window_form or WindowForm(initial={"opens_before_hours": hours}),
            "hours": hours,
        },
        status=status,
    )


# ---------------------------------------------------------------------------
# Progress reports


class ReportCommentForm(forms.Form):
    comment = forms.CharField(
        label="Your comment for the client (optional)",
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Written by you. Nothing else in the report is free text.",
    )


@care_team
@require_http_methods(["GET", "POST"])
def progress_report(request, pk: int) -> HttpResponse:
    status = 200
    if request.method == "POST":
        client = client_for_write(user=request.user, client_id=pk)
        form = ReportCommentForm(request.POST)
        if form.is_valid():
            comment = form.cleaned_data["comment"]
            if request.POST.get("action") == "pdf":
                pdf = progress_report_export(client=client, actor=request.user, comment=comment)
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = f'attachment; filename="progress-report-{client.pk}.pdf"'
                return response
            progress_report_share(client=client, actor=request.user, comment=comment)
            messages.success(request, "Shared: the client can read this report in their portal.")
            return redirect("progress-report", pk=client.pk)
        status = 400
    else:
        client = client_for_read(user=request.user, client_id=pk)
        form = ReportCommentForm()
    content = progress_report_content(client=client, actor=request.user)
    return render(
        request,
        "therapist/progress_report.html",
        {
            "client": client,
            "content": content,
            "charts": report_charts(content, friendly=False),
            "form": form,
            "shared": list(client.progress_reports.filter(shared_at__isnull=False)[:10]),
        },
        status=status,
    )


@portal_page
def portal_reports(request, client: Client) -> HttpResponse:
    reports = list(client.progress_reports.filter(shared_at__isnull=False))
    return render(request, "portal/reports.html", {"client": client, "reports": reports})


@portal_page
def portal_report(request, client: Client, report_id: int) -> HttpResponse:
    report = ProgressReport.objects.filter(client=client, shared_at__isnull=False, pk=report_id).first()
    if report is None:
        raise Http404
    return render(
        request,
        "portal/report.html",
        {
            "client": client,
            "report": report,
            "content": report.content,
            "charts": report_charts(report.content, friendly=True, width=340),
        },
    )

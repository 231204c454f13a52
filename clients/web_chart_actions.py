"""The client chart's writes: each action validates its form and calls one service.

An action takes (request, client) and returns the tab to show next; it raises ActionFailed
with the bound forms to re-show, or a DomainError. `ACTIONS` change the clinical record and
get a client the caller may edit (clients/web_chart.py checks); `READER_ACTIONS` only
recompute derived outputs (the AI tab's "Refresh") and are open to every care-team reader.
Records other than the client come through `clients.selectors` (NotFound outside it).
"""

from __future__ import annotations

from django import forms

from clients.models import Client, ConsentKind, Goal
from clients.selectors import chart_assignment, chart_suggestion
from clients.services import consents as consent_services
from clients.services import records
from insights.ai import services as ai
from practice import labels
from practice.bounds import BoundedFormDateField, BoundedFormDateTimeField
from practice.errors import Conflict, Invalid
from sessions.models import HomeworkTemplate
from sessions.services import checkins as checkin_services
from sessions.services import homework as homework_services
from sessions.services import notes as note_services

# ---------------------------------------------------------------------------
# Forms (input validation only; the services hold the rules)


class GoalForm(forms.Form):
    problem = forms.CharField(label="Problem", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    description = forms.CharField(label="Goal", widget=forms.Textarea(attrs={"rows": 2}))
    target_date = BoundedFormDateField(
        label="Target date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    objective = forms.CharField(label="First objective", required=False)
    measure = forms.CharField(label="How progress is measured", required=False, max_length=200)


class PlanReviewForm(forms.Form):
    reviewed_on = BoundedFormDateField(label="Plan reviewed on", widget=forms.DateInput(attrs={"type": "date"}))


class AssignForm(forms.Form):
    template = forms.ModelChoiceField(
        label="Homework from the library", queryset=HomeworkTemplate.objects.none(), empty_label="Choose a template"
    )
    due_at = BoundedFormDateTimeField(label="Due", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    goal = forms.ModelChoiceField(
        label="Linked goal (optional)", queryset=Goal.objects.none(), required=False, empty_label="No goal"
    )
    instructions = forms.CharField(
        label="Instructions (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, prefix="assign", **kwargs)
        self.fields["template"].queryset = HomeworkTemplate.objects.filter(
            practice_id=client.practice_id, is_active=True
        )
        self.fields["template"].label_from_instance = lambda template: (
            f"{template.title} ({labels.label('homework_kind', template.kind).lower()})"
        )
        self.fields["goal"].queryset = Goal.objects.filter(client=client, status=Goal.Status.ACTIVE)
        self.fields["goal"].label_from_instance = lambda goal: (goal.description or "Goal")[:80]


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Reply to the client",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=checkin_services.MESSAGE_MAX_LENGTH,
        help_text="The client sees this in their portal.",
    )


class PsychotherapyNoteForm(forms.Form):
    text = forms.CharField(label="Psychotherapy note (only you can read it)", widget=forms.Textarea(attrs={"rows": 4}))


# ---------------------------------------------------------------------------
# Writes: each action validates its form and calls one service


class ActionFailed(Exception):
    def __init__(self, tab: str, forms_: dict, status: int = 400):
        self.tab, self.forms, self.status = tab, forms_, status


def _add_goal(request, client: Client) -> str:
    form = GoalForm(request.POST, prefix="goal")
    if not form.is_valid():
        raise ActionFailed("plan", {"goal": form})
    data = form.cleaned_data
    objectives = [{"description": data["objective"], "measure": data["measure"]}] if data["objective"] else []
    records.goal_create(
        client=client,
        actor=request.user,
        data={
            "problem": data["problem"],
            "description": data["description"],
            "target_date": data["target_date"],
            "objectives": objectives,
        },
    )
    return "plan"


def _review_plan(request, client: Client) -> str:
    form = PlanReviewForm(request.POST, prefix="review")
    if not form.is_valid():
        raise ActionFailed("plan", {"review": form})
    records.plan_review(client=client, actor=request.user, reviewed_on=form.cleaned_data["reviewed_on"])
    return "plan"


def _assign(request, client: Client) -> str:
    form = AssignForm(request.POST, client=client)
    if not form.is_valid():
        raise ActionFailed("homework", {"assign": form})
    data = form.cleaned_data
    try:
        homework_services.homework_assign(
            client=client,
            actor=request.user,
            due_at=data["due_at"],
            template=data["template"],
            goal=data["goal"],
            instructions=data["instructions"],
        )
    except homework_services.InvalidInput as error:
        for field, problems in error.errors.items():
            form.add_error(
                field if field in form.fields else None,
                [str(p.get("message", p)) if isinstance(p, dict) else str(p) for p in problems],
            )
        raise ActionFailed("homework", {"assign": form}) from error
    return "homework"


def _feedback(request, client: Client) -> str:
    assignment = chart_assignment(client=client, assignment_id=request.POST.get("assignment") or 0)
    try:
        homework_services.feedback_leave(
            assignment=assignment, actor=request.user, text=request.POST.get("feedback", "")
        )
    except homework_services.InvalidInput as error:
        raise ActionFailed("homework", {"feedback": {assignment.pk: error.errors.get("feedback", [])}}) from error
    return "homework"


def _ai_decide(request, client: Client) -> str:
    suggestion = chart_suggestion(client=client, suggestion_id=request.POST.get("suggestion") or 0)
    decision = request.POST.get("decision")
    try:
        ai.suggestion_decide(suggestion=suggestion, actor=request.user, decision=decision)
    except homework_services.InvalidInput as error:
        raise Conflict(" ".join(str(p) for problems in error.errors.values() for p in problems)) from error
    return "ai"


def _ai_refresh(request, client: Client) -> str:
    """Recompute the AI outputs now (the nightly task does it otherwise). Computing the brief
    and the affect for a person records the read of their sources (insights.ai.services)."""
    ai.require_ai_consent(client)  # AiConsentMissing: a 409 on the tab
    refreshes = (
        lambda: ai.recommendations_refresh(client=client, actor=request.user),
        lambda: ai.brief_refresh(client=client, actor=request.user),
        lambda: ai.affect_refresh(client=client, actor=request.user),
    )
    for refresh in refreshes:
        try:
            refresh()
        except ai.AiPolicyBlocked:
            continue  # the practice's AI policy has it off: the tab says so, the others still run
    return "ai"


def _psychotherapy_note(request, client: Client) -> str:
    form = PsychotherapyNoteForm(request.POST, prefix="pnote")
    if not form.is_valid():
        raise ActionFailed("documents", {"pnote": form})
    note_services.psychotherapy_note_create(client=client, actor=request.user, text=form.cleaned_data["text"])
    return "documents"


def _send_message(request, client: Client) -> str:
    form = MessageForm(request.POST, prefix="message")
    if not form.is_valid():
        raise ActionFailed("messages", {"message": form})
    try:
        checkin_services.message_send(client=client, actor=request.user, body=form.cleaned_data["body"])
    except homework_services.InvalidInput as error:
        for problem in error.errors.get("body", []):
            form.add_error("body", str(problem.get("message", problem)) if isinstance(problem, dict) else str(problem))
        raise ActionFailed("messages", {"message": form}) from error
    return "messages"


def _mark_read(request, client: Client) -> str:
    checkin_services.messages_mark_read(client=client, actor=request.user)
    return "messages"


def _consent_record(request, client: Client) -> str:
    """The client agreed in session to the text shown on the Consent tab."""
    kind = request.POST.get("kind", "")
    if kind not in ConsentKind.values:
        raise Invalid("Choose a kind of consent.")
    if request.POST.get("confirmed") != "on":
        raise Invalid("Tick the box to confirm the client read the text and agreed to it.")
    text = request.POST.get("text", "")
    consent_services.consent_record_in_session(
        client=client, kind=kind, actor=request.user, text_id=int(text) if text.isdigit() else -1
    )
    return "consent"


def _consent_revoke(request, client: Client) -> str:
    kind = request.POST.get("kind", "")
    if kind not in ConsentKind.values:
        raise Invalid("Choose a kind of consent.")
    records.consent_revoke(client=client, kind=kind, actor=request.user)
    return "consent"


def _schedule(request, client: Client) -> str:
    """Override one of the client's measures (or add one) from the Measures tab."""
    from clients.services.schedules import measure_schedule_set
    from clients.web_measures_tab import NewScheduleForm, ScheduleForm

    new = "schedule_new-instrument" in request.POST
    form = NewScheduleForm(request.POST, client=client) if new else ScheduleForm(request.POST)
    if not form.is_valid():
        raise ActionFailed("measures", {"schedule_new": form} if new else {})
    measure_schedule_set(client=client, actor=request.user, **form.cleaned_data)
    return "measures"


def _apply_protocol(request, client: Client) -> str:
    from clients.services.protocols import apply_measurement_protocol

    apply_measurement_protocol(client=client, actor=request.user)
    return "measures"


ACTIONS = {
    "consent_record": _consent_record,
    "consent_revoke": _consent_revoke,
    "schedule": _schedule,
    "apply_protocol": _apply_protocol,
    "add_goal": _add_goal,
    "review_plan": _review_plan,
    "assign_homework": _assign,
    "feedback": _feedback,
    "ai_decide": _ai_decide,
    "psychotherapy_note": _psychotherapy_note,
    "message": _send_message,
    "mark_read": _mark_read,
}
READER_ACTIONS = {"ai_refresh": _ai_refresh}

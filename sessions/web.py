"""The therapist's workspace: caseload dashboard, week schedule and the progress-note editor.

Guards consult capabilities (`practice.web_guards.capability_required`): VIEW_CLINICAL to open
a page (any other role 404), EDIT_CLINICAL to POST (else 403). Records come from the
selectors, never from a queryset here: `clients.selectors.client_for_write`,
`sessions.selectors.note_for_read/note_for_write/session_for_write/...` (out of scope 404,
seen but not editable 403, via `practice.errors` and the DomainErrorMiddleware). The shared
reads are typed selectors: `sessions.selectors.caseload` (dashboard rows) and
`since_last_session` (the editor's side panel); they record the clinical reads. Views
validate input and call one service; the rules (state machines, version checks, audit) live
in the services.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from clients.models import Client
from clients.selectors import client_for_write, client_is_editable
from clients.selectors_between import safety_plan_followups
from clients.web_chart import measure_trends, mood_sparkline
from practice.errors import DomainError, field_errors
from practice.roles import Capability
from practice.search import current_search, remember_search
from practice.web_guards import capability_required
from practice.web_paging import query_without
from sessions import selectors
from sessions.models import ProgressNote, Session
from sessions.selectors_today import CaseloadFilters, filter_caseload, notes_due, today_view
from sessions.services import notes as note_services
from sessions.services import scheduling

# Care-team pages: VIEW_CLINICAL to open (else 404), EDIT_CLINICAL to post (else 403).
workspace_page = capability_required(Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,))
STATUS_FILTERS = [("current", "Current (not discharged)"), *Client.Status.choices, ("all", "All")]
SECTION_LABELS = {
    "subjective": ("Subjective", "What the client reports, in their words."),
    "objective": ("Objective", "What you observed; measures and mental status."),
    "assessment": ("Assessment", "Your clinical impression and progress toward goals."),
    "plan": ("Plan", "Next steps, homework and the next session."),
    "data": ("Data", "What the client said and what you observed."),
    "behavior": ("Behavior", "What the client presented with."),
    "intervention": ("Intervention", "What you did in the session."),
    "response": ("Response", "How the client responded."),
    "text": ("Note", "Free-text progress note."),
}
OUTCOME_STATUSES = (
    Session.Status.ATTENDED,
    Session.Status.NO_SHOW,
    Session.Status.CANCELLED,
    Session.Status.LATE_CANCELLED,
)


# ---------------------------------------------------------------------------
# Caseload dashboard


CASELOAD_FILTERS = ("status", "sort", "alert", "unread", "off_track")
CASELOAD_PER_PAGE = 25


@workspace_page
@require_http_methods(["GET", "POST"])
def dashboard(request) -> HttpResponse:
    # The name search is posted and kept in the session: a client's name never goes in a URL.
    if request.method == "POST":
        return remember_search(request, page="caseload", keep=CASELOAD_FILTERS)
    search, redirect_without_name = current_search(request, page="caseload", keep=CASELOAD_FILTERS)
    if redirect_without_name is not None:
        return redirect_without_name
    status = request.GET.get("status", "current")
    sort = request.GET.get("sort", "attention")
    if sort not in selectors.CASELOAD_SORTS:
        sort = "attention"
    # The notes due are read once: the day's panel lists them, the caseload counts the overdue.
    now = timezone.now()
    due = notes_due(user=request.user, now=now)
    rows = selectors.caseload(user=request.user, status=status, search=search, sort=sort, now=now, notes_due=due)
    filters = CaseloadFilters(
        open_alert=request.GET.get("alert") == "1",
        unread=request.GET.get("unread") == "1",
        not_on_track=request.GET.get("off_track") == "1",
    )
    page = Paginator(filter_caseload(rows, filters), CASELOAD_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "clients": page,
        "caseload_page": page,
        "caseload_query": query_without(request.GET),
        "filters": filters,
        "status": status,
        "search": search,
        "sort": sort,
        "status_filters": STATUS_FILTERS,
        "today": today_view(user=request.user, now=now, due=due),
    }
    context.update(safety_plan_followups(user=request.user, client_ids=[row.client.pk for row in rows]))
    return render(request, "therapist/dashboard.html", context)


# ---------------------------------------------------------------------------
# Recording a session's outcome (the calendar itself lives in sessions/web_calendar.py)


@workspace_page
@require_POST
def session_status(request, pk: int) -> HttpResponse:
    """Record an outcome from the calendar or the session page. A cancellation needs a reason
    and who cancelled; an outcome before the session starts is refused (400, the message)."""
    session = selectors.session_for_write(user=request.user, session_id=pk)
    new_status = request.POST.get("status", "")
    if new_status not in Session.Status.values:
        return HttpResponse("Choose a valid status.", status=400)
    data = {"status": new_status}
    for option in ("cancellation_reason", "cancelled_by"):
        if option in request.POST:
            data[option] = request.POST[option]
    try:
        scheduling.session_update(session=session, actor=request.user, data=data)
    except DomainError as error:
        if error.conflict:
            return HttpResponse(escape(error.message), status=409)
        problems = [str(message) for found in field_errors(error).values() for message in found]
        return render(request, "therapist/refused.html", {"problems": problems, "session": session}, status=400)
    messages.success(request, f"Session marked {Session.Status(new_status).label.lower()}.")
    return redirect(_next_or_session(request, session))


def _next_or_session(request, session: Session) -> str:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("session-detail", args=[session.pk])
    return target


# ---------------------------------------------------------------------------
# Progress notes


def _side_panel(client: Client, user, session: Session | None) -> dict:
    since = selectors.since_last_session(client=client, actor=user, before=session.starts_at if session else None)
    return {
        "since": since,
        "since_mood": mood_sparkline(since.moods, what="Mood since the last session"),
        "trends": measure_trends(client, user, only=("phq9", "gad7"), compact=True),
    }


def _id_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


TEMPLATE_CHOICE_PREFIX = "template-"


def _chosen_template(request, choice: str):
    """A practice note template when the format choice names one ("template-<id>"), else None."""
    if choice.startswith(TEMPLATE_CHOICE_PREFIX):
        return selectors.note_template(user=request.user, template_id=choice.removeprefix(TEMPLATE_CHOICE_PREFIX))
    return None


@workspace_page
@require_http_methods(["GET", "POST"])
def note_new(request) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    client = client_for_write(
        user=request.user, client_id=_id_or_none(source.get("client")) or 0, related=("engagement",)
    )
    session_id = _id_or_none(source.get("session"))
    session = selectors.client_session(client=client, session_id=session_id) if session_id else None
    session_preselected = False
    if request.method == "GET" and "session" not in request.GET:
        # Link the note to the session that is waiting for one, unless the caller chose.
        session = selectors.session_awaiting_note(client=client)
        session_preselected = session is not None
    choice = source.get("format", ProgressNote.Format.DAP)
    error, status = None, 200
    if request.method == "POST":
        template = _chosen_template(request, choice)  # another practice's: NotFound (404)
        try:
            note = note_services.note_create(
                client=client,
                actor=request.user,
                format=ProgressNote.Format.FREE if template else choice,
                session=session,
                template=template,
            )
        except DomainError as failure:
            error, status = failure.message, 400
        else:
            return redirect("note-edit", pk=note.pk)
    context = {
        "client": client,
        "session": session,
        # Notes document sessions that happened (issue 14): only attended ones are offered.
        "sessions": selectors.sessions_for_client(client=client, status=Session.Status.ATTENDED)[:20],
        "format_choices": [(value, label.upper(), "") for value, label in ProgressNote.Format.choices]
        + [
            (f"{TEMPLATE_CHOICE_PREFIX}{template.pk}", template.name, "practice template")
            for template in selectors.note_templates(user=request.user)
        ],
        "session_preselected": session_preselected,
        "chosen_format": choice,
        "error": error,
        **_side_panel(client, request.user, session),
    }
    return render(request, "therapist/note_new.html", context, status=status)


def _submitted_sections(request, note: ProgressNote) -> dict[str, str]:
    return {name: request.POST[name] for name in note_services.note_section_names(note) if name in request.POST}


def _version(request) -> int | None:
    return _id_or_none(request.POST.get("version"))


def note_sections(note: ProgressNote) -> list[tuple[str, str, str, str]]:
    """(key, heading, prompt, text) of each section: the template's layout, else the format's."""
    values = note.sections or {}
    if note.layout:
        return [
            (item["key"], item["heading"], item.get("prompt", ""), values.get(item["key"], "")) for item in note.layout
        ]
    return [(name, *SECTION_LABELS[name], values.get(name, "")) for name in note_services.sections_for(note.format)]


def note_title(note: ProgressNote) -> str:
    if note.layout:
        return note.template.name if note.template_id and note.template else "Progress note"
    return f"{note.get_format_display().upper()} note"


def _editor(request, note: ProgressNote, *, status: int = 200, error: str | None = None) -> HttpResponse:
    """The editor page for a note whose read has been recorded (`note_for_read`, `note_detail`)."""
    client = note.client
    user = request.user
    editable = client_is_editable(user=user, client=client)
    can_write = editable and note.author_id == user.pk and note.status == ProgressNote.Status.DRAFT
    membership = user.membership_or_none
    supervising = membership is not None and client.supervisor_id == membership.pk and note.author_id != user.pk
    in_review = note.status == ProgressNote.Status.IN_REVIEW
    context = {
        "note": note,
        "note_title": note_title(note),
        "client": client,
        "sections": note_sections(note),
        "can_write": can_write,
        "must_submit": can_write and note_services.review_required(note),
        "can_submit_for_review": can_write
        and client.supervisor_id is not None
        and client.supervisor_id != getattr(membership, "pk", None),
        "can_cosign": supervising
        and (in_review or (note.status == ProgressNote.Status.SIGNED and not note.cosigned_at)),
        "can_return": supervising and in_review,
        "can_add_addendum": editable and note.status == ProgressNote.Status.SIGNED,
        "addenda": list(note.addenda.all()),
        "error": error,
        **_side_panel(client, request.user, note.session),
    }
    from sessions.web_drafting import drafting_context

    context.update(drafting_context(note=note, user=user, can_write=can_write))
    return render(request, "therapist/note_editor.html", context, status=status)


def _reshown(request, note: ProgressNote, *, status: int, error: str) -> HttpResponse:
    """The editor again after a refused write: it shows the note, so it records the read."""
    return _editor(request, selectors.note_detail(note=note, actor=request.user), status=status, error=error)


# The review actions (sessions/web_supervision.py) answer a refusal on the note itself.
editor_with_error = _reshown


@workspace_page
@require_http_methods(["GET", "POST"])
def note_edit(request, pk: int) -> HttpResponse:
    if request.method == "GET":
        return _editor(request, selectors.note_for_read(user=request.user, note_id=pk))
    note = selectors.note_for_write(user=request.user, note_id=pk)
    try:
        note_services.note_update(
            note=note, actor=request.user, sections=_submitted_sections(request, note), version=_version(request)
        )
    except DomainError as error:
        return _reshown(request, note, status=409 if error.conflict else 400, error=error.message)
    messages.success(request, "Draft saved.")
    return redirect("note-edit", pk=note.pk)


@workspace_page
@require_POST
def note_autosave(request, pk: int) -> HttpResponse:
    """The htmx autosave target: saves with the version check and answers a status fragment."""
    note = selectors.note_for_write(user=request.user, note_id=pk)
    try:
        note_services.note_update(
            note=note, actor=request.user, sections=_submitted_sections(request, note), version=_version(request)
        )
    except DomainError as error:
        context = {"error": error.message}
        return render(request, "therapist/_autosave.html", context, status=409 if error.conflict else 400)
    return render(request, "therapist/_autosave.html", {"note": note, "saved_at": timezone.localtime(note.updated_at)})


@workspace_page
@require_POST
def note_sign(request, pk: int) -> HttpResponse:
    note = selectors.note_for_write(user=request.user, note_id=pk)
    if request.POST.get("attest") != "yes":
        return _reshown(request, note, status=400, error="Tick “I attest this note is accurate and complete” to sign.")
    try:
        # The text on screen may be newer than the last autosave: store it, then sign it.
        sections = _submitted_sections(request, note)
        if sections:
            note_services.note_update(note=note, actor=request.user, sections=sections, version=_version(request))
        note_services.note_sign(note=note, actor=request.user)
    except DomainError as error:
        return _editor(
            request,
            selectors.note_for_read(user=request.user, note_id=pk),
            status=409 if error.conflict else 400,
            error=error.message,
        )
    messages.success(request, "Note signed. It is now locked; corrections are addenda.")
    return redirect("note-edit", pk=note.pk)


@workspace_page
@require_POST
def note_addendum(request, pk: int) -> HttpResponse:
    note = selectors.note_for_write(user=request.user, note_id=pk)
    try:
        note_services.addendum_create(note=note, actor=request.user, text=request.POST.get("text", ""))
    except DomainError as error:
        return _reshown(request, note, status=409 if error.conflict else 400, error=error.message)
    messages.success(request, "Addendum added.")
    return redirect("note-edit", pk=note.pk)

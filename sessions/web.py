"""The therapist's workspace: caseload dashboard, week schedule and the progress-note editor.

Therapists only (any other role 404); records are reached through `clinical_scope` (out of
scope 404) and changed only when `editable_by` allows it (else 403). Views validate input and
call one service; the rules (state machines, version checks, audit) live in the services.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from clients.models import Assessment, Client
from clients.outcomes import not_on_track
from clients.selectors import session_number_at
from clients.web_chart import (
    audit_read,
    can_edit,
    measure_trends,
    mood_sparkline,
    open_alerts,
    snapshot_of,
    therapist_required,
)
from insights.models import Alert
from practice.api_support import DomainError
from practice.bounds import BoundedFormDateTimeField, parse_bounded_date
from practice.search import current_search, remember_search
from sessions import selectors
from sessions.models import CheckIn, HomeworkAssignment, Message, ProgressNote, Session
from sessions.services import notes as note_services
from sessions.services import scheduling

# Display policy: the dashboard badge appears from this disengagement score (0-1) up.
DISENGAGEMENT_BADGE_AT = 0.5
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


def _unread_message_count():
    rows = (
        Message.objects.filter(client=OuterRef("pk"), from_client=True, read_at__isnull=True)
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _open_alert_count(severity: str):
    rows = (
        Alert.objects.filter(client=OuterRef("pk"), severity=severity)
        .exclude(status=Alert.Status.RESOLVED)
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _not_on_track_by_client(user, session_n: int) -> dict[int, dict]:
    """Not-on-track for every client in scope from two set-based reads (no per-client query)."""
    scope = Client.objects.clinical_scope(user)
    starts: dict[int, list[dt.datetime]] = {}
    for client_id, starts_at in (
        Session.objects.filter(client__in=scope, status=Session.Status.ATTENDED)
        .order_by("starts_at")
        .values_list("client_id", "starts_at")
    ):
        starts.setdefault(client_id, []).append(starts_at)
    series: dict[int, dict[str, list]] = {}
    scores = Assessment.objects.filter(client__in=scope, instrument__in=("phq9", "gad7")).order_by(
        "administered_at", "id"
    )
    for client_id, instrument, total, administered_at in scores.values_list(
        "client_id", "instrument", "total", "administered_at"
    ):
        number = session_number_at(starts.get(client_id, []), administered_at)
        series.setdefault(client_id, {"phq9": [], "gad7": []})[instrument].append((number, total))
    return {client_id: not_on_track(s["phq9"], s["gad7"], session_n=session_n) for client_id, s in series.items()}


def _engagement_badge(client: Client) -> dict:
    snapshot = snapshot_of(client)
    if snapshot is None:
        return {"label": "No data yet", "css": "", "reasons": [], "score": 0.0}
    risk = (snapshot.metrics or {}).get("disengagement_risk") or {}
    if snapshot.disengagement_risk is not None and snapshot.disengagement_risk >= DISENGAGEMENT_BADGE_AT:
        return {
            "label": "Disengagement risk",
            "css": "concern",
            "reasons": risk.get("reasons") or [],
            "score": snapshot.disengagement_risk,
        }
    score = snapshot.disengagement_risk or 0.0
    if snapshot.low_engagement:
        return {
            "label": "Low engagement",
            "css": "low-engagement",
            "reasons": risk.get("reasons") or [],
            "score": score,
        }
    return {"label": "No engagement flags", "css": "ok", "reasons": [], "score": score}


CASELOAD_FILTERS = ("status", "sort")


@therapist_required
@require_http_methods(["GET", "POST"])
def dashboard(request) -> HttpResponse:
    # The name search is posted and kept in the session: a client's name never goes in a URL.
    if request.method == "POST":
        return remember_search(request, page="caseload", keep=CASELOAD_FILTERS)
    search, redirect_without_name = current_search(request, page="caseload", keep=CASELOAD_FILTERS)
    if redirect_without_name is not None:
        return redirect_without_name
    user, now = request.user, timezone.now()
    status = request.GET.get("status", "current")
    sort = request.GET.get("sort", "attention")
    clients = Client.objects.clinical_scope(user)
    if status == "current":
        clients = clients.exclude(status=Client.Status.DISCHARGED)
    elif status in Client.Status.values:
        clients = clients.filter(status=status)
    for word in search.split()[:5]:
        clients = clients.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(preferred_name__icontains=word)
        )
    signed = ProgressNote.objects.filter(client=OuterRef("pk"), status=ProgressNote.Status.SIGNED).order_by(
        "-signed_at", "-id"
    )
    upcoming = Session.objects.filter(
        client=OuterRef("pk"), status=Session.Status.SCHEDULED, starts_at__gte=now
    ).order_by("starts_at")
    clients = clients.select_related("engagement", "primary_therapist__user").annotate(
        next_session_at=Subquery(upcoming.values("starts_at")[:1]),
        last_signed_at=Subquery(signed.values("signed_at")[:1]),
        last_signed_id=Subquery(signed.values("id")[:1]),
        urgent_alerts=_open_alert_count(Alert.Severity.URGENT),
        concern_alerts=_open_alert_count(Alert.Severity.CONCERN),
        unread_messages=_unread_message_count(),
    )
    rows = list(clients)
    overdue = dict(
        selectors.overdue_notes(user.membership, now=now)
        .order_by()
        .values("client_id")
        .annotate(n=Count("id"))
        .values_list("client_id", "n")
    )
    tracking = _not_on_track_by_client(user, user.membership.practice.not_on_track_session)
    for client in rows:
        client.overdue_notes = overdue.get(client.pk, 0)
        client.tracking = tracking.get(client.pk) or {"flag": False, "reason": ""}
        client.badge = _engagement_badge(client)
    if sort == "name":
        rows.sort(key=lambda c: (c.last_name.lower(), c.first_name.lower(), c.pk))
    elif sort == "next":
        far = now + dt.timedelta(days=3650)
        rows.sort(key=lambda c: (c.next_session_at or far, c.last_name.lower()))
    else:
        sort = "attention"
        rows.sort(
            key=lambda c: (
                -c.urgent_alerts,
                -c.concern_alerts,
                -c.overdue_notes,
                -int(bool(c.tracking["flag"])),
                -int(bool(c.unread_messages)),
                -c.badge["score"],
                c.last_name.lower(),
                c.pk,
            )
        )
    context = {"clients": rows, "status": status, "search": search, "sort": sort, "status_filters": STATUS_FILTERS}
    return render(request, "therapist/dashboard.html", context)


# ---------------------------------------------------------------------------
# Week schedule


class SessionForm(forms.Form):
    client = forms.ModelChoiceField(label="Client", queryset=Client.objects.none(), empty_label="Choose a client")
    starts_at = BoundedFormDateTimeField(label="Starts", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    duration_minutes = forms.IntegerField(label="Minutes", initial=50, min_value=1, max_value=600)
    kind = forms.ChoiceField(label="Kind", choices=Session.Kind.choices, initial=Session.Kind.INDIVIDUAL)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, prefix="new", **kwargs)
        self.fields["client"].queryset = Client.objects.editable_by(user).exclude(status=Client.Status.DISCHARGED)


def _week_start(raw: str | None) -> dt.date:
    day = parse_bounded_date(raw) or timezone.localdate()
    return day - dt.timedelta(days=day.weekday())


@therapist_required
@require_http_methods(["GET", "POST"])
def schedule(request) -> HttpResponse:
    user = request.user
    try:
        monday = _week_start(request.GET.get("week"))
    except ValueError:
        monday = _week_start(None)
    form = SessionForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                session = scheduling.session_create(
                    client=data["client"],
                    actor=user,
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    kind=data["kind"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, f"Session booked for {session.client.full_name}.")
                return redirect(
                    f"{reverse('schedule')}?week={_week_start(timezone.localdate(session.starts_at).isoformat())}"
                )
        status = 400
    start = timezone.make_aware(dt.datetime.combine(monday, dt.time.min))
    membership = user.membership
    notes = ProgressNote.objects.only("id", "status", "session_id", "author_id").order_by("-created_at")
    sessions = (
        selectors.sessions_in_scope(user)
        .filter(Q(therapist=membership) | Q(therapist__isnull=True, client__primary_therapist=membership))
        .filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=7))
        .select_related("client")
        .prefetch_related(Prefetch("notes", queryset=notes, to_attr="note_list"))
        .order_by("starts_at", "id")
    )
    days = [{"date": monday + dt.timedelta(days=offset), "sessions": []} for offset in range(7)]
    for session in sessions:
        days[(timezone.localdate(session.starts_at) - monday).days]["sessions"].append(session)
    context = {
        "days": days,
        "monday": monday,
        "previous_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "today": timezone.localdate(),
        "form": form,
        "outcomes": [(value, Session.Status(value).label) for value in OUTCOME_STATUSES],
    }
    return render(request, "therapist/schedule.html", context, status=status)


@therapist_required
@require_POST
def session_status(request, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.sessions_in_scope(request.user).select_related("client"), pk=pk)
    if not can_edit(request.user, session.client):
        raise PermissionDenied("Only the client's therapists can record this.")
    new_status = request.POST.get("status", "")
    if new_status not in Session.Status.values:
        return HttpResponse("Choose a valid status.", status=400)
    try:
        scheduling.session_update(session=session, actor=request.user, data={"status": new_status})
    except DomainError as error:
        return HttpResponse(error.message, status=409 if error.conflict else 400)
    messages.success(request, f"Session marked {Session.Status(new_status).label.lower()}.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = f"{reverse('schedule')}?week={_week_start(timezone.localdate(session.starts_at).isoformat())}"
    return redirect(target)


# ---------------------------------------------------------------------------
# Progress notes


def _client_for_write(user, client_id):
    client = get_object_or_404(
        Client.objects.clinical_scope(user).select_related("practice", "engagement"), pk=client_id or 0
    )
    if not can_edit(user, client):
        raise PermissionDenied("Only the client's therapists can write notes.")
    return client


def _note_or_404(user, note_id) -> ProgressNote:
    queryset = selectors.notes_in_scope(user).select_related("client__practice", "client__engagement")
    return get_object_or_404(queryset, pk=note_id)


@dataclass
class SincePanel:
    since: dt.datetime | None
    homework_done: list[HomeworkAssignment]
    homework_missed: list[HomeworkAssignment]
    checkin_count: int
    mood: Any
    measure_changes: list[dict]
    alerts: list[Alert]
    risk_score: float | None
    risk_reasons: list[str]
    has_snapshot: bool


def since_last_session(client: Client, actor, *, before: dt.datetime | None = None) -> SincePanel:
    """What happened since the last attended session before `before` (default: now)."""
    before = before or timezone.now()
    last = (
        client.sessions.filter(status=Session.Status.ATTENDED, starts_at__lt=before)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    since = last or before - dt.timedelta(days=30)
    homework = list(
        HomeworkAssignment.objects.filter(client=client, due_at__gte=since, due_at__lte=max(before, timezone.now()))
        .exclude(status=HomeworkAssignment.Status.CANCELLED)
        .order_by("due_at", "id")
    )
    done = [item for item in homework if item.status == HomeworkAssignment.Status.COMPLETED]
    missed = [
        item for item in homework if item.status != HomeworkAssignment.Status.COMPLETED and item.due_at < timezone.now()
    ]
    moods = list(
        CheckIn.objects.filter(client=client, created_at__gte=since)
        .order_by("created_at", "id")
        .values_list("mood", flat=True)
    )
    audit_read(actor, client.pk, "clinical_sessions.checkin", ["mood"])
    snapshot = snapshot_of(client)
    metrics = (snapshot.metrics or {}) if snapshot else {}
    changes = []
    for code, change in (metrics.get("engagement", {}).get("latest_measure_change") or {}).items():
        if change:
            changes.append({"instrument": {"phq9": "PHQ-9", "gad7": "GAD-7"}.get(code, code), **change})
    risk = metrics.get("disengagement_risk") or {}
    return SincePanel(
        since=last,
        homework_done=done,
        homework_missed=missed,
        checkin_count=len(moods),
        mood=mood_sparkline(moods, what="Mood since the last session"),
        measure_changes=changes,
        alerts=open_alerts(client),
        risk_score=snapshot.disengagement_risk if snapshot else None,
        risk_reasons=risk.get("reasons") or [],
        has_snapshot=snapshot is not None,
    )


def _side_panel(client: Client, user, session: Session | None) -> dict:
    return {
        "since": since_last_session(client, user, before=session.starts_at if session else None),
        "trends": measure_trends(client, user, only=("phq9", "gad7"), compact=True),
    }


def _id_or_none(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@therapist_required
@require_http_methods(["GET", "POST"])
def note_new(request) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    client = _client_for_write(request.user, _id_or_none(source.get("client")))
    session_id = _id_or_none(source.get("session"))
    session = get_object_or_404(client.sessions, pk=session_id) if session_id else None
    error, status = None, 200
    if request.method == "POST":
        try:
            note = note_services.note_create(
                client=client, actor=request.user, format=source.get("format", ""), session=session
            )
        except DomainError as failure:
            error, status = failure.message, 400
        else:
            return redirect("note-edit", pk=note.pk)
    context = {
        "client": client,
        "session": session,
        "sessions": client.sessions.order_by("-starts_at")[:20],
        "formats": ProgressNote.Format.choices,
        "chosen_format": source.get("format", ProgressNote.Format.DAP),
        "error": error,
        **_side_panel(client, request.user, session),
    }
    return render(request, "therapist/note_new.html", context, status=status)


def _submitted_sections(request, note: ProgressNote) -> dict[str, str]:
    return {name: request.POST[name] for name in note_services.sections_for(note.format) if name in request.POST}


def _version(request) -> int | None:
    return _id_or_none(request.POST.get("version"))


def _editor(request, note: ProgressNote, *, status: int = 200, error: str | None = None) -> HttpResponse:
    selectors.note_detail(note=note, actor=request.user)  # records the read of the note body
    client = note.client
    editable = can_edit(request.user, client)
    values = note.sections or {}
    context = {
        "note": note,
        "client": client,
        "sections": [
            (name, *SECTION_LABELS[name], values.get(name, "")) for name in note_services.sections_for(note.format)
        ],
        "can_write": editable and note.author_id == request.user.pk and note.status == ProgressNote.Status.DRAFT,
        "can_add_addendum": editable and note.status == ProgressNote.Status.SIGNED,
        "addenda": list(note.addenda.all()),
        "error": error,
        **_side_panel(client, request.user, note.session),
    }
    return render(request, "therapist/note_editor.html", context, status=status)


@therapist_required
@require_http_methods(["GET", "POST"])
def note_edit(request, pk: int) -> HttpResponse:
    note = _note_or_404(request.user, pk)
    if request.method == "GET":
        return _editor(request, note)
    if not can_edit(request.user, note.client):
        raise PermissionDenied("Only the client's therapists can change notes.")
    try:
        note_services.note_update(
            note=note, actor=request.user, sections=_submitted_sections(request, note), version=_version(request)
        )
    except DomainError as error:
        return _editor(request, note, status=409 if error.conflict else 400, error=error.message)
    messages.success(request, "Draft saved.")
    return redirect("note-edit", pk=note.pk)


@therapist_required
@require_POST
def note_autosave(request, pk: int) -> HttpResponse:
    """The htmx autosave target: saves with the version check and answers a status fragment."""
    note = _note_or_404(request.user, pk)
    if not can_edit(request.user, note.client):
        raise PermissionDenied("Only the client's therapists can change notes.")
    try:
        note_services.note_update(
            note=note, actor=request.user, sections=_submitted_sections(request, note), version=_version(request)
        )
    except DomainError as error:
        context = {"error": error.message}
        return render(request, "therapist/_autosave.html", context, status=409 if error.conflict else 400)
    return render(request, "therapist/_autosave.html", {"note": note, "saved_at": timezone.localtime(note.updated_at)})


@therapist_required
@require_POST
def note_sign(request, pk: int) -> HttpResponse:
    note = _note_or_404(request.user, pk)
    if not can_edit(request.user, note.client):
        raise PermissionDenied("Only the client's therapists can sign notes.")
    if request.POST.get("attest") != "yes":
        return _editor(request, note, status=400, error="Tick “I attest this note is accurate and complete” to sign.")
    try:
        # The text on screen may be newer than the last autosave: store it, then sign it.
        sections = _submitted_sections(request, note)
        if sections:
            note_services.note_update(note=note, actor=request.user, sections=sections, version=_version(request))
        note_services.note_sign(note=note, actor=request.user)
    except DomainError as error:
        return _editor(
            request, _note_or_404(request.user, pk), status=409 if error.conflict else 400, error=error.message
        )
    messages.success(request, "Note signed. It is now locked; corrections are addenda.")
    return redirect("note-edit", pk=note.pk)


@therapist_required
@require_POST
def note_addendum(request, pk: int) -> HttpResponse:
    note = _note_or_404(request.user, pk)
    if not can_edit(request.user, note.client):
        raise PermissionDenied("Only the client's therapists can add addenda.")
    try:
        note_services.addendum_create(note=note, actor=request.user, text=request.POST.get("text", ""))
    except DomainError as error:
        return _editor(request, note, status=409 if error.conflict else 400, error=error.message)
    messages.success(request, "Addendum added.")
    return redirect("note-edit", pk=note.pk)

"""The therapist's calendar (day, week, month), booking, a session's page, availability, the
private ICS feed, and the practice view for managers and admins.

Guards: the therapist's pages need VIEW_CLINICAL (else 404) and EDIT_CLINICAL to post (403);
the practice view needs VIEW_ROSTER (managers, admins) and shows busy blocks with the client's
initials only; the ICS feed authenticates by its own token (no sign-in). Pages render in the
therapist's time zone (`timezone.override`), so a datetime-local field means their wall clock.
Records come from `sessions.selectors`; writes go through `sessions.services.scheduling`,
`.series` and `.availability`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import wraps
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.selectors import client_is_editable
from practice.bounds import BoundedFormDateField, BoundedFormDateTimeField, parse_bounded_date
from practice.errors import DomainError, Invalid
from practice.roles import Capability
from practice.web_guards import capability_required
from sessions import selectors
from sessions.models import Session, SessionSeries
from sessions.recurrence import zone_named
from sessions.selectors_appointments import annotate_for_staff
from sessions.services import availability as availability_services
from sessions.services import scheduling
from sessions.services import series as series_services
from sessions.services.availability import WEEKDAY_NAMES, Availability, therapist_zone

workspace_page = capability_required(Capability.VIEW_CLINICAL, write=(Capability.EDIT_CLINICAL,))
practice_page = capability_required(Capability.VIEW_ROSTER)
VIEWS = ("day", "week", "month")
SLOT_MINUTES = 30
DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR = 7, 20
DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def in_therapist_zone(view):
    """Render and parse in the signed-in therapist's time zone."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        zone = therapist_zone(request.user.membership)
        with timezone.override(zone):
            request.calendar_zone = zone
            return view(request, *args, **kwargs)

    return wrapped


# ---------------------------------------------------------------------------
# The calendar grid


@dataclass
class Block:
    session: Session
    top: float
    height: float
    starts: dt.datetime
    ends: dt.datetime
    label: str = ""
    lane: int = 0
    lanes: int = 1

    @property
    def left(self) -> float:
        return self.lane / self.lanes * 100

    @property
    def width(self) -> float:
        return 100 / self.lanes


@dataclass
class Slot:
    starts: dt.datetime
    top: float
    height: float


@dataclass
class Column:
    date: dt.date
    is_today: bool
    time_off: object = None
    working: tuple[float, float] | None = None  # top %, height %
    blocks: list[Block] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    title: str = ""
    now_top: float | None = None


def _anchor(raw: str | None, zone: ZoneInfo) -> dt.date:
    # Out of the supported years (1900-2100) or malformed: today, as for no date at all.
    day = parse_bounded_date(raw)
    return day or timezone.localtime(timezone.now(), zone).date()


def _local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _hours_range(availability: Availability, sessions: list[Session], zone: ZoneInfo) -> tuple[int, int]:
    first, last = DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR
    for start, end in availability.hours.values():
        first, last = min(first, start.hour), max(last, end.hour + (1 if end.minute else 0))
    for session in sessions:
        local = session.starts_at.astimezone(zone)
        end = session.ends_at.astimezone(zone)
        first = min(first, local.hour)
        last = max(last, end.hour + (1 if end.minute else 0) if end.date() == local.date() else 24)
    return first, min(last, 24)


def _column(day, *, zone, first_hour, last_hour, sessions, availability, today, now, with_slots=True) -> Column:
    total = (last_hour - first_hour) * 60
    origin = dt.datetime.combine(day, dt.time(first_hour), tzinfo=zone)

    def minutes_from_origin(moment: dt.datetime) -> float:
        # Wall-clock minutes (a DST day keeps its hour lines where the clock says).
        local = moment.astimezone(zone)
        return (
            (local.hour - first_hour) * 60 + local.minute
            if local.date() == day
            else (total if local.date() > day else 0)
        )

    column = Column(date=day, is_today=day == today, time_off=availability.day_off(day))
    hours = availability.hours.get(day.weekday())
    if hours and column.time_off is None:
        top = max(0, (hours[0].hour - first_hour) * 60 + hours[0].minute)
        bottom = min(total, (hours[1].hour - first_hour) * 60 + hours[1].minute)
        if bottom > top:
            column.working = (top / total * 100, (bottom - top) / total * 100)
    for session in sessions:
        start = minutes_from_origin(session.starts_at)
        end = max(start + 15, minutes_from_origin(session.ends_at))
        column.blocks.append(
            Block(
                session=session,
                top=start / total * 100,
                height=(min(end, total) - start) / total * 100,
                starts=session.starts_at.astimezone(zone),
                ends=session.ends_at.astimezone(zone),
            )
        )
    _assign_lanes(column.blocks)
    if with_slots:
        for minute in range(0, total, SLOT_MINUTES):
            starts = origin + dt.timedelta(minutes=minute)
            column.slots.append(Slot(starts=starts, top=minute / total * 100, height=SLOT_MINUTES / total * 100))
    if day == today:
        local_now = now.astimezone(zone)
        minute = (local_now.hour - first_hour) * 60 + local_now.minute
        if 0 <= minute <= total:
            column.now_top = minute / total * 100
    return column


def _assign_lanes(blocks: list[Block]) -> None:
    """Side by side where blocks overlap (an override, or a cancelled session under a new one)."""
    group: list[Block] = []
    group_end = None
    for block in sorted(blocks, key=lambda b: (b.starts, b.ends)):
        if group and block.starts >= group_end:
            _close_group(group)
            group = []
        lanes_in_use = {b.lane for b in group if b.ends > block.starts}
        block.lane = next(lane for lane in range(len(group) + 1) if lane not in lanes_in_use)
        group.append(block)
        group_end = max(group_end, block.ends) if group_end and len(group) > 1 else block.ends
    _close_group(group)


def _close_group(group: list[Block]) -> None:
    lanes = max((b.lane for b in group), default=0) + 1
    for block in group:
        block.lanes = lanes


def _by_local_day(sessions: list[Session], zone: ZoneInfo) -> dict[dt.date, list[Session]]:
    days: dict[dt.date, list[Session]] = {}
    for session in sessions:
        days.setdefault(session.starts_at.astimezone(zone).date(), []).append(session)
    return days


def _calendar_context(request, view: str, anchor: dt.date, zone: ZoneInfo) -> dict:
    today = timezone.localtime(timezone.now(), zone).date()
    if view == "day":
        first_day, days = anchor, 1
        previous, following = anchor - dt.timedelta(days=1), anchor + dt.timedelta(days=1)
        title = f"{anchor:%A %-d %B %Y}"
    elif view == "week":
        first_day, days = anchor - dt.timedelta(days=anchor.weekday()), 7
        previous, following = first_day - dt.timedelta(days=7), first_day + dt.timedelta(days=7)
        last = first_day + dt.timedelta(days=6)
        title = f"{first_day:%-d %b} – {last:%-d %b %Y}"
    else:
        month_start = anchor.replace(day=1)
        first_day = month_start - dt.timedelta(days=month_start.weekday())
        days = 42
        previous = (month_start - dt.timedelta(days=1)).replace(day=1)
        following = (month_start + dt.timedelta(days=32)).replace(day=1)
        title = f"{month_start:%B %Y}"
    start = _local_midnight(first_day, zone)
    end = _local_midnight(first_day + dt.timedelta(days=days), zone)
    sessions = list(selectors.own_calendar_sessions(user=request.user, start=start, end=end))
    # Video links and the clients' "I can't make it" requests, in two queries for the range.
    annotate_for_staff(sessions, practice_id=request.user.membership.practice_id)
    availability = Availability.of(request.user.membership, first_day=first_day)
    by_day = _by_local_day(sessions, zone)
    now = timezone.now()
    context = {
        "view": view,
        "views": VIEWS,
        "anchor": anchor,
        "today": today,
        "title": title,
        "previous": previous,
        "following": following,
        "zone": zone.key,
        "session_count": len([s for s in sessions if s.status not in Session.FREE_STATUSES]),
        "list_days": [
            {
                "date": first_day + dt.timedelta(days=offset),
                "sessions": by_day.get(first_day + dt.timedelta(days=offset), []),
            }
            for offset in range(days if view != "month" else 0)
        ],
        "has_hours": bool(availability.hours),
    }
    if view == "month":
        month = anchor.month
        weeks = []
        for week in range(6):
            row = []
            for offset in range(7):
                day = first_day + dt.timedelta(days=week * 7 + offset)
                live = [s for s in by_day.get(day, []) if s.status not in Session.FREE_STATUSES]
                row.append(
                    {
                        "date": day,
                        "in_month": day.month == month,
                        "is_today": day == today,
                        "sessions": live[:3],
                        "more": max(0, len(live) - 3),
                        "count": len(live),
                        "time_off": availability.day_off(day),
                    }
                )
            weeks.append(row)
        context["weeks"] = weeks
        context["weekday_names"] = WEEKDAY_NAMES
        return context
    first_hour, last_hour = _hours_range(availability, sessions, zone)
    context["hours"] = [
        {"label": f"{hour:02d}:00", "top": (hour - first_hour) / (last_hour - first_hour) * 100}
        for hour in range(first_hour, last_hour)
    ]
    context["grid_height"] = (last_hour - first_hour) * 48  # px: 48 per hour (24 per 30-minute slot)
    context["columns"] = [
        _column(
            first_day + dt.timedelta(days=offset),
            zone=zone,
            first_hour=first_hour,
            last_hour=last_hour,
            sessions=by_day.get(first_day + dt.timedelta(days=offset), []),
            availability=availability,
            today=today,
            now=now,
        )
        for offset in range(days)
    ]
    return context


@workspace_page
@require_http_methods(["GET", "POST"])
@in_therapist_zone
def schedule(request) -> HttpResponse:
    if request.method == "POST":
        return _book(request)
    zone = request.calendar_zone
    view = request.GET.get("view", "week")
    if view not in VIEWS:
        view = "week"
    anchor = _anchor(request.GET.get("date") or request.GET.get("week"), zone)
    context = _calendar_context(request, view, anchor, zone)
    return render(request, "therapist/calendar.html", context)


# ---------------------------------------------------------------------------
# Booking


REPEAT_CHOICES = [("none", "Does not repeat"), *SessionSeries.Frequency.choices]
ENDS_CHOICES = [("count", "After a number of sessions"), ("until", "On a date")]


class BookingForm(forms.Form):
    client = forms.ModelChoiceField(label="Client", queryset=None, empty_label="Choose a client")
    starts_at = BoundedFormDateTimeField(
        label="Starts",
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(label="Minutes", initial=50, min_value=1, max_value=600)
    kind = forms.ChoiceField(label="Kind", choices=Session.Kind.choices, initial=Session.Kind.INDIVIDUAL)
    modality = forms.ChoiceField(
        label="Where",
        choices=Session.Modality.choices,
        initial=Session.Modality.IN_PERSON,
        required=False,
        help_text="Video sessions get their own private link. A repeating series is booked in person.",
    )
    repeat = forms.ChoiceField(label="Repeat", choices=REPEAT_CHOICES, initial="none", required=False)
    weekdays = forms.TypedMultipleChoiceField(
        label="On these weekdays",
        choices=list(enumerate(WEEKDAY_NAMES)),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    ends = forms.ChoiceField(
        label="Ends", choices=ENDS_CHOICES, initial="count", required=False, widget=forms.RadioSelect
    )
    count = forms.IntegerField(label="Number of sessions", initial=12, min_value=1, max_value=200, required=False)
    until = BoundedFormDateField(label="Last date", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    confirm_outside_hours = forms.BooleanField(label="Book outside my working hours", required=False)
    override_reason = forms.CharField(
        label="Reason to book over another session", required=False, max_length=500, widget=forms.TextInput()
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, prefix="new", **kwargs)
        self.fields["client"].queryset = selectors.bookable_clients(user=user).order_by("last_name", "first_name")


def _flash_booked(request, session_or_series, zone) -> str:
    if isinstance(session_or_series, SessionSeries):
        series = session_or_series
        first = series.occurrences.order_by("starts_at").first()
        count = series.occurrences.count()
        messages.success(
            request,
            f"{series_services.series_summary(series)['rule']}: {count} session{'s' if count != 1 else ''} booked "
            f"for {series.client.full_name}.",
        )
        return first.starts_at.astimezone(zone).date().isoformat() if first else ""
    session = session_or_series
    messages.success(request, f"Session booked for {session.client.full_name}.")
    return session.starts_at.astimezone(zone).date().isoformat()


def _book(request) -> HttpResponse:
    zone = request.calendar_zone
    form = BookingForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        options = {
            "override_reason": data["override_reason"],
            "confirm_outside_hours": data["confirm_outside_hours"],
        }
        modality = data.get("modality") or Session.Modality.IN_PERSON
        try:
            if data["repeat"] and data["repeat"] != "none" and modality != Session.Modality.IN_PERSON:
                raise Invalid(
                    "A repeating series is booked in person. Book video or phone sessions one at a time.",
                    field="modality",
                )
            if data["repeat"] and data["repeat"] != "none":
                ends = data["ends"] or "count"
                booked = series_services.series_create(
                    client=data["client"],
                    actor=request.user,
                    starts_at=data["starts_at"],
                    time_zone=zone.key,
                    frequency=data["repeat"],
                    weekdays=data["weekdays"],
                    until=data["until"] if ends == "until" else None,
                    count=data["count"] if ends == "count" else None,
                    duration_minutes=data["duration_minutes"],
                    kind=data["kind"],
                    **options,
                )
            else:
                booked = scheduling.session_create(
                    client=data["client"],
                    actor=request.user,
                    starts_at=data["starts_at"],
                    duration_minutes=data["duration_minutes"],
                    kind=data["kind"],
                    modality=modality,
                    **options,
                )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            day = _flash_booked(request, booked, zone)
            return redirect(f"{reverse('schedule')}?view=week&date={day}")
    return render(request, "therapist/book.html", _booking_context(request, form), status=400)


def _add_domain_error(form: forms.Form, error: DomainError) -> None:
    errors = error.errors if isinstance(error, Invalid) else {error.field or "__all__": [error.message]}
    for name, messages_ in errors.items():
        target = name if name in form.fields else ("repeat" if name == "scope" else None)
        for message in messages_:
            form.add_error(target, message)


def _booking_context(request, form) -> dict:
    overlap = any("overlaps" in str(message) for message in form.errors.get("starts_at", []))
    return {
        "form": form,
        "zone": request.calendar_zone.key,
        "show_override": overlap or bool(form.data.get("new-override_reason")),
        "show_confirm": "confirm_outside_hours" in form.errors or bool(form.data.get("new-confirm_outside_hours")),
    }


@workspace_page
@require_http_methods(["GET", "POST"])
@in_therapist_zone
def book(request) -> HttpResponse:
    if request.method == "POST":
        return _book(request)
    zone = request.calendar_zone
    initial: dict = {}
    raw = request.GET.get("start", "")
    start = parse_datetime(raw) if raw else None
    if start is not None:
        start = start if timezone.is_aware(start) else start.replace(tzinfo=zone)
        initial["starts_at"] = start.astimezone(zone)
        initial["weekdays"] = [start.astimezone(zone).weekday()]
    client_id = request.GET.get("client", "")
    if client_id.isdigit():
        initial["client"] = int(client_id)
    form = BookingForm(user=request.user, initial=initial)
    context = _booking_context(request, form)
    if start is not None:
        problem = Availability.of(request.user.membership).problem(start, 50, zone)
        context["availability_problem"] = problem
        context["show_confirm"] = bool(problem)
        context["slot_label"] = f"{start.astimezone(zone):%A %-d %B, %H:%M}"
    return render(request, "therapist/book.html", context)


# ---------------------------------------------------------------------------
# One session: details, history, reschedule, cancel


class RescheduleForm(forms.Form):
    starts_at = BoundedFormDateTimeField(
        label="New start",
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    duration_minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=600)
    scope = forms.ChoiceField(
        label="Apply to",
        choices=[("one", "Only this session"), ("following", "This and following sessions")],
        initial="one",
        required=False,
        widget=forms.RadioSelect,
    )
    confirm_outside_hours = forms.BooleanField(label="Book outside my working hours", required=False)
    override_reason = forms.CharField(label="Reason to book over another session", required=False, max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="move", **kwargs)


class CancelForm(forms.Form):
    cancelled_by = forms.ChoiceField(
        label="Who cancelled", choices=Session.CancelledBy.choices, widget=forms.RadioSelect, required=True
    )
    cancellation_reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )
    late = forms.BooleanField(label="Late cancellation (inside the practice's notice period)", required=False)
    scope = forms.ChoiceField(
        label="Cancel",
        choices=[("one", "Only this session"), ("following", "This and all following sessions")],
        initial="one",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="cancel", **kwargs)


def _session_context(request, session: Session, *, move=None, cancel=None) -> dict:
    zone = request.calendar_zone
    editable = client_is_editable(user=request.user, client=session.client)
    move = move or RescheduleForm(
        initial={"starts_at": session.starts_at.astimezone(zone), "duration_minutes": session.duration_minutes}
    )
    cancel = cancel or CancelForm()
    if not session.series_id or session.series_detached:
        move.fields.pop("scope", None)
        cancel.fields.pop("scope", None)
    if session.has_started:
        cancel.fields["late"].label = "Late cancellation (recorded as a late cancel)"
    else:
        cancel.fields.pop("late", None)
    note = (getattr(session, "note_list", None) or [None])[0]
    return {
        "session": session,
        "zone": zone.key,
        "editable": editable and not session.client.is_discharged,
        "move": move,
        "cancel": cancel,
        "note": note,
        "series_rule": series_services.series_summary(session.series)["rule"] if session.series_id else "",
        "history": getattr(session, "history", []),
        "outcomes": [
            (Session.Status.ATTENDED, "Attended"),
            (Session.Status.NO_SHOW, "No-show"),
        ],
        "show_override": bool(move.errors.get("starts_at")) if move.is_bound else False,
        "show_confirm": "confirm_outside_hours" in move.errors if move.is_bound else False,
        "calendar_url": f"{reverse('schedule')}?view=week&date={session.starts_at.astimezone(zone).date().isoformat()}",
    }


@workspace_page
@require_GET
@in_therapist_zone
def session_detail(request, pk: int) -> HttpResponse:
    session = selectors.session_with_history(user=request.user, session_id=pk)
    annotate_for_staff([session], practice_id=request.user.membership.practice_id)
    return render(request, "therapist/session.html", _session_context(request, session))


def _reshow(request, pk: int, *, move=None, cancel=None) -> HttpResponse:
    session = selectors.session_with_history(user=request.user, session_id=pk)
    return render(
        request, "therapist/session.html", _session_context(request, session, move=move, cancel=cancel), status=400
    )


@workspace_page
@require_POST
@in_therapist_zone
def session_reschedule(request, pk: int) -> HttpResponse:
    session = selectors.session_for_write(user=request.user, session_id=pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _reshow(request, pk, move=form)
    data = form.cleaned_data
    try:
        if data.get("scope") == "following" and session.series_id and not session.series_detached:
            series_services.series_change_following(
                session=session,
                actor=request.user,
                starts_at=data["starts_at"],
                duration_minutes=data["duration_minutes"],
                override_reason=data["override_reason"],
                confirm_outside_hours=data["confirm_outside_hours"],
            )
            messages.success(request, "This and the following sessions were moved.")
        else:
            scheduling.session_update(
                session=session,
                actor=request.user,
                data={
                    "starts_at": data["starts_at"],
                    "duration_minutes": data["duration_minutes"],
                    "override_reason": data["override_reason"],
                    "confirm_outside_hours": data["confirm_outside_hours"],
                },
            )
            messages.success(request, f"Session moved to {data['starts_at']:%a %-d %b, %H:%M}.")
    except DomainError as error:
        if error.conflict:
            raise
        _add_domain_error(form, error)
        return _reshow(request, pk, move=form)
    return redirect("session-detail", pk=pk)


@workspace_page
@require_POST
@in_therapist_zone
def session_cancel(request, pk: int) -> HttpResponse:
    session = selectors.session_for_write(user=request.user, session_id=pk)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _reshow(request, pk, cancel=form)
    data = form.cleaned_data
    try:
        if data.get("scope") == "following" and session.series_id and not session.series_detached:
            cancelled = series_services.series_cancel_following(
                session=session,
                actor=request.user,
                reason=data["cancellation_reason"],
                cancelled_by=data["cancelled_by"],
            )
            kept = (
                Session.objects.filter(
                    series_id=session.series_id, series_detached=True, starts_at__gt=session.starts_at
                )
                .exclude(status__in=Session.FREE_STATUSES)
                .count()
            )
            note = f" {kept} individually moved session(s) were kept." if kept else ""
            messages.success(request, f"{len(cancelled)} session{'s' if len(cancelled) != 1 else ''} cancelled.{note}")
        else:
            status = Session.Status.LATE_CANCELLED if data.get("late") else Session.Status.CANCELLED
            scheduling.session_update(
                session=session,
                actor=request.user,
                data={
                    "status": status,
                    "cancellation_reason": data["cancellation_reason"],
                    "cancelled_by": data["cancelled_by"],
                },
            )
            messages.success(request, "Session cancelled.")
    except DomainError as error:
        if error.conflict:
            raise
        _add_domain_error(form, error)
        return _reshow(request, pk, cancel=form)
    return redirect("session-detail", pk=pk)


# ---------------------------------------------------------------------------
# Availability and the calendar feed


class AvailabilityForm(forms.Form):
    time_zone = forms.ChoiceField(label="Time zone", choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in availability_services.zone_choices()]
        for weekday, name in enumerate(WEEKDAY_NAMES):
            self.fields[f"works{weekday}"] = forms.BooleanField(label=f"Works on {name}", required=False)
            self.fields[f"start{weekday}"] = forms.TimeField(
                label=f"{name} start", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )
            self.fields[f"end{weekday}"] = forms.TimeField(
                label=f"{name} end", required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
            )

    def clean(self):
        data = super().clean()
        for weekday, name in enumerate(WEEKDAY_NAMES):
            if data.get(f"works{weekday}") and not (data.get(f"start{weekday}") and data.get(f"end{weekday}")):
                self.add_error(f"start{weekday}", f"Give a start and an end for {name}.")
        return data

    def days(self):
        return [
            {
                "name": name,
                "works": self[f"works{weekday}"],
                "start": self[f"start{weekday}"],
                "end": self[f"end{weekday}"],
            }
            for weekday, name in enumerate(WEEKDAY_NAMES)
        ]


class TimeOffForm(forms.Form):
    first_day = BoundedFormDateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    last_day = BoundedFormDateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    label = forms.CharField(label="Label (optional)", required=False, max_length=100)


def _availability_context(request, form=None, time_off_form=None, new_token: str = "") -> dict:
    membership = request.user.membership
    zone = request.calendar_zone
    availability = Availability.of(membership, first_day=timezone.localdate())
    if form is None:
        initial = {"time_zone": zone.key}
        for weekday in range(7):
            hours = availability.hours.get(weekday)
            initial[f"works{weekday}"] = hours is not None
            initial[f"start{weekday}"] = hours[0] if hours else dt.time(9)
            initial[f"end{weekday}"] = hours[1] if hours else dt.time(17)
        form = AvailabilityForm(initial=initial)
    calendar = selectors.own_calendar_settings(user=request.user)
    feed_url = request.build_absolute_uri(reverse("calendar-feed", args=[new_token])) if new_token else ""
    return {
        "form": form,
        "time_off_form": time_off_form or TimeOffForm(),
        "time_off": availability.time_off,
        "feed_active": bool(calendar and calendar.feed_token_hash),
        "feed_created": calendar.feed_token_created_at if calendar else None,
        "feed_initials": bool(calendar and calendar.feed_shows_initials),
        "feed_url": feed_url,
        "zone": zone.key,
    }


@workspace_page
@require_http_methods(["GET", "POST"])
@in_therapist_zone
def availability(request) -> HttpResponse:
    if request.method == "POST":
        form = AvailabilityForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            hours = {
                weekday: (data[f"start{weekday}"], data[f"end{weekday}"]) if data.get(f"works{weekday}") else None
                for weekday in range(7)
            }
            try:
                availability_services.availability_save(
                    membership=request.user.membership, actor=request.user, time_zone=data["time_zone"], hours=hours
                )
            except DomainError as error:
                _add_domain_error(form, error)
            else:
                messages.success(request, "Working hours saved.")
                return redirect("availability")
        return render(request, "therapist/availability.html", _availability_context(request, form=form), status=400)
    return render(request, "therapist/availability.html", _availability_context(request))


@workspace_page
@require_POST
@in_therapist_zone
def time_off_add(request) -> HttpResponse:
    form = TimeOffForm(request.POST)
    if form.is_valid():
        try:
            availability_services.time_off_add(
                membership=request.user.membership, actor=request.user, **form.cleaned_data
            )
        except DomainError as error:
            _add_domain_error(form, error)
        else:
            messages.success(request, "Time off added.")
            return redirect("availability")
    return render(
        request, "therapist/availability.html", _availability_context(request, time_off_form=form), status=400
    )


@workspace_page
@require_POST
def time_off_delete(request, pk: int) -> HttpResponse:
    block = selectors.own_time_off(user=request.user, time_off_id=pk)
    availability_services.time_off_delete(block=block, actor=request.user)
    messages.success(request, "Time off removed.")
    return redirect("availability")


@workspace_page
@require_POST
@in_therapist_zone
def feed_token(request) -> HttpResponse:
    action = request.POST.get("action", "")
    membership = request.user.membership
    if action == "revoke":
        availability_services.feed_token_revoke(membership=membership, actor=request.user)
        messages.success(request, "Calendar feed turned off: the old address no longer works.")
        return redirect("availability")
    if action != "regenerate":
        return HttpResponse("Choose to create or turn off the feed.", status=400)
    raw = availability_services.feed_token_regenerate(
        membership=membership, actor=request.user, show_initials=request.POST.get("initials") == "yes"
    )
    # Shown once, on this response only: the token is stored hashed.
    return render(request, "therapist/availability.html", _availability_context(request, new_token=raw))


@require_GET
def calendar_feed(request, token: str) -> HttpResponse:
    """The therapist's sessions as iCalendar, authenticated by the feed token alone."""
    from sessions.ics import feed_for

    calendar = availability_services.calendar_for_feed_token(token)
    if calendar is None:
        raise Http404
    body = feed_for(calendar)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# ---------------------------------------------------------------------------
# The practice view (managers, admins): busy blocks, no clinical content


def initials(session: Session) -> str:
    client = session.client
    return f"{client.first_name[:1]}{client.last_name[:1]}".upper() or "—"


@practice_page
@require_GET
def practice_schedule(request) -> HttpResponse:
    zone = zone_named(request.user.membership.practice.time_zone)
    with timezone.override(zone):
        view = "day" if request.GET.get("view") == "day" else "week"
        anchor = _anchor(request.GET.get("date"), zone)
        first_day = anchor if view == "day" else anchor - dt.timedelta(days=anchor.weekday())
        days = 1 if view == "day" else 7
        start = _local_midnight(first_day, zone)
        end = _local_midnight(first_day + dt.timedelta(days=days), zone)
        therapists = selectors.practice_therapists(user=request.user)
        sessions = selectors.practice_calendar_sessions(user=request.user, start=start, end=end)
        dates = [first_day + dt.timedelta(days=offset) for offset in range(days)]
        cells: dict[tuple[int, dt.date], list] = {}
        for session in sessions:
            local = session.starts_at.astimezone(zone)
            cells.setdefault((session.therapist_id, local.date()), []).append(
                {
                    "starts": local,
                    "ends": session.ends_at.astimezone(zone),
                    "initials": initials(session),
                    "free": session.status in Session.FREE_STATUSES,
                    "status": session.get_status_display(),
                }
            )
        rows = [
            {
                "therapist": therapist,
                "days": [{"date": day, "blocks": cells.get((therapist.pk, day), [])} for day in dates],
                "busy": sum(
                    1 for s in sessions if s.therapist_id == therapist.pk and s.status not in Session.FREE_STATUSES
                ),
            }
            for therapist in therapists
        ]
        step = dt.timedelta(days=days)
        # The phone layout: day by day, each therapist's blocks.
        by_day = [
            {"date": day, "therapists": [(row["therapist"], row["days"][index]["blocks"]) for row in rows]}
            for index, day in enumerate(dates)
        ]
        context = {
            "view": view,
            "dates": dates,
            "rows": rows,
            "by_day": by_day,
            "today": timezone.localdate(),
            "anchor": anchor,
            "previous": first_day - step,
            "following": first_day + step,
            "title": f"{first_day:%A %-d %B %Y}" if view == "day" else f"Week of {first_day:%-d %B %Y}",
            "zone": zone.key,
        }
        return render(request, "practice/schedule.html", context)

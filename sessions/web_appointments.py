"""Appointments in the browser (issue 14 items 5 to 7).

Portal (client users; `clients.web_portal.portal_page`: everyone else 404, withdrawn portal
consent -> "access paused"): the Appointments page, "I can't make it", one appointment as an
.ics file, and the appointment-reminder choice on the settings page.
Staff: the practice's reminder and video settings (CONFIGURE_SCHEDULING), and the
placeholder video room used when the practice has not set a video service.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clients.models import Client
from clients.web_portal import _closed, _render, _risk_context, portal_page
from practice.errors import DomainError
from practice.roles import Capability
from practice.web_guards import capability_required
from sessions.models import Reminder, ReminderPreference
from sessions.reminders import human_when, policy_for, preference_for
from sessions.selectors_appointments import client_appointments, portal_appointment, portal_session, video_session_for
from sessions.services.appointments import (
    REASON_MAX_LENGTH,
    appointment_cancel_request,
    appointment_ics,
    reminder_policy_update,
    reminder_preference_update,
)

# ---------------------------------------------------------------------------
# Portal


@portal_page
def portal_appointments(request, client: Client):
    upcoming, past = client_appointments(client=client)
    return _render(
        request,
        "appointments.html",
        client,
        {"upcoming": upcoming, "past": past, "late_cancel_hours": policy_for(client.practice_id).late_cancel_hours},
    )


@portal_page
@require_http_methods(["GET", "POST"])
def portal_appointment_cancel(request, client: Client, session_id: int):
    appointment = portal_appointment(client=client, session_id=session_id)
    policy = policy_for(client.practice_id)
    context: dict = {
        "appointment": appointment,
        "late_cancel_hours": policy.late_cancel_hours,
        "reason": "",
        "reason_max": REASON_MAX_LENGTH,
    }
    if request.method == "POST":
        if client.is_discharged:
            return _closed(request, client)
        reason = request.POST.get("reason", "")
        context["reason"] = reason
        try:
            _request, outcome = appointment_cancel_request(
                session=appointment.session, actor=request.user, reason=reason
            )
        except DomainError as error:
            if error.field == "reason":
                context["error"] = error.message
                return _render(request, "appointment_cancel.html", client, context, status=400)
            messages.error(request, error.message)
            return redirect("portal-appointments")
        if outcome.crisis_resources:
            context.update(_risk_context(outcome), done=True)
            return _render(request, "appointment_cancel.html", client, context)
        messages.success(request, "Thank you for letting us know. Your therapist will confirm the cancellation.")
        return redirect("portal-appointments")
    if not appointment.can_request_cancel:
        return redirect("portal-appointments")
    return _render(request, "appointment_cancel.html", client, context)


@portal_page
def portal_appointment_ics(request, client: Client, session_id: int):
    session = portal_session(client=client, session_id=session_id)
    response = HttpResponse(appointment_ics(session), content_type="text/calendar; charset=utf-8")
    local = timezone.localtime(session.starts_at)
    response["Content-Disposition"] = f'attachment; filename="appointment-{local:%Y-%m-%d-%H%M}.ics"'
    return response


class AppointmentRemindersForm(forms.Form):
    appointment_channel = forms.ChoiceField(
        label="Appointment reminders", choices=ReminderPreference.Channel.choices, widget=forms.RadioSelect
    )
    mobile = forms.CharField(label="Mobile number for texts", required=False, max_length=40)


def appointment_reminder_context(client: Client, form: AppointmentRemindersForm | None = None) -> dict:
    """What the portal settings page needs for its appointment-reminder card."""
    preference = preference_for(client)
    policy = policy_for(client.practice_id)
    if form is None:
        form = AppointmentRemindersForm(
            initial={"appointment_channel": preference.appointment_channel, "mobile": preference.mobile}
        )
    hours = sorted((minutes / 60 for minutes in policy.offsets_minutes), reverse=True)
    return {
        "appointment_form": form,
        "record_phone": client.phone,
        "reminder_times": [f"{int(h)} hours" if h == int(h) else f"{h:g} hours" for h in hours],
        "reminders_off": not policy.enabled,
        "texts_offered": Reminder.Channel.SMS in policy.channels,
    }


@portal_page
@require_POST
def portal_appointment_reminders(request, client: Client):
    if client.is_discharged:
        return _closed(request, client)
    form = AppointmentRemindersForm(request.POST)
    if form.is_valid():
        try:
            reminder_preference_update(
                client=client,
                actor=request.user,
                appointment_channel=form.cleaned_data["appointment_channel"],
                mobile=form.cleaned_data["mobile"],
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Your appointment reminder settings are saved.")
            return redirect("portal-settings")
    from clients.forms import ReminderPreferencesForm
    from clients.models import Consent
    from clients.services.records import has_consent

    homework_form = ReminderPreferencesForm(
        initial={"enabled": client.reminders_enabled, "hour": client.reminder_hour, "channel": client.reminder_channel}
    )
    return _render(
        request,
        "settings.html",
        client,
        {
            "form": homework_form,
            "ai_consent": has_consent(client, Consent.Kind.AI_PROCESSING),
            **appointment_reminder_context(client, form),
        },
        status=400,
    )


# ---------------------------------------------------------------------------
# Practice settings: reminder times, channels, late-cancel window, video service

OFFSET_CHOICES = [
    (7 * 24 * 60, "1 week before"),
    (72 * 60, "3 days before"),
    (48 * 60, "2 days (48 hours) before"),
    (24 * 60, "1 day (24 hours) before"),
    (4 * 60, "4 hours before"),
    (2 * 60, "2 hours before"),
    (60, "1 hour before"),
    (30, "30 minutes before"),
]


class ReminderPolicyForm(forms.Form):
    enabled = forms.BooleanField(label="Send appointment reminders", required=False)
    offsets = forms.TypedMultipleChoiceField(
        label="When", choices=OFFSET_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )
    channels = forms.MultipleChoiceField(
        label="How (each client chooses among these)",
        choices=Reminder.Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    late_cancel_hours = forms.IntegerField(label="Late-cancellation window (hours)", min_value=0, max_value=168)
    reminder_name = forms.CharField(
        label="Name used in reminders",
        required=False,
        max_length=100,
        help_text="Leave empty to use the practice name without words such as “therapy”.",
    )
    video_base_url = forms.URLField(
        label="Video service address",
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text="For example your self-hosted Jitsi, https://meet.example.org/. Each video session gets its own "
        "unguessable room there. Empty: the built-in placeholder room (for trying Alliance out).",
    )

    def clean(self):
        data = super().clean()
        if data.get("enabled") and not data.get("offsets"):
            self.add_error("offsets", "Choose at least one time, or turn reminders off.")
        return data


schedule_settings_page = capability_required(Capability.CONFIGURE_SCHEDULING)


@schedule_settings_page
@require_http_methods(["GET", "POST"])
def reminder_settings(request):
    practice = request.user.membership.practice
    policy = policy_for(practice.pk)
    initial = {
        "enabled": policy.enabled,
        "offsets": policy.offsets_minutes,
        "channels": policy.channels,
        "late_cancel_hours": policy.late_cancel_hours,
        "reminder_name": policy.reminder_name,
        "video_base_url": policy.video_base_url,
    }
    form = ReminderPolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                reminder_policy_update(
                    practice=practice,
                    actor=request.user,
                    enabled=data["enabled"],
                    offsets_minutes=list(data["offsets"]),
                    channels=list(data["channels"]),
                    late_cancel_hours=data["late_cancel_hours"],
                    video_base_url=data["video_base_url"],
                    reminder_name_text=data["reminder_name"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, "Reminder settings saved. Upcoming appointments follow them.")
                return redirect("reminder-settings")
        status = 400
    from sessions.reminders import reminder_name

    recent = (
        Reminder.objects.filter(client__practice=practice, status__in=[Reminder.Status.SENT, Reminder.Status.FAILED])
        .order_by("-sent_at", "-id")
        .only("purpose", "channel", "status", "sent_at", "due_at", "detail", "offset_minutes")[:10]
    )
    context = {
        "form": form,
        "example_name": reminder_name(policy, practice.name),
        "example_when": human_when(
            timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
        ),
        "recent": recent,
        "pending_count": Reminder.objects.filter(client__practice=practice, status=Reminder.Status.PENDING).count(),
    }
    return render(request, "practice/reminder_settings.html", context, status=status)


# ---------------------------------------------------------------------------
# The placeholder video room (no outside service configured)


@login_required
def video_room(request, room: str):
    session = video_session_for(user=request.user, room=room)
    return render(request, "video_room.html", {"room": session.video_room})

"""The chart's Measures tab, beyond the trends: the client's schedule (with per-client
overrides of the practice protocol), what is due, and the in-session buttons."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from clients.models import Client, DueQuestionnaire
from clients.selectors import client_is_editable
from clients.services.measures import instruments_for
from practice.roles import Capability
from practice.web_guards import user_can

# Given in session from the chart (C-SSRS is the therapist's interview, so it is listed too).
GIVEABLE = ("phq9", "gad7", "pcl5", "wai_sr", "phq4", "cssrs_screener")


class ScheduleForm(forms.Form):
    instrument = forms.CharField(widget=forms.HiddenInput, max_length=40)
    every_n_sessions = forms.IntegerField(label="Every N sessions", min_value=1, max_value=52)
    min_days_between = forms.IntegerField(label="At least days apart", min_value=0, max_value=365, initial=0)
    expires_after_days = forms.IntegerField(label="Expires after (days)", min_value=1, max_value=30, initial=3)
    active = forms.BooleanField(label="Active", required=False, initial=True)


class NewScheduleForm(ScheduleForm):
    instrument = forms.ChoiceField(label="Measure")

    def __init__(self, *args, client: Client, definitions: dict[str, dict] | None = None, **kwargs):
        super().__init__(*args, prefix="schedule_new", **kwargs)
        if definitions is None:
            definitions = instruments_for(client.practice_id)
        self.fields["instrument"].choices = [
            (code, d["name"]) for code, d in definitions.items() if d.get("answer_format") == "list"
        ]


def measures_tab_extras(client: Client, user, forms_: dict, definitions: dict[str, dict] | None = None) -> dict:
    if definitions is None:
        definitions = instruments_for(client.practice_id)
    schedules = list(client.measure_schedules.order_by("instrument"))
    for schedule in schedules:
        schedule.name = definitions.get(schedule.instrument, {}).get("name", schedule.instrument)
    due = list(
        DueQuestionnaire.objects.filter(
            client=client, status=DueQuestionnaire.Status.PENDING, expires_at__gt=timezone.now()
        )
        .select_related("session")
        .order_by("due_at")
    )
    for row in due:
        row.name = definitions.get(row.instrument, {}).get("name", row.instrument)
    return {
        "schedules": schedules,
        "new_schedule_form": forms_.get("schedule_new") or NewScheduleForm(client=client, definitions=definitions),
        "due_now": due,
        "giveable": [(code, definitions[code]["name"]) for code in GIVEABLE if code in definitions],
        "kiosk_giveable": [
            (code, definitions[code]["name"])
            for code in GIVEABLE
            if code in definitions and definitions[code].get("answer_format") == "list"
        ],
        "can_give": client_is_editable(user=user, client=client) and not client.is_discharged,
        "can_configure_protocol": user_can(user, Capability.MANAGE_LIBRARY)
        or user_can(user, Capability.CONFIGURE_PRACTICE),
    }

"""Admin pages: the practice's settings, its crisis lines, and the audit log viewer."""

from __future__ import annotations

import csv
import zoneinfo
from collections.abc import Iterator

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from practice import services
from practice.crisis import MAX_LINES, country_choices, defaults_for
from practice.errors import DomainError, Invalid, field_errors
from practice.models import Membership
from practice.roles import Capability, Role
from practice.selectors import (
    audit_filter_choices,
    audit_filters_from,
    audit_log_for_export,
    audit_log_for_viewer,
)
from practice.web_guards import capability_required

AUDIT_PAGE_SIZE = 50


def _therapists(practice) -> list[Membership]:
    return list(
        Membership.objects.filter(practice=practice, is_active=True, role=Role.THERAPIST)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "id")
    )


class PracticeSettingsForm(forms.Form):
    name = forms.CharField(label="Practice name", max_length=200)
    country = forms.ChoiceField(
        label="Country", help_text="Chooses the crisis lines clients see, unless you edit them."
    )
    time_zone = forms.ChoiceField(label="Time zone")
    locale = forms.ChoiceField(label="Language and date format", choices=services.LOCALE_CHOICES)
    urgent_ack_minutes = forms.IntegerField(
        label="Urgent alerts: acknowledge within (minutes)",
        help_text="Unacknowledged urgent alerts escalate after this.",
    )
    concern_ack_business_days = forms.IntegerField(label="Concern alerts: acknowledge within (business days)")
    backup_clinician = forms.ChoiceField(
        label="Backup clinician", required=False, help_text="Receives urgent alerts the client's therapist misses."
    )
    require_mfa = forms.BooleanField(
        label="Require two-factor authentication for all staff",
        required=False,
        help_text="Staff without an authenticator app are asked to set one up at their next sign-in.",
    )
    note_overdue_hours = forms.IntegerField(
        label="A progress note is overdue after (hours)", help_text="Counted from the start of the session."
    )
    not_on_track_session = forms.IntegerField(
        label="Check 'not on track' from session", help_text="Outcome measures are compared with expected change."
    )
    pcl5_cutoff = forms.IntegerField(label="PCL-5 cut-off score", help_text="Scores at or above suggest probable PTSD.")

    SECTIONS = (
        ("Practice", ("name", "country", "time_zone", "locale")),
        ("Alerts", ("urgent_ack_minutes", "concern_ack_business_days", "backup_clinician")),
        ("Security", ("require_mfa",)),
        ("Clinical thresholds", ("note_overdue_hours", "not_on_track_session", "pcl5_cutoff")),
    )

    def __init__(self, *args, therapists: list[Membership], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [(code, f"{name} ({code})") for code, name in country_choices()]
        self.fields["time_zone"].choices = [(zone, zone) for zone in sorted(zoneinfo.available_timezones())]
        self.fields["backup_clinician"].choices = [("", "No backup clinician")] + [
            (str(member.pk), member.display_name) for member in therapists
        ]

    def sections(self):
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]


def _settings_initial(practice) -> dict:
    return {
        "name": practice.name,
        "country": practice.country,
        "time_zone": practice.time_zone,
        "locale": practice.locale,
        "urgent_ack_minutes": practice.urgent_ack_minutes,
        "concern_ack_business_days": practice.concern_ack_business_days,
        "backup_clinician": str(practice.backup_clinician_id or ""),
        "require_mfa": practice.require_mfa,
        "note_overdue_hours": practice.note_overdue_hours,
        "not_on_track_session": practice.not_on_track_session,
        "pcl5_cutoff": practice.pcl5_cutoff,
    }


def _apply_domain_errors(form: forms.BaseForm, error: DomainError) -> None:
    for field, problems in field_errors(error).items():
        form.add_error(field if field in form.fields else None, " ".join(str(problem) for problem in problems))


def _crisis_context(practice) -> dict:
    defaults = defaults_for(practice.country)
    return {
        "crisis_lines": practice.crisis_lines_effective,
        "crisis_defaults": defaults,
        "follows_defaults": practice.follows_country_defaults,
    }


@capability_required(Capability.CONFIGURE_PRACTICE)
@require_http_methods(["GET", "POST"])
def practice_settings(request):
    practice = request.user.membership.practice
    therapists = _therapists(practice)
    form = PracticeSettingsForm(request.POST or None, initial=_settings_initial(practice), therapists=therapists)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("backup_clinician")
        data["backup_clinician"] = next((member for member in therapists if str(member.pk) == chosen), None)
        country_before = practice.country
        try:
            services.practice_update(practice=practice, actor=request.user, data=data)
        except DomainError as error:
            _apply_domain_errors(form, error)
        else:
            if practice.country != country_before:
                messages.success(
                    request,
                    f"Settings saved. Clients now see the crisis lines for {defaults_for(practice.country).name}.",
                )
            else:
                messages.success(request, "Settings saved.")
            return redirect("practice-settings")
    return render(
        request,
        "practice/settings.html",
        {"form": form, "practice": practice, **_crisis_context(practice)},
        status=400 if request.method == "POST" else 200,
    )


class CrisisLineForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, required=False)
    phone = forms.CharField(label="Phone", max_length=30, required=False)
    text = forms.CharField(label="Text (SMS)", max_length=30, required=False)
    url = forms.CharField(label="Web site", max_length=300, required=False)
    when = forms.CharField(label="When to use it", max_length=300, required=False)


CrisisLineFormSet = forms.formset_factory(
    CrisisLineForm, extra=1, can_delete=True, can_order=True, max_num=MAX_LINES, absolute_max=MAX_LINES + 1
)


def _lines_from_formset(formset) -> list[dict]:
    kept = []
    for position, line_form in enumerate(formset.forms):
        data = line_form.cleaned_data or {}
        if data.get("DELETE"):
            continue
        values = {key: (data.get(key) or "").strip() for key in ("name", "phone", "text", "url", "when")}
        if not any(values.values()):
            continue
        order = data.get("ORDER")
        kept.append((order if order is not None else 10_000 + position, position, values))
    return [values for _, _, values in sorted(kept, key=lambda item: (item[0], item[1]))]


@capability_required(Capability.CONFIGURE_PRACTICE)
@require_http_methods(["GET", "POST"])
def practice_crisis_lines(request):
    """Edit (add, remove, reorder) the practice's crisis lines, or go back to the country's set."""
    practice = request.user.membership.practice
    initial = [line.as_dict() for line in practice.crisis_lines_effective]
    status = 200
    if request.method == "POST" and request.POST.get("action") == "reset":
        services.practice_update(practice=practice, actor=request.user, data={"crisis_lines": []})
        messages.success(request, f"Crisis lines reset to the default set for {defaults_for(practice.country).name}.")
        return redirect("practice-crisis-lines")
    formset = CrisisLineFormSet(request.POST or None, initial=initial, prefix="line")
    error = ""
    if request.method == "POST":
        if formset.is_valid():
            lines = _lines_from_formset(formset)
            if not lines:
                error = "Keep at least one crisis line, or reset to your country's set."
            else:
                try:
                    services.practice_update(practice=practice, actor=request.user, data={"crisis_lines": lines})
                except Invalid as problem:
                    error = problem.message
                else:
                    messages.success(request, "Crisis lines saved. Clients see them on every portal page at once.")
                    return redirect("practice-crisis-lines")
        else:
            error = "Check the lines below."
        status = 400
    return render(
        request,
        "practice/crisis_lines.html",
        {"formset": formset, "practice": practice, "error": error, **_crisis_context(practice)},
        status=status,
    )


# ----------------------------------------------------------------------------- audit log


def _filters_or_errors(request):
    try:
        return audit_filters_from(request.GET if request.method == "GET" else request.POST), {}
    except Invalid as error:
        return None, error.errors


@capability_required(Capability.VIEW_AUDIT)
@require_http_methods(["GET"])
def audit_log(request):
    """Who read or changed what, when: field names and targets, never the values."""
    practice = request.user.membership.practice
    filters, errors = _filters_or_errors(request)
    page = None
    if filters is not None:
        events = audit_log_for_viewer(actor=request.user, practice=practice, filters=filters)
        page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = filters.as_query() if filters else {}
    return render(
        request,
        "practice/audit_log.html",
        {
            "page": page,
            "filters": query,
            "errors": errors,
            "query": urlencode(query),
            "choices": audit_filter_choices(practice=practice),
            "params": request.GET,
        },
        status=400 if errors else 200,
    )


CSV_COLUMNS = (
    "timestamp",
    "actor",
    "actor_role",
    "action",
    "target_type",
    "target_id",
    "client_id",
    "client_name",
    "fields",
    "request_id",
    "ip_address",
)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell a spreadsheet would run as a formula is written as text.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events.iterator(chunk_size=500):
        yield writer.writerow(
            [
                _cell(value)
                for value in (
                    event.created_at.isoformat(),
                    event.actor.email if event.actor else "",
                    event.actor_role,
                    event.action,
                    event.target_type,
                    event.target_id,
                    event.client_id,
                    event.client_name,
                    ";".join(event.fields or []),
                    event.request_id,
                    event.ip_address,
                )
            ]
        )


@capability_required(Capability.VIEW_AUDIT)
@require_POST
def audit_log_export(request):
    """The filtered audit log as CSV (ISO 8601 timestamps), streamed; recorded as an EXPORT."""
    filters, errors = _filters_or_errors(request)
    if filters is None:
        messages.error(request, " ".join(message for problems in errors.values() for message in problems))
        return redirect(reverse("audit-log"))
    events = audit_log_for_export(actor=request.user, practice=request.user.membership.practice, filters=filters)
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    return response

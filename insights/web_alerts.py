"""The therapist's alerts page: open and acknowledged alerts, acknowledge and resolve forms.

Alerts close only when a person resolves them (insights.safety); this page is where that
happens. Scope is the API's (`alerts_for`: the therapist's clients plus alerts escalated to
them as backup clinician); anything else is 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from clients.web_chart import therapist_required
from insights.api_alerts import alerts_for
from insights.models import Alert
from insights.safety import alert_acknowledge, alert_resolve
from practice.api_support import DomainError
from practice.audit import audit_read


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose what was done"), *Alert.Outcome.choices])
    note = forms.CharField(label="What was done", max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


def _act(request, alert: Alert) -> tuple[str | None, dict]:
    """Run the posted action; returns (error message or None, bound forms with errors)."""
    action = request.POST.get("action")
    if action == "acknowledge":
        form = AcknowledgeForm(request.POST, prefix=f"ack-{alert.pk}")
        if not form.is_valid():
            return "Please correct the acknowledgement.", {alert.pk: {"ack": form}}
        alert_acknowledge(alert=alert, actor=request.user, note=form.cleaned_data["note"])
        return None, {}
    if action == "resolve":
        form = ResolveForm(request.POST, prefix=f"resolve-{alert.pk}")
        if not form.is_valid():
            return "Choose an outcome and say what was done.", {alert.pk: {"resolve": form}}
        alert_resolve(
            alert=alert, actor=request.user, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"]
        )
        return None, {}
    return "Unknown action.", {}


@therapist_required
@require_http_methods(["GET", "POST"])
def alerts(request) -> HttpResponse:
    user = request.user
    bound: dict = {}
    error, status = None, 200
    if request.method == "POST":
        alert = get_object_or_404(
            alerts_for(user).exclude(status=Alert.Status.RESOLVED), pk=request.POST.get("alert") or 0
        )
        try:
            error, bound = _act(request, alert)
        except DomainError as failure:
            error, status = failure.message, 409 if failure.conflict else 400
        if error is None:
            messages.success(
                request, f"Alert {'resolved' if request.POST.get('action') == 'resolve' else 'acknowledged'}."
            )
            return redirect("alerts")
        status = status if status != 200 else 400
    urgent_first = Case(
        When(severity=Alert.Severity.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    rows = list(
        alerts_for(user)
        .exclude(status=Alert.Status.RESOLVED)
        .select_related("acknowledged_by")
        .order_by(urgent_first, "acknowledge_by", "id")
    )
    now = timezone.now()
    for alert in rows:
        forms_ = bound.get(alert.pk, {})
        alert.ack_form = forms_.get("ack") or AcknowledgeForm(prefix=f"ack-{alert.pk}")
        alert.resolve_form = forms_.get("resolve") or ResolveForm(prefix=f"resolve-{alert.pk}")
        alert.overdue = alert.status == Alert.Status.OPEN and alert.acknowledge_by < now
    # Excerpts and acknowledgement notes are clinical text: one read event per client shown.
    for client_id in sorted({alert.client_id for alert in rows}):
        audit_read(
            actor=user, client_id=client_id, target_type="insights.alert", fields=["excerpt", "acknowledge_note"]
        )
    context = {
        "open_alerts": [alert for alert in rows if alert.status == Alert.Status.OPEN],
        "acknowledged_alerts": [alert for alert in rows if alert.status == Alert.Status.ACKNOWLEDGED],
        "error": error,
    }
    return render(request, "therapist/alerts.html", context, status=status)

"""The therapist's alerts triage page: open alerts grouped by client, the resolved history.

Alerts close only when a person resolves them (insights.safety); this page is where that
happens. "Open" (the default) lists the unresolved alerts grouped by client, clients ordered
by their most urgent alert (urgent before concern, then the earliest acknowledge-by deadline);
the acknowledge and resolve forms open on demand (<details>, no script). "Resolved" is the
history, newest first, paginated, with the outcome and who resolved it when. Both lists are
paginated (25 clients, 25 resolved alerts a page). Scope is the
API's (`Alert.objects.visible_to`: the therapist's clients plus alerts escalated to them as
backup clinician), reached through `insights.selectors` (`alerts_triage` and
`resolved_alerts_page` record the reads of the texts, `alert_for_write`); anything else is
404. The guard is the API's capability (ACKNOWLEDGE_ALERTS).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from insights.models import Alert
from insights.safety import alert_acknowledge, alert_resolve
from insights.selectors import alert_for_write, alerts_triage, resolved_alerts_page
from practice.errors import DomainError
from practice.roles import Capability
from practice.web_guards import capability_required


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose what was done"), *Alert.Outcome.choices],
        help_text='"Safety plan reviewed" links the client\'s current safety plan version and marks it reviewed.',
    )
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


SHOWN_LISTS = ("open", "resolved")


@capability_required(Capability.ACKNOWLEDGE_ALERTS)
@require_http_methods(["GET", "POST"])
def alerts(request) -> HttpResponse:
    user = request.user
    bound: dict = {}
    error, status = None, 200
    if request.method == "POST":
        alert = alert_for_write(user=user, alert_id=request.POST.get("alert") or 0, unresolved_only=True)
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
    shown = request.GET.get("show", "open") if request.method == "GET" else "open"
    if shown not in SHOWN_LISTS:
        shown = "open"
    context: dict = {"show": shown, "error": error}
    if shown == "resolved":
        context["resolved"] = resolved_alerts_page(user=user, page=request.GET.get("page") or 1)
        return render(request, "therapist/alerts.html", context, status=status)
    triage = alerts_triage(user=user, page=request.GET.get("page") or 1)
    groups = list(triage.page.object_list)
    for group in groups:
        for alert in group.alerts:
            forms_ = bound.get(alert.pk, {})
            alert.ack_form = forms_.get("ack") or AcknowledgeForm(prefix=f"ack-{alert.pk}")
            alert.resolve_form = forms_.get("resolve") or ResolveForm(prefix=f"resolve-{alert.pk}")
            alert.form_open = "ack" if "ack" in forms_ else "resolve" if "resolve" in forms_ else ""
    context["groups"] = groups
    context["groups_page"] = triage.page
    context["open_count"] = triage.alert_count
    context["open_alerts"] = [alert for group in groups for alert in group.alerts]
    return render(request, "therapist/alerts.html", context, status=status)

"""The practice report page (managers and admins, aggregates only; anyone else 404).

The guard is `practice.web_guards.capability_required(VIEW_REPORTS)`, the capability the
reports API checks. The therapist's alerts page is insights/web_alerts.py.

The page reads the stored monthly figures and says when they were computed ("as of");
"Refresh figures" is a POST (`reports_refresh`) that recomputes them now, audited. The
figures cover exactly the dates chosen: a range that is not whole months is computed for its
days when the page is read (insights.reports), and its "as of" is that moment.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from insights import charts
from insights import reports as practice_reports
from practice.roles import Capability
from practice.web_guards import capability_required


def _report_query(params) -> dict[str, str]:
    query = {"start": params.start.isoformat(), "end": params.end.isoformat()}
    if params.therapist_id is not None:
        query["therapist"] = str(params.therapist_id)
    return query


@capability_required(Capability.VIEW_REPORTS)
@require_POST
def reports_refresh(request):
    """Recompute the practice's figures now, then show the report for the same choices."""
    practice = request.user.membership.practice
    therapist_ids = [option.id for option in practice_reports.practice_therapists(practice)]
    try:
        params = practice_reports.parse_report_params(
            request.POST, therapist_ids=therapist_ids, today=timezone.localdate()
        )
    except practice_reports.ReportParamsError:
        params = practice_reports.parse_report_params({}, therapist_ids=therapist_ids, today=timezone.localdate())
    practice_reports.refresh_report_figures(practice=practice, actor=request.user)
    messages.success(request, "Figures recomputed just now.")
    return redirect(f"{reverse('reports')}?{urlencode(_report_query(params))}")


@capability_required(Capability.VIEW_REPORTS)
@require_GET
def reports(request):
    """The practice report for managers and admins (aggregates only); anyone else gets 404."""
    practice = request.user.membership.practice
    therapists = practice_reports.practice_therapists(practice)
    therapist_ids = [option.id for option in therapists]
    errors: dict[str, list[str]] = {}
    try:
        params = practice_reports.parse_report_params(
            request.GET, therapist_ids=therapist_ids, today=timezone.localdate()
        )
    except practice_reports.ReportParamsError as error:
        # Show the form errors above the default report rather than an empty page.
        errors = error.errors
        params = practice_reports.parse_report_params({}, therapist_ids=therapist_ids, today=timezone.localdate())
    report = practice_reports.practice_report(practice=practice, params=params, therapists=therapists)

    trend_charts = []
    for series in practice_reports.trend_series(report):
        # "2026-01" -> "Jan 2026", then "Feb", ...: short labels the chart can thin without overlap.
        points = list(
            zip(
                charts.month_labels([month for month, _ in series["points"]]),
                [v for _, v in series["points"]],
                strict=True,
            )
        )
        if series["kind"] == "bar":
            trend_charts.append(
                charts.bar_chart(
                    points,
                    width=440,
                    height=220,
                    title=series["title"],
                    y_label=series.get("unit", "Count"),
                    integer=True,
                )
            )
        elif series["kind"] == "percent":
            trend_charts.append(
                charts.line_chart(
                    points, width=440, height=220, title=series["title"], y_min=0, y_max=100, y_label="Percent"
                )
            )
        else:
            trend_charts.append(
                charts.line_chart(
                    points,
                    width=440,
                    height=220,
                    title=series["title"],
                    y_min=0,
                    y_label=series.get("unit", "Count"),
                    integer=True,
                )
            )
    query = _report_query(params)
    context = {
        "query": query,
        "exact_days": not params.whole_months,
        "report": report,
        "computed_at": parse_datetime(report["computed_at"]) if report["computed_at"] else None,
        "sections": practice_reports.report_sections(report),
        "summary_columns": [heading for _, _, heading in practice_reports.THERAPIST_SUMMARY_COLUMNS],
        "therapist_summary": practice_reports.therapist_summary(report),
        "charts": trend_charts,
        "therapists": therapists,
        "params": params,
        "errors": errors,
        "csv_url": f"{reverse('api-reports-practice-csv')}?{urlencode(query)}",
        "pdf_url": f"{reverse('api-reports-practice-pdf')}?{urlencode(query)}",
    }
    return render(request, "insights/reports.html", context)

"""The practice report page (managers and admins, aggregates only; anyone else 404).

The guard is `practice.web_guards.capability_required(VIEW_REPORTS)`, the capability the
reports API checks. The therapist's alerts page is insights/web_alerts.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from insights import charts
from insights import reports as practice_reports
from practice.roles import Capability
from practice.web_guards import capability_required


@capability_required(Capability.VIEW_REPORTS)
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
        if series["kind"] == "bar":
            trend_charts.append(charts.bar_chart(series["points"], width=480, height=200, title=series["title"]))
        elif series["kind"] == "percent":
            trend_charts.append(
                charts.line_chart(
                    series["points"], width=480, height=200, title=f"{series['title']} (%)", y_min=0, y_max=100
                )
            )
        else:
            trend_charts.append(
                charts.line_chart(series["points"], width=480, height=200, title=series["title"], y_min=0)
            )
    query = {"start": params.start.isoformat(), "end": params.end.isoformat()}
    if params.therapist_id is not None:
        query["therapist"] = str(params.therapist_id)
    context = {
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

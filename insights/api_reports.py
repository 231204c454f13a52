"""HTTP API for practice reports (managers and admins): JSON, CSV and printable PDF.

Aggregates only: these views never touch a client row, note, answer or check-in text; they
read insights.PracticeAggregate through insights.reports, which applies suppression.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from insights import reports
from practice.audit import AuditAction, audit_record
from practice.permissions import capability_required
from practice.roles import Capability

ReportsOnly = capability_required(Capability.VIEW_REPORTS)
PAGE_MARGIN_MM = 15
A4_WIDTH_MM = 210.0
CONTENT_WIDTH_MM = A4_WIDTH_MM - 2 * PAGE_MARGIN_MM
# Column shares of the content width: every table spans the page exactly, whatever its size.
FIGURE_TABLE_SHARES = (0.24, 0.2, 0.56)  # figure, value, definition
FIRST_COLUMN_MM = 36.0  # therapist names in the by-therapist table
MONTH_COLUMN_MM = 16.0
# The trends table splits into several tables rather than squeeze more columns than this.
MAX_TREND_COLUMNS = 6


def column_widths(content_mm: float, *, first_mm: float, others: int) -> list[float]:
    """A first column of `first_mm` and `others` equal columns filling the rest of the width."""
    return [first_mm] + [(content_mm - first_mm) / others] * others if others else [content_mm]


REPORT_PARAMETERS = [
    OpenApiParameter(
        "start", OpenApiTypes.DATE, description="First day (YYYY-MM-DD); figures cover exactly start..end"
    ),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day (YYYY-MM-DD); default the end of this month"),
    OpenApiParameter("therapist", int, description="Therapist member id"),
]


def report_for_request(request) -> dict[str, Any]:
    """Validate the query and return the (cached) report for the caller's practice."""
    practice = request.user.membership.practice
    therapists = reports.practice_therapists(practice)
    try:
        params = reports.parse_report_params(
            request.query_params, therapist_ids=[option.id for option in therapists], today=timezone.localdate()
        )
    except reports.ReportParamsError as error:
        raise exceptions.ValidationError(error.errors) from error
    return reports.practice_report(practice=practice, params=params, therapists=therapists)


def _export_audit(request, report: Mapping[str, Any], kind: str) -> None:
    # An export leaves the system; record who took which report (no figures in the log).
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action=AuditAction.EXPORT,
            target_type="insights.practicereport",
            target_id=report["practice"]["id"],
            fields=[kind],
        )


def _filename(report: Mapping[str, Any], extension: str) -> str:
    period = report["period"]
    return f"practice-report-{period['start']}-{period['end']}.{extension}"


def _therapist_label(report: Mapping[str, Any]) -> str:
    therapist = report["filters"]["therapist"]
    return "All therapists" if therapist is None else f"{therapist['name']} (member {therapist['id']})"


class PracticeReportView(APIView):
    permission_classes = [ReportsOnly]

    @extend_schema(parameters=REPORT_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response(report_for_request(request))


# --- CSV ----------------------------------------------------------------------------------


def _csv_safe(value: Any) -> Any:
    """Defuse spreadsheet formulas in text cells (therapist names are user-entered)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_figure_cells(value: Any) -> list[Any]:
    """value, numerator, denominator, n for one presented figure."""
    if not isinstance(value, dict):
        return [value, "", "", ""]
    if "percent" in value:
        shown = "suppressed" if value["suppressed"] else value["percent"]
        return [shown, value["numerator"], value["denominator"], ""]
    return ["suppressed" if value["suppressed"] else value["value"], "", "", value["n"]]


def render_report_csv(report: Mapping[str, Any], *, exported_at: dt.datetime) -> str:
    """Long-format CSV: meta rows, then one row per figure per scope, then the monthly trends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["scope", "month", "section", "figure", "value", "numerator", "denominator", "n"])
    meta = [
        ("practice", report["practice"]["name"]),
        ("period_start", report["period"]["start"]),
        ("period_end", report["period"]["end"]),
        ("therapist_filter", _therapist_label(report)),
        ("generated_at", exported_at.isoformat()),
        ("figures_computed_at", report["computed_at"] or ""),
        ("suppression", report["suppression"]["rule"]),
    ]
    for key, value in meta:
        writer.writerow(["meta", "", "meta", key, _csv_safe(value), "", "", ""])
    scopes = [("practice" if report["filters"]["therapist"] is None else "therapist_filter", report)]
    scopes += [
        (f"therapist:{entry['therapist']['id']}:{entry['therapist']['name']}", entry)
        for entry in report["by_therapist"]
    ]
    for scope, figures in scopes:
        for section in reports.report_sections(figures):
            for figure in section["figures"]:
                writer.writerow(
                    [_csv_safe(scope), "", section["key"], figure["key"], *_csv_figure_cells(figure["value"])]
                )
    for entry in report["trends"]:
        for key, value in entry.items():
            if key != "month":
                writer.writerow(["trend", entry["month"], "trend", key, *_csv_figure_cells(value)])
    return buffer.getvalue()


class PracticeReportCsvView(APIView):
    permission_classes = [ReportsOnly]

    @extend_schema(parameters=REPORT_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        report = report_for_request(request)
        _export_audit(request, report, "csv")
        response = HttpResponse(
            render_report_csv(report, exported_at=timezone.now()), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{_filename(report, "csv")}"'
        return response


# --- PDF ----------------------------------------------------------------------------------


def render_report_pdf(report: Mapping[str, Any], *, exported_at: dt.datetime, compress: bool = True) -> bytes:
    """A printable A4 report. `compress=False` leaves text streams readable (tests)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    # Cells wrap between words only (splitLongWords=0): a word is never broken mid-way.
    small = styles["BodyText"].clone("small", fontSize=8, leading=10, splitLongWords=0)

    def para(text: Any, style=small) -> Paragraph:
        return Paragraph(xml_escape(str(text)), style)

    def header_row(texts: list[str], widths_mm: list[float]) -> list[Paragraph]:
        style = header_style(texts, widths_mm)
        return [para(text, style) for text in texts]

    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e9ef")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING_PT),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING_PT),
        ]
    )
    story: list[Any] = [
        para(f"Practice report: {report['practice']['name']}", styles["Title"]),
        para(_period_line(report), styles["BodyText"]),
        para(f"Therapist: {_therapist_label(report)}", styles["BodyText"]),
        para(
            f"Generated at {exported_at.isoformat(timespec='seconds')}; figures computed at {report['computed_at'] or 'never'}",
            styles["BodyText"],
        ),
        para(report["suppression"]["rule"], small),
        Spacer(1, 4 * mm),
    ]
    content_mm = (A4[0] / mm) - 2 * PAGE_MARGIN_MM
    for section in reports.report_sections(report):
        story.append(para(section["title"], styles["Heading2"]))
        widths = [content_mm * share for share in FIGURE_TABLE_SHARES]
        rows = [header_row(["Figure", "Value", "Definition"], widths)]
        rows += [[para(f["label"]), para(f["display"]), para(f["help"])] for f in section["figures"]]
        table = Table(rows, colWidths=[width * mm for width in widths], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    if report["by_therapist"]:
        story.append(para("By therapist", styles["Heading2"]))
        widths = column_widths(content_mm, first_mm=FIRST_COLUMN_MM, others=len(reports.THERAPIST_SUMMARY_COLUMNS))
        rows = [header_row(["Therapist"] + [heading for _, _, heading in reports.THERAPIST_SUMMARY_COLUMNS], widths)]
        for summary in reports.therapist_summary(report):
            rows.append([para(summary["therapist"]["name"])] + [para(cell) for cell in summary["cells"]])
        table = Table(rows, colWidths=[width * mm for width in widths], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    series = reports.trend_series(report)
    if report["trends"]:
        story.append(para("Monthly trends", styles["Heading2"]))
        for start in range(0, len(series), MAX_TREND_COLUMNS):
            chunk = series[start : start + MAX_TREND_COLUMNS]
            widths = column_widths(content_mm, first_mm=MONTH_COLUMN_MM, others=len(chunk))
            rows = [header_row(["Month"] + [s["title"] for s in chunk], widths)]
            for entry in report["trends"]:
                rows.append([para(entry["month"])] + [para(_short(entry[s["key"]])) for s in chunk])
            table = Table(rows, colWidths=[width * mm for width in widths], repeatRows=1)
            table.setStyle(grid)
            story += [table, Spacer(1, 3 * mm)]

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title="Practice report",
        author="Alliance",
        leftMargin=PAGE_MARGIN_MM * mm,
        rightMargin=PAGE_MARGIN_MM * mm,
        topMargin=PAGE_MARGIN_MM * mm,
        bottomMargin=PAGE_MARGIN_MM * mm,
        pageCompression=1 if compress else 0,
        invariant=0 if compress else 1,
    )
    document.build(story)
    return buffer.getvalue()


CELL_PADDING_PT = 3
HEADER_FONT = "Helvetica-Bold"
HEADER_SIZES = (8, 7.5, 7, 6.5, 6, 5.5, 5)


def header_font_size(texts: list[str], widths_mm: list[float]) -> float:
    """The largest header size at which every word of every header fits its column, so a
    header wraps between words and never breaks one (the smallest size if none fits)."""
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    for size in HEADER_SIZES:
        if all(
            stringWidth(word, HEADER_FONT, size) <= width * mm - 2 * CELL_PADDING_PT
            for text, width in zip(texts, widths_mm, strict=True)
            for word in str(text).split()
        ):
            return size
    return HEADER_SIZES[-1]


def header_style(texts: list[str], widths_mm: list[float]):
    from reportlab.lib.styles import getSampleStyleSheet

    size = header_font_size(texts, widths_mm)
    return getSampleStyleSheet()["BodyText"].clone(
        "table-header", fontName=HEADER_FONT, fontSize=size, leading=size + 2, splitLongWords=0
    )


def _period_line(report: Mapping[str, Any]) -> str:
    # ISO dates, as in the CSV: figures cover exactly these days (insights.reports).
    period = report["period"]
    return f"Period: {period['start']} to {period['end']} (exactly these dates)"


def _short(value: Any) -> str:
    """A compact cell for the trends table: 12, <5, 45.5%, or a dash when suppressed."""
    if isinstance(value, dict):
        if value.get("suppressed"):
            return "-"
        return f"{value['percent']}%" if "percent" in value else str(value.get("value"))
    return str(value)


class PracticeReportPdfView(APIView):
    permission_classes = [ReportsOnly]

    @extend_schema(parameters=REPORT_PARAMETERS, responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        report = report_for_request(request)
        _export_audit(request, report, "pdf")
        response = HttpResponse(render_report_pdf(report, exported_at=timezone.now()), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{_filename(report, "pdf")}"'
        return response

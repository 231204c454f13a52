"""Progress reports: a one-page summary a therapist goes through with the client.

Contents (all computed from stored records, nothing AI-written: the only free text is the
therapist's own comment): for PHQ-9, GAD-7, PCL-5 and WAI-SR, the trajectory by date with the
severity bands, first and latest score and whether the change is reliable (with the published
threshold's source); the treatment goals and their status; homework engagement (completion
over the last 3 assignments, CLINICAL.md's rule, and the last 90 days). C-SSRS is never in it.

`progress_report_content` builds the snapshot (reads through the audited selectors);
`progress_report_share` freezes it with the comment and shows it in the client's portal;
`progress_report_pdf` renders it with reportlab.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clients.charts import Band, MeasurePoint, friendly_band, measure_chart
from clients.instrument_validation import total_range
from clients.models import Client, Goal, ProgressReport
from clients.selectors import assessment_series
from clients.services.measures import instruments_for
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError

if TYPE_CHECKING:
    from practice.models import User

REPORT_MEASURES = ("phq9", "gad7", "pcl5", "wai_sr")
# Words a client reads (the portal's names); the therapist's copy shows both.
FRIENDLY = {
    "phq9": "Mood questionnaire",
    "gad7": "Worry questionnaire",
    "pcl5": "Stress questionnaire",
    "wai_sr": "How therapy is going",
}
HIGHER_IS_BETTER = {"wai_sr"}
COMMENT_MAX = 4000
GOAL_WORDS: dict[str, str] = {
    Goal.Status.ACTIVE: "working on it",
    Goal.Status.MET: "met",
    Goal.Status.PARTIALLY_MET: "partly met",
    Goal.Status.NOT_MET: "not met",
    Goal.Status.DISCONTINUED: "set aside",
}


def _change_words(code: str, first: int, latest: int, threshold: int | None) -> str:
    change = latest - first
    if threshold is None:
        return f"{change:+d} points"
    if abs(change) < threshold:
        return f"{change:+d} points: no reliable change (reliable is {threshold}+)"
    better = (change > 0) if code in HIGHER_IS_BETTER else (change < 0)
    return f"{change:+d} points: reliable {'improvement' if better else 'worsening'}"


def progress_report_content(*, client: Client, actor: User) -> dict[str, Any]:
    """The report's snapshot as plain JSON (records the read of the measures)."""
    from sessions.models import HomeworkAssignment, Session

    definitions = instruments_for(client.practice_id)
    rows = [row for row in assessment_series(client=client, actor=actor) if row.instrument in REPORT_MEASURES]
    measures = []
    for code in REPORT_MEASURES:
        series = [row for row in rows if row.instrument == code and row.total is not None]
        if not series:
            continue
        definition = definitions[code]
        thresholds = definition.get("reliable_change") or {}
        threshold = thresholds.get("reliable") or thresholds.get("clinically_meaningful")
        first, latest = series[0].total, series[-1].total
        measures.append(
            {
                "code": code,
                "name": definition["name"],
                "friendly": FRIENDLY[code],
                "points": [[row.administered_at.isoformat(), row.total] for row in series],
                "first": first,
                "latest": latest,
                "latest_severity": ((series[-1].result or {}).get("severity") or "").replace("_", " "),
                "change": _change_words(code, first, latest, threshold),
                "threshold_source": definition.get("reliable_change_source", ""),
                "y_max": total_range(definition)[1],
                "bands": [[b["min"], b["max"], b["code"]] for b in definition.get("bands") or []],
                "caseness": definition.get("caseness_threshold"),
            }
        )
    goals = [
        {
            "description": goal.description,
            "status": GOAL_WORDS.get(goal.status, goal.status),
            "target": goal.target_date.isoformat() if goal.target_date else None,
        }
        for goal in Goal.objects.filter(client=client).order_by("created_at", "id")
    ]
    assignments = list(
        HomeworkAssignment.objects.filter(client=client)
        .exclude(status=HomeworkAssignment.Status.CANCELLED)
        .filter(due_at__lte=timezone.now())
        .order_by("-due_at", "-id")
    )
    last_three = assignments[:3]
    recent = [a for a in assignments if a.due_at >= timezone.now() - dt.timedelta(days=90)]
    done = HomeworkAssignment.Status.COMPLETED
    homework = {
        "last_three_percent": (
            round(100 * sum(a.status == done for a in last_three) / len(last_three)) if last_three else None
        ),
        "assigned_90d": len(recent),
        "completed_90d": sum(a.status == done for a in recent),
    }
    attended_starts = list(
        Session.objects.filter(client=client, status=Session.Status.ATTENDED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
    )
    attended = len(attended_starts)
    return {
        "client_name": client.preferred_name or client.first_name,
        "full_name": client.full_name,
        "since": client.intake_date.isoformat() if client.intake_date else None,
        "generated": timezone.localdate().isoformat(),
        "attended_sessions": attended,
        "sessions": [when.isoformat() for when in attended_starts],
        "measures": measures,
        "goals": goals,
        "homework": homework,
    }


def report_charts(content: dict[str, Any], *, friendly: bool, width: int = 560) -> list[dict[str, Any]]:
    """One SVG per measure in a stored snapshot (the same chart code as the chart's tab)."""
    charts = []
    sessions = [dt.datetime.fromisoformat(when) for when in content.get("sessions") or []]
    for measure in content.get("measures") or []:
        points = [
            MeasurePoint(
                label="",
                total=total,
                date_label=dt.datetime.fromisoformat(when).strftime("%d %b %Y"),
                when=dt.datetime.fromisoformat(when),
            )
            for when, total in measure["points"]
        ]
        name = measure["friendly"] if friendly else measure["name"]
        charts.append(
            {
                **measure,
                "title": name,
                "svg": measure_chart(
                    points,
                    title=f"{name}: totals by date",
                    y_max=measure["y_max"],
                    bands=[
                        Band(low, high, friendly_band(code) if friendly else code.replace("_", " "))
                        for low, high, code in measure["bands"]
                    ],
                    caseness=measure["caseness"],
                    width=width,
                    height=200,
                    band_labels=width >= 480,
                    sessions=sessions,
                ),
            }
        )
    return charts


def progress_report_share(*, client: Client, actor: User, comment: str) -> ProgressReport:
    """Freeze the report with the therapist's comment and show it in the client's portal."""
    if client.is_discharged:
        raise DomainError("This client is discharged; share reports from the archive instead.", conflict=True)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(f"Keep the comment under {COMMENT_MAX} characters.", field="comment")
    content = progress_report_content(client=client, actor=actor)
    now = timezone.now()
    with transaction.atomic():
        report = ProgressReport.objects.create(
            client=client, content=content, comment=comment, created_by=actor, created_at=now, shared_at=now
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=report,
            client_id=client.pk,
            fields=["content", "comment", "shared_at"],
        )
    return report


def progress_report_export(*, client: Client, actor: User, comment: str) -> bytes:
    """The report as a PDF (records an EXPORT)."""
    content = progress_report_content(client=client, actor=actor)
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditAction.EXPORT, target=client, client_id=client.pk, fields=["progress_report"]
        )
    return progress_report_pdf(content, (comment or "").strip()[:COMMENT_MAX])


def progress_report_pdf(content: dict[str, Any], comment: str) -> bytes:
    """One A4 page: header, a small chart per measure with its bands, goals, homework, comment."""
    from reportlab.graphics.shapes import Drawing, PolyLine, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    styles = getSampleStyleSheet()
    story: list = [
        Paragraph(f"Progress report: {_pdf_text(content['full_name'])}", styles["Title"]),
        Paragraph(
            f"Since {content.get('since') or 'intake'} · {content['attended_sessions']} sessions attended · "
            f"prepared {content['generated']}",
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
    ]
    fills = ["#eef6ef", "#f6f7e6", "#fdf3dc", "#fce8dc", "#f9dfdf"]
    for measure in content["measures"]:
        width, height = 170 * mm, 32 * mm
        drawing = Drawing(width, height)
        y_max = measure["y_max"]

        def y_of(value: float, y_max: int = y_max, height: float = height) -> float:
            return 4 + (height - 8) * value / y_max

        for index, (low, high, label) in enumerate(measure["bands"]):
            drawing.add(
                Rect(
                    0,
                    y_of(low),
                    width * 0.82,
                    y_of(high + 1) - y_of(low),
                    fillColor=colors.HexColor(fills[min(index, 4)]),
                    strokeColor=None,
                )
            )
            drawing.add(String(width * 0.83, y_of(low) + 1, label.replace("_", " "), fontSize=6))
        times = [dt.datetime.fromisoformat(when).timestamp() for when, _ in measure["points"]]
        span = max(times[-1] - times[0], 1.0)
        coords: list[float] = []
        for moment, (_, total) in zip(times, measure["points"], strict=True):
            coords += [4 + (width * 0.82 - 8) * (moment - times[0]) / span, y_of(total)]
        if len(coords) >= 4:
            drawing.add(PolyLine(coords, strokeColor=colors.HexColor("#1f5fa8"), strokeWidth=1.5))
        story += [
            Paragraph(
                f"<b>{_pdf_text(measure['name'])}</b>: {measure['first']} → {measure['latest']} "
                f"({_pdf_text(measure['change'])})",
                styles["Normal"],
            ),
            drawing,
        ]
    story.append(Paragraph("Goals", styles["Heading3"]))
    goal_rows = [["Goal", "Status"]] + [[_pdf_text(g["description"])[:90], g["status"]] for g in content["goals"]]
    story.append(Table(goal_rows if len(goal_rows) > 1 else [["No goals recorded", ""]], colWidths=[130 * mm, 40 * mm]))
    homework = content["homework"]
    story.append(Paragraph("Homework", styles["Heading3"]))
    story.append(
        Paragraph(
            f"Last 3 assignments: {'none yet' if homework['last_three_percent'] is None else str(homework['last_three_percent']) + '% done'}"
            f" · last 90 days: {homework['completed_90d']} of {homework['assigned_90d']} done",
            styles["Normal"],
        )
    )
    if comment:
        story += [
            Paragraph("Your therapist's comment", styles["Heading3"]),
            Paragraph(_pdf_text(comment), styles["Normal"]),
        ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, topMargin=14 * mm, bottomMargin=12 * mm, title="Progress report").build(
        story
    )
    return buffer.getvalue()


def _pdf_text(text: str) -> str:
    """reportlab's Paragraph reads a small markup: escape it."""
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

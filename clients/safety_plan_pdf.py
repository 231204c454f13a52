"""The safety plan as a clean one-page PDF (reportlab), for the client to print or keep."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer


def safety_plan_pdf(*, plan, client_name: str, practice_name: str) -> bytes:
    """One A4 page: every section in order, phone numbers written out. `plan` is a PlanView."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title="My safety plan",
        author=practice_name,
    )
    styles = getSampleStyleSheet()
    title = ParagraphStyle("title", parent=styles["Title"], fontSize=18, spaceAfter=2, alignment=0)
    meta = ParagraphStyle("meta", parent=styles["Normal"], fontSize=9, textColor=colors.HexColor("#4a5263"))
    heading = ParagraphStyle(
        "heading",
        parent=styles["Heading3"],
        fontSize=11.5,
        spaceBefore=7,
        spaceAfter=2,
        textColor=colors.HexColor("#14324f"),
    )
    body = ParagraphStyle("body", parent=styles["Normal"], fontSize=10.5, leading=13.5, leftIndent=8)
    story = [Paragraph("My safety plan", title)]
    version = plan.version
    when = ""
    if version is not None:
        when = f"Version {version.number}, {version.created_at:%d %B %Y}"
        if version.reviewed_at:
            when += f" · reviewed with my therapist {version.reviewed_at:%d %B %Y}"
    story.append(Paragraph(escape(f"{client_name} · {practice_name}" + (f" · {when}" if when else "")), meta))
    story.append(Spacer(1, 3 * mm))
    for section in plan.sections:
        story.append(Paragraph(escape(section.heading), heading))
        lines = []
        if section.kind == "contacts":
            lines = [
                f"{entry['name']}: {entry['phone']}" if entry.get("phone") else entry["name"]
                for entry in section.entries
            ]
            if section.key == "professionals":
                lines += [
                    f"{resource['label']}" + (f" ({resource['detail']})" if resource.get("detail") else "")
                    for resource in plan.practice_resources
                ]
        else:
            lines = list(section.entries)
        if not lines:
            lines = ["(not written yet)"]
        for line in lines:
            story.append(Paragraph("• " + escape(str(line)), body))
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph("If you are in danger right now, call your local emergency number.", meta))
    document.build([KeepInFrame(A4[0] - 32 * mm, A4[1] - 28 * mm, story, mode="shrink")])
    return buffer.getvalue()

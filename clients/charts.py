"""Server-rendered SVG for measure trends and mood sparklines (no JavaScript, no CDN).

insights/charts.py draws generic report charts; a measure chart needs more than it offers:
severity bands with their names, a caseness line, session numbers on the x axis and a marker
where a score has changed reliably from the first one. Every label passes through `escape`,
and the numbers are repeated as text (`<desc>`, per-point `<title>`) for screen readers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from insights.charts import FONT, bucket_width, chart_block, data_table, text_width, thin_labels

# Calm to alarming, light enough that the line and its labels keep AA contrast on top.
BAND_FILLS = ("#eef6ef", "#f6f7e6", "#fdf3dc", "#fce8dc", "#f9dfdf")
LINE = "#1f5fa8"
IMPROVED = "#1b6b3a"
DETERIORATED = "#a61b1b"
CASENESS = "#7d1010"
TEXT = "#3a4150"
# Left margin: tick labels plus the rotated "Total score" axis title.
LEFT, RIGHT, TOP, BOTTOM = 52, 140, 12, 46
# Without band names on the right (narrow charts) the plot keeps only a small margin.
RIGHT_BARE = 10


@dataclass(frozen=True)
class MeasurePoint:
    """One administration: label (session), total (None = not scorable), and its date."""

    label: str
    total: int | None
    date_label: str
    # "improved" / "deteriorated" when the change from the first score is reliable.
    change: str | None = None
    change_points: int | None = None
    # When it was given: the x axis is the date (two administrations in one session are two
    # points, not one label twice).
    when: dt.datetime | None = None


@dataclass(frozen=True)
class ExpectedPoint:
    """The expected-recovery band at one session: the median and 75th percentile totals."""

    when: dt.datetime
    session: int
    median: float
    upper: float


# Band names a client reads (the portal): no clinical severity words.
FRIENDLY_BANDS = {
    "none": "low",
    "minimal": "low",
    "mild": "mild",
    "moderate": "medium",
    "moderately_severe": "high",
    "severe": "very high",
}


def friendly_band(code: str) -> str:
    return FRIENDLY_BANDS.get(code, "")


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


def _local(when):
    """A datetime in the active (the practice's) zone; dates pass through."""
    from django.utils import timezone

    return timezone.localtime(when) if isinstance(when, dt.datetime) and timezone.is_aware(when) else when


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


class _Frame:
    def __init__(self, width: int, height: int, count: int, y_min: float, y_max: float, right: int = RIGHT):
        self.width, self.height, self.count = width, height, max(count, 1)
        self.y_min, self.y_max = y_min, (y_max if y_max > y_min else y_min + 1)
        self.right = right
        self.plot_width = width - LEFT - right
        self.plot_height = height - TOP - BOTTOM

    def x(self, index: int) -> float:
        slot = self.plot_width / self.count
        return LEFT + slot * index + slot / 2

    def set_time_range(self, first: dt.datetime, last: dt.datetime) -> None:
        self.t0, self.span = first.timestamp(), max((last - first).total_seconds(), 86400.0)

    def x_at(self, when: dt.datetime) -> float:
        pad = 8
        share = (when.timestamp() - self.t0) / self.span
        return LEFT + pad + (self.plot_width - 2 * pad) * min(max(share, 0.0), 1.0)

    def y(self, value: float) -> float:
        value = min(max(value, self.y_min), self.y_max)
        return TOP + self.plot_height * (1 - (value - self.y_min) / (self.y_max - self.y_min))


def _marker(x: float, y: float, change: str, text: str) -> str:
    # Down-pointing triangle for improvement (scores fall), up-pointing for deterioration.
    if change == "improved":
        shape, colour = f"{x - 6:.1f},{y - 12:.1f} {x + 6:.1f},{y - 12:.1f} {x:.1f},{y - 4:.1f}", IMPROVED
    else:
        shape, colour = f"{x - 6:.1f},{y - 4:.1f} {x + 6:.1f},{y - 4:.1f} {x:.1f},{y - 12:.1f}", DETERIORATED
    return f'<polygon points="{shape}" fill="{colour}"><title>{escape(text)}</title></polygon>'


def draw_measure(
    points: Sequence[MeasurePoint],
    *,
    title: str,
    y_max: int,
    bands: Sequence[Band] = (),
    caseness: int | None = None,
    width: int = 600,
    height: int = 230,
    band_labels: bool = True,
    sessions: Sequence[dt.datetime] = (),
    expected: Sequence[ExpectedPoint] = (),
    expected_colour: str = "",
) -> str:
    """One <svg>: a measure's totals by date, oldest first; a `None` total breaks the line.

    With dates on every point the x axis is time: attended `sessions` are ticks along the
    bottom (S1, S2, ...), and `expected` draws the expected-recovery band (median to 75th
    percentile) for the client's intake band, edged in `expected_colour`'s hue. Narrow charts
    pass `band_labels=False`: the bands stay shaded and named in their tooltips.
    """
    frame = _Frame(width, height, len(points), 0, y_max, RIGHT if band_labels else RIGHT_BARE)
    dated = bool(points) and all(point.when is not None for point in points)
    if dated:
        moments = [point.when for point in points if point.when] + [e.when for e in expected] + list(sessions)
        frame.set_time_range(min(moments), max(moments))

    def x_of(index: int) -> float:
        return frame.x_at(points[index].when) if dated else frame.x(index)  # type: ignore[arg-type]

    right_edge = width - frame.right
    described = "; ".join(
        f"{p.label} ({p.date_label}): {'not scorable' if p.total is None else p.total}"
        + (f", reliable {'improvement' if p.change == 'improved' else 'deterioration'}" if p.change else "")
        for p in points
    )
    parts = [
        f'<svg class="chart measure-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        # The card heading names the measure on screen; the title stays for assistive technology.
        f"<title>{escape(title)}</title><desc>{escape(described or 'No scores yet')}</desc>",
    ]
    for index, band in enumerate(bands):
        top, bottom = frame.y(band.high + 0.5), frame.y(max(band.low - 0.5, 0))
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{frame.plot_width}" height="{bottom - top:.1f}" '
            f'fill="{BAND_FILLS[min(index, len(BAND_FILLS) - 1)]}"><title>{escape(band.label)} '
            f"({band.low}-{band.high})</title></rect>"
        )
        if band_labels:
            parts.append(
                f'<text x="{right_edge + 4}" y="{(top + bottom) / 2 + 3:.1f}" font-size="{FONT}" fill="{TEXT}">'
                f"{escape(band.label)}</text>"
            )
    # Whole-number gridlines in steps a clinician reads easily (PHQ-9: 0, 5, ... 25, 27).
    step = 5 if y_max <= 30 else 10 if y_max <= 60 else 20
    ticks = list(range(0, y_max, step))
    if len(ticks) > 1 and y_max - ticks[-1] < step / 2:
        ticks.pop()  # keep the top label clear of its neighbour
    for tick in [*ticks, y_max]:
        y = frame.y(tick)
        parts.append(f'<line x1="{LEFT}" x2="{right_edge}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d9dde5"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="{FONT}" text-anchor="end" fill="{TEXT}">{_number(tick)}</text>'
        )
    middle = TOP + frame.plot_height / 2
    parts.append(
        f'<text x="{FONT}" y="{middle:.1f}" font-size="{FONT}" text-anchor="middle" fill="{TEXT}" '
        f'transform="rotate(-90 {FONT} {middle:.1f})">Total score</text>'
    )
    if caseness is not None:
        y = frame.y(caseness)
        parts.append(
            f'<line x1="{LEFT}" x2="{right_edge}" y1="{y:.1f}" y2="{y:.1f}" stroke="{CASENESS}" stroke-dasharray="6 4"/>'
            f'<text x="{LEFT + 4}" y="{y - 4:.1f}" font-size="{FONT}" fill="{CASENESS}">caseness {caseness}+</text>'
        )
    if dated:
        parts += _time_axis(frame, height, sessions, expected, expected_colour)
    else:
        for index in thin_labels([point.label for point in points], slot=frame.plot_width / frame.count):
            parts.append(
                f'<text x="{frame.x(index):.1f}" y="{height - BOTTOM + 18}" font-size="{FONT}" text-anchor="middle" '
                f'fill="{TEXT}">{escape(points[index].label)}</text>'
            )
        parts.append(
            f'<text x="{LEFT + frame.plot_width / 2:.1f}" y="{height - 6}" font-size="{FONT}" text-anchor="middle" fill="{TEXT}">Session</text>'
        )
    segments: list[list[str]] = [[]]
    for index, point in enumerate(points):
        if point.total is None:
            segments.append([])
        else:
            segments[-1].append(f"{x_of(index):.1f},{frame.y(point.total):.1f}")
    parts += [
        f'<polyline fill="none" stroke="{LINE}" stroke-width="2" points="{" ".join(seg)}"/>'
        for seg in segments
        if len(seg) > 1
    ]
    for index, point in enumerate(points):
        if point.total is None:
            continue
        x, y = x_of(index), frame.y(point.total)
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE}"><title>{escape(point.label)}, '
            f"{escape(point.date_label)}: {point.total}</title></circle>"
        )
        if point.change:
            word = "improvement" if point.change == "improved" else "deterioration"
            parts.append(
                _marker(x, y, point.change, f"Reliable {word} from the first score ({point.change_points:+d})")
            )
    if not any(point.total is not None for point in points):
        parts.append(
            f'<text x="{LEFT + frame.plot_width / 2:.1f}" y="{TOP + frame.plot_height / 2:.1f}" font-size="{FONT}" '
            f'text-anchor="middle" fill="{TEXT}">No scores to show</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def measure_chart(
    points: Sequence[MeasurePoint],
    *,
    title: str,
    y_max: int,
    bands: Sequence[Band] = (),
    caseness: int | None = None,
    width: int = 720,
    height: int = 250,
    band_labels: bool = True,
    sessions: Sequence[dt.datetime] = (),
    expected: Sequence[ExpectedPoint] = (),
    expected_colour: str = "",
) -> SafeString:
    """A measure chart block: drawn wide (band names on the right when there is room) and
    narrow (bands shaded and named in their tooltips), with a table of the scores."""
    options: dict[str, Any] = {
        "title": title,
        "y_max": y_max,
        "bands": bands,
        "caseness": caseness,
        "sessions": sessions,
        "expected": expected,
        "expected_colour": expected_colour,
    }

    def draw(variant_width: int, variant_height: int) -> str:
        labelled = band_labels and variant_width >= 560
        return draw_measure(points, width=variant_width, height=variant_height, band_labels=labelled, **options)

    rows = [
        (
            point.date_label,
            point.label or "—",
            "not scorable" if point.total is None else str(point.total),
            {"improved": "reliable improvement", "deteriorated": "reliable deterioration"}.get(point.change or "", ""),
        )
        for point in points
    ]
    table = data_table(title, ["Date", "Session", "Total", "Change from the first score"], rows)
    return chart_block(draw, width=max(width, bucket_width(width)), height=height, table=table)


EXPECTED_EDGES = {"green": "#1b6b3a", "yellow": "#8a6100", "red": "#a61b1b", "white": "#5b6270"}


def _time_axis(
    frame: _Frame,
    height: int,
    sessions: Sequence[dt.datetime],
    expected: Sequence[ExpectedPoint],
    expected_colour: str,
) -> list[str]:
    """Date labels, session ticks and the expected band for a dated measure chart."""
    parts: list[str] = []
    if len(expected) > 1:
        edge = EXPECTED_EDGES.get(expected_colour, "#5b6270")
        top = " ".join(f"{frame.x_at(e.when):.1f},{frame.y(e.upper):.1f}" for e in expected)
        bottom = " ".join(f"{frame.x_at(e.when):.1f},{frame.y(e.median):.1f}" for e in reversed(expected))
        parts.append(
            f'<polygon points="{top} {bottom}" fill="{edge}" fill-opacity="0.12" stroke="{edge}" '
            f'stroke-dasharray="3 3" stroke-width="1"><title>Expected range for this intake band: median to '
            f"75th percentile of similar courses</title></polygon>"
        )
    base = frame.y(frame.y_min)
    for number, when in enumerate(sessions, start=1):
        x = frame.x_at(when)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 5:.1f}" stroke="{TEXT}" stroke-width="1.5">'
            f"<title>Session {number}, {_local(when):%-d %b %Y}</title></line>"
        )
    # Up to five date labels across the range, as many as fit side by side; never two alike.
    sample = "30 Sep" if frame.span <= 330 * 86400 else "Sep 2026"
    # Centre-to-centre spacing of 1.5 label widths: the end labels are anchored inwards.
    fits = int((frame.plot_width - 16) // (1.5 * text_width(sample) + 12)) + 1
    count = max(2, min(5, fits))
    seen: set[str] = set()
    for step in range(count):
        moment = _local(dt.datetime.fromtimestamp(frame.t0 + frame.span * step / (count - 1), tz=dt.UTC))
        text = f"{moment:%-d %b}" if frame.span <= 330 * 86400 else f"{moment:%b %Y}"
        if text in seen:
            continue
        seen.add(text)
        anchor = "start" if step == 0 else "end" if step == count - 1 else "middle"
        parts.append(
            f'<text x="{frame.x_at(moment):.1f}" y="{height - BOTTOM + 20}" font-size="{FONT}" text-anchor="{anchor}" '
            f'fill="{TEXT}">{escape(text)}</text>'
        )
    parts.append(
        f'<text x="{LEFT + frame.plot_width / 2:.1f}" y="{height - 6}" font-size="{FONT}" text-anchor="middle" '
        f'fill="{TEXT}">Date (ticks: attended sessions)</text>'
    )
    return parts


def sparkline(
    values: Sequence[float | None],
    *,
    label: str,
    low: float = 0,
    high: float = 10,
    width: int = 320,
    height: int = 130,
    second: Sequence[float | None] | None = None,
    dates: Sequence[dt.datetime | dt.date] | None = None,
) -> SafeString:
    """A small line chart on a fixed scale (mood 0-10) with its axis: low, middle and high
    ticks on the left, and the first and last dates (or "earliest"/"latest") along the bottom.
    An optional `second` series is drawn dashed on the same scale. Drawn at 320 units wide,
    which fits a phone, so its 13-unit text is never shrunk."""
    left, right, top, bottom = 30, 10, 10, 24
    plot_width, plot_height = width - left - right, height - top - bottom

    def point(index: int, count: int, value: float) -> str:
        step = plot_width / max(count - 1, 1)
        share = (min(max(value, low), high) - low) / ((high - low) or 1)
        x = left + (step * index if count > 1 else plot_width / 2)
        return f"{x:.1f},{top + plot_height * (1 - share):.1f}"

    def coords(series: Sequence[float | None]) -> list[list[str]]:
        segments: list[list[str]] = [[]]
        for index, value in enumerate(series):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(point(index, len(series), value))
        return [segment for segment in segments if segment]

    parts = [
        f'<svg class="sparkline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    middle = (low + high) / 2
    for tick in (low, middle, high):
        y = top + plot_height * (1 - (tick - low) / ((high - low) or 1))
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ec"/>'
            f'<text x="{left - 5}" y="{y + 4.5:.1f}" font-size="{FONT}" text-anchor="end" fill="{TEXT}">'
            f"{_number(tick)}</text>"
        )
    base = top + plot_height
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{base:.1f}" y2="{base:.1f}" stroke="#7c8597"/>')
    if values:
        if dates and len(dates) == len(values):
            first, last = (f"{_local(when):%-d %b}" for when in (dates[0], dates[-1]))
        else:
            first, last = "earliest", "latest"
        parts.append(
            f'<text x="{left}" y="{height - 6}" font-size="{FONT}" fill="{TEXT}">{escape(first)}</text>'
            + (
                f'<text x="{width - right}" y="{height - 6}" font-size="{FONT}" text-anchor="end" fill="{TEXT}">'
                f"{escape(last)}</text>"
                if len(values) > 1
                else ""
            )
        )
    for segment in coords(values):
        if len(segment) == 1:
            cx, cy = segment[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{LINE}"/>')
        else:
            parts.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="2.5" points="{" ".join(segment)}"/>')
    for segment in coords(second or []):
        parts.append(
            f'<polyline fill="none" stroke="#8a5a00" stroke-width="2" stroke-dasharray="4 3" points="{" ".join(segment)}"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - the only text is escaped labels and numbers


def mood_table(moods: Sequence[float | None], dates: Sequence[dt.datetime], *, title: str) -> SafeString:
    """The check-in moods behind a sparkline, as a closed <details> table (newest first)."""
    rows = [
        (f"{when:%-d %b %Y, %H:%M}", "—" if mood is None else _number(mood))
        for mood, when in zip(moods, dates, strict=False)
    ]
    return mark_safe(data_table(title, ["Check-in", "Mood (0-10)"], list(reversed(rows))))  # noqa: S308 - escaped


# ---------------------------------------------------------------------------
# From stored administrations to chart panels (shared by the chart and the note editor)

ITEM_TABLE_INSTRUMENTS = ("phq9", "gad7", "pcl5")
ITEM_TABLE_COLUMNS = 8


@dataclass
class ItemRow:
    number: int
    text: str
    # {"text": "2", "heat": "heat-3"} (heat 0-4 of the item's range); "unanswered" has none.
    cells: list[dict[str, str]]


@dataclass
class MeasurePanel:
    code: str
    name: str
    chart: SafeString | None
    latest_total: int | None
    latest_severity: str | None
    count: int
    # Instruments without a total (C-SSRS triage) are listed rather than drawn.
    results: list[tuple[str, str]]
    item_columns: list[str]
    item_rows: list[ItemRow]
    reliable_change: int | None
    reliable_change_source: str = ""
    # Expected-recovery colour (white/green/yellow/red) and its words, for PHQ-9 and GAD-7.
    expected_colour: str = ""
    expected_reason: str = ""


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ")


def _reliable_threshold(definition: dict) -> int | None:
    thresholds = definition.get("reliable_change") or {}
    return thresholds.get("reliable") or thresholds.get("clinically_meaningful")


def _column_labels(rows, points) -> list[str]:
    """Item-table column labels: date and session; the time too when two share a day."""
    days = [f"{_local(row.administered_at):%d %b %Y}" for row in rows]
    return [
        f"{point.label} · {_local(row.administered_at):%-d %b}"
        + (f" {_local(row.administered_at):%H:%M}" if days.count(day) > 1 else "")
        for row, point, day in zip(rows, points, days, strict=True)
    ]


def _expected_points(measure: str, first: int | None, attended_starts, curves: dict | None) -> list[ExpectedPoint]:
    from clients.recovery import intake_band

    if not curves or first is None or measure not in curves:
        return []
    curve = curves[measure].get(intake_band(measure, first))
    if curve is None:
        return []
    return [
        ExpectedPoint(when=when, session=number, median=curve.expected(number, 0.5), upper=curve.expected(number, 0.75))
        for number, when in enumerate(attended_starts, start=1)
    ]


def measure_panels(
    assessments,
    definitions: dict[str, dict],
    attended_starts,
    *,
    only: Sequence[str] = (),
    compact: bool = False,
    curves: dict | None = None,
    tracking: Sequence = (),
) -> list[MeasurePanel]:
    """One panel per instrument administered, in a stable order (PHQ-9, GAD-7 first).

    `assessments` are Assessment rows oldest first (the caller audits the read);
    `attended_starts` are the client's attended session starts, for session numbers (an
    administration that completed a session's questionnaire counts toward that session);
    `curves` (clients.recovery) add the expected-recovery band and `tracking` its colour.
    """
    from clients.instrument_validation import total_range
    from clients.selectors import session_number_at

    by_code: dict[str, list] = {}
    for assessment in assessments:
        if not only or assessment.instrument in only:
            by_code.setdefault(assessment.instrument, []).append(assessment)
    order = {"phq9": 0, "gad7": 1}
    compact_options: dict[str, Any] = {"width": 320, "height": 190, "band_labels": False} if compact else {}
    panels = []
    for code in sorted(by_code, key=lambda c: (order.get(c, 2), c)):
        rows, definition = by_code[code], definitions.get(code) or {"name": code, "items": []}
        threshold = _reliable_threshold(definition)
        first = next((row.total for row in rows if row.total is not None), None)
        points = []
        for row in rows:
            change = None
            if threshold and first is not None and row.total is not None:
                delta = row.total - first
                change = "improved" if delta <= -threshold else "deteriorated" if delta >= threshold else None
            session = getattr(row, "session", None) if getattr(row, "session_id", None) else None
            number = session_number_at(attended_starts, session.starts_at if session else row.administered_at)
            points.append(
                MeasurePoint(
                    label=f"S{number}" if number else "Pre",
                    total=row.total,
                    date_label=f"{_local(row.administered_at):%-d %b %Y}",
                    change=change,
                    change_points=None if change is None else row.total - first,
                    when=row.administered_at,
                )
            )
        tracked = next((t for t in tracking if t.measure == code and t.colour), None)
        chart = None
        if definition.get("scoring") == "sum" and definition.get("items"):
            bands = [Band(b["min"], b["max"], _words(b["code"])) for b in definition.get("bands") or []]
            chart = measure_chart(
                points,
                title=f"{definition.get('name', code)} by date",
                y_max=total_range(definition)[1],
                bands=bands,
                caseness=definition.get("caseness_threshold"),
                sessions=list(attended_starts),
                expected=_expected_points(code, first, attended_starts, curves),
                expected_colour=tracked.colour if tracked else "",
                **compact_options,
            )
        latest = rows[-1]
        results = [
            (
                f"{_local(row.administered_at):%-d %b %Y}",
                _words((row.result or {}).get("risk") or (row.result or {}).get("severity")) or "—",
            )
            for row in rows
        ]
        columns, item_rows = [], []
        if code in ITEM_TABLE_INSTRUMENTS:
            recent = rows[-ITEM_TABLE_COLUMNS:]
            columns = _column_labels(recent, points[-ITEM_TABLE_COLUMNS:])
            for index, item in enumerate(definition.get("items") or []):
                cells = []
                for row in recent:
                    answers = row.answers if isinstance(row.answers, list) else []
                    value = answers[index] if index < len(answers) else None
                    # Unanswered is shown as such, never as 0 (and 0 on item 9 is not "no risk").
                    top = definition.get("max_item_value") or 1
                    cells.append(
                        {"text": "unanswered", "heat": ""}
                        if value is None
                        else {"text": str(value), "heat": f"heat-{round(4 * value / top)}"}
                    )
                item_rows.append(ItemRow(item["number"], item["text"], cells))
        panels.append(
            MeasurePanel(
                code=code,
                name=definition.get("name", code),
                chart=chart,
                latest_total=latest.total,
                latest_severity=_words((latest.result or {}).get("severity")) or None,
                count=len(rows),
                results=results,
                item_columns=columns,
                item_rows=item_rows,
                reliable_change=threshold,
                reliable_change_source=definition.get("reliable_change_source", ""),
                expected_colour=tracked.colour if tracked else "",
                expected_reason=tracked.reason if tracked else "",
            )
        )
    return panels

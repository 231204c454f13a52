"""Small server-rendered SVG charts (no JavaScript, no CDN).

`line_chart` and `bar_chart` return a `SafeString` holding a chart block: the chart drawn
twice (a wide and a narrow variant; a CSS container query shows the one that fits its box, so
text is never scaled below about 12 px) and a table of the same figures in a <details> for
screen readers and anyone who wants the numbers. `draw_line` / `draw_bar` give one bare
`<svg class="chart">`. Every label passes through `escape`, so callers may hand in
user-controlled text (therapist names). A `None` value is a gap: a line breaks there and a bar
is left out, which is how suppressed small counts show up.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

Number = int | float
Series = Sequence[tuple[str, Number | None]]
# (low, high, label) or (low, high, label, fill colour), e.g. PHQ-9 severity bands.
Band = tuple[Number, Number, str] | tuple[Number, Number, str, str]
# A horizontal reference line: a value, or (value, label), e.g. a caseness cut-off.
Threshold = Number | tuple[Number, str]

BAND_FILLS = ("#eef5ee", "#fdf6e3", "#fcebdc", "#f9dede", "#f3d4d4")
LINE_COLOUR = "#1f5fa8"
TEXT = "#3a4150"  # 10:1 on white
GRID = "#e3e6ec"
AXIS = "#7c8597"
# Font sizes in SVG units. Variants are drawn at (about) the width they are shown at, so a
# unit is about a CSS pixel: 13 stays >= 12 px down to 92% of the drawn width.
FONT = 13
TITLE_FONT = 14
MARGIN_RIGHT, MARGIN_TOP = 12, 30
MARGIN_BOTTOM_BARE, MARGIN_BOTTOM_TITLED = 30, 50
# Widths a wide variant is drawn at (CSS picks the variant by the chart box's width).
WIDE_WIDTHS = (440, 560, 720)
NARROW_WIDTH = 320  # a 360 px phone shows it at ~300 px: 13 units stay >= 12 px
# Average glyph advance of the system UI font, as a share of the font size (digits ~0.55,
# lower case ~0.5, capitals ~0.65): enough to keep labels apart without measuring text.
GLYPH = 0.6
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _format_number(value: Number) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def text_width(text: str, font_size: float = FONT) -> float:
    """An estimate of a label's drawn width in SVG units."""
    return len(text) * font_size * GLYPH


def nice_step(span: float, max_ticks: int = 5, *, integer: bool = False) -> float:
    """The smallest 1/2/2.5/5 x 10^k step that cuts `span` into at most `max_ticks` intervals.

    With `integer` (counts of things) the step is a whole number: 1, 2, 5, 10, 20, 25, 50, ...
    """
    if span <= 0:
        return 1.0
    raw = span / max(max_ticks, 1)
    exponent = math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * 10**exponent
        if integer and (step < 1 or not float(step).is_integer()):
            continue
        if step >= raw - 1e-9:
            return float(step)
    return float(10 ** (exponent + 1))


def nice_ticks(low: float, high: float, *, integer: bool = False, max_ticks: int = 5) -> list[float]:
    """Evenly spaced round ticks from `low` up to at least `high` (the last tick is the axis top).

    `integer` keeps every tick whole (no 0.5 or 12.5 on a count axis); a flat or empty range
    still gets an axis (0 to 1, or value to value + 1)."""
    if high <= low:
        high = low + 1
    step = nice_step(high - low, max_ticks, integer=integer)
    first = math.floor(low / step + 1e-9) * step
    ticks = []
    value = first
    while True:
        ticks.append(round(value, 10))
        if value >= high - 1e-9:
            break
        value += step
    return ticks


def thin_labels(labels: Sequence[str], *, slot: float, font_size: float = FONT, gap: float = 8) -> list[int]:
    """Indices of the labels to draw so that none overlaps its neighbour.

    Labels sit at the centres of equal slots `slot` units apart; every k-th one is kept, with
    k the smallest step at which the widest label plus `gap` fits. The first label is always
    kept, and the last one too when it does not crowd the one before it."""
    if not labels:
        return []
    widest = max(text_width(label, font_size) for label in labels)
    every = max(1, math.ceil((widest + gap) / max(slot, 1e-9)))
    kept = list(range(0, len(labels), every))
    last = len(labels) - 1
    if kept[-1] != last and (last - kept[-1]) * slot >= widest + gap:
        kept.append(last)
    return kept


def month_labels(months: Sequence[str | dt.date]) -> list[str]:
    """'2026-01' or a date -> 'Jan 2026' for the first month and each January, else 'Feb'."""
    labels = []
    previous_year = None
    for month in months:
        if isinstance(month, str):
            try:
                year, number = int(month[:4]), int(month[5:7])
            except ValueError:
                labels.append(month)
                continue
        else:
            year, number = month.year, month.month
        name = MONTHS[number - 1]
        labels.append(f"{name} {year}" if year != previous_year else name)
        previous_year = year
    return labels


def bucket_width(width: int) -> int:
    """The wide variant's width: the largest standard width at or below `width`."""
    fitting = [candidate for candidate in WIDE_WIDTHS if candidate <= width]
    return fitting[-1] if fitting else WIDE_WIDTHS[0]


def data_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """The figures behind a chart, as a table inside a closed <details>."""
    head = "".join(f'<th scope="col">{escape(column)}</th>' for column in columns)
    body = "".join(
        "<tr>"
        + "".join(
            (f'<th scope="row">{escape(cell)}</th>' if index == 0 else f"<td>{escape(cell)}</td>")
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<details class="chart-data"><summary>Show the figures<span class="visually-hidden">: '
        f"{escape(title)}</span></summary>"
        f'<div class="table-scroll"><table><caption class="visually-hidden">{escape(title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def chart_block(
    draw: Callable[[int, int], str], *, width: int, height: int, table: str = "", narrow_height: int | None = None
) -> SafeString:
    """The chart drawn wide and narrow (CSS shows the one that fits), then its table."""
    wide = bucket_width(width)
    parts = [f'<div class="chart-responsive w-{wide}">', f'<div class="chart-wide">{draw(wide, height)}</div>']
    parts.append(f'<div class="chart-narrow">{draw(NARROW_WIDTH, narrow_height or height)}</div>')
    parts += [table, "</div>"]
    return mark_safe("".join(parts))  # noqa: S308 - the drawings and the table escape every label


def _wrap(text: str, width: float, font_size: float) -> list[str]:
    """Greedy word wrap of a title into lines that fit `width` units."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", font_size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


class _Frame:
    """Maps data coordinates to pixels for one chart variant."""

    def __init__(
        self,
        *,
        width: int,
        height: int,
        count: int,
        ticks: Sequence[float],
        title_lines: int,
        y_label: str,
        x_label: str,
    ):
        self.width, self.height, self.count = width, height, max(count, 1)
        self.ticks = list(ticks)
        self.y_min, self.y_max = self.ticks[0], self.ticks[-1]
        widest_tick = max(text_width(_format_number(tick)) for tick in self.ticks)
        self.left = int(widest_tick + 12 + (FONT + 6 if y_label else 0))
        self.top = MARGIN_TOP + (title_lines - 1) * (TITLE_FONT + 4) if title_lines else 10
        bottom = MARGIN_BOTTOM_TITLED if x_label else MARGIN_BOTTOM_BARE
        self.plot_width = max(width - self.left - MARGIN_RIGHT, 1)
        self.plot_height = max(height - self.top - bottom, 1)

    @property
    def slot(self) -> float:
        return self.plot_width / self.count

    def x(self, index: int) -> float:
        return self.left + self.slot * index + self.slot / 2

    def y(self, value: float) -> float:
        clamped = min(max(value, self.y_min), self.y_max)
        share = (clamped - self.y_min) / ((self.y_max - self.y_min) or 1)
        return self.top + self.plot_height * (1 - share)

    @property
    def bottom(self) -> float:
        return self.top + self.plot_height

    @property
    def right(self) -> float:
        return self.left + self.plot_width


def _values(series: Series) -> list[float]:
    return [float(value) for _, value in series if value is not None]


def _is_integer(series: Series, y_max: Number | None) -> bool:
    return all(float(value).is_integer() for value in _values(series)) and (y_max is None or float(y_max).is_integer())


def _ticks(series: Series, y_min: Number | None, y_max: Number | None, extra: Sequence[float], integer: bool):
    values = _values(series) + list(extra)
    low = float(y_min) if y_min is not None else min([0.0, *values])
    high = float(y_max) if y_max is not None else max(values, default=0.0)
    if y_max is not None and y_min is not None:
        # A fixed scale (0-100 %): ticks inside it, the top always labelled.
        ticks = [t for t in nice_ticks(low, high, integer=integer) if t <= high]
        return ticks if ticks[-1] == high else [*ticks, high]
    return nice_ticks(low, max(high, low + 1), integer=integer)


def _open(frame: _Frame, title: str, title_lines: list[str], series: Series) -> list[str]:
    described = "; ".join(
        f"{label}: {'no figure' if value is None else _format_number(value)}" for label, value in series
    )
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {frame.width} {frame.height}" '
        f'width="{frame.width}" height="{frame.height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(described)}</desc>",
    ]
    for index, line in enumerate(title_lines):
        parts.append(
            f'<text x="4" y="{18 + index * (TITLE_FONT + 4)}" font-size="{TITLE_FONT}" font-weight="600" '
            f'fill="#1b2330">{escape(line)}</text>'
        )
    return parts


def _axes(frame: _Frame, labels: Sequence[str], *, y_label: str, x_label: str) -> list[str]:
    parts = []
    for tick in frame.ticks:
        y = frame.y(tick)
        parts.append(f'<line x1="{frame.left}" x2="{frame.right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{frame.left - 6}" y="{y + FONT * 0.35:.1f}" font-size="{FONT}" text-anchor="end" '
            f'fill="{TEXT}">{_format_number(tick)}</text>'
        )
    parts.append(
        f'<line x1="{frame.left}" x2="{frame.right:.1f}" y1="{frame.bottom:.1f}" y2="{frame.bottom:.1f}" stroke="{AXIS}"/>'
    )
    for index in thin_labels(labels, slot=frame.slot):
        x = frame.x(index)
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{frame.bottom:.1f}" y2="{frame.bottom + 4:.1f}" stroke="{AXIS}"/>'
            f'<text x="{x:.1f}" y="{frame.bottom + FONT + 5:.1f}" font-size="{FONT}" text-anchor="middle" '
            f'fill="{TEXT}">{escape(labels[index])}</text>'
        )
    if y_label:
        middle = frame.top + frame.plot_height / 2
        parts.append(
            f'<text x="{FONT}" y="{middle:.1f}" font-size="{FONT}" text-anchor="middle" fill="{TEXT}" '
            f'transform="rotate(-90 {FONT} {middle:.1f})">{escape(y_label)}</text>'
        )
    if x_label:
        parts.append(
            f'<text x="{frame.left + frame.plot_width / 2:.1f}" y="{frame.height - 6}" font-size="{FONT}" '
            f'text-anchor="middle" fill="{TEXT}">{escape(x_label)}</text>'
        )
    return parts


def _bands(frame: _Frame, bands: Sequence[Band] | None) -> list[str]:
    parts = []
    for index, band in enumerate(bands or ()):
        low, high, label = band[0], band[1], band[2]
        fill = band[3] if len(band) > 3 else BAND_FILLS[index % len(BAND_FILLS)]
        top, bottom = frame.y(max(low, high)), frame.y(min(low, high))
        parts.append(
            f'<rect x="{frame.left}" y="{top:.1f}" width="{frame.plot_width}" height="{max(bottom - top, 0):.1f}" '
            f'fill="{escape(fill)}"><title>{escape(label)}</title></rect>'
        )
        if bottom - top >= FONT + 2:
            parts.append(
                f'<text x="{frame.right - 4:.1f}" y="{top + FONT:.1f}" font-size="{FONT}" text-anchor="end" '
                f'fill="{TEXT}">{escape(label)}</text>'
            )
    return parts


def _threshold(frame: _Frame, threshold: Threshold | None) -> list[str]:
    if threshold is None:
        return []
    value, label = threshold if isinstance(threshold, tuple) else (threshold, _format_number(threshold))
    y = frame.y(value)
    return [
        f'<line x1="{frame.left}" x2="{frame.right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#a61b1b" stroke-dasharray="5 4"/>',
        f'<text x="{frame.left + 4}" y="{y - 4:.1f}" font-size="{FONT}" fill="#a61b1b">{escape(label)}</text>',
    ]


def _threshold_values(threshold: Threshold | None) -> list[float]:
    if threshold is None:
        return []
    return [float(threshold[0] if isinstance(threshold, tuple) else threshold)]


def _empty_note(frame: _Frame) -> str:
    return (
        f'<text x="{frame.left + frame.plot_width / 2:.1f}" y="{frame.top + frame.plot_height / 2:.1f}" '
        f'font-size="{FONT}" text-anchor="middle" fill="{TEXT}">No figures to show</text>'
    )


def _frame_for(series, *, width, height, title, ticks, y_label, x_label) -> tuple[_Frame, list[str]]:
    lines = _wrap(title, width - 8, TITLE_FONT) if title else []
    frame = _Frame(
        width=width,
        height=height + (len(lines) - 1) * (TITLE_FONT + 4) if lines else height,
        count=len(series),
        ticks=ticks,
        title_lines=len(lines),
        y_label=y_label,
        x_label=x_label,
    )
    return frame, lines


def draw_line(
    series: Series,
    *,
    width: int = 560,
    height: int = 220,
    title: str,
    y_min: Number | None = None,
    y_max: Number | None = None,
    bands: Sequence[Band] | None = None,
    threshold: Threshold | None = None,
    y_label: str = "",
    x_label: str = "",
    integer: bool | None = None,
) -> str:
    """One <svg>: a line through (label, value) points, oldest first; `None` breaks the line."""
    whole = _is_integer(series, y_max) if integer is None else integer
    ticks = _ticks(series, y_min, y_max, _threshold_values(threshold), whole)
    frame, lines = _frame_for(
        series, width=width, height=height, title=title, ticks=ticks, y_label=y_label, x_label=x_label
    )
    labels = [label for label, _ in series]
    parts = (
        _open(frame, title, lines, series)
        + _bands(frame, bands)
        + _axes(frame, labels, y_label=y_label, x_label=x_label)
        + _threshold(frame, threshold)
    )
    segments: list[list[str]] = [[]]
    for index, (_, value) in enumerate(series):
        if value is None:
            segments.append([])
        else:
            segments[-1].append(f"{frame.x(index):.1f},{frame.y(value):.1f}")
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{LINE_COLOUR}" stroke-width="2.5" points="{" ".join(segment)}"/>'
            )
    for index, (label, value) in enumerate(series):
        if value is not None:
            parts.append(
                f'<circle cx="{frame.x(index):.1f}" cy="{frame.y(value):.1f}" r="3.5" fill="{LINE_COLOUR}">'
                f"<title>{escape(label)}: {_format_number(value)}</title></circle>"
            )
    if not _values(series):
        parts.append(_empty_note(frame))
    parts.append("</svg>")
    return "".join(parts)


def draw_bar(
    series: Series,
    *,
    width: int = 560,
    height: int = 220,
    title: str,
    y_max: Number | None = None,
    y_label: str = "",
    x_label: str = "",
    integer: bool | None = None,
) -> str:
    """One <svg>: one bar per (label, value); `None` leaves the slot empty."""
    whole = _is_integer(series, y_max) if integer is None else integer
    ticks = _ticks(series, 0, y_max, [], whole) if y_max is not None else _ticks(series, 0, None, [], whole)
    frame, lines = _frame_for(
        series, width=width, height=height, title=title, ticks=ticks, y_label=y_label, x_label=x_label
    )
    parts = _open(frame, title, lines, series) + _axes(
        frame, [label for label, _ in series], y_label=y_label, x_label=x_label
    )
    bar_width = max(frame.slot * 0.6, 1)
    for index, (label, value) in enumerate(series):
        if value is None:
            continue
        top = frame.y(value)
        parts.append(
            f'<rect x="{frame.x(index) - bar_width / 2:.1f}" y="{top:.1f}" width="{bar_width:.1f}" '
            f'height="{max(frame.bottom - top, 0):.1f}" fill="{LINE_COLOUR}">'
            f"<title>{escape(label)}: {_format_number(value)}</title></rect>"
        )
    if not _values(series):
        parts.append(_empty_note(frame))
    parts.append("</svg>")
    return "".join(parts)


def _series_table(title: str, series: Series, x_label: str, y_label: str) -> str:
    rows = [(label, "no figure" if value is None else _format_number(value)) for label, value in series]
    return data_table(title, [x_label or "When", y_label or "Value"], rows)


def line_chart(
    series: Series,
    *,
    width: int = 560,
    height: int = 220,
    title: str,
    y_min: Number | None = None,
    y_max: Number | None = None,
    bands: Sequence[Band] | None = None,
    threshold: Threshold | None = None,
    y_label: str = "",
    x_label: str = "",
    integer: bool | None = None,
) -> SafeString:
    """A line chart block (wide and narrow drawings and a table); see `draw_line`."""
    return chart_block(
        lambda w, h: draw_line(
            series,
            width=w,
            height=h,
            title=title,
            y_min=y_min,
            y_max=y_max,
            bands=bands,
            threshold=threshold,
            y_label=y_label,
            x_label=x_label,
            integer=integer,
        ),
        width=width,
        height=height,
        table=_series_table(title, series, x_label, y_label),
    )


def bar_chart(
    series: Series,
    *,
    width: int = 560,
    height: int = 220,
    title: str,
    y_max: Number | None = None,
    y_label: str = "",
    x_label: str = "",
    integer: bool | None = None,
) -> SafeString:
    """A bar chart block (wide and narrow drawings and a table); see `draw_bar`."""
    return chart_block(
        lambda w, h: draw_bar(
            series, width=w, height=h, title=title, y_max=y_max, y_label=y_label, x_label=x_label, integer=integer
        ),
        width=width,
        height=height,
        table=_series_table(title, series, x_label, y_label),
    )

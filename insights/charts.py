"""Small server-rendered SVG charts (no JavaScript, no CDN).

Both helpers return a `SafeString` holding one `<svg class="chart">` element. Every label
passes through `escape`, so callers may hand in user-controlled text (therapist names).
A `None` value is a gap: a line breaks there and a bar is left out, which is how suppressed
small counts show up. The data are repeated as text in `<desc>` and per-point `<title>`
so a screen reader (or a printout) gets the numbers, not just the shape.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 44, 12, 28, 34


def _format_number(value: Number) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def _nice_max(value: float) -> float:
    """The smallest 'round' number (1, 2, 2.5, 5 x 10^k) at or above value."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))  # pragma: no cover - the loop always returns


class _Frame:
    """Maps data coordinates to pixels for one chart."""

    def __init__(self, *, width: int, height: int, count: int, y_min: float, y_max: float):
        self.width, self.height, self.count = width, height, max(count, 1)
        self.y_min, self.y_max = y_min, y_max if y_max > y_min else y_min + 1
        self.plot_width = max(width - MARGIN_LEFT - MARGIN_RIGHT, 1)
        self.plot_height = max(height - MARGIN_TOP - MARGIN_BOTTOM, 1)

    def x(self, index: int) -> float:
        slot = self.plot_width / self.count
        return MARGIN_LEFT + slot * index + slot / 2

    def y(self, value: float) -> float:
        clamped = min(max(value, self.y_min), self.y_max)
        share = (clamped - self.y_min) / (self.y_max - self.y_min)
        return MARGIN_TOP + self.plot_height * (1 - share)

    @property
    def bottom(self) -> float:
        return MARGIN_TOP + self.plot_height


def _value_range(
    series: Series, y_min: Number | None, y_max: Number | None, extra: Sequence[float]
) -> tuple[float, float]:
    values = [float(v) for _, v in series if v is not None] + list(extra)
    low = float(y_min) if y_min is not None else min([0.0, *values])
    high = float(y_max) if y_max is not None else _nice_max(max(values, default=1.0))
    return low, high


def _open(width: int, height: int, title: str, series: Series) -> list[str]:
    described = "; ".join(
        f"{label}: {'no figure' if value is None else _format_number(value)}" for label, value in series
    )
    return [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(described)}</desc>",
        f'<text x="{MARGIN_LEFT}" y="16" font-size="13" font-weight="600" fill="#1d2330">{escape(title)}</text>',
    ]


def _axes(frame: _Frame, series: Series) -> list[str]:
    parts = []
    for tick in (frame.y_min, (frame.y_min + frame.y_max) / 2, frame.y_max):
        y = frame.y(tick)
        parts.append(
            f'<line x1="{MARGIN_LEFT}" x2="{frame.width - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ec"/>'
        )
        parts.append(
            f'<text x="{MARGIN_LEFT - 6}" y="{y + 4:.1f}" font-size="10" text-anchor="end" fill="#4a5263">{_format_number(tick)}</text>'
        )
    # Thin out x labels so long ranges stay legible.
    every = max(1, math.ceil(len(series) / 12))
    for index, (label, _) in enumerate(series):
        if index % every == 0:
            parts.append(
                f'<text x="{frame.x(index):.1f}" y="{frame.bottom + 16:.1f}" font-size="10" '
                f'text-anchor="middle" fill="#4a5263">{escape(label)}</text>'
            )
    return parts


def _bands(frame: _Frame, bands: Sequence[Band] | None) -> list[str]:
    parts = []
    for index, band in enumerate(bands or ()):
        low, high, label = band[0], band[1], band[2]
        fill = band[3] if len(band) > 3 else BAND_FILLS[index % len(BAND_FILLS)]
        top, bottom = frame.y(max(low, high)), frame.y(min(low, high))
        parts.append(
            f'<rect x="{MARGIN_LEFT}" y="{top:.1f}" width="{frame.plot_width}" height="{max(bottom - top, 0):.1f}" '
            f'fill="{escape(fill)}"><title>{escape(label)}</title></rect>'
        )
        parts.append(
            f'<text x="{frame.width - MARGIN_RIGHT - 4}" y="{top + 11:.1f}" font-size="9" text-anchor="end" fill="#4a5263">{escape(label)}</text>'
        )
    return parts


def _threshold(frame: _Frame, threshold: Threshold | None) -> list[str]:
    if threshold is None:
        return []
    value, label = threshold if isinstance(threshold, tuple) else (threshold, _format_number(threshold))
    y = frame.y(value)
    return [
        f'<line x1="{MARGIN_LEFT}" x2="{frame.width - MARGIN_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#a61b1b" stroke-dasharray="5 4"/>',
        f'<text x="{MARGIN_LEFT + 4}" y="{y - 4:.1f}" font-size="10" fill="#a61b1b">{escape(label)}</text>',
    ]


def _threshold_values(threshold: Threshold | None) -> list[float]:
    if threshold is None:
        return []
    return [float(threshold[0] if isinstance(threshold, tuple) else threshold)]


def line_chart(
    series: Series,
    *,
    width: int = 560,
    height: int = 200,
    title: str,
    y_min: Number | None = None,
    y_max: Number | None = None,
    bands: Sequence[Band] | None = None,
    threshold: Threshold | None = None,
) -> SafeString:
    """A line through (label, value) points, oldest first; `None` breaks the line."""
    low, high = _value_range(series, y_min, y_max, _threshold_values(threshold))
    frame = _Frame(width=width, height=height, count=len(series), y_min=low, y_max=high)
    parts = (
        _open(width, height, title, series) + _bands(frame, bands) + _axes(frame, series) + _threshold(frame, threshold)
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
                f'<polyline fill="none" stroke="{LINE_COLOUR}" stroke-width="2" points="{" ".join(segment)}"/>'
            )
    for index, (label, value) in enumerate(series):
        if value is not None:
            parts.append(
                f'<circle cx="{frame.x(index):.1f}" cy="{frame.y(value):.1f}" r="3" fill="{LINE_COLOUR}">'
                f"<title>{escape(label)}: {_format_number(value)}</title></circle>"
            )
    if not any(value is not None for _, value in series):
        parts.append(_empty_note(frame))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped above


def bar_chart(
    series: Series,
    *,
    width: int = 560,
    height: int = 200,
    title: str,
    y_max: Number | None = None,
) -> SafeString:
    """One bar per (label, value); `None` leaves the slot empty."""
    low, high = _value_range(series, 0, y_max, [])
    frame = _Frame(width=width, height=height, count=len(series), y_min=low, y_max=high)
    parts = _open(width, height, title, series) + _axes(frame, series)
    bar_width = max(frame.plot_width / frame.count * 0.6, 1)
    for index, (label, value) in enumerate(series):
        if value is None:
            continue
        top = frame.y(value)
        parts.append(
            f'<rect x="{frame.x(index) - bar_width / 2:.1f}" y="{top:.1f}" width="{bar_width:.1f}" '
            f'height="{max(frame.bottom - top, 0):.1f}" fill="{LINE_COLOUR}">'
            f"<title>{escape(label)}: {_format_number(value)}</title></rect>"
        )
    if not any(value is not None for _, value in series):
        parts.append(_empty_note(frame))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped above


def _empty_note(frame: _Frame) -> str:
    return (
        f'<text x="{frame.width / 2:.1f}" y="{MARGIN_TOP + frame.plot_height / 2:.1f}" font-size="12" '
        f'text-anchor="middle" fill="#4a5263">No figures to show</text>'
    )

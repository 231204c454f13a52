"""Chart axes (insights/charts.py, clients/charts.py): whole-number ticks for counts, date and
month labels that never overlap, legible text, and the figures as a table."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest

from clients.charts import MeasurePoint, measure_chart, sparkline
from insights.charts import (
    FONT,
    draw_bar,
    draw_line,
    month_labels,
    nice_step,
    nice_ticks,
    text_width,
    thin_labels,
)


@pytest.mark.parametrize("high", [1, 2, 3, 7, 13, 25, 27, 49, 101, 999])
def test_count_ticks_are_whole_numbers_covering_the_range(high):
    ticks = nice_ticks(0, high, integer=True)
    assert all(float(tick).is_integer() for tick in ticks)
    assert ticks[0] == 0 and ticks[-1] >= high
    assert 2 <= len(ticks) <= 7
    steps = {ticks[i + 1] - ticks[i] for i in range(len(ticks) - 1)}
    assert len(steps) == 1  # evenly spaced


def test_the_issue_fractional_ticks_do_not_come_back():
    # Before: min/middle/max of 0..25 gave 12.5 and a max of 1 gave 0.5.
    assert 12.5 not in nice_ticks(0, 25, integer=True)
    assert nice_ticks(0, 1, integer=True) == [0, 1]
    assert nice_ticks(0, 0, integer=True) == [0, 1]


def test_non_count_ticks_may_use_round_fractions():
    assert nice_step(1, 4) == 0.25
    assert nice_step(1, 4, integer=True) == 1
    assert nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]


def test_bar_chart_of_counts_labels_only_whole_numbers():
    svg = draw_bar([("1 Dec", 1), ("8 Dec", 0), ("15 Dec", 3)], title="Check-ins per week")
    tick_texts = re.findall(r'text-anchor="end" fill="[^"]+">([^<]+)</text>', svg)
    assert tick_texts and all(text.isdigit() for text in tick_texts)


def test_thin_labels_keeps_every_label_when_there_is_room():
    assert thin_labels(["Jan", "Feb", "Mar"], slot=100) == [0, 1, 2]


def test_thin_labels_spaces_kept_labels_so_they_cannot_overlap():
    labels = [f"{day} Dec" for day in range(1, 31)]
    kept = thin_labels(labels, slot=12)
    widest = max(text_width(label) for label in labels)
    assert kept[0] == 0 and len(kept) < len(labels)
    for left, right in itertools.pairwise(kept):
        assert (right - left) * 12 >= widest  # centre-to-centre distance >= a label's width
    assert thin_labels([], slot=10) == []


def test_thin_labels_adds_the_last_label_only_when_it_fits():
    labels = ["Jan 2026", "Feb", "Mar", "Apr", "May", "Jun", "Jul"]
    kept = thin_labels(labels, slot=30)
    assert kept[-1] == 6 or (6 - kept[-1]) * 30 < text_width("Jan 2026") + 8


def test_month_labels_are_short_and_name_the_year_when_it_changes():
    assert month_labels(["2025-11", "2025-12", "2026-01", "2026-02"]) == ["Nov 2025", "Dec", "Jan 2026", "Feb"]
    assert month_labels([dt.date(2026, 3, 1)]) == ["Mar 2026"]


def _font_sizes(svg: str) -> list[float]:
    return [float(size) for size in re.findall(r'font-size="([0-9.]+)"', svg)]


def test_every_label_is_drawn_at_the_legible_size():
    svgs = [
        draw_line([("Jan", 1), ("Feb", 2)], title="Mood", width=340, y_label="Mood", x_label="Month"),
        draw_bar([("Jan", 1)], title="Sessions", width=440),
        str(sparkline([3, 5, 7], label="Mood")),
    ]
    for svg in svgs:
        assert min(_font_sizes(svg)) >= FONT


def test_x_labels_of_a_long_series_do_not_overlap_in_the_narrow_drawing():
    series = [(f"{day} Dec", day % 4) for day in range(1, 31)]
    svg = draw_bar(series, title="Per day", width=340)
    xs = [float(x) for x in re.findall(r'<text x="([0-9.]+)" y="[0-9.]+" font-size="13" text-anchor="middle"', svg)]
    widest = text_width("30 Dec")
    assert len(xs) >= 2 and all(b - a >= widest for a, b in itertools.pairwise(xs))


def test_measure_chart_names_its_axes_and_offers_a_table():
    when = dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)
    points = [
        MeasurePoint("S1", 20, "5 Jan 2026", when=when),
        MeasurePoint("S2", 9, "2 Feb 2026", change="improved", change_points=-11, when=when + dt.timedelta(days=28)),
    ]
    block = measure_chart(points, title="PHQ-9 by date", y_max=27, caseness=10)
    assert block.count("<svg") == 2  # wide and narrow
    assert "Total score" in block and "Date (ticks: attended sessions)" in block
    assert "<td>reliable improvement</td>" in block and "<summary>" in block
    assert min(_font_sizes(block)) >= FONT


def test_sparkline_has_an_axis_with_the_scale_and_dates():
    first = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    svg = str(sparkline([2, 6], label="Mood", dates=[first, first + dt.timedelta(days=30)]))
    assert ">0</text>" in svg and ">5</text>" in svg and ">10</text>" in svg
    assert "2 Nov" in svg and "2 Dec" in svg

"""Figures for the risk detector on labelled sets: the held-out sets and the validation split.

For each set: flagged precision and recall (concern + urgent against none), urgent recall (urgent
texts rated urgent), urgent texts scored none (listed), per-category recall (for a category of
risk texts: the share flagged; for a category of harmless texts: the share left at none), the
confusion matrix, and latency p50/p95 per text. Used by ``manage.py evaluate_risk_detector`` and
tests/insights/test_risk_heldout.py; no Django.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from insights import risk
from insights.risk import data as risk_data

LABELS = risk_data.LEVELS


@dataclass(frozen=True)
class Miss:
    kind: str  # "false negative", "false positive" or "wrong level"
    text: str
    expected: str
    got: str
    category: str
    reason: str


@dataclass
class SetReport:
    name: str
    counts: dict[str, int]
    confusion: dict[str, dict[str, int]]
    precision: float
    recall: float
    urgent_recall: float
    urgent_scored_none: list[str]
    per_category: dict[str, tuple[int, int, str]]  # category -> (right, total, "flagged"|"none")
    latency_p50_ms: float
    latency_p95_ms: float
    methods: dict[str, int]
    misses: list[Miss] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def evaluate_examples(
    name: str,
    examples: Sequence[risk_data.Example],
    screen: Callable[[str], risk.RiskResult] = risk.screen_text,
) -> SetReport:
    confusion = {expected: dict.fromkeys(LABELS, 0) for expected in LABELS}
    timings: list[float] = []
    misses: list[Miss] = []
    urgent_none: list[str] = []
    categories: dict[str, list[int]] = {}
    methods: dict[str, int] = {}
    for example in examples:
        started = time.perf_counter()
        result = screen(example.text)
        timings.append((time.perf_counter() - started) * 1000)
        confusion[example.level][result.level] += 1
        methods[result.method] = methods.get(result.method, 0) + 1
        expected_flag, got_flag = example.level != "none", result.level != "none"
        right = expected_flag == got_flag
        tally = categories.setdefault(example.category, [0, 0, 0])
        tally[0] += right
        tally[1] += 1
        tally[2] += expected_flag
        if example.level == "urgent" and result.level == "none":
            urgent_none.append(example.text)
        if expected_flag != got_flag:
            kind = "false negative" if expected_flag else "false positive"
        elif example.level != result.level:
            kind = "wrong level"
        else:
            continue
        misses.append(Miss(kind, example.text, example.level, result.level, example.category, result.reason))
    true_positive = sum(confusion[e][g] for e in ("concern", "urgent") for g in ("concern", "urgent"))
    flagged = true_positive + sum(confusion["none"][g] for g in ("concern", "urgent"))
    positives = sum(sum(confusion[e].values()) for e in ("concern", "urgent"))
    urgent_total = sum(confusion["urgent"].values())
    return SetReport(
        name=name,
        counts={label: sum(confusion[label].values()) for label in LABELS},
        confusion=confusion,
        precision=true_positive / flagged if flagged else 1.0,
        recall=true_positive / positives if positives else 1.0,
        urgent_recall=confusion["urgent"]["urgent"] / urgent_total if urgent_total else 1.0,
        urgent_scored_none=urgent_none,
        per_category={
            category: (right, total, "flagged" if positive * 2 >= total else "none")
            for category, (right, total, positive) in sorted(categories.items())
        },
        latency_p50_ms=statistics.median(timings) if timings else 0.0,
        latency_p95_ms=_percentile(timings, 0.95) if timings else 0.0,
        methods=methods,
        misses=misses,
    )


def at_least_as_good(candidate: SetReport, reference: SetReport) -> bool:
    """Identical or better precision, recall and urgent-scored-none than the reference."""
    return (
        candidate.precision >= reference.precision
        and candidate.recall >= reference.recall
        and len(candidate.urgent_scored_none) <= len(reference.urgent_scored_none)
    )


def evaluate_file(path: Path, screen: Callable[[str], risk.RiskResult] = risk.screen_text) -> SetReport:
    return evaluate_examples(path.stem, risk_data.load_file(path), screen)


def format_report(report: SetReport, *, show_misses: bool = True) -> str:
    lines = [
        f"== {report.name}: {report.total} texts (" + ", ".join(f"{k} {v}" for k, v in report.counts.items()) + ")"
    ]
    lines.append(
        f"precision {report.precision:.3f}  recall {report.recall:.3f}  (concern+urgent vs none)  "
        f"urgent recall {report.urgent_recall:.3f}  urgent scored none: {len(report.urgent_scored_none)}"
    )
    for text in report.urgent_scored_none:
        lines.append(f"  URGENT SCORED NONE: {text}")
    lines.append("confusion (rows expected, columns got):")
    lines.append(f"  {'':>8} " + " ".join(f"{label:>8}" for label in LABELS))
    for expected in LABELS:
        lines.append(f"  {expected:>8} " + " ".join(f"{report.confusion[expected][got]:>8}" for got in LABELS))
    lines.append("per category (share right; 'flagged' categories: flagged, 'none' categories: left at none):")
    for category, (right, total, kind) in report.per_category.items():
        lines.append(f"  {category:<28} {right:>4}/{total:<4} {right / total:.2f}  ({kind})")
    lines.append(f"latency per text: p50 {report.latency_p50_ms:.1f} ms, p95 {report.latency_p95_ms:.1f} ms")
    lines.append("methods: " + ", ".join(f"{k} {v}" for k, v in sorted(report.methods.items())))
    if show_misses:
        lines.append(f"misses ({len(report.misses)}):")
        for miss in report.misses:
            lines.append(f"  [{miss.kind}] {miss.expected}->{miss.got} ({miss.category}) :: {miss.text[:200]}")
            lines.append(f"      reason: {miss.reason}")
    return "\n".join(lines)

"""Evaluation of the risk screener against labelled JSON Lines files.

Used by ``manage.py evaluate_risk_detector`` and by the tests; it depends on nothing but
``insights.risk`` so it runs without Django settings.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from insights import risk

LABELS = ("none", "concern", "urgent")
RULES_MODE = "rules"
EMBEDDING_MODE = "rules+embedding"


@dataclass(frozen=True)
class Example:
    text: str
    label: str


@dataclass(frozen=True)
class Miss:
    kind: str  # "false negative", "false positive" or "wrong level"
    text: str
    expected: str
    got: str
    reason: str


@dataclass(frozen=True)
class Latency:
    mean_ms: float
    median_ms: float
    p95_ms: float


@dataclass
class ModeReport:
    mode: str
    confusion: dict[str, dict[str, int]]
    precision: float
    recall: float
    exact_accuracy: float
    latency: Latency
    misses: list[Miss] = field(default_factory=list)


@dataclass
class EvaluationReport:
    path: str
    counts: dict[str, int]
    modes: dict[str, ModeReport]
    embedding_status: dict[str, object]
    embedding_unavailable_reason: str | None = None

    @property
    def primary(self) -> ModeReport:
        """The mode production uses: embeddings when they load, rules otherwise."""
        return self.modes.get(EMBEDDING_MODE) or self.modes[RULES_MODE]


def load_examples(path: str | Path) -> list[Example]:
    examples = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        label = str(row["label"]).strip().lower()
        if label not in LABELS:
            raise ValueError(f"{path}:{number}: label must be one of {LABELS}, got {label!r}")
        examples.append(Example(str(row["text"]), label))
    return examples


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def evaluate_mode(examples: list[Example], use_embeddings: bool) -> ModeReport:
    confusion = {expected: dict.fromkeys(LABELS, 0) for expected in LABELS}
    misses: list[Miss] = []
    timings: list[float] = []
    true_positive = false_positive = false_negative = exact = 0
    for example in examples:
        started = time.perf_counter()
        result = risk.screen_text(example.text, use_embeddings=use_embeddings)
        timings.append((time.perf_counter() - started) * 1000)
        confusion[example.label][result.level] += 1
        expected_flag, got_flag = example.label != "none", result.level != "none"
        true_positive += expected_flag and got_flag
        false_positive += got_flag and not expected_flag
        false_negative += expected_flag and not got_flag
        exact += example.label == result.level
        if expected_flag != got_flag:
            kind = "false negative" if expected_flag else "false positive"
        elif example.label != result.level:
            kind = "wrong level"
        else:
            continue
        misses.append(Miss(kind, example.text, example.label, result.level, result.reason))
    flagged = true_positive + false_positive
    positives = true_positive + false_negative
    return ModeReport(
        mode=EMBEDDING_MODE if use_embeddings else RULES_MODE,
        confusion=confusion,
        precision=true_positive / flagged if flagged else 1.0,
        recall=true_positive / positives if positives else 1.0,
        exact_accuracy=exact / len(examples) if examples else 1.0,
        latency=Latency(statistics.fmean(timings), statistics.median(timings), _percentile(timings, 0.95))
        if timings
        else Latency(0.0, 0.0, 0.0),
        misses=misses,
    )


def evaluate(path: str | Path, *, embeddings: bool = True) -> EvaluationReport:
    """Evaluate rules-only and, when the model loads, rules plus embeddings."""
    examples = load_examples(path)
    counts = {label: sum(example.label == label for example in examples) for label in LABELS}
    modes = {RULES_MODE: evaluate_mode(examples, use_embeddings=False)}
    unavailable = None
    if not embeddings:
        unavailable = "disabled by the caller"
    elif risk.load_embedder() is None:
        unavailable = str(risk.embedding_status()["error"])
    else:
        # One untimed call so the first timed text does not pay for lazy initialisation.
        risk.screen_text("warming up", use_embeddings=True)
        modes[EMBEDDING_MODE] = evaluate_mode(examples, use_embeddings=True)
    return EvaluationReport(str(path), counts, modes, risk.embedding_status(), unavailable)


def format_report(report: EvaluationReport) -> str:
    lines = [f"Risk detector {risk.RISK_DETECTOR_VERSION} on {report.path}"]
    lines.append("Examples: " + ", ".join(f"{label}={count}" for label, count in report.counts.items()))
    lines.append(f"Total: {sum(report.counts.values())}")
    status = report.embedding_status
    if report.embedding_unavailable_reason:
        lines.append(f"Embeddings: not used ({report.embedding_unavailable_reason})")
    else:
        lines.append(f"Embeddings: {status['model']} loaded in {status['load_seconds']:.2f}s")
    for mode in report.modes.values():
        lines.append("")
        lines.append(f"== {mode.mode} ==")
        lines.append(f"Flagged (concern+urgent vs none): precision {mode.precision:.3f}  recall {mode.recall:.3f}")
        lines.append(f"Exact-level accuracy: {mode.exact_accuracy:.3f}")
        lines.append("Confusion (rows expected, columns got):")
        lines.append(f"  {'':>8} " + " ".join(f"{label:>8}" for label in LABELS))
        for expected in LABELS:
            row = " ".join(f"{mode.confusion[expected][got]:>8}" for got in LABELS)
            lines.append(f"  {expected:>8} {row}")
        latency = mode.latency
        lines.append(
            f"Latency per text: mean {latency.mean_ms:.2f} ms, median {latency.median_ms:.2f} ms, "
            f"p95 {latency.p95_ms:.2f} ms"
        )
        lines.append(f"Misses ({len(mode.misses)}):")
        for miss in mode.misses:
            lines.append(f"  [{miss.kind}] expected={miss.expected} got={miss.got} :: {miss.text}")
            lines.append(f"      reason: {miss.reason}")
    if EMBEDDING_MODE in report.modes:
        rules_latency, embedding_latency = report.modes[RULES_MODE].latency, report.modes[EMBEDDING_MODE].latency
        lines.append("")
        lines.append(
            f"Added by the embedding layer per text: mean {embedding_latency.mean_ms - rules_latency.mean_ms:.2f} ms, "
            f"median {embedding_latency.median_ms - rules_latency.median_ms:.2f} ms, "
            f"p95 {embedding_latency.p95_ms - rules_latency.p95_ms:.2f} ms "
            "(texts the rules already rate urgent skip the model)"
        )
    return "\n".join(lines)

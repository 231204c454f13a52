"""Latency of the in-request risk screener (``insights.risk.screen_text``), rules layer.

Every client-written text is screened inside the web request, so its cost is a product
figure. It used to be asserted in the unit tests (a median under 2 ms, a long text under
5 s); a wall-clock bound there fails on a busy machine and proves nothing on a quiet one,
so the tests assert behaviour and this script reports the time.

Measured, in this process, without Django (the detector is pure Python):
- typical entries: every text of insights/risk/training.jsonl, screened one by one
  after one warm-up call; best of ROUNDS rounds of the median and the 95th percentile (ms);
- a long entry: about 242,000 characters of ordinary prose with one urgent sentence near the
  end (the whole text is screened); best of ROUNDS (s).
Budgets (BUDGET_*): what the tests used to assert. The check line says PASS or FAIL;
``--strict`` turns a FAIL into exit status 1.

Run: ``.venv/bin/python benchmarks/bench_risk_latency.py [--rounds N] [--json] [--strict]``
(``make bench`` runs it through benchmarks/run.py). The embedding layer is off here
(``use_embeddings=False``): it depends on the model being installed and warmed up, and its
cost is one encode per entry, documented in insights/risk/__init__.py.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from insights import risk  # noqa: E402
from insights.risk.data import load_file  # noqa: E402

TYPICAL_SET = ROOT / "insights/risk/training.jsonl"
ROUNDS = 3
BUDGET_TYPICAL_MEDIAN_MS = 2.0
BUDGET_LONG_SECONDS = 5.0
LONG_FILLER = "Today was an ordinary day and I went to work and came home. " * 4000
LONG_TEXT = LONG_FILLER + "I'm going to kill myself tonight." + LONG_FILLER[:2000]


def screen(text: str) -> risk.RiskResult:
    return risk.screen_text(text, use_embeddings=False)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(rounds: int) -> dict[str, float | int]:
    texts = [example.text for example in load_file(TYPICAL_SET)]
    screen(texts[0])  # compile-time caches, so the first timed text is like the rest
    medians, p95s, longs = [], [], []
    for _ in range(rounds):
        timings = []
        for text in texts:
            started = time.perf_counter()
            screen(text)
            timings.append((time.perf_counter() - started) * 1000)
        medians.append(statistics.median(timings))
        p95s.append(percentile(timings, 0.95))
        started = time.perf_counter()
        result = screen(LONG_TEXT)
        longs.append(time.perf_counter() - started)
        if result.level != "urgent":  # the figure is only meaningful if the text was read to the end
            raise SystemExit(f"the long text screened as {result.level!r}, expected 'urgent'")
    return {
        "typical_entries": len(texts),
        "typical_median_ms": round(min(medians), 4),
        "typical_p95_ms": round(min(p95s), 4),
        "long_characters": len(LONG_TEXT),
        "long_seconds": round(min(longs), 4),
        "rounds": rounds,
    }


def checks(figures: dict[str, float | int]) -> list[tuple[str, float, str, bool]]:
    median, long = float(figures["typical_median_ms"]), float(figures["long_seconds"])
    return [
        (
            "risk rules: median ms per typical entry",
            median,
            f"< {BUDGET_TYPICAL_MEDIAN_MS}",
            median < BUDGET_TYPICAL_MEDIAN_MS,
        ),
        ("risk rules: p95 ms per typical entry (info)", float(figures["typical_p95_ms"]), "-", True),
        (
            f"risk rules: s for {figures['long_characters']:,} characters",
            long,
            f"< {BUDGET_LONG_SECONDS}",
            long < BUDGET_LONG_SECONDS,
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line, last")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure is over its budget")
    args = parser.parse_args()
    figures = measure(max(1, args.rounds))
    results = checks(figures)
    for name, value, limit, ok in results:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {value:.3f} (limit {limit})")
    if args.json:
        print(json.dumps(figures))
    return 1 if args.strict and not all(ok for *_, ok in results) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Not-on-track: expected-recovery curves (phase 2) against the phase-1 rule, on synthetic courses.

    .venv/bin/python benchmarks/bench_not_on_track.py [--courses 400] [--json]

No database. Courses come from `clients.recovery.synthetic_courses` (a documented generator
whose outcome, improvement / no change / deterioration, is known by construction):
- the curves are fitted on a "practice" of --courses finished courses per measure (seed 101),
  exactly as `clients.recovery.fit_curves` fits a practice's own courses;
- they are judged on a separate test set of --courses courses per measure (seed 202).
For each test course ending in deterioration or no change, the first session at which each
rule flags it; for each course ending in improvement, whether it was ever flagged (a false
alarm). Phase 1 is `clients.outcomes.not_on_track` on the same measure alone (reliable
deterioration, or no reliable improvement by session 6 while at caseness).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clients import recovery
from clients.outcomes import not_on_track

TRAIN_SEED, TEST_SEED = 101, 202


def phase1_first_flag(series, measure: str) -> int | None:
    for end in range(2, len(series) + 1):
        part = series[:end]
        result = not_on_track(part, ()) if measure == "phq9" else not_on_track((), part)
        if result["flag"]:
            return series[end - 1][0]
    return None


def evaluate(courses: int) -> dict:
    report: dict = {}
    for measure in recovery.MEASURES:
        train = [c.series for c in recovery.synthetic_courses(TRAIN_SEED, courses, measure)]
        curves = recovery.fit_curves({measure: train})
        test = recovery.synthetic_courses(TEST_SEED, courses, measure)
        leads, curve_sessions, phase1_sessions = [], [], []
        only_curve = only_phase1 = neither = 0
        positives = 0
        false_alarms = {"curve": 0, "phase1": 0}
        improvers = 0
        for course in test:
            curve_at = recovery.first_flag_session(course.series, curves, measure)
            phase1_at = phase1_first_flag(course.series, measure)
            if course.outcome == "improvement":
                improvers += 1
                false_alarms["curve"] += curve_at is not None
                false_alarms["phase1"] += phase1_at is not None
                continue
            positives += 1
            if curve_at is not None:
                curve_sessions.append(curve_at)
            if phase1_at is not None:
                phase1_sessions.append(phase1_at)
            if curve_at is not None and phase1_at is not None:
                leads.append(phase1_at - curve_at)
            elif curve_at is not None:
                only_curve += 1
            elif phase1_at is not None:
                only_phase1 += 1
            else:
                neither += 1
        report[measure] = {
            "courses_not_improving": positives,
            "flagged_by_curve": len(curve_sessions),
            "flagged_by_phase1": len(phase1_sessions),
            "median_first_flag_session_curve": statistics.median(curve_sessions) if curve_sessions else None,
            "median_first_flag_session_phase1": statistics.median(phase1_sessions) if phase1_sessions else None,
            "mean_sessions_earlier_when_both_flag": round(statistics.mean(leads), 2) if leads else None,
            "flagged_only_by_curve": only_curve,
            "flagged_only_by_phase1": only_phase1,
            "flagged_by_neither": neither,
            "false_alarm_rate_curve": round(false_alarms["curve"] / improvers, 3) if improvers else None,
            "false_alarm_rate_phase1": round(false_alarms["phase1"] / improvers, 3) if improvers else None,
            "improving_courses": improvers,
        }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--courses", type=int, default=400)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = evaluate(args.courses)
    for measure, figures in report.items():
        print(
            f"{recovery.LABELS[measure]}: {figures['courses_not_improving']} courses ending in no change or deterioration"
        )
        print(
            f"  flagged: curve {figures['flagged_by_curve']}, phase 1 {figures['flagged_by_phase1']}; "
            f"median first flag at session {figures['median_first_flag_session_curve']} (curve) vs "
            f"{figures['median_first_flag_session_phase1']} (phase 1)"
        )
        print(
            f"  when both flag, the curve flags {figures['mean_sessions_earlier_when_both_flag']} sessions earlier "
            f"on average; only the curve: {figures['flagged_only_by_curve']}, only phase 1: "
            f"{figures['flagged_only_by_phase1']}, neither: {figures['flagged_by_neither']}"
        )
        print(
            f"  false alarms on {figures['improving_courses']} improving courses: curve "
            f"{figures['false_alarm_rate_curve']:.1%}, phase 1 {figures['false_alarm_rate_phase1']:.1%}"
        )
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())

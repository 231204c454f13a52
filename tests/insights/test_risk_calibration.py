"""Threshold calibration (insights/risk/training.py ``calibrate``): the lowest expected cost on the
validation split, where a missed urgent text costs far more than a false alarm, within the
precision floor. No torch needed."""

from __future__ import annotations

import numpy as np

from insights.risk import training


def _calibrate(rows):
    flags = np.array([flag for flag, _, _ in rows])
    urgents = np.array([urgent for _, urgent, _ in rows])
    return training.calibrate(flags, urgents, [level for _, _, level in rows])


def test_a_low_scoring_urgent_text_pulls_the_threshold_down_when_precision_allows():
    rows = [(0.9, 0.8, "urgent"), (0.8, 0.1, "concern"), (0.7, 0.1, "concern"), (0.3, 0.6, "urgent")]
    rows += [(0.35, 0.0, "none"), (0.1, 0.0, "none"), (0.05, 0.0, "none"), (0.02, 0.0, "none")]
    # Lowering the flag threshold to 0.3 costs one false alarm (0.35) and saves one urgent miss.
    thresholds = _calibrate(rows)
    assert 0.29 < thresholds["flag"] <= 0.3


def test_false_alarms_win_over_a_missed_concern_only_within_their_cost():
    # Reaching the concern at 0.2 would add five false alarms (cost 5) to save one missed concern (4).
    rows = [(0.9, 0.9, "urgent"), (0.8, 0.1, "concern"), (0.2, 0.1, "concern")]
    rows += [(0.25, 0.0, "none")] * 5 + [(0.01, 0.0, "none")] * 20
    assert 0.7 < _calibrate(rows)["flag"] <= 0.8


def test_the_precision_floor_bounds_the_threshold():
    # Catching the last urgent text would flag 30 harmless texts: precision 0.09, under the floor.
    rows = [(0.9, 0.9, "urgent"), (0.85, 0.2, "concern"), (0.01, 0.5, "urgent")]
    rows += [(0.02, 0.0, "none")] * 30
    thresholds = _calibrate(rows)
    assert thresholds["flag"] > 0.02
    flags = np.array([flag for flag, _, _ in rows])
    flagged = flags >= thresholds["flag"]
    assert flagged.sum() == 2  # precision 1.0 rather than below the floor

"""Outcome rules from CLINICAL.md: Talking Therapies, Jacobson-Truax, not on track, alliance."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clients.outcomes import (
    alliance_drop,
    jacobson_truax,
    not_on_track,
    phq9_response_remission,
    talking_therapies,
)

TALKING_THERAPIES_KEYS = {
    "phq9_first",
    "phq9_last",
    "gad7_first",
    "gad7_last",
    "phq9_change",
    "gad7_change",
    "caseness_pre",
    "caseness_post",
    "reliable_improvement",
    "reliable_deterioration",
    "no_reliable_change",
    "recovery",
    "reliable_recovery",
    "finished_course",
}


def flags(outcome: dict) -> tuple:
    return (
        outcome["reliable_improvement"],
        outcome["reliable_deterioration"],
        outcome["no_reliable_change"],
    )


def test_talking_therapies_has_exactly_the_api_keys():
    assert set(talking_therapies([18, 9], [12, 6], 4)) == TALKING_THERAPIES_KEYS


def test_reliable_improvement_and_reliable_recovery():
    outcome = talking_therapies([15, 12, 8], [12, 10, 6], attended_sessions=6)
    assert outcome == {
        "phq9_first": 15,
        "phq9_last": 8,
        "gad7_first": 12,
        "gad7_last": 6,
        "phq9_change": -7,
        "gad7_change": -6,
        "caseness_pre": True,
        "caseness_post": False,
        "reliable_improvement": True,
        "reliable_deterioration": False,
        "no_reliable_change": False,
        "recovery": True,
        "reliable_recovery": True,
        "finished_course": True,
    }


def test_reliable_improvement_without_recovery():
    outcome = talking_therapies([18, 10], [12, 9], attended_sessions=5)
    assert flags(outcome) == (True, False, False)
    assert outcome["caseness_post"] is True  # PHQ-9 10 is still caseness
    assert outcome["recovery"] is False
    assert outcome["reliable_recovery"] is False


def test_recovery_without_reliable_improvement_is_not_reliable_recovery():
    outcome = talking_therapies([11, 9], [9, 7], attended_sessions=3)
    assert (outcome["phq9_change"], outcome["gad7_change"]) == (-2, -2)
    assert flags(outcome) == (False, False, True)
    assert outcome["recovery"] is True
    assert outcome["reliable_recovery"] is False


def test_reliable_deterioration_at_exactly_six_phq9_points():
    outcome = talking_therapies([8, 14], [5, 5], attended_sessions=4)
    assert flags(outcome) == (False, True, False)
    assert outcome["caseness_pre"] is False
    assert outcome["caseness_post"] is True
    assert outcome["recovery"] is None
    assert outcome["reliable_recovery"] is None


@pytest.mark.parametrize(
    ("phq9", "gad7", "expected"),
    [
        ([15, 10], [10, 10], (False, False, True)),  # PHQ-9 -5: not reliable
        ([15, 9], [10, 10], (True, False, False)),  # PHQ-9 -6: reliable
        ([15, 15], [10, 7], (False, False, True)),  # GAD-7 -3: not reliable
        ([15, 15], [10, 6], (True, False, False)),  # GAD-7 -4: reliable
        ([10, 15], [10, 10], (False, False, True)),  # PHQ-9 +5: not reliable
        ([10, 10], [10, 14], (False, True, False)),  # GAD-7 +4: reliable
    ],
)
def test_reliable_change_thresholds_are_inclusive(phq9, gad7, expected):
    assert flags(talking_therapies(phq9, gad7, 2)) == expected


def test_mixed_change_is_no_reliable_change():
    outcome = talking_therapies([20, 12], [5, 10], attended_sessions=8)
    assert (outcome["phq9_change"], outcome["gad7_change"]) == (-8, 5)
    assert flags(outcome) == (False, False, True)
    assert outcome["recovery"] is False  # GAD-7 10 is at caseness at the end
    assert outcome["reliable_recovery"] is False


def test_neither_measure_changing_is_no_reliable_change():
    assert flags(talking_therapies([14, 13], [9, 10], 3)) == (False, False, True)


def test_not_at_caseness_first_leaves_recovery_out_of_the_denominator():
    outcome = talking_therapies([8, 3], [6, 3], attended_sessions=5)
    assert outcome["caseness_pre"] is False
    assert outcome["recovery"] is None
    assert outcome["reliable_recovery"] is None
    assert flags(outcome) == (False, False, True)  # -5 and -3: neither reliable


def test_caseness_is_either_measure_at_its_threshold():
    assert talking_therapies([10, 0], [0, 0], 2)["caseness_pre"] is True
    assert talking_therapies([9, 0], [8, 0], 2)["caseness_pre"] is True
    assert talking_therapies([9, 0], [7, 0], 2)["caseness_pre"] is False
    assert talking_therapies([0, 9], [0, 7], 2)["caseness_post"] is False


@pytest.mark.parametrize(("phq9", "gad7"), [([14, 8], []), ([], [12, 6]), ([None], [12, 6])])
def test_missing_measure_nulls_the_combined_flags(phq9, gad7):
    outcome = talking_therapies(phq9, gad7, attended_sessions=4)
    for key in (
        "caseness_pre",
        "caseness_post",
        "reliable_improvement",
        "reliable_deterioration",
        "no_reliable_change",
        "recovery",
        "reliable_recovery",
    ):
        assert outcome[key] is None, key
    assert outcome["finished_course"] is True


def test_missing_measure_still_reports_the_measure_that_exists():
    outcome = talking_therapies([14, 8], [], attended_sessions=1)
    assert (outcome["phq9_first"], outcome["phq9_last"], outcome["phq9_change"]) == (
        14,
        8,
        -6,
    )
    assert (outcome["gad7_first"], outcome["gad7_last"], outcome["gad7_change"]) == (
        None,
        None,
        None,
    )
    assert outcome["finished_course"] is False


def test_unscorable_administrations_are_skipped():
    outcome = talking_therapies([None, 18, None, 10, None], [None, 12, 6], attended_sessions=3)
    assert (outcome["phq9_first"], outcome["phq9_last"]) == (18, 10)
    assert (outcome["gad7_first"], outcome["gad7_last"]) == (12, 6)


def test_single_score_is_both_first_and_last():
    outcome = talking_therapies([16], [11], attended_sessions=1)
    assert (outcome["phq9_first"], outcome["phq9_last"], outcome["phq9_change"]) == (
        16,
        16,
        0,
    )
    assert outcome["no_reliable_change"] is True
    assert outcome["recovery"] is False


@pytest.mark.parametrize(("sessions", "finished"), [(0, False), (1, False), (2, True), (9, True)])
def test_finished_course_needs_two_attended_sessions(sessions, finished):
    assert talking_therapies([10, 5], [8, 4], sessions)["finished_course"] is finished


@given(
    st.lists(st.integers(0, 27), min_size=1, max_size=6),
    st.lists(st.integers(0, 21), min_size=1, max_size=6),
)
def test_property_exactly_one_change_category(phq9, gad7):
    outcome = talking_therapies(phq9, gad7, 2)
    assert sum(flags(outcome)) == 1
    if outcome["reliable_recovery"]:
        assert outcome["recovery"] and outcome["reliable_improvement"]


# --- response and remission ---


@pytest.mark.parametrize(
    ("first", "last", "response", "remission"),
    [
        (20, 10, True, False),  # exactly 50%
        (20, 11, False, False),
        (9, 4, True, True),  # 55%, last below 5
        (9, 5, False, False),  # 44%
        (0, 0, None, True),
        (None, 3, None, True),
        (12, None, None, None),
    ],
)
def test_phq9_response_and_remission(first, last, response, remission):
    assert phq9_response_remission(first, last) == {
        "response": response,
        "remission": remission,
    }


# --- Jacobson-Truax ---

NORMS = {
    "sd": 5.0,
    "r": 0.84,
    "mean_clin": 18.0,
    "sd_clin": 5.0,
    "mean_func": 5.0,
    "sd_func": 4.0,
}


def test_jacobson_truax_cutoffs():
    result = jacobson_truax(20, 10, **NORMS)
    assert result["cutoffs"]["a"] == pytest.approx(8.0)
    assert result["cutoffs"]["b"] == pytest.approx(13.0)
    assert result["cutoffs"]["c"] == pytest.approx((5 * 5 + 4 * 18) / 9)
    assert result["cutoff_used"] == "c"


def test_jacobson_truax_rci_formula():
    # SE = 5 * sqrt(0.16) = 2; S_diff = 2 * sqrt(2); RCI = -10 / 2.828...
    result = jacobson_truax(20, 10, **NORMS)
    assert result["rci"] == pytest.approx(-10 / (2 * math.sqrt(2)))
    assert result["reliable"] is True


@pytest.mark.parametrize(
    ("pre", "post", "category"),
    [
        (20, 10, "recovered"),  # reliable and crossed c (10.78)
        (20, 12, "improved"),  # reliable (RCI -2.83) but still above c
        (20, 17, "unchanged"),  # RCI -1.06
        (20, 26, "deteriorated"),  # RCI +2.12
        (10, 4, "improved"),  # reliable, but already below the cut-off at the start
    ],
)
def test_jacobson_truax_categories(pre, post, category):
    assert jacobson_truax(pre, post, **NORMS)["category"] == category


def test_jacobson_truax_without_norms_cannot_call_recovery():
    result = jacobson_truax(20, 5, sd=5.0, r=0.84)
    assert result["cutoffs"] == {"a": None, "b": None, "c": None}
    assert result["cutoff_used"] is None
    assert result["category"] == "improved"


def test_jacobson_truax_falls_back_to_cutoff_a_with_clinical_norms_only():
    result = jacobson_truax(20, 7, sd=5.0, r=0.84, mean_clin=18.0, sd_clin=5.0)
    assert (result["cutoff_used"], result["category"]) == ("a", "recovered")
    result = jacobson_truax(20, 9, sd=5.0, r=0.84, mean_clin=18.0, sd_clin=5.0)
    assert (result["cutoff_used"], result["category"]) == ("a", "improved")


def test_jacobson_truax_reliability_needs_more_than_1_96():
    # S_diff = 10 * sqrt(0.5) * sqrt(2) = 10 (up to float error); a change of 19.6 is not enough.
    assert jacobson_truax(30, 10.4, sd=10.0, r=0.5)["reliable"] is False
    assert jacobson_truax(30, 10.3, sd=10.0, r=0.5)["reliable"] is True


@pytest.mark.parametrize(("sd", "r"), [(0, 0.8), (-1, 0.8), (5, 1.0), (5, -0.1)])
def test_jacobson_truax_rejects_impossible_norms(sd, r):
    with pytest.raises(ValueError):
        jacobson_truax(20, 10, sd=sd, r=r)


# --- not on track ---


def test_no_reliable_improvement_by_session_six_at_caseness_is_flagged():
    assert not_on_track([(0, 18), (3, 17), (6, 19)]) == {
        "flag": True,
        "reason": "PHQ-9 18 -> 19 after 6 sessions; expected a drop of at least 6",
    }


def test_reliable_deterioration_is_flagged_before_session_six():
    result = not_on_track([(0, 10), (3, 16)])
    assert result == {
        "flag": True,
        "reason": "PHQ-9 10 -> 16 after 3 sessions; reliable deterioration (a rise of 6, threshold 6)",
    }


def test_gad7_deterioration_flags_even_when_phq9_improves():
    result = not_on_track([(0, 18), (4, 9)], [(0, 8), (4, 12)])
    assert result["flag"] is True
    assert result["reason"].startswith("GAD-7 8 -> 12 after 4 sessions; reliable deterioration")


def test_reliable_improvement_is_on_track():
    assert not_on_track([(0, 18), (4, 9)]) == {
        "flag": False,
        "reason": "PHQ-9 18 -> 9 after 4 sessions: reliable improvement",
    }


@pytest.mark.parametrize(("latest_session", "flag"), [(5, False), (6, True), (7, True)])
def test_session_six_is_the_default_review_point(latest_session, flag):
    assert not_on_track([(0, 18), (latest_session, 16)])["flag"] is flag


def test_review_point_is_configurable():
    assert not_on_track([(0, 18), (6, 16)], session_n=8)["flag"] is False
    assert not_on_track([(0, 18), (8, 16)], session_n=8)["flag"] is True


def test_before_the_review_point_the_reason_says_when():
    result = not_on_track([(0, 18), (1, 16)])
    assert result == {
        "flag": False,
        "reason": "PHQ-9 18 -> 16 after 1 session; no reliable improvement yet, reviewed again at session 6",
    }


def test_below_caseness_by_the_review_point_is_on_track():
    result = not_on_track([(0, 12), (6, 9)], [(0, 9), (6, 7)])
    assert result["flag"] is False
    assert result["reason"].endswith(": below caseness")


def test_gad7_alone_at_caseness_is_flagged_with_its_own_threshold():
    result = not_on_track([(0, 9), (6, 8)], [(0, 15), (6, 13)])
    assert result == {
        "flag": True,
        "reason": "GAD-7 15 -> 13 after 6 sessions; expected a drop of at least 4",
    }


@pytest.mark.parametrize(
    ("phq9", "gad7"),
    [([], []), ([(0, 18)], []), ([(0, 18), (6, None)], [(0, None)])],
)
def test_not_enough_scores(phq9, gad7):
    assert not_on_track(phq9, gad7) == {
        "flag": False,
        "reason": "Not enough scores yet",
    }


# --- alliance ---


@pytest.mark.parametrize(
    ("totals", "flag", "drop"),
    [
        ([50, 45], True, 5),
        ([50, 46], False, 4),
        ([40, 50], False, -10),
        ([55, None, 48], True, 7),
        ([60, 50, 52], False, -2),  # compares with the previous score, not the best
    ],
)
def test_alliance_drop(totals, flag, drop):
    result = alliance_drop(totals)
    assert (result["flag"], result["drop"]) == (flag, drop)


def test_alliance_drop_reason_and_not_enough_scores():
    assert alliance_drop([52, 44])["reason"] == (
        "WAI-SR 52 -> 44: a drop of 8; worth an alliance check-in next session"
    )
    assert alliance_drop([52])["flag"] is False
    assert alliance_drop([])["reason"] == "Not enough alliance scores yet"

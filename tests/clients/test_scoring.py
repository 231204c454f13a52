"""Scoring rules from CLINICAL.md, pinned case by case. Pure: no database, no Django."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clients.instruments import BUILTIN_INSTRUMENTS, get_builtin
from clients.scoring import AnswerValidationError, round_half_up, safety_flags, score

PHQ9 = get_builtin("phq9")
GAD7 = get_builtin("gad7")
PHQ4 = get_builtin("phq4")
PCL5 = get_builtin("pcl5")
WAI_SR = get_builtin("wai_sr")
CSSRS = get_builtin("cssrs_screener")

COMMON_KEYS = {
    "total",
    "scorable",
    "prorated",
    "n_missing",
    "severity",
    "caseness",
    "version",
}


def answers_with_total(total: int, item_count: int, item_max: int) -> list[int]:
    """Answers filled from the first item up, each at most item_max, summing to total."""
    answers = []
    remaining = total
    for _ in range(item_count):
        value = min(item_max, remaining)
        answers.append(value)
        remaining -= value
    assert remaining == 0
    return answers


def rejection(definition: dict, answers: object, **kwargs: object) -> list[dict]:
    with pytest.raises(AnswerValidationError) as caught:
        score(definition, answers, **kwargs)
    return caught.value.errors


# --- result keys ---


@pytest.mark.parametrize(
    ("definition", "answers", "extra_keys"),
    [
        (
            PHQ9,
            [0] * 9,
            {
                "total_exact",
                "item9_flag",
                "safety_item_missing",
                "phq2_total",
                "phq2_positive",
            },
        ),
        (GAD7, [0] * 7, {"total_exact", "gad2_total", "gad2_positive"}),
        (
            PHQ4,
            [0] * 4,
            {
                "anxiety_subscale",
                "depression_subscale",
                "gad2_positive",
                "phq2_positive",
            },
        ),
        (
            PCL5,
            [0] * 20,
            {"clusters", "cutoff", "provisional_ptsd_cutoff", "provisional_ptsd_dsm5"},
        ),
        (WAI_SR, [1] * 12, {"subscales", "means"}),
        (
            CSSRS,
            {"q1": False, "q2": False, "q6": False},
            {"risk_level", "skip_logic_inconsistent"},
        ),
    ],
)
def test_result_has_exactly_the_api_keys(definition, answers, extra_keys):
    result = score(definition, answers)
    assert set(result) == COMMON_KEYS | extra_keys
    assert result["version"] == f"{definition['code']}_v1"


# --- PHQ-9 ---


@pytest.mark.parametrize(
    ("total", "severity", "caseness"),
    [
        (0, "minimal", False),
        (4, "minimal", False),
        (5, "mild", False),
        (9, "mild", False),
        (10, "moderate", True),
        (14, "moderate", True),
        (15, "moderately_severe", True),
        (19, "moderately_severe", True),
        (20, "severe", True),
        (27, "severe", True),
    ],
)
def test_phq9_band_edges_and_caseness(total, severity, caseness):
    result = score(PHQ9, answers_with_total(total, 9, 3))
    assert result["total"] == total
    assert result["total_exact"] == float(total)
    assert result["severity"] == severity
    assert result["caseness"] is caseness
    assert result["scorable"] is True
    assert result["prorated"] is False
    assert result["n_missing"] == 0


def test_phq9_full_result_for_a_complete_questionnaire():
    assert score(PHQ9, [2, 1, 3, 0, 1, 2, 0, 1, 1]) == {
        "total": 11,
        "scorable": True,
        "prorated": False,
        "n_missing": 0,
        "severity": "moderate",
        "caseness": True,
        "version": "phq9_v1",
        "total_exact": 11.0,
        "item9_flag": True,
        "safety_item_missing": False,
        "phq2_total": 3,
        "phq2_positive": True,
    }


def test_phq9_one_missing_prorates_and_rounds_13_5_up_to_14():
    answers = [3, 3, 2, 2, 1, 1, 0, None, 0]  # 8 answered, sum 12 -> 12 * 9 / 8 = 13.5
    result = score(PHQ9, answers)
    assert result["total_exact"] == 13.5
    assert result["total"] == 14
    assert result["severity"] == "moderate"
    assert result["prorated"] is True
    assert result["n_missing"] == 1
    assert result["scorable"] is True


def test_phq9_prorating_rounds_half_up_not_to_even_across_a_band_edge():
    # 4 * 9 / 8 = 4.5: banker's rounding would give 4 (minimal); half up gives 5 (mild).
    result = score(PHQ9, [1, 1, 1, 1, 0, 0, 0, 0, None])
    assert result["total_exact"] == 4.5
    assert result["total"] == 5
    assert result["severity"] == "mild"


def test_phq9_prorating_rounds_22_5_up_to_23():
    # 20 * 9 / 8 = 22.5: banker's rounding would give 22.
    result = score(PHQ9, [3, 3, 3, 3, 3, 3, 2, None, 0])
    assert (result["total_exact"], result["total"]) == (22.5, 23)


def test_phq9_two_missing_prorates_with_the_exact_quotient():
    result = score(PHQ9, [2, 2, 2, 1, 1, 1, 1, None, None])  # 10 * 9 / 7 = 12.857142...
    assert result["total_exact"] == 12.857143
    assert abs(result["total_exact"] - 90 / 7) < 1e-6
    assert result["total"] == 13
    assert result["n_missing"] == 2
    assert result["prorated"] is True
    assert result["caseness"] is True


def test_phq9_prorating_can_reach_caseness():
    # 8 * 9 / 8 = 9 (not caseness) versus 9 * 9 / 8 = 10.125 -> 10 (caseness).
    assert score(PHQ9, [1, 1, 1, 1, 1, 1, 1, 1, None])["caseness"] is False
    assert score(PHQ9, [2, 1, 1, 1, 1, 1, 1, 1, None])["caseness"] is True


def test_phq9_three_missing_is_not_scorable():
    result = score(PHQ9, [3, 3, 3, 3, 3, 3, None, None, None])
    assert result["scorable"] is False
    assert result["total"] is None
    assert result["total_exact"] is None
    assert result["severity"] is None
    assert result["caseness"] is None
    assert result["prorated"] is False
    assert result["n_missing"] == 3
    # Item 9 unanswered is unknown, never "no risk".
    assert result["item9_flag"] is None
    assert result["safety_item_missing"] is True


def test_phq9_all_missing_is_not_scorable():
    result = score(PHQ9, [None] * 9)
    assert (result["scorable"], result["total"], result["n_missing"]) == (
        False,
        None,
        9,
    )


@pytest.mark.parametrize(
    ("item9", "flag", "missing"),
    [
        (None, None, True),
        (0, False, False),
        (1, True, False),
        (2, True, False),
        (3, True, False),
    ],
)
def test_phq9_item9_flag(item9, flag, missing):
    result = score(PHQ9, [0, 0, 0, 0, 0, 0, 0, 0, item9])
    assert result["item9_flag"] is flag
    assert result["safety_item_missing"] is missing


def test_phq9_item9_flag_is_raised_even_when_not_scorable():
    result = score(PHQ9, [None, None, None, 0, 0, 0, 0, 0, 1])
    assert result["scorable"] is False
    assert result["item9_flag"] is True
    assert result["safety_item_missing"] is False


def test_phq9_item9_flag_is_raised_whatever_the_total():
    result = score(PHQ9, [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert (result["total"], result["severity"], result["item9_flag"]) == (
        1,
        "minimal",
        True,
    )


@pytest.mark.parametrize(
    ("item1", "item2", "phq2_total", "positive"),
    [
        (1, 2, 3, True),
        (1, 1, 2, False),
        (3, 3, 6, True),
        (0, 0, 0, False),
        (None, 3, None, None),
    ],
)
def test_phq2_inside_phq9(item1, item2, phq2_total, positive):
    result = score(PHQ9, [item1, item2, 0, 0, 0, 0, 0, 0, 0])
    assert result["phq2_total"] == phq2_total
    assert result["phq2_positive"] is positive


@pytest.mark.parametrize("difficulty", [None, 0, 1, 2, 3])
def test_phq9_difficulty_is_validated_but_never_added(difficulty):
    result = score(PHQ9, [1] * 9, difficulty=difficulty)
    assert result["total"] == 9


@pytest.mark.parametrize(
    ("difficulty", "code"),
    [
        (4, "out_of_range"),
        (-1, "out_of_range"),
        (True, "non_integer"),
        (1.0, "non_integer"),
    ],
)
def test_phq9_invalid_difficulty_is_rejected_as_item_10(difficulty, code):
    errors = rejection(PHQ9, [1] * 9, difficulty=difficulty)
    assert [(error["item"], error["code"]) for error in errors] == [(10, code)]


def test_difficulty_is_rejected_for_an_instrument_without_one():
    errors = rejection(GAD7, [1] * 7, difficulty=1)
    assert [error["code"] for error in errors] == ["wrong_item_count"]
    assert "item" not in errors[0]


# --- rejections ---


@pytest.mark.parametrize("count", [0, 8, 10])
def test_wrong_item_count_is_rejected_without_an_item_number(count):
    errors = rejection(PHQ9, [0] * count)
    assert len(errors) == 1
    assert errors[0]["code"] == "wrong_item_count"
    assert "item" not in errors[0]
    assert "9" in errors[0]["message"]


@pytest.mark.parametrize("answers", [None, "000000000", {"1": 0}, 5])
def test_answers_that_are_not_a_list_are_rejected(answers):
    errors = rejection(PHQ9, answers)
    assert [error["code"] for error in errors] == ["wrong_item_count"]


@pytest.mark.parametrize(
    ("position", "value", "code"),
    [
        (4, 4, "out_of_range"),
        (1, -1, "out_of_range"),
        (9, 99, "out_of_range"),
        (2, True, "non_integer"),
        (3, False, "non_integer"),
        (5, 2.0, "non_integer"),
        (6, 1.5, "non_integer"),
        (7, "2", "non_integer"),
        (8, [1], "non_integer"),
    ],
)
def test_bad_item_value_is_rejected_naming_the_one_based_item(position, value, code):
    answers: list = [1] * 9
    answers[position - 1] = value
    errors = rejection(PHQ9, answers)
    assert [(error["item"], error["code"]) for error in errors] == [(position, code)]
    assert error_message_mentions(errors[0], position)


def error_message_mentions(error: dict, item: int) -> bool:
    return f"Item {item}" in error["message"]


def test_every_bad_item_is_reported_together_and_nothing_is_clamped():
    errors = rejection(GAD7, [4, 0, True, 0, -2, 0, None])
    assert [(error["item"], error["code"]) for error in errors] == [
        (1, "out_of_range"),
        (3, "non_integer"),
        (5, "out_of_range"),
    ]


def test_wai_sr_rejects_zero_because_its_items_start_at_one():
    errors = rejection(WAI_SR, [0] + [3] * 11)
    assert [(error["item"], error["code"]) for error in errors] == [(1, "out_of_range")]


def test_pcl5_accepts_four_and_rejects_five():
    assert score(PCL5, [4] * 20)["total"] == 80
    errors = rejection(PCL5, [4] * 19 + [5])
    assert [(error["item"], error["code"]) for error in errors] == [(20, "out_of_range")]


# --- GAD-7 ---


@pytest.mark.parametrize(
    ("total", "severity", "caseness"),
    [
        (0, "minimal", False),
        (4, "minimal", False),
        (5, "mild", False),
        (7, "mild", False),
        (8, "mild", True),
        (9, "mild", True),
        (10, "moderate", True),
        (14, "moderate", True),
        (15, "severe", True),
        (21, "severe", True),
    ],
)
def test_gad7_band_edges_and_caseness(total, severity, caseness):
    result = score(GAD7, answers_with_total(total, 7, 3))
    assert (result["total"], result["severity"], result["caseness"]) == (
        total,
        severity,
        caseness,
    )


def test_gad7_one_missing_prorates_and_rounds_10_5_up_to_11():
    result = score(GAD7, [3, 3, 3, 0, 0, 0, None])  # 9 * 7 / 6 = 10.5 (banker's: 10)
    assert result["total_exact"] == 10.5
    assert result["total"] == 11
    assert result["prorated"] is True
    assert result["n_missing"] == 1
    assert result["severity"] == "moderate"


def test_gad7_prorating_can_reach_caseness():
    assert score(GAD7, [1, 1, 1, 1, 1, 1, None])["total"] == 7
    result = score(GAD7, [2, 1, 1, 1, 1, 1, None])  # 7 * 7 / 6 = 8.17 -> 8
    assert (result["total_exact"], result["total"], result["caseness"]) == (
        8.166667,
        8,
        True,
    )


def test_gad7_two_missing_is_not_scorable():
    result = score(GAD7, [3, 3, 3, 3, 3, None, None])
    assert result["scorable"] is False
    assert result["total"] is None
    assert result["total_exact"] is None
    assert result["severity"] is None
    assert result["caseness"] is None
    assert result["n_missing"] == 2
    assert (result["gad2_total"], result["gad2_positive"]) == (6, True)


@pytest.mark.parametrize(
    ("item1", "item2", "total", "positive"),
    [(2, 1, 3, True), (1, 1, 2, False), (None, 1, None, None)],
)
def test_gad2_inside_gad7(item1, item2, total, positive):
    result = score(GAD7, [item1, item2, 0, 0, 0, 0, 0])
    assert (result["gad2_total"], result["gad2_positive"]) == (total, positive)


# --- PHQ-4 ---


@pytest.mark.parametrize(
    ("total", "severity"),
    [
        (0, "none"),
        (2, "none"),
        (3, "mild"),
        (5, "mild"),
        (6, "moderate"),
        (8, "moderate"),
        (9, "severe"),
        (12, "severe"),
    ],
)
def test_phq4_band_edges(total, severity):
    result = score(PHQ4, answers_with_total(total, 4, 3))
    assert (result["total"], result["severity"], result["caseness"]) == (
        total,
        severity,
        None,
    )


def test_phq4_subscales_are_first_two_and_last_two_items():
    result = score(PHQ4, [2, 1, 0, 2])
    assert result["anxiety_subscale"] == 3
    assert result["depression_subscale"] == 2
    assert result["gad2_positive"] is True
    assert result["phq2_positive"] is False
    assert result["total"] == 5


def test_phq4_any_missing_item_is_not_scorable_but_the_complete_subscale_is_kept():
    result = score(PHQ4, [3, 3, None, 1])
    assert result["scorable"] is False
    assert result["total"] is None
    assert result["severity"] is None
    assert result["n_missing"] == 1
    assert (result["anxiety_subscale"], result["gad2_positive"]) == (6, True)
    assert (result["depression_subscale"], result["phq2_positive"]) == (None, None)
    assert "total_exact" not in result


# --- PCL-5 ---


def test_pcl5_cluster_sums_use_the_dsm5_item_groups():
    answers = [1, 1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4]
    result = score(PCL5, answers)
    assert result["clusters"] == {"B": 5, "C": 4, "D": 21, "E": 24}
    assert result["total"] == 54
    assert result["severity"] is None
    assert result["caseness"] is None
    assert result["cutoff"] == 33


def test_pcl5_cutoff_positive_but_dsm5_pattern_negative():
    # High total, but no cluster C or E symptom.
    answers = [4, 4, 4, 4, 4, 0, 0, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0]
    result = score(PCL5, answers)
    assert result["total"] == 34
    assert result["provisional_ptsd_cutoff"] is True
    assert result["provisional_ptsd_dsm5"] is False


def test_pcl5_dsm5_pattern_positive_but_cutoff_negative():
    # Exactly 1 B, 1 C, 2 D and 2 E symptoms at 2: the pattern is met with a total of 12.
    answers = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]
    result = score(PCL5, answers)
    assert result["total"] == 12
    assert result["provisional_ptsd_cutoff"] is False
    assert result["provisional_ptsd_dsm5"] is True


def test_pcl5_dsm5_pattern_needs_two_d_and_two_e_symptoms():
    one_d = [2, 0, 0, 0, 0, 2, 0, 2, 1, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0]
    one_e = [2, 0, 0, 0, 0, 2, 0, 2, 2, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0, 0]
    assert score(PCL5, one_d)["provisional_ptsd_dsm5"] is False
    assert score(PCL5, one_e)["provisional_ptsd_dsm5"] is False


@pytest.mark.parametrize(("total", "positive"), [(32, False), (33, True), (34, True)])
def test_pcl5_default_cutoff_is_33_inclusive(total, positive):
    assert score(PCL5, answers_with_total(total, 20, 4))["provisional_ptsd_cutoff"] is positive


def test_pcl5_cutoff_option_left_null_uses_the_default():
    result = score(PCL5, [0] * 20, options={"pcl5_cutoff": None})
    assert result["cutoff"] == 33


def test_pcl5_cutoff_is_configurable():
    answers = answers_with_total(32, 20, 4)
    result = score(PCL5, answers, options={"pcl5_cutoff": 31})
    assert (result["cutoff"], result["provisional_ptsd_cutoff"]) == (31, True)


@pytest.mark.parametrize("cutoff", [0, 81, True, "33", 32.5])
def test_pcl5_invalid_cutoff_option_is_refused(cutoff):
    with pytest.raises(ValueError, match="pcl5_cutoff"):
        score(PCL5, [0] * 20, options={"pcl5_cutoff": cutoff})


def test_pcl5_missing_item_is_not_scorable_but_settled_results_are_kept():
    answers = [4] * 19 + [None]  # 76 answered: cut-off reached whatever item 20 is.
    result = score(PCL5, answers)
    assert result["scorable"] is False
    assert result["total"] is None
    assert result["clusters"] == {"B": 20, "C": 8, "D": 28, "E": None}
    assert result["provisional_ptsd_cutoff"] is True
    assert result["provisional_ptsd_dsm5"] is True


def test_pcl5_missing_item_that_could_change_the_result_gives_null():
    answers = [1] * 19 + [None]  # 19 answered; item 20 at 4 would make 23, still below 33.
    result = score(PCL5, answers)
    assert result["provisional_ptsd_cutoff"] is False
    # No symptom anywhere, so the pattern fails whatever item 20 is.
    assert result["provisional_ptsd_dsm5"] is False
    undecided = [2] * 5 + [2, 2] + [2] * 7 + [2, 0, 0, 0, 0, None]  # E has 1 symptom + 1 unknown
    result = score(PCL5, undecided)
    assert result["provisional_ptsd_dsm5"] is None
    assert result["provisional_ptsd_cutoff"] is None  # 30 answered; 34 possible


# --- WAI-SR ---


def test_wai_sr_subscales_follow_the_item_mapping():
    answers = [0] * 12
    for item in (4, 6, 8, 11):
        answers[item - 1] = 5  # goal
    for item in (1, 2, 10, 12):
        answers[item - 1] = 3  # task
    for item in (3, 5, 7, 9):
        answers[item - 1] = 1  # bond
    result = score(WAI_SR, answers)
    assert result["subscales"] == {"goal": 20, "task": 12, "bond": 4}
    assert result["total"] == 36
    assert result["means"] == {"goal": 5.0, "task": 3.0, "bond": 1.0, "total": 3.0}
    assert (result["severity"], result["caseness"]) == (None, None)


def test_wai_sr_means_round_half_up_to_two_decimals():
    result = score(WAI_SR, [5, 4, 5, 4, 4, 4, 4, 4, 4, 4, 4, 4])  # total 50 -> 4.1666...
    assert result["means"]["total"] == 4.17
    assert result["means"]["task"] == 4.25  # items 1, 2, 10, 12 = 5 + 4 + 4 + 4


def test_wai_sr_missing_item_nulls_its_subscale_and_the_total():
    result = score(WAI_SR, [None] + [5] * 11)
    assert result["scorable"] is False
    assert result["total"] is None
    assert result["subscales"] == {"goal": 20, "task": None, "bond": 20}
    assert result["means"] == {"goal": 5.0, "task": None, "bond": 5.0, "total": None}


# --- practice-defined instruments ---


def custom_definition() -> dict:
    return {
        "code": "sleep_check",
        "name": "Sleep check",
        "version": "sleep_check_v1",
        "licence": "Written by the practice.",
        "answer_format": "list",
        "items": [
            {"number": 1, "text": "I slept badly"},
            {"number": 2, "text": "I woke too early"},
            {"number": 3, "text": "I felt rested"},
        ],
        "options": [{"value": value, "label": str(value)} for value in range(5)],
        "min_item_value": 0,
        "max_item_value": 4,
        "scoring": "sum",
        "reverse_scored_items": [3],
        "bands": [
            {"min": 0, "max": 5, "code": "low"},
            {"min": 6, "max": 12, "code": "high"},
        ],
        "caseness_threshold": 6,
        "max_missing_to_prorate": 1,
        "flags": [
            {
                "kind": "sleep_alert",
                "item": 1,
                "min": 4,
                "severity": "concern",
                "reason": "x",
            }
        ],
    }


def test_custom_sum_instrument_scores_without_code():
    # Item 3 is reverse scored: 0 counts as 4.
    result = score(custom_definition(), [1, 2, 0])
    assert result == {
        "total": 7,
        "scorable": True,
        "prorated": False,
        "n_missing": 0,
        "severity": "high",
        "caseness": True,
        "version": "sleep_check_v1",
        "total_exact": 7.0,
    }


def test_custom_instrument_prorates_by_its_own_rule():
    result = score(custom_definition(), [3, None, 4])  # 3 + 0 = 3, * 3 / 2 = 4.5 -> 5
    assert (result["total_exact"], result["total"], result["severity"]) == (
        4.5,
        5,
        "low",
    )
    assert score(custom_definition(), [3, None, None])["scorable"] is False


def test_custom_instrument_flag_rule():
    definition = custom_definition()
    assert safety_flags(definition, [4, 0, 0], score(definition, [4, 0, 0])) == [
        {"kind": "sleep_alert", "severity": "concern", "reason": "x"}
    ]
    assert safety_flags(definition, [3, 0, 0], score(definition, [3, 0, 0])) == []


# --- rounding and properties ---


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("0.5"), 0, Decimal(1)),
        (Decimal("2.5"), 0, Decimal(3)),
        (Decimal("2.4999"), 0, Decimal(2)),
        (Decimal("4.125"), 2, Decimal("4.13")),
        (7, 0, Decimal(7)),
    ],
)
def test_round_half_up(value, places, expected):
    assert round_half_up(value, places) == expected


LIST_INSTRUMENTS = [code for code, d in BUILTIN_INSTRUMENTS.items() if d["answer_format"] == "list"]


@st.composite
def valid_answers(draw: st.DrawFn) -> tuple[dict, list]:
    definition = BUILTIN_INSTRUMENTS[draw(st.sampled_from(LIST_INSTRUMENTS))]
    value = st.integers(definition["min_item_value"], definition["max_item_value"])
    answers = draw(
        st.lists(
            st.none() | value,
            min_size=len(definition["items"]),
            max_size=len(definition["items"]),
        )
    )
    return definition, answers


@given(valid_answers())
def test_property_total_stays_within_the_instrument_range(case):
    definition, answers = case
    result = score(definition, answers)
    count = len(definition["items"])
    if result["total"] is None:
        assert result["scorable"] is False
        assert result["n_missing"] > definition["max_missing_to_prorate"]
    else:
        assert count * definition["min_item_value"] <= result["total"]
        assert result["total"] <= count * definition["max_item_value"]
        assert result["n_missing"] <= definition["max_missing_to_prorate"]
    assert result["n_missing"] == sum(answer is None for answer in answers)
    if result["n_missing"] == 0:
        assert result["total"] == sum(answers)


@given(valid_answers())
def test_property_scoring_is_the_same_for_a_list_or_a_tuple(case):
    definition, answers = case
    assert score(definition, tuple(answers)) == score(definition, list(answers))


@given(st.lists(st.integers(0, 3), min_size=9, max_size=9), st.integers(0, 8))
def test_property_phq9_one_missing_item_keeps_total_within_one_band_step(answers, missing):
    with_gap: list = list(answers)
    with_gap[missing] = None
    result = score(PHQ9, with_gap)
    answered_sum = sum(value for value in with_gap if value is not None)
    assert result["total"] == int(round_half_up(Decimal(answered_sum * 9) / Decimal(8)))
    assert answered_sum <= result["total"] <= answered_sum + 3


def test_phq9_one_missing_item_total_exact_is_the_exact_quotient():
    result = score(PHQ9, [2, 2, 1, 1, 1, 1, 1, 1, None])  # 10 * 9 / 8 = 11.25, not 11.3
    assert (result["total_exact"], result["total"]) == (11.25, 11)


def test_gad7_one_missing_item_keeps_four_significant_decimals():
    result = score(GAD7, [1, 1, 1, 1, 1, None, 0])  # 5 * 7 / 6 = 5.8333...
    assert result["total_exact"] == 5.833333
    assert result["total"] == 6

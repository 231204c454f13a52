"""C-SSRS screener triage and the safety alerts scoring raises. Pure: no database."""

from __future__ import annotations

import pytest

from clients.instruments import get_builtin
from clients.scoring import AnswerValidationError, safety_flags, score

PHQ9 = get_builtin("phq9")
GAD7 = get_builtin("gad7")
CSSRS = get_builtin("cssrs_screener")


def rejection(definition: dict, answers: object) -> list[dict]:
    with pytest.raises(AnswerValidationError) as caught:
        score(definition, answers)
    return caught.value.errors


# --- C-SSRS ---


def cssrs(**answers: object) -> dict:
    base: dict = {
        "q1": False,
        "q2": False,
        "q3": None,
        "q4": None,
        "q5": None,
        "q6": False,
        "q6_past_3_months": None,
    }
    base.update(answers)
    return base


@pytest.mark.parametrize(
    ("answers", "risk"),
    [
        (cssrs(), "none"),
        (cssrs(q1=True), "low"),
        (cssrs(q2=True, q3=False, q4=False, q5=False), "low"),
        (cssrs(q1=True, q2=True, q3=False, q4=False, q5=False), "low"),
        (cssrs(q2=True, q3=True, q4=False, q5=False), "moderate"),
        (cssrs(q6=True, q6_past_3_months=False), "moderate"),
        (cssrs(q2=True, q3=True, q4=True, q5=False), "high"),
        (cssrs(q2=True, q3=False, q4=False, q5=True), "high"),
        (cssrs(q6=True, q6_past_3_months=True), "high"),
        (
            cssrs(q2=True, q3=True, q4=False, q5=False, q6=True, q6_past_3_months=True),
            "high",
        ),
    ],
)
def test_cssrs_risk_is_the_highest_row_triggered(answers, risk):
    result = score(CSSRS, answers)
    assert result["risk_level"] == risk
    assert result["severity"] == risk
    assert result["skip_logic_inconsistent"] is False
    assert (result["total"], result["caseness"], result["scorable"]) == (
        None,
        None,
        True,
    )


def test_cssrs_behaviour_with_unknown_timing_is_treated_as_high():
    result = score(CSSRS, cssrs(q6=True, q6_past_3_months=None))
    assert result["risk_level"] == "high"
    assert result["n_missing"] == 1


def test_cssrs_follow_up_yes_without_active_thoughts_counts_and_is_flagged():
    result = score(CSSRS, cssrs(q2=False, q4=True))
    assert result["risk_level"] == "high"
    assert result["skip_logic_inconsistent"] is True
    result = score(CSSRS, cssrs(q1=True, q2=False, q3=True))
    assert result["risk_level"] == "moderate"
    assert result["skip_logic_inconsistent"] is True


def test_cssrs_recent_timing_yes_without_behaviour_counts_and_is_flagged():
    result = score(CSSRS, cssrs(q6=False, q6_past_3_months=True))
    assert result["risk_level"] == "high"
    assert result["skip_logic_inconsistent"] is True


def test_cssrs_a_no_to_a_skipped_question_is_not_inconsistent():
    result = score(CSSRS, cssrs(q2=False, q3=False, q4=False, q5=False, q6_past_3_months=False))
    assert result["risk_level"] == "none"
    assert result["skip_logic_inconsistent"] is False


def test_cssrs_unanswered_follow_ups_after_active_thoughts_are_counted_missing():
    result = score(CSSRS, cssrs(q2=True))
    assert result["n_missing"] == 3
    assert result["risk_level"] == "low"
    assert score(CSSRS, cssrs(q2=False))["n_missing"] == 0


def test_cssrs_optional_keys_may_be_left_out():
    result = score(CSSRS, {"q1": True, "q2": False, "q6": False})
    assert (result["risk_level"], result["n_missing"]) == ("low", 0)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (cssrs(q1=None), [(1, "out_of_range")]),
        (cssrs(q2=1), [(2, "out_of_range")]),
        (cssrs(q3="yes"), [(3, "out_of_range")]),
        (cssrs(q6=None), [(6, "out_of_range")]),
        (cssrs(q6_past_3_months=0), [(7, "out_of_range")]),
        (cssrs(q1=0, q5=1), [(1, "out_of_range"), (5, "out_of_range")]),
    ],
)
def test_cssrs_non_boolean_answers_are_rejected(answers, expected):
    errors = rejection(CSSRS, answers)
    assert [(error["item"], error["code"]) for error in errors] == expected


@pytest.mark.parametrize(
    "answers",
    [
        {"q2": False, "q6": False},
        {"q1": False, "q2": False},
        {**cssrs(), "q7": True},
        [False] * 7,
        None,
    ],
)
def test_cssrs_missing_or_unknown_keys_are_a_count_error(answers):
    errors = rejection(CSSRS, answers)
    assert [error["code"] for error in errors] == ["wrong_item_count"]
    assert "item" not in errors[0]


# --- safety flags ---


@pytest.mark.parametrize(
    ("item9", "expected"),
    [(None, []), (0, []), (1, ["concern"]), (2, ["urgent"]), (3, ["urgent"])],
)
def test_phq9_item9_alert_severity(item9, expected):
    answers = [0] * 8 + [item9]
    flags = safety_flags(PHQ9, answers, score(PHQ9, answers))
    assert [flag["severity"] for flag in flags] == expected
    assert all(flag["kind"] == "phq9_item9" for flag in flags)


def test_phq9_item9_alert_reason_names_the_answer():
    answers = [None] * 4 + [0] * 4 + [2]
    flags = safety_flags(PHQ9, answers, score(PHQ9, answers))
    assert flags == [
        {
            "kind": "phq9_item9",
            "severity": "urgent",
            "reason": "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) "
            "answered 2 (More than half the days)",
        }
    ]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (cssrs(), []),
        (cssrs(q1=True, q2=True, q3=False, q4=False, q5=False), []),
        (cssrs(q2=True, q3=True, q4=False, q5=False), ["concern"]),
        (cssrs(q6=True, q6_past_3_months=False), ["concern"]),
        (cssrs(q2=True, q3=True, q4=True, q5=False), ["urgent"]),
        (cssrs(q6=True, q6_past_3_months=True), ["urgent"]),
    ],
)
def test_cssrs_moderate_and_high_raise_alerts_low_does_not(answers, expected):
    flags = safety_flags(CSSRS, answers, score(CSSRS, answers))
    assert [flag["severity"] for flag in flags] == expected
    if flags:
        assert flags[0]["kind"] == "cssrs_risk"


def test_cssrs_alert_reason_names_the_triggering_answers():
    answers = cssrs(q2=True, q3=True, q4=False, q5=True)
    (flag,) = safety_flags(CSSRS, answers, score(CSSRS, answers))
    assert flag["reason"] == "C-SSRS screener risk high: a worked-out plan with intent (Q5)"


def test_instruments_without_flag_rules_raise_no_alerts():
    assert safety_flags(GAD7, [3] * 7, score(GAD7, [3] * 7)) == []

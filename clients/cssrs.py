"""C-SSRS screener (recent version): answer checks, triage and the alerts it raises.

Answers arrive as an object, not a list, because questions 3-5 are skipped unless question 2
is yes. Triage follows the Columbia guidance in CLINICAL.md: the highest row triggered wins.

Policies (not in the published guidance, pinned by tests):
- Answers that break the skip logic are not rejected. Risk is computed on every "yes" given,
  and `skip_logic_inconsistent` is set. Only a "yes" counts as breaking the logic: a "no" to a
  question that should have been skipped changes nothing and is common when a form sends false
  for hidden questions.
- A "yes" to "within the past 3 months" counts as behaviour in the past 3 months (high) even
  when question 6 itself was "no" (safety first; flagged inconsistent).
- Question 6 "yes" with the timing unanswered is treated as high: the recent case cannot be
  ruled out.
- `n_missing` counts questions the skip logic required but that were left null: questions 3-5
  when question 2 is yes, and the timing question when question 6 is yes.
- Missing or unknown keys are `wrong_item_count` (no item number, the key is in the message);
  a value that is not true/false (or null where null is allowed) is `out_of_range`, because
  the allowed set is {true, false}: `non_integer` would mislead.
"""

from __future__ import annotations

from typing import Any

QUESTION_KEYS = ("q1", "q2", "q3", "q4", "q5", "q6", "q6_past_3_months")
# Asked of everyone, so null is not a valid answer.
ALWAYS_ASKED = frozenset({"q1", "q2", "q6"})
ITEM_NUMBERS = {key: number for number, key in enumerate(QUESTION_KEYS, start=1)}

RISK_ORDER = ("none", "low", "moderate", "high")
ALERT_SEVERITY = {"moderate": "concern", "high": "urgent"}

CssrsAnswers = dict[str, bool | None]


def validate_answers(answers: Any) -> tuple[CssrsAnswers, list[dict[str, Any]]]:
    """Return (answers with every key present, errors). Errors use the scoring error shape."""
    if not isinstance(answers, dict):
        return {}, [
            {
                "code": "wrong_item_count",
                "message": "C-SSRS answers must be an object with keys " + ", ".join(QUESTION_KEYS),
            }
        ]
    errors: list[dict[str, Any]] = []
    for key in answers:
        if key not in ITEM_NUMBERS:
            errors.append({"code": "wrong_item_count", "message": f"Unknown question {key!r}."})
    for key in QUESTION_KEYS:
        if key in ALWAYS_ASKED and key not in answers:
            errors.append({"code": "wrong_item_count", "message": f"Question {key} is required."})
    normalised: CssrsAnswers = {}
    for key in QUESTION_KEYS:
        value = answers.get(key)
        if key in ALWAYS_ASKED and key not in answers:
            continue
        allowed_null = key not in ALWAYS_ASKED
        if isinstance(value, bool) or (value is None and allowed_null):
            normalised[key] = value
            continue
        allowed = "true or false" if not allowed_null else "true, false or null"
        errors.append(
            {
                "item": ITEM_NUMBERS[key],
                "code": "out_of_range",
                "message": f"Question {key} must be {allowed}, not {value!r}.",
            }
        )
    return normalised, errors


def triggered_rows(answers: CssrsAnswers) -> list[tuple[str, str]]:
    """Every triage row the answers trigger, as (risk level, reason in words)."""
    rows: list[tuple[str, str]] = []
    if answers["q4"]:
        rows.append(("high", "intent to act on suicidal thoughts (Q4)"))
    if answers["q5"]:
        rows.append(("high", "a worked-out plan with intent (Q5)"))
    if answers["q6_past_3_months"]:
        rows.append(("high", "suicidal behaviour within the past 3 months (Q6)"))
    elif answers["q6"] and answers["q6_past_3_months"] is None:
        rows.append(
            (
                "high",
                "suicidal behaviour, timing not answered so treated as recent (Q6)",
            )
        )
    elif answers["q6"]:
        rows.append(("moderate", "suicidal behaviour more than 3 months ago (Q6)"))
    if answers["q3"]:
        rows.append(("moderate", "thinking about a method (Q3)"))
    if answers["q2"]:
        rows.append(("low", "active suicidal thoughts (Q2)"))
    if answers["q1"]:
        rows.append(("low", "wish to be dead (Q1)"))
    return rows


def risk_level(answers: CssrsAnswers) -> str:
    levels = [level for level, _ in triggered_rows(answers)]
    return max(levels, key=RISK_ORDER.index, default="none")


def skip_logic_inconsistent(answers: CssrsAnswers) -> bool:
    follow_up_without_thoughts = not answers["q2"] and any(answers[key] is True for key in ("q3", "q4", "q5"))
    timing_without_behaviour = not answers["q6"] and answers["q6_past_3_months"] is True
    return follow_up_without_thoughts or timing_without_behaviour


def count_missing(answers: CssrsAnswers) -> int:
    missing = 0
    if answers["q2"]:
        missing += sum(answers[key] is None for key in ("q3", "q4", "q5"))
    if answers["q6"] and answers["q6_past_3_months"] is None:
        missing += 1
    return missing


def score_answers(definition: dict[str, Any], answers: CssrsAnswers) -> dict[str, Any]:
    """Result for already validated answers (see `validate_answers`)."""
    level = risk_level(answers)
    return {
        # A triage screener has no total; the risk level stands in for severity.
        "total": None,
        "scorable": True,
        "prorated": False,
        "n_missing": count_missing(answers),
        "severity": level,
        "caseness": None,
        "version": definition["version"],
        "risk_level": level,
        "skip_logic_inconsistent": skip_logic_inconsistent(answers),
    }


def safety_flags(answers: CssrsAnswers) -> list[dict[str, str]]:
    """Moderate and high risk raise an alert; low is shown with the result but raises none."""
    level = risk_level(answers)
    if level not in ALERT_SEVERITY:
        return []
    reasons = [reason for row_level, reason in triggered_rows(answers) if row_level == level]
    return [
        {
            "kind": "cssrs_risk",
            "severity": ALERT_SEVERITY[level],
            "reason": f"C-SSRS screener risk {level}: " + "; ".join(reasons),
        }
    ]

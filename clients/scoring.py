"""Score a questionnaire from its raw answers and an instrument definition.

Pure functions over plain data: no database, no Django. Every derived value is recomputed from
the raw answers; a client-supplied total is never accepted.

Policies not fixed by the published instruments (pinned by tests/clients/test_scoring.py):
- Rounding is half up (Decimal ROUND_HALF_UP), never Python's banker's `round`.
- `total_exact` is the exact quotient of CLINICAL.md's formula `raw_sum * n_items / n_answered`,
  kept to 6 decimals (half up) so it is exact for every quotient with a terminating decimal
  (10 * 9 / 8 = 11.25) and within 5e-7 of a repeating one (10 * 9 / 7 = 12.857143); `total` is
  rounded half up from the exact fraction, never from the 6-decimal figure. `total_exact` is reported only by
  instruments that allow prorating (PHQ-9, GAD-7 and custom ones with max_missing_to_prorate
  above 0), and is null when the questionnaire is not scorable.
- PHQ-4, PCL-5 and WAI-SR never prorate: any unanswered item makes the total null and
  `scorable` false. Parts that are fully answered are still reported (a subscale or cluster
  whose own items are all answered); a part with a missing item is null.
- PCL-5 with missing items: a provisional result is reported only when the missing items
  cannot change it (the answered items already reach the cut-off or the DSM-5 pattern, or could
  not reach it even at the maximum); otherwise null.
- PCL-5 `severity` and `caseness` are null: there are no published bands, and the cut-off
  result is reported as `provisional_ptsd_cutoff`. Cut-off: `options={"pcl5_cutoff": n}`,
  any integer 1-80, default 33 (31-33 is the published range; choosing is the practice's).
- WAI-SR means are rounded half up to two decimals.
- A difficulty answer for an instrument without one is rejected (`wrong_item_count`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from clients import cssrs
from clients.instrument_validation import total_range

AnswerValue = int | None
ScoringFunction = Callable[[dict[str, Any], list[AnswerValue], dict[str, Any], dict[str, Any]], None]

SEVERITY_RANK = {"concern": 1, "urgent": 2}
# Decimal places kept in `total_exact` (issue 16: at least 4; the quotient itself, not a display).
TOTAL_EXACT_PLACES = 6


class AnswerValidationError(ValueError):
    """Answers that must be rejected (HTTP 400, nothing stored).

    `errors` is a list of {"item": n (1-based, omitted for a count error), "code", "message"}
    with code one of wrong_item_count, non_integer, out_of_range.
    """

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        super().__init__("; ".join(error["message"] for error in errors))


def round_half_up(value: Decimal | int, places: int = 0) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _is_integer(value: Any) -> bool:
    # bool subclasses int, but True is an answer to a yes/no question, not the number 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_value(item: int, value: Any, low: int, high: int, errors: list[dict[str, Any]]) -> None:
    if not _is_integer(value):
        errors.append(
            {
                "item": item,
                "code": "non_integer",
                "message": f"Item {item} must be a whole number from {low} to {high} or null, not {value!r}.",
            }
        )
    elif not low <= value <= high:
        errors.append(
            {
                "item": item,
                "code": "out_of_range",
                "message": f"Item {item} is {value}; allowed values are {low} to {high}.",
            }
        )


def validate_list_answers(definition: dict[str, Any], answers: Any, difficulty: Any = None) -> list[AnswerValue]:
    """Return the answers as a list, or raise AnswerValidationError naming every problem."""
    errors: list[dict[str, Any]] = []
    expected = len(definition["items"])
    low, high = definition["min_item_value"], definition["max_item_value"]
    values: list[AnswerValue] = []
    if isinstance(answers, str | bytes | dict) or not isinstance(answers, Sequence):
        errors.append(
            {
                "code": "wrong_item_count",
                "message": f"answers must be a list of {expected} items in order.",
            }
        )
    elif len(answers) != expected:
        errors.append(
            {
                "code": "wrong_item_count",
                "message": f"Expected {expected} answers, got {len(answers)}.",
            }
        )
    else:
        for item, value in enumerate(answers, start=1):
            if value is not None:
                _check_value(item, value, low, high, errors)
        values = list(answers)

    difficulty_definition = definition.get("difficulty")
    if difficulty is not None:
        if difficulty_definition is None:
            errors.append(
                {
                    "code": "wrong_item_count",
                    "message": f"{definition['name']} has no difficulty item.",
                }
            )
        else:
            _check_value(
                difficulty_definition["number"],
                difficulty,
                difficulty_definition["min_value"],
                difficulty_definition["max_value"],
                errors,
            )
    if errors:
        raise AnswerValidationError(errors)
    return values


def score(
    definition: dict[str, Any],
    answers: Any,
    *,
    difficulty: Any = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate `answers` against `definition` and return the result dict (see API.md).

    Raises AnswerValidationError for answers that must be rejected, and ValueError for an
    invalid option (a configuration problem, not the client's input).
    """
    options = options or {}
    if definition["answer_format"] == "cssrs_object":
        normalised, errors = cssrs.validate_answers(answers)
        if difficulty is not None:
            errors.append(
                {
                    "code": "wrong_item_count",
                    "message": "The C-SSRS has no difficulty item.",
                }
            )
        if errors:
            raise AnswerValidationError(errors)
        return cssrs.score_answers(definition, normalised)

    values = validate_list_answers(definition, answers, difficulty)
    scored_values = _apply_reverse_scoring(definition, values)
    result = _score_sum(definition, scored_values)
    for short_form in definition.get("short_forms") or []:
        part = _sum_of_items(scored_values, short_form["items"])
        result[f"{short_form['code']}_total"] = part
        result[f"{short_form['code']}_positive"] = None if part is None else part >= short_form["positive_at"]
    safety_item = definition.get("safety_item")
    if safety_item is not None:
        # Never imputed: an unanswered safety item is unknown, not "no risk".
        raw = values[safety_item["item"] - 1]
        result[f"item{safety_item['item']}_flag"] = None if raw is None else raw >= safety_item["min"]
        result["safety_item_missing"] = raw is None
    function_name = definition.get("scoring_function")
    if function_name is not None:
        SCORING_FUNCTIONS[function_name](definition, scored_values, result, options)
    return result


def _apply_reverse_scoring(definition: dict[str, Any], values: list[AnswerValue]) -> list[AnswerValue]:
    reverse = set(definition.get("reverse_scored_items") or [])
    if not reverse:
        return values
    low, high = definition["min_item_value"], definition["max_item_value"]
    return [
        low + high - value if value is not None and item in reverse else value
        for item, value in enumerate(values, start=1)
    ]


def _sum_of_items(values: list[AnswerValue], items: Sequence[int]) -> int | None:
    """Sum of the given 1-based items, or None when any of them is unanswered."""
    selected = [values[item - 1] for item in items]
    if any(value is None for value in selected):
        return None
    return sum(selected)  # type: ignore[arg-type]


def _band_for(bands: list[dict[str, Any]] | None, total: int | None) -> str | None:
    if total is None:
        return None
    for band in bands or []:
        if band["min"] <= total <= band["max"]:
            return band["code"]
    return None


def _score_sum(definition: dict[str, Any], values: list[AnswerValue]) -> dict[str, Any]:
    answered = [value for value in values if value is not None]
    n_missing = len(values) - len(answered)
    max_missing = definition["max_missing_to_prorate"]
    scorable = n_missing <= max_missing
    total: int | None = None
    total_exact: float | None = None
    if scorable:
        # Exact fraction first; both roundings start from it, never from each other.
        exact = Decimal(sum(answered) * len(values)) / Decimal(len(answered))
        total = int(round_half_up(exact))
        total_exact = float(round_half_up(exact, TOTAL_EXACT_PLACES))
    threshold = definition["caseness_threshold"]
    result: dict[str, Any] = {
        "total": total,
        "scorable": scorable,
        "prorated": scorable and n_missing > 0,
        "n_missing": n_missing,
        "severity": _band_for(definition["bands"], total),
        "caseness": None if threshold is None or total is None else total >= threshold,
        "version": definition["version"],
    }
    if max_missing > 0:
        result["total_exact"] = total_exact
    return result


def _phq4_subscales(
    definition: dict[str, Any],
    values: list[AnswerValue],
    result: dict[str, Any],
    options: dict[str, Any],
) -> None:
    # Items 1-2 are the GAD-2, items 3-4 the PHQ-2; each part needs both of its items.
    anxiety = _sum_of_items(values, (1, 2))
    depression = _sum_of_items(values, (3, 4))
    result["anxiety_subscale"] = anxiety
    result["depression_subscale"] = depression
    result["gad2_positive"] = None if anxiety is None else anxiety >= 3
    result["phq2_positive"] = None if depression is None else depression >= 3


def pcl5_cutoff(definition: dict[str, Any], options: dict[str, Any]) -> int:
    cutoff = options.get("pcl5_cutoff")
    if cutoff is None:
        cutoff = definition["parameters"]["default_cutoff"]
    highest = total_range(definition)[1]
    if not _is_integer(cutoff) or not 1 <= cutoff <= highest:
        raise ValueError(f"pcl5_cutoff must be a whole number from 1 to {highest}, not {cutoff!r}")
    return cutoff


def _pcl5_clusters(
    definition: dict[str, Any],
    values: list[AnswerValue],
    result: dict[str, Any],
    options: dict[str, Any],
) -> None:
    parameters = definition["parameters"]
    clusters: dict[str, list[int]] = parameters["clusters"]
    symptom_min = parameters["symptom_min"]
    cutoff = pcl5_cutoff(definition, options)
    answered_sum = sum(value for value in values if value is not None)
    n_missing = result["n_missing"]
    highest_possible = answered_sum + n_missing * definition["max_item_value"]
    if answered_sum >= cutoff:
        by_cutoff: bool | None = True
    elif highest_possible < cutoff:
        by_cutoff = False
    else:
        by_cutoff = None

    # An item at or above symptom_min counts as a symptom; an unanswered item might.
    certain_met = all(
        sum(values[item - 1] is not None and values[item - 1] >= symptom_min for item in items)
        >= parameters["dsm5_required"][name]
        for name, items in clusters.items()
    )
    possibly_met = all(
        sum(values[item - 1] is None or values[item - 1] >= symptom_min for item in items)
        >= parameters["dsm5_required"][name]
        for name, items in clusters.items()
    )
    by_pattern = True if certain_met else (False if not possibly_met else None)

    result["severity"] = None
    result["caseness"] = None
    result["clusters"] = {name: _sum_of_items(values, items) for name, items in clusters.items()}
    result["cutoff"] = cutoff
    result["provisional_ptsd_cutoff"] = by_cutoff
    result["provisional_ptsd_dsm5"] = by_pattern


def _mean(total: int | None, count: int) -> float | None:
    if total is None:
        return None
    return float(round_half_up(Decimal(total) / Decimal(count), 2))


def _wai_sr_subscales(
    definition: dict[str, Any],
    values: list[AnswerValue],
    result: dict[str, Any],
    options: dict[str, Any],
) -> None:
    subscales: dict[str, list[int]] = definition["parameters"]["subscales"]
    sums = {name: _sum_of_items(values, items) for name, items in subscales.items()}
    result["subscales"] = sums
    result["means"] = {name: _mean(sums[name], len(items)) for name, items in subscales.items()}
    result["means"]["total"] = _mean(result["total"], len(values))


SCORING_FUNCTIONS: dict[str, ScoringFunction] = {
    "phq4_subscales": _phq4_subscales,
    "pcl5_clusters": _pcl5_clusters,
    "wai_sr_subscales": _wai_sr_subscales,
}
# C-SSRS triage takes an object, not a list, so score() routes it before this table; the
# name is listed so the registries stay in step with instrument_validation.
REGISTERED_SCORING_FUNCTIONS = frozenset(SCORING_FUNCTIONS) | {"cssrs_triage"}


def safety_flags(definition: dict[str, Any], answers: Any, result: dict[str, Any]) -> list[dict[str, str]]:
    """Alerts the answers raise, as [{"kind", "severity", "reason"}], most severe per kind.

    Call with answers that `score` accepted. An unanswered safety item raises no alert here:
    the result carries `safety_item_missing` and the UI shows it.
    """
    if definition["answer_format"] == "cssrs_object":
        normalised, errors = cssrs.validate_answers(answers)
        if errors:
            raise AnswerValidationError(errors)
        return cssrs.safety_flags(normalised)

    labels = {option["value"]: option["label"] for option in definition["options"]}
    strongest: dict[str, dict[str, str]] = {}
    for rule in definition.get("flags") or []:
        value = answers[rule["item"] - 1]
        if value is None or value < rule["min"]:
            continue
        current = strongest.get(rule["kind"])
        if current is not None and SEVERITY_RANK[current["severity"]] >= SEVERITY_RANK[rule["severity"]]:
            continue
        reason = rule["reason"].replace("{value}", str(value)).replace("{label}", str(labels.get(value, value)))
        strongest[rule["kind"]] = {
            "kind": rule["kind"],
            "severity": rule["severity"],
            "reason": reason,
        }
    return list(strongest.values())

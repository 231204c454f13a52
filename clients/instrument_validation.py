"""Checks on an instrument definition, so a practice can add its own without code.

`validate_definition` returns human-readable messages; an empty list means the definition can
be scored by `clients.scoring.score`. It never raises on malformed input, because the input is
whatever a practice typed in.
"""

from __future__ import annotations

import itertools
import re
from typing import Any, TypeGuard

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
FLAG_SEVERITIES = frozenset({"concern", "urgent"})
ANSWER_FORMATS = frozenset({"list", "cssrs_object"})
SCORING_TYPES = frozenset({"sum", "triage"})

REQUIRED_KEYS = (
    "code",
    "name",
    "version",
    "licence",
    "answer_format",
    "items",
    "options",
    "min_item_value",
    "max_item_value",
    "scoring",
    "bands",
    "caseness_threshold",
    "max_missing_to_prorate",
)

# What each named scoring function needs from a definition. The functions themselves live in
# clients.scoring (and clients.cssrs); a test keeps both registries in step. The shapes are
# fixed because the result keys they produce are part of the public API.
SCORING_FUNCTION_REQUIREMENTS: dict[str, dict[str, Any]] = {
    "phq4_subscales": {"answer_format": "list", "item_count": 4},
    "pcl5_clusters": {
        "answer_format": "list",
        "parameter_groups": ("clusters", "BCDE"),
    },
    "wai_sr_subscales": {
        "answer_format": "list",
        "parameter_groups": ("subscales", ("goal", "task", "bond")),
    },
    "cssrs_triage": {"answer_format": "cssrs_object", "item_count": 7},
}


def _is_int(value: Any) -> TypeGuard[int]:
    # bool is a subclass of int; a True threshold is a data-entry error, not a 1.
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_one_of(value: Any, allowed: frozenset[str] | dict[str, Any]) -> bool:
    # Checking the type first keeps an unhashable value (a list typed in by mistake) from
    # raising instead of being reported.
    return isinstance(value, str) and value in allowed


def _list_or_empty(value: Any) -> list[Any] | None:
    """The value if it is a list, [] if it is null, None (invalid) otherwise."""
    if value is None:
        return []
    return value if isinstance(value, list) else None


def total_range(definition: dict[str, Any]) -> tuple[int, int]:
    """Lowest and highest possible total of a summed instrument."""
    count = len(definition["items"])
    return count * definition["min_item_value"], count * definition["max_item_value"]


def validate_definition(definition: Any) -> list[str]:
    """Return every problem found in `definition`; an empty list means it is valid."""
    if not isinstance(definition, dict):
        return ["The definition must be an object."]
    errors = [f"Missing required key '{key}'." for key in REQUIRED_KEYS if key not in definition]
    if errors:
        return errors

    errors += _check_identity(definition)
    item_numbers, item_errors = _check_items(definition)
    errors += item_errors
    low, high = definition["min_item_value"], definition["max_item_value"]
    if not (_is_int(low) and _is_int(high)):
        errors.append("min_item_value and max_item_value must be integers.")
        return errors
    if low >= high:
        errors.append("min_item_value must be less than max_item_value.")
        return errors
    if not item_numbers:
        return errors

    total_low, total_high = len(item_numbers) * low, len(item_numbers) * high
    errors += _check_options(definition["options"], low, high, definition["answer_format"])
    errors += _check_bands(definition["bands"], total_low, total_high)
    errors += _check_thresholds(definition, item_numbers, low, high, total_low, total_high)
    errors += _check_item_rules(definition, item_numbers, low, high)
    errors += _check_scoring_function(definition, item_numbers, low, high, total_low, total_high)
    return errors


def _check_identity(definition: dict[str, Any]) -> list[str]:
    errors = []
    code = definition["code"]
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        errors.append(
            "code must be 2-40 characters: a lowercase letter, then lowercase letters, digits or underscores."
        )
    for key in ("name", "version", "licence"):
        if not isinstance(definition[key], str) or not definition[key].strip():
            errors.append(f"{key} must be a non-empty string.")
    if not _is_one_of(definition["answer_format"], ANSWER_FORMATS):
        errors.append(f"answer_format must be one of {sorted(ANSWER_FORMATS)}.")
    if not _is_one_of(definition["scoring"], SCORING_TYPES):
        errors.append(f"scoring must be one of {sorted(SCORING_TYPES)}.")
    elif (definition["scoring"] == "triage") != (definition.get("scoring_function") == "cssrs_triage"):
        errors.append("scoring 'triage' goes with scoring_function 'cssrs_triage', and only it.")
    return errors


def _check_items(definition: dict[str, Any]) -> tuple[list[int], list[str]]:
    items = definition["items"]
    if not isinstance(items, list) or not items:
        return [], ["items must be a list with at least one item."]
    errors = []
    numbers = []
    for position, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            errors.append(f"Item {position} must be an object with a text.")
        elif not item["text"].strip():
            errors.append(f"Item {position} has empty text.")
        if isinstance(item, dict) and item.get("number") != position:
            errors.append(f"Item {position} must have number {position} (items are in order).")
        numbers.append(position)
    return numbers, errors


def _check_options(options: Any, low: int, high: int, answer_format: str) -> list[str]:
    if not isinstance(options, list) or not options:
        return ["options must be a non-empty list of {value, label}."]
    errors = []
    for option in options:
        if not isinstance(option, dict) or not isinstance(option.get("label"), str):
            errors.append("Every option needs a value and a text label.")
            continue
        value = option.get("value")
        if answer_format == "cssrs_object":
            if not isinstance(value, bool):
                errors.append("Yes/no options must have true or false values.")
        elif not _is_int(value) or not low <= value <= high:
            errors.append(f"Option value {value!r} must be an integer from {low} to {high}.")
    return errors


def _check_bands(bands: Any, total_low: int, total_high: int) -> list[str]:
    if bands is None or bands == []:
        return []
    if not isinstance(bands, list):
        return ["bands must be a list of {min, max, code}."]
    errors = []
    usable = []
    for band in bands:
        if not isinstance(band, dict) or not all(key in band for key in ("min", "max", "code")):
            errors.append("Every band needs min, max and code.")
        elif not (_is_int(band["min"]) and _is_int(band["max"])):
            errors.append(f"Band {band['code']!r} must have integer min and max.")
        elif band["min"] > band["max"]:
            errors.append(f"Band {band['code']!r} has min greater than max.")
        else:
            usable.append(band)
        if isinstance(band, dict) and not (isinstance(band.get("code"), str) and CODE_PATTERN.match(band["code"])):
            errors.append(f"Band code {band.get('code')!r} must be a lowercase slug.")
    if errors:
        return errors
    codes = [band["code"] for band in usable]
    if len(set(codes)) != len(codes):
        errors.append("Band codes must be unique.")
    ordered = sorted(usable, key=lambda band: band["min"])
    # Bands must tile the whole possible total range so every total gets exactly one band.
    if ordered[0]["min"] != total_low:
        errors.append(f"The lowest band must start at the lowest possible total, {total_low}.")
    if ordered[-1]["max"] != total_high:
        errors.append(f"The highest band must end at the highest possible total, {total_high}.")
    for previous, following in itertools.pairwise(ordered):
        if following["min"] <= previous["max"]:
            errors.append(f"Bands {previous['code']!r} and {following['code']!r} overlap.")
        elif following["min"] != previous["max"] + 1:
            errors.append(f"There is a gap between bands {previous['code']!r} and {following['code']!r}.")
    return errors


def _check_thresholds(
    definition: dict[str, Any],
    item_numbers: list[int],
    low: int,
    high: int,
    total_low: int,
    total_high: int,
) -> list[str]:
    errors = []
    caseness = definition["caseness_threshold"]
    if caseness is not None and (not _is_int(caseness) or not total_low < caseness <= total_high):
        errors.append(f"caseness_threshold must be an integer above {total_low} and at most {total_high}.")
    max_missing = definition["max_missing_to_prorate"]
    if not _is_int(max_missing) or not 0 <= max_missing < len(item_numbers):
        errors.append(f"max_missing_to_prorate must be an integer from 0 to {len(item_numbers) - 1}.")
    reliable_change = definition.get("reliable_change") or {}
    if not isinstance(reliable_change, dict):
        errors.append("reliable_change must be an object of named point thresholds.")
    else:
        for name, points in reliable_change.items():
            if not _is_int(points) or not 0 < points <= total_high - total_low:
                errors.append(f"reliable_change {name!r} must be an integer from 1 to {total_high - total_low}.")
    source = definition.get("reliable_change_source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        errors.append("reliable_change_source must name who published the thresholds.")
    errors += _check_norms(definition.get("norms"))
    return errors


def _check_norms(norms: Any) -> list[str]:
    if norms is None:
        return []
    if not isinstance(norms, dict):
        return ["norms must be an object or null."]
    errors = []
    if not isinstance(norms.get("source"), str) or not norms["source"].strip():
        errors.append("norms need a source (who published them).")
    standard_deviation = norms.get("sd")
    reliability = norms.get("r")
    if not _is_number(standard_deviation) or standard_deviation <= 0:
        errors.append("norms.sd must be a positive number.")
    if not _is_number(reliability) or not 0 <= reliability < 1:
        errors.append("norms.r must be a number from 0 up to (not including) 1.")
    for key in ("sd_clinical", "sd_functional"):
        value = norms.get(key)
        if value is not None and (not _is_number(value) or value <= 0):
            errors.append(f"norms.{key} must be a positive number.")
    for key in ("mean_clinical", "mean_functional"):
        value = norms.get(key)
        if value is not None and not _is_number(value):
            errors.append(f"norms.{key} must be a number.")
    return errors


def _check_item_rules(definition: dict[str, Any], item_numbers: list[int], low: int, high: int) -> list[str]:
    errors = []
    valid_numbers = set(item_numbers)

    def check_item_reference(label: str, item: Any) -> bool:
        if not _is_int(item) or item not in valid_numbers:
            errors.append(f"{label} refers to item {item!r}, which does not exist.")
            return False
        return True

    def list_key(key: str) -> list[Any]:
        value = _list_or_empty(definition.get(key))
        if value is None:
            errors.append(f"{key} must be a list.")
            return []
        return value

    for item in list_key("reverse_scored_items"):
        check_item_reference("reverse_scored_items", item)

    for short_form in list_key("short_forms"):
        if not (
            isinstance(short_form, dict)
            and isinstance(short_form.get("code"), str)
            and CODE_PATTERN.match(short_form["code"])
            and isinstance(short_form.get("items"), list)
            and short_form["items"]
        ):
            errors.append("Every short form needs a slug code, items and positive_at.")
            continue
        items = short_form["items"]
        if not all(check_item_reference(short_form["code"], item) for item in items):
            continue
        positive_at = short_form.get("positive_at")
        if not _is_int(positive_at) or not len(items) * low < positive_at <= len(items) * high:
            errors.append(f"Short form {short_form['code']!r} positive_at is outside its range.")

    safety_item = definition.get("safety_item")
    if safety_item is not None:
        if not isinstance(safety_item, dict):
            errors.append("safety_item must be an object {item, min} or null.")
        elif check_item_reference("safety_item", safety_item.get("item")) and (
            not _is_int(safety_item.get("min")) or not low < safety_item["min"] <= high
        ):
            errors.append(f"safety_item min must be an integer above {low} and at most {high}.")

    for flag in list_key("flags"):
        if not isinstance(flag, dict):
            errors.append("Every flag must be an object.")
            continue
        if check_item_reference("A flag", flag.get("item")) and (
            not _is_int(flag.get("min")) or not low <= flag["min"] <= high
        ):
            errors.append(f"Flag min must be an integer from {low} to {high}.")
        if not _is_one_of(flag.get("severity"), FLAG_SEVERITIES):
            errors.append(f"Flag severity must be one of {sorted(FLAG_SEVERITIES)}.")
        if not isinstance(flag.get("reason"), str) or not flag["reason"].strip():
            errors.append("Every flag needs a reason shown to the therapist.")
        if not isinstance(flag.get("kind"), str) or not CODE_PATTERN.match(flag["kind"]):
            errors.append("Every flag needs a slug kind.")

    difficulty = definition.get("difficulty")
    if difficulty is not None and (
        not isinstance(difficulty, dict)
        or not _is_int(difficulty.get("number"))
        or not _is_int(difficulty.get("min_value"))
        or not _is_int(difficulty.get("max_value"))
        or difficulty["min_value"] >= difficulty["max_value"]
    ):
        errors.append("difficulty must be null or have an integer number and min_value < max_value.")
    return errors


def _check_scoring_function(
    definition: dict[str, Any],
    item_numbers: list[int],
    low: int,
    high: int,
    total_low: int,
    total_high: int,
) -> list[str]:
    name = definition.get("scoring_function")
    if name is None:
        if definition["answer_format"] != "list":
            return ["A non-list answer_format needs its scoring_function."]
        return []
    if not _is_one_of(name, SCORING_FUNCTION_REQUIREMENTS):
        return [f"Unknown scoring_function {name!r}; known: {sorted(SCORING_FUNCTION_REQUIREMENTS)}."]
    requirements = SCORING_FUNCTION_REQUIREMENTS[name]
    errors = []
    if definition["answer_format"] != requirements["answer_format"]:
        errors.append(f"{name} needs answer_format {requirements['answer_format']!r}.")
    expected_count = requirements.get("item_count")
    if expected_count is not None and len(item_numbers) != expected_count:
        errors.append(f"{name} needs exactly {expected_count} items.")
    groups = requirements.get("parameter_groups")
    if groups is not None:
        parameters = definition.get("parameters")
        group_key, group_names = groups
        grouping = parameters.get(group_key) if isinstance(parameters, dict) else None
        if not isinstance(grouping, dict) or set(grouping) != set(group_names):
            errors.append(f"{name} needs parameters.{group_key} with keys {list(group_names)}.")
            return errors
        for group, members in grouping.items():
            if not isinstance(members, list) or not members:
                errors.append(f"parameters.{group_key}.{group} must list item numbers.")
            elif not all(_is_int(member) and member in item_numbers for member in members):
                errors.append(f"parameters.{group_key}.{group} refers to unknown items.")
    if name == "pcl5_clusters":
        errors += _check_pcl5_parameters(definition["parameters"], low, high, total_low, total_high)
    return errors


def _check_pcl5_parameters(
    parameters: dict[str, Any], low: int, high: int, total_low: int, total_high: int
) -> list[str]:
    errors = []
    cutoff = parameters.get("default_cutoff")
    if not _is_int(cutoff) or not total_low < cutoff <= total_high:
        errors.append(f"parameters.default_cutoff must be an integer from {total_low + 1} to {total_high}.")
    symptom_min = parameters.get("symptom_min")
    if not _is_int(symptom_min) or not low < symptom_min <= high:
        errors.append(f"parameters.symptom_min must be an integer above {low} and at most {high}.")
    required = parameters.get("dsm5_required")
    clusters = parameters["clusters"]
    if not isinstance(required, dict) or set(required) != set(clusters):
        errors.append("parameters.dsm5_required needs a count for every cluster.")
    else:
        for cluster, count in required.items():
            if not _is_int(count) or not 0 <= count <= len(clusters[cluster]):
                errors.append(f"parameters.dsm5_required.{cluster} is outside 0..cluster size.")
    return errors

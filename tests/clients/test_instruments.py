"""Built-in instrument data and the checks a practice-defined instrument must pass."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clients.instruments import (
    BUILTIN_INSTRUMENTS,
    SCORING_FUNCTION_REQUIREMENTS,
    get_builtin,
    total_range,
    validate_definition,
)
from clients.scoring import REGISTERED_SCORING_FUNCTIONS, score


def test_builtin_codes_and_versions():
    assert {code: d["version"] for code, d in BUILTIN_INSTRUMENTS.items()} == {
        "phq9": "phq9_v1",
        "gad7": "gad7_v1",
        "phq4": "phq4_v1",
        "pcl5": "pcl5_v1",
        "wai_sr": "wai_sr_v1",
        "cssrs_screener": "cssrs_screener_v1",
    }


@pytest.mark.parametrize("code", sorted(BUILTIN_INSTRUMENTS))
def test_every_builtin_passes_its_own_validation(code):
    assert validate_definition(get_builtin(code)) == []


@pytest.mark.parametrize("code", sorted(BUILTIN_INSTRUMENTS))
def test_every_builtin_is_json_serialisable_and_round_trips(code):
    definition = get_builtin(code)
    assert json.loads(json.dumps(definition)) == definition


@pytest.mark.parametrize(
    ("code", "item_count", "item_range", "total"),
    [
        ("phq9", 9, (0, 3), (0, 27)),
        ("gad7", 7, (0, 3), (0, 21)),
        ("phq4", 4, (0, 3), (0, 12)),
        ("pcl5", 20, (0, 4), (0, 80)),
        ("wai_sr", 12, (1, 5), (12, 60)),
    ],
)
def test_builtin_item_counts_and_ranges(code, item_count, item_range, total):
    definition = get_builtin(code)
    assert [item["number"] for item in definition["items"]] == list(range(1, item_count + 1))
    assert (definition["min_item_value"], definition["max_item_value"]) == item_range
    assert total_range(definition) == total
    assert [option["value"] for option in definition["options"]] == list(range(item_range[0], item_range[1] + 1))


def test_phq9_item_10_is_separate_and_not_an_item():
    definition = get_builtin("phq9")
    assert len(definition["items"]) == 9
    assert definition["difficulty"]["number"] == 10
    assert (
        definition["difficulty"]["min_value"],
        definition["difficulty"]["max_value"],
    ) == (0, 3)


def test_phq9_carries_the_published_thresholds():
    definition = get_builtin("phq9")
    assert definition["caseness_threshold"] == 10
    assert definition["max_missing_to_prorate"] == 2
    assert definition["reliable_change"] == {"reliable": 6}
    assert definition["safety_item"] == {"item": 9, "min": 1}
    assert [(band["min"], band["max"], band["code"]) for band in definition["bands"]] == [
        (0, 4, "minimal"),
        (5, 9, "mild"),
        (10, 14, "moderate"),
        (15, 19, "moderately_severe"),
        (20, 27, "severe"),
    ]


def test_gad7_pcl5_thresholds():
    gad7 = get_builtin("gad7")
    assert (gad7["caseness_threshold"], gad7["max_missing_to_prorate"]) == (8, 1)
    assert gad7["reliable_change"] == {"reliable": 4}
    pcl5 = get_builtin("pcl5")
    assert pcl5["reliable_change"] == {"response": 5, "clinically_meaningful": 10}
    assert pcl5["bands"] == []
    assert pcl5["parameters"]["default_cutoff"] == 33


def test_phq4_items_are_gad2_then_phq2():
    phq4 = get_builtin("phq4")
    texts = [item["text"] for item in phq4["items"]]
    gad7 = [item["text"] for item in get_builtin("gad7")["items"]]
    phq9 = [item["text"] for item in get_builtin("phq9")["items"]]
    assert texts == gad7[:2] + phq9[:2]


def test_wai_sr_subscale_mapping():
    assert get_builtin("wai_sr")["parameters"]["subscales"] == {
        "goal": [4, 6, 8, 11],
        "task": [1, 2, 10, 12],
        "bond": [3, 5, 7, 9],
    }


def test_pcl5_cluster_mapping():
    assert get_builtin("pcl5")["parameters"]["clusters"] == {
        "B": [1, 2, 3, 4, 5],
        "C": [6, 7],
        "D": [8, 9, 10, 11, 12, 13, 14],
        "E": [15, 16, 17, 18, 19, 20],
    }


def test_cssrs_items_are_keyed_q1_to_q6_past_3_months():
    items = get_builtin("cssrs_screener")["items"]
    assert [(item["number"], item["key"]) for item in items] == [
        (1, "q1"),
        (2, "q2"),
        (3, "q3"),
        (4, "q4"),
        (5, "q5"),
        (6, "q6"),
        (7, "q6_past_3_months"),
    ]


def test_unlicensed_instruments_are_not_built_in():
    assert not {"ors", "srs", "oq45"} & set(BUILTIN_INSTRUMENTS)
    assert all(definition["licence"] for definition in BUILTIN_INSTRUMENTS.values())


def test_norms_are_null_or_cite_a_source():
    for definition in BUILTIN_INSTRUMENTS.values():
        norms = definition["norms"]
        assert norms is None or norms["source"]


def test_get_builtin_returns_a_copy():
    definition = get_builtin("phq9")
    definition["bands"][0]["max"] = 99
    assert BUILTIN_INSTRUMENTS["phq9"]["bands"][0]["max"] == 4


def test_get_builtin_unknown_code_raises_key_error():
    with pytest.raises(KeyError):
        get_builtin("oq45")


def test_scoring_function_registries_match():
    assert set(SCORING_FUNCTION_REQUIREMENTS) == set(REGISTERED_SCORING_FUNCTIONS)


# --- validate_definition ---


def base() -> dict:
    return {
        "code": "mood_check",
        "name": "Mood check",
        "version": "mood_check_v1",
        "licence": "Written by the practice.",
        "answer_format": "list",
        "items": [{"number": number, "text": f"Question {number}"} for number in (1, 2, 3)],
        "options": [{"value": value, "label": str(value)} for value in range(4)],
        "min_item_value": 0,
        "max_item_value": 3,
        "scoring": "sum",
        "bands": [
            {"min": 0, "max": 4, "code": "low"},
            {"min": 5, "max": 9, "code": "high"},
        ],
        "caseness_threshold": 5,
        "max_missing_to_prorate": 0,
    }


def with_changes(**changes: object) -> dict:
    definition = base()
    definition.update(changes)
    return definition


def test_minimal_custom_definition_is_valid():
    assert validate_definition(base()) == []


def test_missing_required_key_is_named():
    definition = base()
    del definition["items"]
    assert validate_definition(definition) == ["Missing required key 'items'."]


def test_non_object_is_rejected():
    assert validate_definition(["not", "a", "definition"]) == ["The definition must be an object."]


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"items": []}, "at least one item"),
        (
            {"min_item_value": 3, "max_item_value": 3},
            "min_item_value must be less than",
        ),
        ({"min_item_value": 4}, "min_item_value must be less than"),
        ({"min_item_value": True}, "must be integers"),
        ({"code": "Mood Check"}, "code must be"),
        ({"code": "9lives"}, "code must be"),
        ({"name": ""}, "name must be a non-empty string"),
        ({"scoring_function": "magic"}, "Unknown scoring_function 'magic'"),
        ({"answer_format": "grid"}, "answer_format must be one of"),
        ({"caseness_threshold": 10}, "caseness_threshold must be"),
        ({"caseness_threshold": 0}, "caseness_threshold must be"),
        ({"max_missing_to_prorate": 3}, "max_missing_to_prorate must be"),
        ({"max_missing_to_prorate": -1}, "max_missing_to_prorate must be"),
        (
            {
                "bands": [
                    {"min": 0, "max": 5, "code": "low"},
                    {"min": 5, "max": 9, "code": "high"},
                ]
            },
            "overlap",
        ),
        (
            {
                "bands": [
                    {"min": 0, "max": 3, "code": "low"},
                    {"min": 5, "max": 9, "code": "high"},
                ]
            },
            "gap",
        ),
        (
            {
                "bands": [
                    {"min": 1, "max": 4, "code": "low"},
                    {"min": 5, "max": 9, "code": "high"},
                ]
            },
            "start at the lowest possible total",
        ),
        (
            {
                "bands": [
                    {"min": 0, "max": 4, "code": "low"},
                    {"min": 5, "max": 12, "code": "high"},
                ]
            },
            "end at the highest possible total",
        ),
        (
            {
                "bands": [
                    {"min": 0, "max": 4, "code": "low"},
                    {"min": 5, "max": 9, "code": "low"},
                ]
            },
            "unique",
        ),
        ({"bands": [{"min": 4, "max": 0, "code": "low"}]}, "min greater than max"),
        ({"options": [{"value": 7, "label": "seven"}]}, "Option value 7"),
        ({"reverse_scored_items": [4]}, "item 4, which does not exist"),
        (
            {
                "flags": [
                    {
                        "kind": "x1",
                        "item": 9,
                        "min": 1,
                        "severity": "urgent",
                        "reason": "r",
                    }
                ]
            },
            "item 9, which does not exist",
        ),
        (
            {
                "flags": [
                    {
                        "kind": "x1",
                        "item": 1,
                        "min": 1,
                        "severity": "loud",
                        "reason": "r",
                    }
                ]
            },
            "severity",
        ),
        (
            {
                "flags": [
                    {
                        "kind": "x1",
                        "item": 1,
                        "min": 9,
                        "severity": "urgent",
                        "reason": "r",
                    }
                ]
            },
            "Flag min",
        ),
        ({"safety_item": {"item": 2, "min": 0}}, "safety_item min"),
        (
            {"short_forms": [{"code": "two", "items": [1, 2], "positive_at": 7}]},
            "positive_at",
        ),
        ({"reliable_change": {"reliable": 0}}, "reliable_change 'reliable'"),
        ({"norms": {"sd": 5, "r": 1.0, "source": "x"}}, "norms.r"),
        ({"norms": {"sd": 5, "r": 0.8}}, "source"),
        (
            {"scoring_function": "pcl5_clusters"},
            "pcl5_clusters needs parameters.clusters",
        ),
        ({"scoring_function": "cssrs_triage"}, "needs answer_format 'cssrs_object'"),
        ({"scoring_function": "phq4_subscales"}, "exactly 4 items"),
        ({"answer_format": "cssrs_object"}, "needs its scoring_function"),
    ],
)
def test_invalid_custom_definition_is_explained(changes, fragment):
    errors = validate_definition(with_changes(**changes))
    assert any(fragment in error for error in errors), errors


def test_bands_may_be_left_out():
    assert validate_definition(with_changes(bands=[], caseness_threshold=None)) == []


def test_a_builtin_with_a_broken_band_is_caught():
    definition = copy.deepcopy(BUILTIN_INSTRUMENTS["phq9"])
    definition["bands"][1]["min"] = 6
    assert any("gap" in error for error in validate_definition(definition))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 100) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(
    st.fixed_dictionaries(
        dict.fromkeys(base(), json_values),
        optional={
            "scoring_function": st.sampled_from(sorted(SCORING_FUNCTION_REQUIREMENTS)) | json_values,
            "flags": json_values,
            "short_forms": json_values,
            "safety_item": json_values,
            "norms": json_values,
            "reliable_change": json_values,
            "parameters": json_values,
        },
    )
)
def test_property_validation_never_crashes_on_arbitrary_json(definition):
    errors = validate_definition(definition)
    assert isinstance(errors, list)
    assert all(isinstance(error, str) for error in errors)


@given(st.sampled_from(sorted(BUILTIN_INSTRUMENTS)))
def test_property_every_builtin_validates(code):
    assert validate_definition(BUILTIN_INSTRUMENTS[code]) == []


PERTURBABLE_KEYS = sorted(
    set(BUILTIN_INSTRUMENTS["pcl5"])
    | set(BUILTIN_INSTRUMENTS["phq9"])
    | {"parameters.clusters", "parameters.default_cutoff", "parameters.dsm5_required"}
)


@given(
    st.sampled_from(sorted(BUILTIN_INSTRUMENTS)),
    st.dictionaries(st.sampled_from(PERTURBABLE_KEYS), json_values, min_size=1, max_size=3),
)
def test_property_validation_never_crashes_on_a_damaged_builtin(code, damage):
    definition = get_builtin(code)
    for key, value in damage.items():
        if key.startswith("parameters."):
            parameters = definition.setdefault("parameters", {})
            if isinstance(parameters, dict):
                parameters[key.split(".", 1)[1]] = value
        else:
            definition[key] = value
    errors = validate_definition(definition)
    assert all(isinstance(error, str) for error in errors)
    if not errors and definition["answer_format"] == "list":
        # Whatever passes validation must be scorable.
        for value in (definition["min_item_value"], definition["max_item_value"], None):
            result = score(definition, [value] * len(definition["items"]))
            assert result["version"] == definition["version"]

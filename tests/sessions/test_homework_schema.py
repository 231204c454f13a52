"""Tests for homework schemas, submission validation and the built-in library.

Pure Python: run with ``pytest -p no:django``.
"""

from __future__ import annotations

import copy
import math
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions.homework_library import (
    BUILTIN_TEMPLATES,
    builtin_template,
    recommendation_text,
)
from sessions.homework_schema import (
    FIELD_TYPES,
    KIND_SCHEMAS,
    KINDS,
    FieldSpec,
    InvalidSchemaError,
    checklist_schema,
    free_text_of,
    is_complete,
    schema_for,
    validate_field_schema,
    validate_responses,
)

REQUIRED = ["This field is required."]
NOT_A_NUMBER = ["A valid number is required."]
NOT_BOOLEAN = ["Must be a valid boolean."]
BAD_DATE = ["Enter a valid date in YYYY-MM-DD format."]

VALID_THOUGHT_RECORD = {
    "situation": "  Boss criticised my report in the team meeting.  ",
    "automatic_thought": "I'm useless and they'll fire me.",
    "emotion": "anxious",
    "emotion_intensity": 85,
    "evidence_for": "He pointed out three mistakes.",
    "evidence_against": "Last month he praised my presentation.",
    "balanced_thought": "One report with mistakes doesn't make me useless.",
    "rerated_intensity": 40,
}


def field_errors(fields: list[FieldSpec], responses: Any, **options: Any) -> dict:
    return validate_responses(fields, responses, **options)[1]


def schema_codes(fields: Any) -> list[tuple[Any, str]]:
    return [(error["field"], error["code"]) for error in validate_field_schema(fields)]


# ---------------------------------------------------------------------------
# Thought record


def test_thought_record_valid_submission_is_cleaned() -> None:
    cleaned, errors = validate_responses(KIND_SCHEMAS["thought_record"], VALID_THOUGHT_RECORD)
    assert errors == {}
    assert cleaned["situation"] == "Boss criticised my report in the team meeting."
    assert cleaned["emotion_intensity"] == 85
    assert set(cleaned) == set(VALID_THOUGHT_RECORD)


def test_thought_record_only_first_columns_is_complete() -> None:
    first_columns = {
        key: VALID_THOUGHT_RECORD[key] for key in ("situation", "automatic_thought", "emotion", "emotion_intensity")
    }
    assert is_complete(KIND_SCHEMAS["thought_record"], first_columns)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"emotion_intensity": 150},
            {"emotion_intensity": ["Must be between 0 and 100."]},
        ),
        (
            {"emotion_intensity": -1},
            {"emotion_intensity": ["Must be between 0 and 100."]},
        ),
        (
            {"rerated_intensity": 100.5},
            {"rerated_intensity": ["Must be between 0 and 100."]},
        ),
        (
            {"emotion_intensity": 50.5},
            {"emotion_intensity": ["Must be a whole number."]},
        ),
        ({"emotion_intensity": True}, {"emotion_intensity": NOT_A_NUMBER}),
        ({"emotion_intensity": "high"}, {"emotion_intensity": NOT_A_NUMBER}),
        ({"emotion_intensity": [50]}, {"emotion_intensity": NOT_A_NUMBER}),
        ({"emotion_intensity": None}, {"emotion_intensity": REQUIRED}),
        ({"situation": "   "}, {"situation": REQUIRED}),
        ({"emotion": 7}, {"emotion": ["Not a valid string."]}),
        (
            {"emotion": "x" * 201},
            {"emotion": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            {"evidence_for": "x" * 10_001},
            {"evidence_for": ["Ensure this field has no more than 10000 characters."]},
        ),
        (
            {"situation": "bad\x00byte"},
            {"situation": ["Null characters are not allowed."]},
        ),
        ({"mood": "low"}, {"mood": ["Unknown field."]}),
    ],
)
def test_thought_record_invalid_submissions(changes: dict, expected: dict) -> None:
    assert field_errors(KIND_SCHEMAS["thought_record"], VALID_THOUGHT_RECORD | changes) == expected


def test_thought_record_reports_every_missing_required_field() -> None:
    assert field_errors(KIND_SCHEMAS["thought_record"], {}) == {
        "situation": REQUIRED,
        "automatic_thought": REQUIRED,
        "emotion": REQUIRED,
        "emotion_intensity": REQUIRED,
    }


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [("75", 75), (" 75 ", 75), (75.0, 75), ("75.0", 75), ("+7", 7), (0, 0), (100, 100)],
)
def test_numbers_are_normalised_to_integers_on_whole_number_scales(raw: Any, cleaned: int) -> None:
    result, errors = validate_responses(
        KIND_SCHEMAS["thought_record"],
        VALID_THOUGHT_RECORD | {"emotion_intensity": raw},
    )
    assert errors == {}
    assert result["emotion_intensity"] == cleaned
    assert type(result["emotion_intensity"]) is int


@pytest.mark.parametrize(
    "raw",
    ["", "1_0", "١٠", "nan", "inf", "1e400", "0x10", "--5", "5 5", math.nan, math.inf],
)
def test_non_numeric_values_are_rejected(raw: Any) -> None:
    errors = field_errors(
        KIND_SCHEMAS["thought_record"],
        VALID_THOUGHT_RECORD | {"emotion_intensity": raw},
    )
    # An empty string is a missing answer rather than a malformed one.
    assert errors == {"emotion_intensity": REQUIRED if raw == "" else NOT_A_NUMBER}


def test_text_line_endings_are_normalised() -> None:
    cleaned, errors = validate_responses(
        KIND_SCHEMAS["thought_record"],
        VALID_THOUGHT_RECORD | {"evidence_for": "one\r\ntwo\rthree"},
    )
    assert errors == {}
    assert cleaned["evidence_for"] == "one\ntwo\nthree"


# ---------------------------------------------------------------------------
# Activity log


def test_activity_log_valid_submission() -> None:
    responses = {
        "date": "2024-03-05",
        "activity": " Walk in the park ",
        "planned": True,
        "done": False,
        "mastery": 3,
        "pleasure": "6",
    }
    cleaned, errors = validate_responses(KIND_SCHEMAS["activity_log"], responses)
    assert errors == {}
    assert cleaned == responses | {"activity": "Walk in the park", "pleasure": 6}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"mastery": 11}, {"mastery": ["Must be between 0 and 10."]}),
        ({"pleasure": -0.5}, {"pleasure": ["Must be between 0 and 10."]}),
        ({"done": "yes"}, {"done": NOT_BOOLEAN}),
        ({"done": 1}, {"done": NOT_BOOLEAN}),
        ({"planned": "false"}, {"planned": NOT_BOOLEAN}),
        ({"date": "2024-13-01"}, {"date": BAD_DATE}),
        ({"date": "2023-02-29"}, {"date": BAD_DATE}),
        ({"date": "05/03/2024"}, {"date": BAD_DATE}),
        ({"date": "20240305"}, {"date": BAD_DATE}),
        ({"date": "2024-03-05T10:00"}, {"date": BAD_DATE}),
        ({"date": 20240305}, {"date": BAD_DATE}),
        ({"date": "9999-12-31"}, {"date": ["Enter a date between the years 1900 and 2100."]}),
        ({"activity": ""}, {"activity": REQUIRED}),
    ],
)
def test_activity_log_invalid_submissions(changes: dict, expected: dict) -> None:
    responses = {"activity": "Cooked dinner", "done": True} | changes
    assert field_errors(KIND_SCHEMAS["activity_log"], responses) == expected


def test_leap_day_and_padded_dates_are_accepted() -> None:
    cleaned, errors = validate_responses(KIND_SCHEMAS["activity_log"], {"activity": "Swim", "date": " 2024-02-29 "})
    assert errors == {}
    assert cleaned["date"] == "2024-02-29"


# ---------------------------------------------------------------------------
# Exposure log

VALID_EXPOSURE = {
    "situation": "Took the bus two stops.",
    "suds_before": 70,
    "suds_peak": 85,
    "suds_after": 30,
    "duration_minutes": 25,
}


def test_exposure_log_valid_submission() -> None:
    cleaned, errors = validate_responses(KIND_SCHEMAS["exposure_log"], VALID_EXPOSURE)
    assert (cleaned, errors) == (VALID_EXPOSURE, {})


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"duration_minutes": 601},
            {"duration_minutes": ["Must be between 0 and 600."]},
        ),
        (
            {"duration_minutes": -1},
            {"duration_minutes": ["Must be between 0 and 600."]},
        ),
        ({"duration_minutes": 12.5}, {"duration_minutes": ["Must be a whole number."]}),
        ({"suds_peak": ""}, {"suds_peak": REQUIRED}),
        ({"suds_after": False}, {"suds_after": NOT_A_NUMBER}),
        (
            {"suds_before": 101, "suds_after": "calm"},
            {"suds_before": ["Must be between 0 and 100."], "suds_after": NOT_A_NUMBER},
        ),
    ],
)
def test_exposure_log_invalid_submissions(changes: dict, expected: dict) -> None:
    assert field_errors(KIND_SCHEMAS["exposure_log"], VALID_EXPOSURE | changes) == expected


# ---------------------------------------------------------------------------
# Journal


def test_journal_entry_is_stripped() -> None:
    cleaned, errors = validate_responses(KIND_SCHEMAS["journal"], {"entry": "\n Grateful for tea.\n"})
    assert (cleaned, errors) == ({"entry": "Grateful for tea."}, {})


@pytest.mark.parametrize(
    ("responses", "expected"),
    [
        ({}, {"entry": REQUIRED}),
        ({"entry": " \n\t "}, {"entry": REQUIRED}),
        ({"entry": None}, {"entry": REQUIRED}),
        (
            {"entry": "x" * 10_001},
            {"entry": ["Ensure this field has no more than 10000 characters."]},
        ),
        ({"entry": ["a", "b"]}, {"entry": ["Not a valid string."]}),
        ({"entry": "ok", "prompt": "hi"}, {"prompt": ["Unknown field."]}),
    ],
)
def test_journal_invalid_submissions(responses: dict, expected: dict) -> None:
    assert field_errors(KIND_SCHEMAS["journal"], responses) == expected


def test_text_limit_counts_characters_after_stripping() -> None:
    assert field_errors(KIND_SCHEMAS["journal"], {"entry": "  " + "x" * 10_000 + "  "}) == {}


# ---------------------------------------------------------------------------
# Checklist


def test_checklist_schema_builds_optional_checkboxes_with_unique_slugs() -> None:
    fields = checklist_schema(["Named 5 things I can see", " 5 things! ", "5 things", "???"])
    assert [field["name"] for field in fields] == [
        "named_5_things_i_can_see",
        "item_5_things",
        "item_5_things_2",
        "item",
    ]
    assert fields[1]["label"] == "5 things!"
    assert all(field["type"] == "checkbox" and not field["required"] for field in fields)
    assert validate_field_schema(fields) == []


@pytest.mark.parametrize("items", [[], [""], ["ok", "  "], ["ok", 3], "not a list", ["x" * 201]])
def test_checklist_schema_rejects_bad_items(items: Any) -> None:
    with pytest.raises(ValueError):
        checklist_schema(items)


def test_checklist_submissions() -> None:
    fields = schema_for("checklist", checklist_schema(["No caffeine after midday", "No naps"]))
    assert validate_responses(fields, {"no_caffeine_after_midday": True}) == (
        {"no_caffeine_after_midday": True},
        {},
    )
    assert is_complete(fields, {})
    assert field_errors(fields, {"no_naps": "true", "extra": True}) == {
        "no_naps": NOT_BOOLEAN,
        "extra": ["Unknown field."],
    }


def test_checklist_requires_only_checkboxes() -> None:
    fields = [*checklist_schema(["Breathe"]), {"name": "notes", "label": "Notes", "type": "text"}]
    with pytest.raises(InvalidSchemaError) as raised:
        schema_for("checklist", fields)
    assert raised.value.errors == [
        {
            "field": "notes",
            "code": "not_a_checkbox",
            "message": "Checklist items must be checkboxes.",
        }
    ]


# ---------------------------------------------------------------------------
# Worksheets (therapist-defined)

WORKSHEET: list[FieldSpec] = [
    {"name": "feeling", "label": "Feeling", "type": "choice", "required": True,
     "choices": ["Calm", "Tense", "Low"]},
    {"name": "triggers", "label": "Triggers", "type": "multi_choice",
     "choices": ["Work", "Family", "Health"]},
    {"name": "hours_slept", "label": "Hours slept", "type": "number", "min": 0, "max": 24},
    {"name": "steps", "label": "Steps walked", "type": "number", "min": 0},
    {"name": "cigarettes", "label": "Cigarettes", "type": "number", "max": 60, "step": 1},
    {"name": "energy", "label": "Energy", "type": "scale", "min": 0, "max": 10, "step": 2},
    {"name": "calm", "label": "Calm", "type": "scale", "min": 1, "max": 7, "step": 3},
    {"name": "half", "label": "Halves", "type": "scale", "min": 0, "max": 5, "step": 0.5},
    {"name": "medication", "label": "Medication name", "type": "text", "max_length": 20,
     "risk_screen": False},
    {"name": "when", "label": "When", "type": "date"},
    {"name": "reflection", "label": "Reflection", "type": "long_text"},
]  # fmt: skip


def test_worksheet_fixture_is_valid() -> None:
    assert validate_field_schema(WORKSHEET) == []
    assert schema_for("worksheet", WORKSHEET) == WORKSHEET


def test_worksheet_valid_submission_is_normalised() -> None:
    cleaned, errors = validate_responses(
        WORKSHEET,
        {
            "feeling": " Tense ",
            "triggers": ["Work", " Health", "Work"],
            "hours_slept": 6.5,
            "steps": "12000",
            "cigarettes": -3,
            "energy": 4,
            "calm": "7",
            "half": "2.5",
            "medication": "",
            "when": "2024-01-31",
            "reflection": None,
        },
    )
    assert errors == {}
    assert cleaned == {
        "feeling": "Tense",
        "triggers": ["Work", "Health"],
        "hours_slept": 6.5,
        "steps": 12000,
        "cigarettes": -3,
        "energy": 4,
        "calm": 7,
        "half": 2.5,
        "when": "2024-01-31",
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"feeling": "maybe"}, {"feeling": ['"maybe" is not a valid choice.']}),
        ({"feeling": "calm"}, {"feeling": ['"calm" is not a valid choice.']}),
        ({"feeling": 1}, {"feeling": ['"1" is not a valid choice.']}),
        (
            {"feeling": "z" * 80},
            {"feeling": [f'"{"z" * 47}..." is not a valid choice.']},
        ),
        (
            {"triggers": "Work"},
            {"triggers": ['Expected a list of items but got type "str".']},
        ),
        (
            {"triggers": ["Work", "Money", 3, "Money"]},
            {
                "triggers": [
                    '"Money" is not a valid choice.',
                    '"3" is not a valid choice.',
                ]
            },
        ),
        ({"hours_slept": 24.01}, {"hours_slept": ["Must be between 0 and 24."]}),
        ({"steps": -1}, {"steps": ["Must be at least 0."]}),
        ({"cigarettes": 61}, {"cigarettes": ["Must be at most 60."]}),
        ({"cigarettes": 1.5}, {"cigarettes": ["Must be a whole number."]}),
        ({"energy": 5}, {"energy": ["Must be a multiple of 2."]}),
        ({"calm": 2}, {"calm": ["Must be in steps of 3 from 1."]}),
        (
            {"medication": "x" * 21},
            {"medication": ["Ensure this field has no more than 20 characters."]},
        ),
        ({"when": "yesterday"}, {"when": BAD_DATE}),
    ],
)
def test_worksheet_invalid_submissions(changes: dict, expected: dict) -> None:
    assert field_errors(WORKSHEET, {"feeling": "Calm"} | changes) == expected


def test_required_multi_choice_treats_empty_list_as_missing() -> None:
    fields: list[FieldSpec] = [
        {"name": "areas", "label": "Areas", "type": "multi_choice", "required": True,
         "choices": ["A", "B"]}
    ]  # fmt: skip
    assert field_errors(fields, {"areas": []}) == {"areas": REQUIRED}
    assert field_errors(fields, {"areas": []}, partial=True) == {}


def test_required_checkbox_means_answered_not_ticked() -> None:
    fields: list[FieldSpec] = [{"name": "agree", "label": "Agree", "type": "checkbox", "required": True}]
    assert field_errors(fields, {"agree": False}) == {}
    assert field_errors(fields, {}) == {"agree": REQUIRED}


@pytest.mark.parametrize("responses", [None, [], "text", 3])
def test_responses_must_be_an_object(responses: Any) -> None:
    cleaned, errors = validate_responses(WORKSHEET, responses)
    assert cleaned == {}
    assert errors == {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {type(responses).__name__}."]}
    assert not is_complete(WORKSHEET, responses)


# ---------------------------------------------------------------------------
# Partial drafts


def test_partial_draft_allows_missing_required_fields() -> None:
    draft = {"situation": "On the train", "emotion_intensity": "60"}
    cleaned, errors = validate_responses(KIND_SCHEMAS["thought_record"], draft, partial=True)
    assert errors == {}
    assert cleaned == {"situation": "On the train", "emotion_intensity": 60}
    assert not is_complete(KIND_SCHEMAS["thought_record"], draft)


def test_partial_draft_still_validates_present_values() -> None:
    draft = {"emotion_intensity": 120, "situation": "", "unknown": 1, "emotion": None}
    assert field_errors(KIND_SCHEMAS["thought_record"], draft, partial=True) == {
        "emotion_intensity": ["Must be between 0 and 100."],
        "unknown": ["Unknown field."],
    }


def test_draft_can_be_finished_later() -> None:
    fields = KIND_SCHEMAS["exposure_log"]
    draft, errors = validate_responses(fields, {"situation": "Lift", "suds_before": 50}, partial=True)
    assert errors == {}
    assert not is_complete(fields, draft)
    finished = draft | {"suds_peak": 70, "suds_after": 20}
    assert is_complete(fields, finished)


def test_blank_values_are_dropped_so_drafts_can_clear_answers() -> None:
    cleaned, errors = validate_responses(
        KIND_SCHEMAS["activity_log"],
        {"activity": "Read", "notes": "  ", "mastery": None, "date": ""},
        partial=True,
    )
    assert (cleaned, errors) == ({"activity": "Read"}, {})


# ---------------------------------------------------------------------------
# Free text for the risk screener


def test_free_text_of_returns_screened_text_in_schema_order() -> None:
    responses = VALID_THOUGHT_RECORD | {"evidence_against": "   "}
    assert free_text_of(KIND_SCHEMAS["thought_record"], responses) == [
        ("situation", "Boss criticised my report in the team meeting."),
        ("automatic_thought", "I'm useless and they'll fire me."),
        ("emotion", "anxious"),
        ("evidence_for", "He pointed out three mistakes."),
        ("balanced_thought", "One report with mistakes doesn't make me useless."),
    ]


def test_free_text_of_skips_opted_out_and_non_text_fields() -> None:
    responses = {
        "feeling": "Low",
        "medication": "sertraline",
        "reflection": "I want to disappear",
    }
    assert free_text_of(WORKSHEET, responses) == [("reflection", "I want to disappear")]
    assert free_text_of(WORKSHEET, None) == []
    assert free_text_of(WORKSHEET, {"reflection": 5}) == []


# ---------------------------------------------------------------------------
# Schema validation


def test_validate_field_schema_accepts_a_full_featured_schema() -> None:
    assert validate_field_schema(WORKSHEET) == []


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (None, [("non_field_errors", "not_a_list")]),
        ({"name": "x"}, [("non_field_errors", "not_a_list")]),
        ([], [("non_field_errors", "empty")]),
        ([{"name": f"f{i}", "label": "F", "type": "checkbox"} for i in range(51)],
         [("non_field_errors", "too_many_fields")]),
        (["text"], [(0, "not_an_object")]),
        ([{"name": "Bad Name", "label": "L", "type": "text"}], [(0, "invalid_name")]),
        ([{"name": "1st", "label": "L", "type": "text"}], [(0, "invalid_name")]),
        ([{"name": "a" * 65, "label": "L", "type": "text"}], [(0, "invalid_name")]),
        ([{"label": "L", "type": "text"}], [(0, "invalid_name")]),
        ([{"name": "non_field_errors", "label": "L", "type": "text"}], [(0, "reserved_name")]),
        ([{"name": "a", "label": "A", "type": "text"}, {"name": "a", "label": "B", "type": "date"}],
         [(1, "duplicate_name")]),
        ([{"name": "a", "label": " ", "type": "text"}], [("a", "invalid_label")]),
        ([{"name": "a", "label": "x" * 201, "type": "text"}], [("a", "invalid_label")]),
        ([{"name": "a", "label": "A", "type": "text", "help": 3}], [("a", "invalid_help")]),
        ([{"name": "a", "label": "A", "type": "text", "required": "yes"}],
         [("a", "invalid_required")]),
        ([{"name": "a", "label": "A", "type": "slider"}], [("a", "invalid_type")]),
        ([{"name": "a", "label": "A", "type": "text", "requried": True}],
         [("a", "unexpected_key")]),
        ([{"name": "a", "label": "A", "type": "text", "choices": ["x"]}],
         [("a", "unexpected_key")]),
        ([{"name": "a", "label": "A", "type": "number", "max_length": 5}],
         [("a", "unexpected_key")]),
        ([{"name": "a", "label": "A", "type": "scale", "max": 10}], [("a", "missing_bound")]),
        ([{"name": "a", "label": "A", "type": "scale"}],
         [("a", "missing_bound"), ("a", "missing_bound")]),
        ([{"name": "a", "label": "A", "type": "number", "min": True}], [("a", "invalid_bound")]),
        ([{"name": "a", "label": "A", "type": "number", "max": "10"}], [("a", "invalid_bound")]),
        ([{"name": "a", "label": "A", "type": "number", "max": math.inf}],
         [("a", "invalid_bound")]),
        ([{"name": "a", "label": "A", "type": "number", "max": 10**10}],
         [("a", "invalid_bound")]),
        ([{"name": "a", "label": "A", "type": "number", "min": 5, "max": 5}],
         [("a", "invalid_range")]),
        ([{"name": "a", "label": "A", "type": "scale", "min": 10, "max": 0}],
         [("a", "invalid_range")]),
        ([{"name": "a", "label": "A", "type": "number", "step": 0}], [("a", "invalid_step")]),
        ([{"name": "a", "label": "A", "type": "number", "step": -1}], [("a", "invalid_step")]),
        ([{"name": "a", "label": "A", "type": "number", "step": False}], [("a", "invalid_step")]),
        ([{"name": "a", "label": "A", "type": "scale", "min": 0, "max": 5, "step": 10}],
         [("a", "step_too_large")]),
        ([{"name": "a", "label": "A", "type": "scale", "min": 0.5, "max": 5}],
         [("a", "fractional_bounds")]),
        ([{"name": "a", "label": "A", "type": "scale", "min": 0, "max": 10, "step": 3}],
         [("a", "uneven_step")]),
        ([{"name": "a", "label": "A", "type": "choice"}], [("a", "invalid_choices")]),
        ([{"name": "a", "label": "A", "type": "choice", "choices": []}],
         [("a", "invalid_choices")]),
        ([{"name": "a", "label": "A", "type": "choice", "choices": ["x", ""]}],
         [("a", "invalid_choices")]),
        ([{"name": "a", "label": "A", "type": "choice", "choices": [" x"]}],
         [("a", "invalid_choices")]),
        ([{"name": "a", "label": "A", "type": "choice", "choices": "xy"}],
         [("a", "invalid_choices")]),
        ([{"name": "a", "label": "A", "type": "multi_choice", "choices": [str(n) for n in range(51)]}],
         [("a", "invalid_choices")]),
        ([{"name": "a", "label": "A", "type": "multi_choice", "choices": ["Work", "work"]}],
         [("a", "duplicate_choice")]),
        ([{"name": "a", "label": "A", "type": "text", "max_length": 501}],
         [("a", "invalid_max_length")]),
        ([{"name": "a", "label": "A", "type": "long_text", "max_length": 0}],
         [("a", "invalid_max_length")]),
        ([{"name": "a", "label": "A", "type": "text", "max_length": True}],
         [("a", "invalid_max_length")]),
        ([{"name": "a", "label": "A", "type": "text", "risk_screen": "no"}],
         [("a", "invalid_risk_screen")]),
        ([{"name": "a", "label": "A", "type": "checkbox", "risk_screen": False}],
         [("a", "unexpected_key")]),
    ],
)  # fmt: skip
def test_validate_field_schema_errors(fields: Any, expected: list) -> None:
    assert schema_codes(fields) == expected


def test_schema_errors_carry_readable_messages() -> None:
    errors = validate_field_schema(
        [
            {"name": "a", "label": "A", "type": "text", "requried": True},
            {"name": "a", "label": "B", "type": "scale", "min": 0},
        ]
    )
    assert errors == [
        {"field": "a", "code": "unexpected_key", "message": '"requried" is not allowed on a text field.'},
        {"field": 1, "code": "duplicate_name", "message": 'The name "a" is already used by another field.'},
        {"field": 1, "code": "missing_bound", "message": 'A scale needs a "max".'},
    ]  # fmt: skip


def test_validate_field_schema_reports_all_problems_of_a_field() -> None:
    assert schema_codes([{"name": "A", "label": "", "type": "number", "min": 3, "max": 1}]) == [
        (0, "invalid_name"),
        (0, "invalid_label"),
        (0, "invalid_range"),
    ]


# ---------------------------------------------------------------------------
# schema_for and the built-in kinds


def test_every_kind_has_a_schema_source() -> None:
    assert set(KINDS) == set(KIND_SCHEMAS) | {"worksheet", "checklist"}


@pytest.mark.parametrize("kind", sorted(KIND_SCHEMAS))
def test_fixed_kind_schemas_are_valid(kind: str) -> None:
    assert validate_field_schema(KIND_SCHEMAS[kind]) == []


def test_fixed_kind_field_names() -> None:
    names = {kind: [field["name"] for field in fields] for kind, fields in KIND_SCHEMAS.items()}
    assert names["thought_record"] == [
        "situation", "automatic_thought", "emotion", "emotion_intensity",
        "evidence_for", "evidence_against", "balanced_thought", "rerated_intensity",
    ]  # fmt: skip
    assert names["activity_log"][:6] == [
        "date",
        "activity",
        "planned",
        "done",
        "mastery",
        "pleasure",
    ]
    assert names["exposure_log"][:5] == [
        "situation", "suds_before", "suds_peak", "suds_after", "duration_minutes"
    ]  # fmt: skip
    assert names["journal"] == ["entry"]


def test_schema_for_fixed_kinds_returns_an_independent_copy() -> None:
    schema = schema_for("thought_record", [{"name": "ignored", "label": "X", "type": "text"}])
    assert schema == KIND_SCHEMAS["thought_record"]
    schema[0]["label"] = "changed"
    schema.pop()
    assert KIND_SCHEMAS["thought_record"][0]["label"] == "Situation"
    assert len(KIND_SCHEMAS["thought_record"]) == 8


def test_schema_for_worksheet_returns_a_copy() -> None:
    fields = copy.deepcopy(WORKSHEET)
    schema = schema_for("worksheet", fields)
    schema[0]["label"] = "changed"
    assert fields == WORKSHEET


@pytest.mark.parametrize("template_fields", [None, [], [{"name": "a", "type": "text"}]])
def test_schema_for_rejects_unusable_worksheets(template_fields: Any) -> None:
    with pytest.raises(InvalidSchemaError) as raised:
        schema_for("worksheet", template_fields)
    assert raised.value.errors
    assert isinstance(raised.value, ValueError)


def test_schema_for_unknown_kind() -> None:
    with pytest.raises(ValueError, match="Unknown homework kind"):
        schema_for("diary")


# ---------------------------------------------------------------------------
# Built-in library


def test_library_covers_every_kind_with_unique_slugs_and_titles() -> None:
    assert 8 <= len(BUILTIN_TEMPLATES) <= 15
    assert {template["kind"] for template in BUILTIN_TEMPLATES} == set(KINDS)
    assert len({template["slug"] for template in BUILTIN_TEMPLATES}) == len(BUILTIN_TEMPLATES)
    assert len({template["title"] for template in BUILTIN_TEMPLATES}) == len(BUILTIN_TEMPLATES)


@pytest.mark.parametrize("template", BUILTIN_TEMPLATES, ids=lambda template: template["slug"])
def test_builtin_template_is_well_formed(template: dict) -> None:
    schema = schema_for(template["kind"], template["fields"])
    assert schema
    if template["kind"] in ("worksheet", "checklist"):
        assert validate_field_schema(template["fields"]) == []
    else:
        assert template["fields"] == []
    # Descriptions feed embedding-based recommendations, so they must say something.
    assert len(template["description"]) >= 150
    assert len(template["instructions"]) >= 100
    assert template["tags"] and all(tag == tag.strip().lower() for tag in template["tags"])
    assert builtin_template(template["slug"]) is template
    assert template["title"] in recommendation_text(template)
    # An empty submission never slips through as complete unless nothing is required.
    required = [field["name"] for field in schema if field.get("required")]
    assert is_complete(schema, {}) == (not required)


def test_library_tags_cover_core_presenting_concerns() -> None:
    tags = {tag for template in BUILTIN_TEMPLATES for tag in template["tags"]}
    assert {
        "depression", "anxiety", "panic", "ptsd", "sleep",
        "behavioural activation", "worry", "self-compassion",
    } <= tags  # fmt: skip


def test_builtin_template_unknown_slug() -> None:
    with pytest.raises(KeyError):
        builtin_template("missing")


# ---------------------------------------------------------------------------
# Property tests

PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

names = st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True).filter(lambda name: name != "non_field_errors")
labels = st.text(min_size=1, max_size=60).filter(lambda label: label.strip() != "")
choice_lists = st.lists(
    st.text(
        st.characters(codec="utf-8", exclude_categories=("Cs",)),
        min_size=1,
        max_size=30,
    )
    .map(str.strip)
    .filter(bool),
    min_size=1,
    max_size=8,
    unique_by=str.casefold,
)
free_text_characters = st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r")


@st.composite
def whole_number_fields(draw: st.DrawFn) -> FieldSpec:
    """number/scale fields whose step is a whole number (so values are integers)."""
    low = draw(st.integers(-1000, 1000))
    step = draw(st.integers(1, 20))
    count = draw(st.integers(1, 100))
    field: FieldSpec = {
        "name": "value",
        "label": "Value",
        "type": draw(st.sampled_from(["number", "scale"])),
        "min": low,
        "max": low + step * count,
    }
    if step != 1 or field["type"] == "number" or draw(st.booleans()):
        field["step"] = step
    return field


@st.composite
def fractional_number_fields(draw: st.DrawFn) -> FieldSpec:
    """number fields without a whole-number step, optionally open-ended."""
    bounds = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
    low, high = sorted(draw(st.lists(bounds, min_size=2, max_size=2, unique=True)))
    field: FieldSpec = {"name": "value", "label": "Value", "type": "number"}
    if draw(st.booleans()):
        field["min"] = low
    if draw(st.booleans()):
        field["max"] = high
    return field


numeric_fields = st.one_of(whole_number_fields(), fractional_number_fields())


def in_range_values(field: FieldSpec) -> st.SearchStrategy[Any]:
    low, high = field.get("min"), field.get("max")
    step = field.get("step", 1 if field["type"] == "scale" else None)
    if step is not None:
        return st.integers(0, int((high - low) // step)).map(lambda k: low + k * step)
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@PROPERTY_SETTINGS
@given(data=st.data(), field=numeric_fields)
def test_any_in_range_value_is_accepted(data: st.DataObject, field: FieldSpec) -> None:
    value = data.draw(in_range_values(field))
    as_given = data.draw(st.sampled_from(["native", "string", "float"]))
    raw = {"native": value, "string": f" {value!r} ", "float": float(value)}[as_given]
    if as_given == "float" and float(value) != value:
        raw = value  # float() of a huge integer could round it
    cleaned, errors = validate_responses([field], {"value": raw})
    assert errors == {}
    assert cleaned["value"] == value
    if "step" in field:
        assert type(cleaned["value"]) is int


@PROPERTY_SETTINGS
@given(data=st.data(), field=numeric_fields)
def test_any_out_of_range_value_is_rejected(data: st.DataObject, field: FieldSpec) -> None:
    low, high = field.get("min"), field.get("max")
    sides = [side for side, bound in (("below", low), ("above", high)) if bound is not None]
    if not sides:
        return  # an open-ended number has no out-of-range values
    side = data.draw(st.sampled_from(sides))
    offset = data.draw(st.one_of(st.integers(1, 10**6), st.floats(1e-3, 1e6)))
    value = low - offset if side == "below" else high + offset
    if not ((low is not None and value < low) or (high is not None and value > high)):
        return  # the offset vanished in float rounding next to a huge bound
    errors = field_errors([field], {"value": value})
    assert len(errors["value"]) == 1
    assert errors["value"][0].startswith("Must be ")
    assert "whole number" not in errors["value"][0]


@PROPERTY_SETTINGS
@given(field=numeric_fields, flag=st.booleans(), partial=st.booleans())
def test_booleans_are_never_numbers(field: FieldSpec, flag: bool, partial: bool) -> None:
    assert field_errors([field], {"value": flag}, partial=partial) == {"value": NOT_A_NUMBER}


@st.composite
def valid_fields(draw: st.DrawFn, name: str) -> FieldSpec:
    field_type = draw(st.sampled_from(FIELD_TYPES))
    field: FieldSpec = {"name": name, "label": draw(labels), "type": field_type}
    if draw(st.booleans()):
        field["required"] = draw(st.booleans())
    if draw(st.booleans()):
        field["help"] = draw(st.text(max_size=100))
    if field_type in ("number", "scale"):
        numeric = draw(whole_number_fields() if field_type == "scale" else numeric_fields)
        field.update({key: numeric[key] for key in ("min", "max", "step") if key in numeric})
    elif field_type in ("choice", "multi_choice"):
        field["choices"] = draw(choice_lists)
    elif field_type in ("text", "long_text"):
        if draw(st.booleans()):
            field["max_length"] = draw(st.integers(1, 300))
        if draw(st.booleans()):
            field["risk_screen"] = draw(st.booleans())
    return field


@st.composite
def valid_schemas(draw: st.DrawFn) -> list[FieldSpec]:
    field_names = draw(st.lists(names, min_size=1, max_size=8, unique=True))
    return [draw(valid_fields(name)) for name in field_names]


def padded(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from(["", " ", "\n", "\t "]).map(lambda pad: pad + text + pad)


@st.composite
def valid_answer(draw: st.DrawFn, field: FieldSpec) -> tuple[Any, Any]:
    """A raw answer a client might send, and the value validation should store."""
    field_type = field["type"]
    if field_type in ("text", "long_text"):
        limit = field.get("max_length", 500 if field_type == "text" else 10_000)
        text = draw(
            st.text(free_text_characters, min_size=1, max_size=min(limit, 300)).filter(
                lambda value: value.strip() != ""
            )
        )
        return draw(padded(text)), text.strip()
    if field_type in ("number", "scale"):
        value = draw(in_range_values(field))
        return value, value
    if field_type == "choice":
        choice = draw(st.sampled_from(field["choices"]))
        return draw(padded(choice)), choice
    if field_type == "multi_choice":
        picked = draw(st.lists(st.sampled_from(field["choices"]), min_size=1, max_size=6))
        return picked, list(dict.fromkeys(picked))
    if field_type == "checkbox":
        flag = draw(st.booleans())
        return flag, flag
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
    return draw(padded(day.isoformat())), day.isoformat()


@PROPERTY_SETTINGS
@given(fields=valid_schemas())
def test_generated_valid_schemas_pass_validation(fields: list[FieldSpec]) -> None:
    assert validate_field_schema(fields) == []
    assert schema_for("worksheet", fields) == fields


@PROPERTY_SETTINGS
@given(data=st.data(), fields=valid_schemas())
def test_valid_responses_round_trip(data: st.DataObject, fields: list[FieldSpec]) -> None:
    raw: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for field in fields:
        if field.get("required") or data.draw(st.booleans()):
            raw[field["name"]], expected[field["name"]] = data.draw(valid_answer(field))
    cleaned, errors = validate_responses(fields, raw)
    assert errors == {}
    assert cleaned == expected
    assert is_complete(fields, raw)
    # Normalisation is idempotent: stored values validate to themselves.
    assert validate_responses(fields, cleaned) == (cleaned, {})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@PROPERTY_SETTINGS
@given(fields=valid_schemas(), data=st.data(), partial=st.booleans())
def test_arbitrary_input_never_crashes(fields: list[FieldSpec], data: st.DataObject, partial: bool) -> None:
    keys = st.sampled_from([field["name"] for field in fields]) | st.text(max_size=8)
    responses = data.draw(st.dictionaries(keys, json_values, max_size=8) | json_values)
    cleaned, errors = validate_responses(fields, responses, partial=partial)
    assert set(cleaned).isdisjoint(errors)
    assert all(isinstance(messages, list) and messages for messages in errors.values())
    for _name, text in free_text_of(fields, responses):
        assert text == text.strip() and text

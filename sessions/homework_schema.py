"""Homework field schemas and server-side validation of client submissions.

A homework template has a ``kind``. Four kinds have a fixed schema defined here
(so submissions stay comparable across clients and over time); worksheets carry
a therapist-defined schema and checklists a list of checkbox items.

A schema is a JSON-serialisable list of field dicts (see ``FieldSpec``). Client
submissions are ``{"responses": {...}}``; ``validate_responses`` checks the
inner mapping and returns DRF-style field errors so the phone UI can show each
message next to its input.

This module is deliberately pure Python (no Django) so it can be tested and
reused from serializers, management commands and offline tools alike.
"""

from __future__ import annotations

import copy
import math
import re
from datetime import date
from typing import Any, Literal, Required, TypedDict, get_args

from practice.bounds import DATE_RANGE_MESSAGE, date_in_supported_range

FieldType = Literal["text", "long_text", "number", "scale", "choice", "multi_choice", "checkbox", "date"]
HomeworkKind = Literal[
    "thought_record",
    "activity_log",
    "exposure_log",
    "journal",
    "worksheet",
    "checklist",
]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
# The first four kinds have fixed schemas (KIND_SCHEMAS); the last two carry their own.
KINDS: tuple[str, ...] = get_args(HomeworkKind)
FREE_TEXT_TYPES: frozenset[str] = frozenset({"text", "long_text"})

# The default length limit is also the ceiling a therapist may configure: the
# limits exist to bound storage and risk-screening cost, not just for tidiness.
DEFAULT_MAX_LENGTH: dict[str, int] = {"text": 500, "long_text": 10_000}
MAX_FIELDS = 50
MAX_CHOICES = 50
MAX_CHOICE_LENGTH = 200
MAX_LABEL_LENGTH = 200
MAX_HELP_LENGTH = 1_000
MAX_NAME_LENGTH = 64
# Bounds beyond this are almost certainly typos and would make messages unreadable.
MAX_BOUND = 1_000_000_000
# Shared with DRF so that API clients can treat schema and serializer errors alike.
NON_FIELD_ERRORS = "non_field_errors"

REQUIRED_MESSAGE = "This field is required."
UNKNOWN_FIELD_MESSAGE = "Unknown field."
INVALID_NUMBER_MESSAGE = "A valid number is required."
WHOLE_NUMBER_MESSAGE = "Must be a whole number."
INVALID_STRING_MESSAGE = "Not a valid string."
NULL_CHARACTER_MESSAGE = "Null characters are not allowed."
INVALID_BOOLEAN_MESSAGE = "Must be a valid boolean."
INVALID_DATE_MESSAGE = "Enter a valid date in YYYY-MM-DD format."

_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
# ASCII-only on purpose: Python's int()/float() accept other scripts' digits and
# underscores, which we do not want to silently reinterpret.
_INTEGER_PATTERN = re.compile(r"[+-]?[0-9]+")
_DECIMAL_PATTERN = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_MAX_NUMERIC_STRING_LENGTH = 50

_COMMON_KEYS = frozenset({"name", "label", "type", "required", "help"})
_TYPE_KEYS: dict[str, frozenset[str]] = {
    "text": frozenset({"max_length", "risk_screen"}),
    "long_text": frozenset({"max_length", "risk_screen"}),
    "number": frozenset({"min", "max", "step"}),
    "scale": frozenset({"min", "max", "step"}),
    "choice": frozenset({"choices"}),
    "multi_choice": frozenset({"choices"}),
    "checkbox": frozenset(),
    "date": frozenset(),
}


class FieldSpec(TypedDict, total=False):
    """One input on a homework form; optional keys fall back to documented defaults."""

    name: Required[str]
    label: Required[str]
    type: Required[FieldType]
    required: bool  # default False; for checkboxes "present", not "ticked"
    help: str
    min: int | float  # number (optional), scale (mandatory)
    max: int | float
    step: int | float  # scale default 1; number default: any value
    choices: list[str]  # choice / multi_choice
    max_length: int  # text default 500, long_text default 10000
    risk_screen: bool  # text / long_text, default True


class SchemaError(TypedDict):
    field: str | int  # field name when usable, else its index, else "non_field_errors"
    code: str
    message: str


class InvalidSchemaError(ValueError):
    """Raised by ``schema_for`` when a template's stored schema does not validate."""

    def __init__(self, errors: list[SchemaError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{error['field']}: {error['message']}" for error in errors))


class _InvalidValue(Exception):
    def __init__(self, *messages: str) -> None:
        self.messages = list(messages)


# ---------------------------------------------------------------------------
# Small helpers shared by schema and response validation


def _is_number(value: object) -> bool:
    # bool is an int subclass; a ticked box must never pass as the number 1.
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def _is_integral(value: float) -> bool:
    return isinstance(value, int) or value.is_integer()


def _format_number(value: float) -> str:
    # Bounds stored as 100.0 should still read "100" in messages.
    return str(int(value)) if _is_integral(value) else repr(value)


def effective_step(field: FieldSpec) -> int | float | None:
    """The step a number/scale field enforces; scales are whole points unless stated."""
    if "step" in field:
        return field["step"]
    return 1 if field["type"] == "scale" else None


def effective_max_length(field: FieldSpec) -> int:
    return field.get("max_length", DEFAULT_MAX_LENGTH[field["type"]])


def is_risk_screened(field: FieldSpec) -> bool:
    """Free text the client writes is screened unless the therapist opted the field out."""
    return field["type"] in FREE_TEXT_TYPES and field.get("risk_screen", True)


def _range_message(low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"Must be between {_format_number(low)} and {_format_number(high)}."
    if low is not None:
        return f"Must be at least {_format_number(low)}."
    return f"Must be at most {_format_number(high)}."  # type: ignore[arg-type]


def _shown(value: object) -> str:
    # Echo the rejected value back, but keep messages short if a client sends an essay.
    text = str(value)
    return text if len(text) <= 50 else text[:47] + "..."


# ---------------------------------------------------------------------------
# Schema validation (therapist-defined worksheets and checklists)

# One catalogue keeps the wording consistent and the validators readable.
_SCHEMA_MESSAGES: dict[str, str] = {
    "not_a_list": "The schema must be a list of fields.",
    "empty": "Add at least one field.",
    "too_many_fields": f"A form can have at most {MAX_FIELDS} fields.",
    "not_an_object": "Each field must be an object.",
    "invalid_name": "Name must be a lowercase slug: a letter, then letters, digits or "
    f"underscores (at most {MAX_NAME_LENGTH} characters).",
    "reserved_name": '"{name}" is reserved.',
    "duplicate_name": 'The name "{name}" is already used by another field.',
    "invalid_label": f"Label must be non-empty text of at most {MAX_LABEL_LENGTH} characters.",
    "invalid_help": f"Help must be text of at most {MAX_HELP_LENGTH} characters.",
    "invalid_required": '"required" must be true or false.',
    "invalid_type": f"Type must be one of: {', '.join(FIELD_TYPES)}.",
    "unexpected_key": '"{key}" is not allowed on a {field_type} field.',
    "missing_bound": 'A scale needs a "{key}".',
    "invalid_bound": f'"{{key}}" must be a number from -{MAX_BOUND} to {MAX_BOUND}.',
    "invalid_range": '"min" must be less than "max".',
    "invalid_step": '"step" must be a positive number.',
    "step_too_large": '"step" must not be larger than the range.',
    "fractional_bounds": "Whole-number steps (the default for scales) need whole-number bounds.",
    "uneven_step": "The range must divide evenly into steps.",
    "invalid_choices": f"Choices must be a list of 1 to {MAX_CHOICES} non-empty "
    f"texts of at most {MAX_CHOICE_LENGTH} characters without surrounding spaces.",
    "duplicate_choice": "Choices must be unique (ignoring case).",
    "invalid_max_length": '"max_length" must be a whole number from 1 to {ceiling}.',
    "invalid_risk_screen": '"risk_screen" must be true or false.',
    "not_a_checkbox": "Checklist items must be checkboxes.",
}


def _error(field: str | int, code: str, **details: object) -> SchemaError:
    return {
        "field": field,
        "code": code,
        "message": _SCHEMA_MESSAGES[code].format(**details),
    }


def validate_field_schema(fields: object) -> list[SchemaError]:
    """Check a therapist-defined schema; an empty list means it is usable."""
    if not isinstance(fields, list):
        return [_error(NON_FIELD_ERRORS, "not_a_list")]
    if not fields:
        return [_error(NON_FIELD_ERRORS, "empty")]
    if len(fields) > MAX_FIELDS:
        return [_error(NON_FIELD_ERRORS, "too_many_fields")]
    errors: list[SchemaError] = []
    seen_names: set[str] = set()
    for index, field in enumerate(fields):
        errors.extend(_validate_field(index, field, seen_names))
    return errors


def _validate_field(index: int, field: object, seen_names: set[str]) -> list[SchemaError]:
    if not isinstance(field, dict):
        return [_error(index, "not_an_object")]
    errors: list[SchemaError] = []
    # Errors are reported against the name when it identifies this field
    # unambiguously, otherwise against the position in the list.
    reference: str | int = index
    name = field.get("name")
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH or not _NAME_PATTERN.fullmatch(name):
        errors.append(_error(index, "invalid_name"))
    elif name == NON_FIELD_ERRORS:
        errors.append(_error(index, "reserved_name", name=name))
    elif name in seen_names:
        errors.append(_error(index, "duplicate_name", name=name))
    else:
        seen_names.add(name)
        reference = name

    label = field.get("label")
    if not isinstance(label, str) or not label.strip() or len(label) > MAX_LABEL_LENGTH:
        errors.append(_error(reference, "invalid_label"))
    help_text = field.get("help", "")
    if not isinstance(help_text, str) or len(help_text) > MAX_HELP_LENGTH:
        errors.append(_error(reference, "invalid_help"))
    if not isinstance(field.get("required", False), bool):
        errors.append(_error(reference, "invalid_required"))

    field_type = field.get("type")
    if field_type not in FIELD_TYPES:
        errors.append(_error(reference, "invalid_type"))
        return errors  # the remaining checks depend on the type
    # Rejecting stray keys catches typos such as "requried" that would otherwise
    # silently change behaviour.
    for key in sorted(set(field) - _COMMON_KEYS - _TYPE_KEYS[field_type], key=str):
        errors.append(_error(reference, "unexpected_key", key=key, field_type=field_type))
    if field_type in ("number", "scale"):
        errors.extend(_validate_numeric_field(reference, field))
    elif field_type in ("choice", "multi_choice"):
        errors.extend(_validate_choices(reference, field.get("choices")))
    elif field_type in FREE_TEXT_TYPES:
        ceiling = DEFAULT_MAX_LENGTH[field_type]
        limit = field.get("max_length", ceiling)
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= ceiling:
            errors.append(_error(reference, "invalid_max_length", ceiling=ceiling))
        if not isinstance(field.get("risk_screen", True), bool):
            errors.append(_error(reference, "invalid_risk_screen"))
    return errors


def _validate_numeric_field(reference: str | int, field: dict[str, Any]) -> list[SchemaError]:
    errors: list[SchemaError] = []
    bounds: dict[str, int | float] = {}
    for key in ("min", "max"):
        if key not in field:
            if field["type"] == "scale":
                errors.append(_error(reference, "missing_bound", key=key))
        elif not _is_number(field[key]) or abs(field[key]) > MAX_BOUND:
            errors.append(_error(reference, "invalid_bound", key=key))
        else:
            bounds[key] = field[key]
    low, high = bounds.get("min"), bounds.get("max")
    if low is not None and high is not None and low >= high:
        return [*errors, _error(reference, "invalid_range")]
    if "step" in field and (not _is_number(field["step"]) or field["step"] <= 0):
        return [*errors, _error(reference, "invalid_step")]
    step = effective_step(field)  # type: ignore[arg-type]
    if step is None:
        return errors
    if low is not None and high is not None and step > high - low:
        errors.append(_error(reference, "step_too_large"))
    elif _is_integral(step):
        if not all(_is_integral(bound) for bound in bounds.values()):
            errors.append(_error(reference, "fractional_bounds"))
        elif low is not None and high is not None and (high - low) % step:
            errors.append(_error(reference, "uneven_step"))
    return errors


def _validate_choices(reference: str | int, choices: object) -> list[SchemaError]:
    if (
        not isinstance(choices, list)
        or not 1 <= len(choices) <= MAX_CHOICES
        or not all(
            isinstance(choice, str) and choice.strip() == choice and 1 <= len(choice) <= MAX_CHOICE_LENGTH
            for choice in choices
        )
    ):
        return [_error(reference, "invalid_choices")]
    # Case-insensitive, because "Work" and "work" would look like the same option.
    folded = [choice.casefold() for choice in choices]
    if len(set(folded)) != len(folded):
        return [_error(reference, "duplicate_choice")]
    return []


# ---------------------------------------------------------------------------
# Response validation (client submissions and drafts)


def _clean_text(field: FieldSpec, value: object) -> str:
    if not isinstance(value, str):
        raise _InvalidValue(INVALID_STRING_MESSAGE)
    if "\x00" in value:
        raise _InvalidValue(NULL_CHARACTER_MESSAGE)
    # Normalise line endings so the length limit counts what the client sees.
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    limit = effective_max_length(field)
    if len(text) > limit:
        raise _InvalidValue(f"Ensure this field has no more than {limit} characters.")
    return text


def _coerce_number(value: object) -> int | float:
    if isinstance(value, bool):
        raise _InvalidValue(INVALID_NUMBER_MESSAGE)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _InvalidValue(INVALID_NUMBER_MESSAGE)
        return value
    # Form posts and some mobile clients send numbers as strings.
    if isinstance(value, str) and len(value) <= _MAX_NUMERIC_STRING_LENGTH:
        if _INTEGER_PATTERN.fullmatch(value):
            return int(value)
        if _DECIMAL_PATTERN.fullmatch(value):
            number = float(value)
            if math.isfinite(number):
                return number
    raise _InvalidValue(INVALID_NUMBER_MESSAGE)


def _clean_number(field: FieldSpec, value: object) -> int | float:
    number = _coerce_number(value)
    low, high = field.get("min"), field.get("max")
    # Out-of-range values are rejected rather than clamped: a clamped rating
    # would misrepresent what the client actually reported.
    if (low is not None and number < low) or (high is not None and number > high):
        raise _InvalidValue(_range_message(low, high))
    step = effective_step(field)
    if step is None or not _is_integral(step):
        return number
    if not _is_integral(number):
        raise _InvalidValue(WHOLE_NUMBER_MESSAGE)
    number = int(number)
    base = int(low) if low is not None else 0
    if (number - base) % int(step):
        if base == 0:
            raise _InvalidValue(f"Must be a multiple of {_format_number(step)}.")
        raise _InvalidValue(f"Must be in steps of {_format_number(step)} from {base}.")
    return number


def _clean_choice(field: FieldSpec, value: object) -> str:
    if not isinstance(value, str) or value not in field["choices"]:
        raise _InvalidValue(f'"{_shown(value)}" is not a valid choice.')
    return value


def _clean_multi_choice(field: FieldSpec, value: object) -> list[str]:
    if not isinstance(value, list):
        raise _InvalidValue(f'Expected a list of items but got type "{type(value).__name__}".')
    selected: list[str] = []
    messages: list[str] = []
    for item in value:
        choice = item.strip() if isinstance(item, str) else item
        if not isinstance(choice, str) or choice not in field["choices"]:
            message = f'"{_shown(choice)}" is not a valid choice.'
            if message not in messages:
                messages.append(message)
        elif choice not in selected:  # a double tap should not count twice
            selected.append(choice)
    if messages:
        raise _InvalidValue(*messages)
    return selected


def _clean_checkbox(field: FieldSpec, value: object) -> bool:
    # Only real booleans: "false" as a string is truthy and would invert meaning.
    if not isinstance(value, bool):
        raise _InvalidValue(INVALID_BOOLEAN_MESSAGE)
    return value


def _clean_date(field: FieldSpec, value: object) -> str:
    # fromisoformat alone accepts forms like "20240101"; the pattern pins the format.
    if not isinstance(value, str) or not _DATE_PATTERN.fullmatch(value):
        raise _InvalidValue(INVALID_DATE_MESSAGE)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise _InvalidValue(INVALID_DATE_MESSAGE) from None
    if not date_in_supported_range(parsed):
        raise _InvalidValue(DATE_RANGE_MESSAGE)
    return parsed.isoformat()


_CLEANERS = {
    "text": _clean_text,
    "long_text": _clean_text,
    "number": _clean_number,
    "scale": _clean_number,
    "choice": _clean_choice,
    "multi_choice": _clean_multi_choice,
    "checkbox": _clean_checkbox,
    "date": _clean_date,
}


def _is_blank(field: FieldSpec, value: object) -> bool:
    if value is None or value == "":
        return True
    return field["type"] == "multi_choice" and value == []


def validate_responses(
    fields: list[FieldSpec], responses: object, *, partial: bool = False
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate a submission's ``responses`` against an already-valid schema.

    Returns ``(cleaned, errors)``. ``cleaned`` holds normalised values for the
    fields that are valid and non-blank (blank answers are omitted so that a
    cleared draft field really is cleared). ``errors`` maps field names to
    messages. With ``partial=True`` (drafts) missing required fields are allowed
    but every value that is present must still be valid.
    """
    if not isinstance(responses, dict):
        return {}, {NON_FIELD_ERRORS: [f"Invalid data. Expected a dictionary, but got {type(responses).__name__}."]}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    known_names = {field["name"] for field in fields}
    for key in responses:
        if key not in known_names:
            errors[str(key)] = [UNKNOWN_FIELD_MESSAGE]
    for field in fields:
        name = field["name"]
        value = responses.get(name)
        if isinstance(value, str):
            value = value.strip()
        if _is_blank(field, value):
            if field.get("required", False) and not partial:
                errors[name] = [REQUIRED_MESSAGE]
            continue
        try:
            cleaned[name] = _CLEANERS[field["type"]](field, value)
        except _InvalidValue as invalid:
            errors[name] = invalid.messages
    return cleaned, errors


def is_complete(fields: list[FieldSpec], responses: object) -> bool:
    """True when the responses would be accepted as a final (non-draft) submission."""
    return not validate_responses(fields, responses)[1]


def free_text_of(fields: list[FieldSpec], responses: object) -> list[tuple[str, str]]:
    """Every non-blank risk-screened free-text answer, in schema order, for the risk screener."""
    if not isinstance(responses, dict):
        return []
    found: list[tuple[str, str]] = []
    for field in fields:
        value = responses.get(field["name"])
        if is_risk_screened(field) and isinstance(value, str) and value.strip():
            found.append((field["name"], value.strip()))
    return found


# ---------------------------------------------------------------------------
# Built-in kinds


def _field(name: str, label: str, field_type: FieldType, **options: Any) -> FieldSpec:
    spec: FieldSpec = {"name": name, "label": label, "type": field_type}
    spec.update(options)  # type: ignore[typeddict-item]
    spec.setdefault("required", False)
    return spec


def _rating(name: str, label: str, high: int, **options: Any) -> FieldSpec:
    return _field(name, label, "scale", min=0, max=high, step=1, **options)


KIND_SCHEMAS: dict[str, list[FieldSpec]] = {
    "thought_record": [
        _field("situation", "Situation", "long_text", required=True,
               help="Where were you, who were you with, what was happening?"),
        _field("automatic_thought", "Automatic thought", "long_text", required=True,
               help="What went through your mind just before you noticed the feeling?"),
        _field("emotion", "Emotion", "text", required=True, max_length=200,
               help="For example: anxious, sad, angry, ashamed."),
        _rating("emotion_intensity", "How strong was the emotion? (0-100)", 100, required=True),
        _field("evidence_for", "Evidence that supports the thought", "long_text"),
        _field("evidence_against", "Evidence that does not support the thought", "long_text"),
        _field("balanced_thought", "Balanced or alternative thought", "long_text"),
        _rating("rerated_intensity", "How strong is the emotion now? (0-100)", 100),
    ],
    "activity_log": [
        _field("date", "Date", "date"),
        _field("activity", "Activity", "text", required=True),
        _field("planned", "I planned this in advance", "checkbox"),
        _field("done", "I did this activity", "checkbox"),
        _rating("mastery", "Sense of achievement (0-10)", 10),
        _rating("pleasure", "Enjoyment (0-10)", 10),
        _field("notes", "Notes", "long_text"),
    ],
    "exposure_log": [
        _field("situation", "What did you face?", "long_text", required=True),
        _rating("suds_before", "Distress before (0-100)", 100, required=True),
        _rating("suds_peak", "Highest distress during (0-100)", 100, required=True),
        _rating("suds_after", "Distress at the end (0-100)", 100, required=True),
        _field("duration_minutes", "How long did you stay? (minutes)", "number",
               min=0, max=600, step=1),
        _field("safety_behaviours", "Anything you did to feel safer", "long_text"),
        _field("learning", "What did you learn?", "long_text"),
    ],
    "journal": [
        # The prompt itself comes from the template's instructions.
        _field("entry", "Your entry", "long_text", required=True),
    ],
}  # fmt: skip


def _slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower(), flags=re.ASCII).strip("_")[:40].rstrip("_")
    return slug if slug[:1].isalpha() else f"item_{slug}".rstrip("_")


def checklist_schema(items: list[str]) -> list[FieldSpec]:
    """Build a checklist schema: one optional checkbox per item, named from its text."""
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_FIELDS:
        raise ValueError(f"A checklist needs between 1 and {MAX_FIELDS} items.")
    fields: list[FieldSpec] = []
    used: set[str] = set()
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError("Checklist items must be non-empty text.")
        label = item.strip()
        if len(label) > MAX_LABEL_LENGTH:
            raise ValueError(f"Checklist items must be at most {MAX_LABEL_LENGTH} characters.")
        base = _slugify(label)
        name, suffix = base, 2
        while name in used:
            name, suffix = f"{base}_{suffix}", suffix + 1
        used.add(name)
        fields.append(_field(name, label, "checkbox"))
    return fields


def schema_for(kind: str, template_fields: list[FieldSpec] | None = None) -> list[FieldSpec]:
    """The schema a submission for a template of ``kind`` is validated against.

    Fixed kinds ignore ``template_fields`` so stored data can never diverge from
    the canonical shape; worksheets and checklists validate theirs and raise
    ``InvalidSchemaError`` if it is unusable. A fresh copy is returned each time
    so callers may mutate it freely.
    """
    if kind in KIND_SCHEMAS:
        return copy.deepcopy(KIND_SCHEMAS[kind])
    if kind not in KINDS:
        raise ValueError(f"Unknown homework kind {kind!r}.")
    errors = validate_field_schema(template_fields)
    if kind == "checklist" and not errors:
        errors = [
            _error(field["name"], "not_a_checkbox") for field in template_fields or [] if field["type"] != "checkbox"
        ]
    if errors:
        raise InvalidSchemaError(errors)
    return copy.deepcopy(template_fields or [])  # a non-empty list: validated above

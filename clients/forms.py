"""Portal forms: homework and questionnaire rendering/parsing, invite acceptance, reminders.

Homework and questionnaires are data-driven (a field schema, an instrument definition), so
they are turned into plain "widget" dicts for the templates instead of Django form classes.
Validation stays in the services (sessions.homework_schema through submission_save, and
clients.scoring through assessment_record); this module only reads what the browser sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms

from clients.services.portal import REMINDER_CHANNELS
from sessions.homework_schema import effective_max_length, effective_step

# A scale with more points than this is offered in even jumps (0, 10, ... 100): a row of
# 101 radio buttons cannot be used on a phone, and every offered point is a valid answer.
MAX_SCALE_POINTS = 11


# ---------------------------------------------------------------------------
# Homework


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def scale_points(spec: dict[str, Any], current: object = None) -> list[str]:
    """The values offered as radio buttons, as strings; [] means use a number input instead."""
    low, high = spec.get("min"), spec.get("max")
    step = effective_step(spec)  # type: ignore[arg-type]
    if low is None or high is None or not step or not float(step).is_integer():
        return []
    low, high, step = int(low), int(high), int(step)
    span = high - low
    jump = step
    # The smallest multiple of the step that divides the range into at most 10 jumps.
    while span // jump + 1 > MAX_SCALE_POINTS or span % jump:
        jump += step
        if jump > span:
            return []
    if span // step + 1 > MAX_SCALE_POINTS and span // jump + 1 < 5:
        return []  # only an awkward split exists (e.g. 0-13): a number box reads better
    points = [str(value) for value in range(low, high + 1, jump)]
    # A value saved from elsewhere (the API allows any step) must still show as chosen.
    if current not in (None, "") and str(current) not in points:
        points.append(str(current))
        points.sort(key=lambda text: float(text) if _is_numeric(text) else 0.0)
    return points


def _is_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def homework_widgets(schema: list[dict], values: dict[str, Any], errors: dict[str, list[str]]) -> list[dict]:
    """One dict per field with everything the template needs to draw and label it."""
    widgets = []
    for spec in schema:
        name = spec["name"]
        value = values.get(name)
        widget: dict[str, Any] = {
            "name": name,
            "id": f"field-{name}",
            "label": spec["label"],
            "type": spec["type"],
            "required": bool(spec.get("required")),
            "help": spec.get("help", ""),
            "errors": errors.get(name, []),
            "value": "" if value is None else value,
        }
        # Hints and errors are announced with the input they belong to.
        described = ([f"field-{name}-help"] if widget["help"] else []) + (
            [f"field-{name}-error"] if widget["errors"] else []
        )
        widget["describedby"] = " ".join(described)
        if spec["type"] in ("text", "long_text"):
            widget["max_length"] = effective_max_length(spec)  # type: ignore[arg-type]
        elif spec["type"] in ("number", "scale"):
            widget["min"] = spec.get("min")
            widget["max"] = spec.get("max")
            step = effective_step(spec)  # type: ignore[arg-type]
            widget["step"] = _number_text(step) if step else "any"
            widget["points"] = scale_points(spec, value) if spec["type"] == "scale" else []
            # Stored numbers are shown tidily; what the client typed is echoed back as typed.
            widget["value"] = _number_text(value) if isinstance(value, int | float) else widget["value"]
        elif spec["type"] in ("choice", "multi_choice"):
            chosen = value if isinstance(value, list) else [value]
            widget["choices"] = [
                {"value": choice, "id": f"field-{name}-{index}", "checked": choice in chosen}
                for index, choice in enumerate(spec.get("choices", []))
            ]
        elif spec["type"] == "checkbox":
            widget["checked"] = value is True
        grouped = spec["type"] in ("choice", "multi_choice") or (spec["type"] == "scale" and widget["points"])
        # Where the error summary links to: the first option of a group, else the input.
        widget["anchor"] = f"{widget['id']}-0" if grouped else widget["id"]
        widgets.append(widget)
    return widgets


def homework_responses_from_post(schema: list[dict], post) -> dict[str, Any]:
    """What the client typed, shaped for validate_responses (which coerces number strings)."""
    responses: dict[str, Any] = {}
    for spec in schema:
        name = spec["name"]
        if spec["type"] == "multi_choice":
            responses[name] = post.getlist(name)
        elif spec["type"] == "checkbox":
            # An unticked box sends nothing; for a draft or a submission that means "no".
            responses[name] = post.get(name) == "on"
        else:
            value = post.get(name)
            if value is not None:
                responses[name] = value
    return responses


def answers_for_display(schema: list[dict], responses: dict) -> list[dict]:
    """A finished submission as (label, readable value) pairs, in form order."""
    shown = []
    for spec in schema:
        value = responses.get(spec["name"])
        if value in (None, "", []):
            continue
        if spec["type"] == "checkbox":
            value = "Yes" if value else "No"
        elif isinstance(value, list):
            value = ", ".join(value)
        shown.append({"label": spec["label"], "value": value})
    return shown


# ---------------------------------------------------------------------------
# Questionnaires

CSSRS_FORMAT = "cssrs_object"
YES, NO = "yes", "no"


@dataclass
class ParsedAnswers:
    answers: Any
    difficulty: int | None
    unanswered: list[int] = field(default_factory=list)  # 1-based item numbers


def _item_key(definition: dict, item: dict) -> str:
    return item.get("key") or f"item{item['number']}"


def questionnaire_widgets(definition: dict, post=None, errors: dict[int, str] | None = None) -> list[dict]:
    """Every item with its options (radio buttons), plus PHQ-9's difficulty item when present."""
    errors = errors or {}
    is_cssrs = definition.get("answer_format") == CSSRS_FORMAT
    options = (
        [{"value": YES, "label": "Yes"}, {"value": NO, "label": "No"}]
        if is_cssrs
        else [{"value": str(option["value"]), "label": option["label"]} for option in definition.get("options", [])]
    )
    widgets = []
    for item in definition.get("items", []):
        key = _item_key(definition, item)
        chosen = post.get(key) if post is not None else None
        widgets.append(
            {
                "key": key,
                "number": item["number"],
                "text": item["text"],
                "error": errors.get(item["number"], ""),
                "options": [
                    {**option, "id": f"{key}-{index}", "checked": chosen == option["value"]}
                    for index, option in enumerate(options)
                ],
            }
        )
    difficulty = definition.get("difficulty")
    if difficulty:
        chosen = post.get("difficulty") if post is not None else None
        widgets.append(
            {
                "key": "difficulty",
                "number": difficulty.get("number"),
                "text": difficulty["text"],
                "optional": True,
                "error": "",
                "options": [
                    {
                        "value": str(option["value"]),
                        "label": option["label"],
                        "id": f"difficulty-{index}",
                        "checked": chosen == str(option["value"]),
                    }
                    for index, option in enumerate(difficulty.get("options", []))
                ],
            }
        )
    return widgets


def questionnaire_answers_from_post(definition: dict, post) -> ParsedAnswers:
    """Raw answers in the instrument's format; an unanswered item is None, never 0."""
    items = definition.get("items", [])
    unanswered: list[int] = []
    if definition.get("answer_format") == CSSRS_FORMAT:
        answers: Any = {}
        for item in items:
            raw = post.get(_item_key(definition, item))
            answers[item["key"]] = True if raw == YES else False if raw == NO else None
            if answers[item["key"]] is None:
                unanswered.append(item["number"])
    else:
        allowed = {str(option["value"]): option["value"] for option in definition.get("options", [])}
        answers = []
        for item in items:
            raw = post.get(_item_key(definition, item))
            # Anything not on the form's option list is sent as-is so scoring rejects it
            # (never clamped, never guessed).
            value = allowed.get(raw, raw) if raw not in (None, "") else None
            answers.append(value)
            if value is None:
                unanswered.append(item["number"])
    difficulty = None
    spec = definition.get("difficulty")
    raw_difficulty = post.get("difficulty")
    if spec and raw_difficulty not in (None, ""):
        values = {str(option["value"]): option["value"] for option in spec.get("options", [])}
        difficulty = values.get(raw_difficulty)
    return ParsedAnswers(answers=answers, difficulty=difficulty, unanswered=unanswered)


# ---------------------------------------------------------------------------
# Invite acceptance and reminder settings


class AcceptInviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="You will sign in with this address.",
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters. A short sentence is easy to remember.",
    )
    password_confirm = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, needs_email: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if needs_email:
            self.fields["email"].required = True
        else:
            del self.fields["email"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_confirm"):
            self.add_error("password_confirm", "The two passwords do not match.")
        return cleaned


def _hour_label(hour: int) -> str:
    if hour == 0:
        return "Midnight"
    if hour == 12:
        return "Noon"
    return f"{hour % 12} {'am' if hour < 12 else 'pm'}"


HOUR_CHOICES = [(hour, _hour_label(hour)) for hour in range(24)]
CHANNEL_LABELS = {"email": "Email", "none": "Don't send reminders"}


class ReminderPreferencesForm(forms.Form):
    enabled = forms.BooleanField(label="Send me reminders about homework", required=False)
    hour = forms.TypedChoiceField(label="What time?", choices=HOUR_CHOICES, coerce=int)
    channel = forms.ChoiceField(
        label="How?", choices=[(channel, CHANNEL_LABELS[channel]) for channel in REMINDER_CHANNELS]
    )


# ---------------------------------------------------------------------------
# Crisis resources

SAFE_LINK_SCHEMES = ("tel:", "sms:", "https:", "http:", "mailto:")


def safe_resources(resources) -> list[dict]:
    """Crisis resources as configured, dropping any link that is not a phone, text or web link."""
    shown = []
    for resource in resources or []:
        if not isinstance(resource, dict):
            continue
        href = str(resource.get("href") or "")
        shown.append(
            {
                "label": str(resource.get("label") or ""),
                "detail": str(resource.get("detail") or ""),
                "href": href if href.lower().startswith(SAFE_LINK_SCHEMES) else "",
            }
        )
    return shown

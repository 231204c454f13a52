"""Where each source goes: a category for every bullet and fact, a section for every category.

Bullets are classified by an explicit prefix the therapist may type ("S:", "O:", "A:", "P:",
"plan:", "intervention:", ...) or else by their first words (a reporting verb -> subjective, an
intervention verb -> intervention, "plan"/"next"/"will" -> plan, ...). Facts have fixed
categories. Each format maps categories to its sections; a practice template's sections are
matched by the words of their key, heading and prompt, falling back to the first section.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADINGS = {
    "subjective": "Subjective",
    "objective": "Objective",
    "assessment": "Assessment",
    "plan": "Plan",
    "data": "Data",
    "behavior": "Behavior",
    "intervention": "Intervention",
    "response": "Response",
    "text": "Note",
}

CATEGORIES = (
    "subjective",
    "observation",
    "intervention",
    "response",
    "assessment",
    "risk",
    "plan",
    "attendance",
    "homework",
    "mood",
    "measure",
)

FORMAT_MAP: dict[str, dict[str, str]] = {
    "soap": {
        "subjective": "subjective",
        "mood": "subjective",
        "observation": "objective",
        "attendance": "objective",
        "measure": "objective",
        "homework": "objective",
        "intervention": "objective",
        "response": "objective",
        "assessment": "assessment",
        "risk": "assessment",
        "plan": "plan",
    },
    "dap": {
        **dict.fromkeys(
            ("subjective", "mood", "observation", "attendance", "measure", "homework", "intervention", "response"),
            "data",
        ),
        "assessment": "assessment",
        "risk": "assessment",
        "plan": "plan",
    },
    "birp": {
        **dict.fromkeys(("subjective", "mood", "observation", "attendance", "measure", "homework", "risk"), "behavior"),
        "intervention": "intervention",
        "response": "response",
        "assessment": "response",
        "plan": "plan",
    },
}

# Words in a template section's key/heading/prompt that claim a category (first match wins).
TEMPLATE_HINTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("risk", ("risk", "safety")),
    ("plan", ("plan", "next", "homework", "follow")),
    ("intervention", ("intervention", "technique", "treatment provided", "did in session")),
    ("response", ("response", "progress")),
    ("assessment", ("assessment", "impression", "formulation")),
    ("measure", ("measure", "score", "outcome", "questionnaire")),
    ("attendance", ("attendance", "session")),
    ("observation", ("observ", "objective", "mental status", "presentation")),
    ("subjective", ("subjective", "presenting", "reports", "concern", "content", "summary", "data")),
)
FALLBACK = {
    "mood": "subjective",
    "homework": "plan",
    "measure": "assessment",
    "attendance": "observation",
    "risk": "assessment",
    "response": "assessment",
    "intervention": "subjective",
    "observation": "subjective",
}


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    prompt: str = ""


def section_of(category: str, layout: list[Section], format: str) -> str:
    """The key of the section a category belongs in, for this format or template layout."""
    keys = [section.key for section in layout]
    mapped = FORMAT_MAP.get(format, {}).get(category)
    if mapped in keys:
        return mapped
    if len(keys) == 1:
        return keys[0]
    seen: set[str] = set()
    wanted = category
    while wanted not in seen:
        seen.add(wanted)
        for section in layout:
            words = f"{section.key} {section.heading} {section.prompt}".lower().replace("_", " ")
            hints = dict(TEMPLATE_HINTS).get(wanted, ())
            if any(hint in words for hint in hints):
                return section.key
        wanted = FALLBACK.get(wanted, wanted)
    return keys[0]


_PREFIXES: tuple[tuple[str, str], ...] = (
    (r"s|subjective|reports?|client says", "subjective"),
    (r"o|objective|obs|observed|observation|mse", "observation"),
    (r"i|intervention|int|interventions", "intervention"),
    (r"r|response", "response"),
    (r"a|assessment|impression", "assessment"),
    (r"risk|safety", "risk"),
    (r"p|plan|next|hw|homework", "plan"),
    (r"b|behaviou?r|d|data", "subjective"),
)
_PREFIX = re.compile(r"^\s*([a-z ]{1,14})\s*:\s*", re.IGNORECASE)

_SUBJECTIVE_START = re.compile(
    r"^(client |pt |patient )?(reports?|reported|states?|stated|says|said|describes?|described|endorses?|endorsed|"
    r"denies|denied|shares?|shared|feels?|felt|notes?|noted|expresse[sd]|complains?|mentions?|mentioned|"
    r"identifie[sd]|discussed|talked|wants?|worried|worries)\b",
    re.IGNORECASE,
)
_OBSERVATION_START = re.compile(
    r"^(client |pt |patient )?(appeared|appears|presented|presents|was |seemed|seems|observed|affect|mood appeared|"
    r"tearful|calm|guarded|engaged|arrived|on time|late)\b",
    re.IGNORECASE,
)
_INTERVENTION_START = re.compile(
    r"^(reviewed|practi[sc]ed|introduced|taught|explored|used|provided|completed|role[- ]?played|modelled|modeled|"
    r"facilitated|identified|mapped|problem[- ]solved|"
    r"psychoeducation|cbt|dbt|act|emdr|mi|motivational|socratic|cognitive|behavio(u)?ral activation|exposure|"
    r"relaxation|grounding|breathing|validated|processed|challenged|worked on|did|began|started|set up|"
    r"safety plan(ning)? reviewed|updated)\b",
    re.IGNORECASE,
)
_RESPONSE_START = re.compile(
    r"^(client |pt |patient )?(responded|receptive|engaged|agreed|was able|able to|struggled|resistant|"
    r"open to|motivated|understood|demonstrated|participated)\b",
    re.IGNORECASE,
)
_PLAN_START = re.compile(
    r"^(plan|next|will|to |continue|follow[- ]?up|f/u|schedule|refer|homework|hw|assign|review .* next|"
    r"return|rtc|see again|book)\b",
    re.IGNORECASE,
)
_ASSESSMENT_START = re.compile(
    r"^(progress|improv|worsen|consistent with|likely|impression|symptoms|presentation is|goal|meeting|"
    r"making progress|no progress|partial)\w*",
    re.IGNORECASE,
)
_RISK_WORDS = re.compile(r"\b(si|suicid\w*|self[- ]harm|hi\b|homicid\w*|safety plan|risk)\b", re.IGNORECASE)


def split_prefix(text: str) -> tuple[str | None, str]:
    """An explicit "P: ..." style prefix: (category, the rest), else (None, text)."""
    found = _PREFIX.match(text)
    if found:
        word = found.group(1).strip().lower()
        for pattern, category in _PREFIXES:
            if re.fullmatch(pattern, word):
                return category, text[found.end() :].strip()
    return None, text


def classify_bullet(text: str) -> tuple[str, str]:
    """(category, text without an explicit prefix)."""
    category, rest = split_prefix(text)
    if category:
        return category, rest
    if _PLAN_START.match(rest):
        return "plan", rest
    if _INTERVENTION_START.match(rest):
        return "intervention", rest
    if _RISK_WORDS.search(rest):
        return "risk", rest
    if _RESPONSE_START.match(rest):
        return "response", rest
    if _OBSERVATION_START.match(rest):
        return "observation", rest
    if _ASSESSMENT_START.match(rest):
        return "assessment", rest
    return "subjective", rest


FACT_CATEGORY = {
    "attendance": "attendance",
    "homework_done": "homework",
    "homework_missed": "homework",
    "checkins": "mood",
    "measure": "measure",
    "alert": "risk",
}

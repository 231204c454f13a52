"""The words a clinician reads for Alliance's stored codes: one place for every label.

Pure Python (no Django imports), so templates (the ``label`` filter in
``practice/templatetags/labels.py``), PDF/CSV builders, AI reason sentences and tests share it.
Stored values and API field values never change: these are display words only.

``label(group, code)`` answers the clinician's word for ``code`` in ``group``, falling back to a
humanised code ("late_cancelled" -> "Late cancelled") so a new code never shows as raw snake case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

ARROW = "→"

INSTRUMENTS: Mapping[str, str] = {
    "phq9": "PHQ-9",
    "gad7": "GAD-7",
    "phq4": "PHQ-4",
    "pcl5": "PCL-5",
    "wai_sr": "WAI-SR",
    "cssrs_screener": "C-SSRS screener",
    "cssrs": "C-SSRS screener",
}

# Severity bands (CLINICAL.md codes) in words.
SEVERITY_BANDS: Mapping[str, str] = {
    "none": "none",
    "minimal": "minimal",
    "mild": "mild",
    "moderate": "moderate",
    "moderately_severe": "moderately severe",
    "severe": "severe",
    "low": "low",
    "high": "high",
}

ALERT_KINDS: Mapping[str, str] = {
    "risk_language": "Worrying language in the client's writing",
    "phq9_item9": "PHQ-9 item 9 (thoughts of self-harm) answered above 0",
    "cssrs": "C-SSRS screener showed suicide risk",
    "measure_flag": "A questionnaire answer needs review",
    "not_on_track": "Not on track (outcome measures)",
    "alliance_drop": "Working alliance dropped (WAI-SR)",
}

ALERT_SEVERITIES: Mapping[str, str] = {"urgent": "Urgent", "concern": "Concern"}

ALERT_STATUSES: Mapping[str, str] = {"open": "Open", "acknowledged": "Acknowledged", "resolved": "Resolved"}

ALERT_OUTCOMES: Mapping[str, str] = {
    "safety_plan_reviewed": "Safety plan reviewed with the client",
    "contacted_client": "Contacted the client",
    "emergency_services": "Emergency services contacted",
    "false_positive": "Not a risk (false alarm)",
    "other": "Other",
}

# Where client-written text (or a record an alert points at) came from, as a noun phrase
# that reads after "in" / "from": "Worrying language in a check-in note".
SOURCES: Mapping[str, str] = {
    "checkin": "check-in",
    "checkin_note": "check-in note",
    "message": "message",
    "homework_submission": "homework entry",
    "homework_assignment": "homework assignment",
    "assessment": "questionnaire",
    "agenda": "session agenda",
    "safety_plan": "safety plan",
    "journal": "journal entry",
    "note": "progress note",
    "progress_note": "progress note",
    "session": "session",
    "goal": "treatment goal",
    "objective": "treatment objective",
    "presenting_concerns": "presenting concerns",
}

# Fields of client-written text, for "check-in (note)" style pairs.
SOURCE_FIELDS: Mapping[str, str] = {
    "note": "note",
    "talk_about": "what to talk about",
    "helped": "what helped",
    "body": "text",
    "text": "text",
}

NOTE_FORMATS: Mapping[str, str] = {"soap": "SOAP", "dap": "DAP", "birp": "BIRP", "free": "Free text"}

NOTE_STATUSES: Mapping[str, str] = {
    "draft": "Draft",
    "in_review": "With the supervisor for review",
    "signed": "Signed",
}

HOMEWORK_KINDS: Mapping[str, str] = {
    "thought_record": "Thought record",
    "activity_log": "Activity log",
    "exposure_log": "Exposure log",
    "journal": "Journal",
    "worksheet": "Worksheet",
    "checklist": "Checklist",
}

HOMEWORK_STATUSES: Mapping[str, str] = {
    "assigned": "Assigned",
    "in_progress": "In progress",
    "completed": "Completed",
    "missed": "Missed",
    "cancelled": "Cancelled",
}

APPOINTMENT_KINDS: Mapping[str, str] = {
    "intake": "Intake",
    "individual": "Individual",
    "couple": "Couple",
    "family": "Family",
    "group": "Group",
    "telehealth": "Telehealth",
}

APPOINTMENT_STATUSES: Mapping[str, str] = {
    "scheduled": "Scheduled",
    "attended": "Attended",
    "no_show": "No-show",
    "cancelled": "Cancelled",
    "late_cancelled": "Late cancellation",
}

GOAL_STATUSES: Mapping[str, str] = {
    "active": "Active",
    "met": "Met",
    "partially_met": "Partly met",
    "not_met": "Not met",
    "discontinued": "Discontinued",
}

RELIABLE_CHANGE: Mapping[str, str] = {
    "improvement": "reliable improvement",
    "improved": "reliable improvement",
    "deterioration": "reliable deterioration",
    "deteriorated": "reliable deterioration",
    "none": "no reliable change",
}

# Any record's status, for lists that mix records (the chart's timeline).
STATUSES: Mapping[str, str] = {
    **HOMEWORK_STATUSES,
    **NOTE_STATUSES,
    **APPOINTMENT_STATUSES,
    **ALERT_STATUSES,
    **GOAL_STATUSES,
}

GROUPS: Mapping[str, Mapping[str, str]] = {
    "status": STATUSES,
    "instrument": INSTRUMENTS,
    "severity_band": SEVERITY_BANDS,
    "alert_kind": ALERT_KINDS,
    "alert_severity": ALERT_SEVERITIES,
    "alert_status": ALERT_STATUSES,
    "alert_outcome": ALERT_OUTCOMES,
    "source": SOURCES,
    "source_field": SOURCE_FIELDS,
    "note_format": NOTE_FORMATS,
    "note_status": NOTE_STATUSES,
    "homework_kind": HOMEWORK_KINDS,
    "homework_status": HOMEWORK_STATUSES,
    "appointment_kind": APPOINTMENT_KINDS,
    "appointment_status": APPOINTMENT_STATUSES,
    "goal_status": GOAL_STATUSES,
    "reliable_change": RELIABLE_CHANGE,
}


def humanise(code: str) -> str:
    """'late_cancelled' -> 'Late cancelled': the fallback for a code no table names yet."""
    words = str(code or "").replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:].lower() if words else ""


def label(group: str, code: object) -> str:
    """The clinician's word for `code` in `group` ('' for an empty code).

    An unknown group is a programming error (KeyError); an unknown code is humanised.
    """
    table = GROUPS[group]
    if code is None or code == "":
        return ""
    key = str(code)
    if key in table:
        return table[key]
    return humanise(key) if group not in ("source", "source_field", "severity_band") else humanise(key).lower()


def alert_title(kind: object, source_type: object = "") -> str:
    """An alert's heading: 'Worrying language in a message' when the source is known."""
    if kind == "risk_language" and source_type:
        return f"Worrying language in {article(label('source', source_type))}"
    return label("alert_kind", kind)


def instrument(code: object) -> str:
    return label("instrument", code)


def source(source_type: object, field_name: object = "") -> str:
    """'checkin', 'note' -> 'check-in note'; 'message', '' -> 'message'."""
    if source_type == "checkin" and field_name == "note":
        return SOURCES["checkin_note"]
    noun = label("source", source_type)
    field_words = label("source_field", field_name) if field_name else ""
    if not field_words or field_words in ("text", noun):
        return noun
    return f"{noun} ({field_words})"


def article(noun: str) -> str:
    """'a check-in note', 'an exposure log'."""
    if not noun:
        return noun
    return f"an {noun}" if noun[0].lower() in "aeiou" else f"a {noun}"


def plural(noun: str, count: int) -> str:
    """English plural of a short label ('exposure log', 2 -> 'exposure logs')."""
    if count == 1:
        return noun
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def homework_kind_noun(kind: object, count: int = 1) -> str:
    """A homework kind as a lower-case noun: 'exposure log', 'thought records'."""
    return plural(label("homework_kind", kind).lower(), count)


_ASCII_ARROW = re.compile(r"\s*->\s*")


def arrows(text: object) -> str:
    """Swap an ASCII '->' for '→' in display text (stored reasons keep their wording)."""
    return _ASCII_ARROW.sub(f" {ARROW} ", str(text)) if text is not None else ""


# ---------------------------------------------------------------------------
# Referring to the client in a sentence


@dataclass(frozen=True)
class Person:
    """How a sentence refers to the client: 'she' / 'her', or by name when no pronouns are set."""

    subject: str
    possessive: str
    name: str = ""

    @property
    def subject_capitalised(self) -> str:
        return self.subject[:1].upper() + self.subject[1:]


_KNOWN_PRONOUNS = {
    "she": ("she", "her"),
    "he": ("he", "his"),
    "they": ("they", "their"),
    "ze": ("ze", "hir"),
    "xe": ("xe", "xir"),
}


def person(*, name: str = "", pronouns: str = "") -> Person:
    """A Person from the client's recorded pronouns ('she/her', 'He/Him', 'they/them').

    Unrecorded or unrecognised pronouns: the client's name ('Sam' / "Sam's"), or 'they' /
    'their' when there is no name either. Never guesses pronouns from a name.
    """
    first = re.split(r"[\s/,]+", (pronouns or "").strip().lower())[0] if pronouns else ""
    if first in _KNOWN_PRONOUNS:
        subject, possessive = _KNOWN_PRONOUNS[first]
        return Person(subject, possessive, name)
    name = (name or "").strip()
    if name:
        return Person(name, f"{name}'s", name)
    return Person("they", "their", "")

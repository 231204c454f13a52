"""The embedded drafter: faithful by construction.

It writes one sentence per bullet and per fact, in the section of the chosen format that the
source belongs in (`sessions.drafting.layout`), and nothing else: a bullet keeps its own words
(an explicit "P:" prefix dropped, a few shorthand words spelled out, a subject and a full stop
added), a fact is said in a fixed sentence built from the record's own values. Sections no
source belongs in stay empty for the therapist to write: no mental-status finding, impression
or plan is ever made up.
"""

from __future__ import annotations

import re
from typing import Any

from sessions.drafting.backends import DraftInput, DraftOutput, DraftSentence
from sessions.drafting.layout import FACT_CATEGORY, classify_bullet, section_of

VERSION = "structured_v1"
SHORTHAND = (
    (r"\bpt\b", "client"),
    (r"\bhw\b", "homework"),
    (r"\bw/o\b", "without"),
    (r"\bw/", "with "),
    (r"\bb/c\b", "because"),
    (r"\bf/u\b", "follow-up"),
    (r"\btx\b", "treatment"),
    (r"\bsx\b", "symptoms"),
    (r"\bhx\b", "history"),
    (r"\bsess\b", "session"),
)
_CLIENT_START = re.compile(r"^(client|patient)\s+", re.IGNORECASE)
_REPORTING = re.compile(
    r"^(reports?|reported|states?|stated|says|said|describes?|described|endorses?|endorsed|denies|denied|shares?|"
    r"shared|feels?|felt|notes?|noted|expresse[sd]|complains?|mentions?|mentioned|identifie[sd]|discussed|talked|"
    r"wants?|worried|worries|appeared|appears|presented|presents|was|is|seemed|seems|arrived|responded|agreed|"
    r"engaged|struggled|understood|demonstrated|participated|completed|practi[sc]ed|tried|used|had|has|did)\b",
    re.IGNORECASE,
)
_THERAPIST_VERB = re.compile(
    r"^(reviewed|practi[sc]ed|introduced|taught|explored|provided|role[- ]?played|modell?ed|validated|processed|"
    r"challenged|worked on|began|started|set up|updated|assigned|discussed|completed|used|facilitated|identified|mapped|"
    r"problem[- ]solved)\b",
    re.IGNORECASE,
)


def expand_shorthand(text: str) -> str:
    for pattern, replacement in SHORTHAND:
        text = re.sub(pattern, replacement, text, flags=re.IGNORECASE)
    return re.sub(r"\s{2,}", " ", text).strip()


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (first.isupper() or any(ch.isdigit() for ch in first)):
        return text  # an acronym or a score: keep as written
    return text[:1].lower() + text[1:]


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip().rstrip(";,")
    return _upper_first(text) + ("" if text.endswith((".", "!", "?")) else ".")


def bullet_sentence(category: str, text: str) -> str:
    """The bullet in a clinical sentence: its words kept, a subject added where it has none."""
    text = expand_shorthand(text)
    if _CLIENT_START.match(text):
        return _sentence("Client " + _CLIENT_START.sub("", text))
    if category in ("subjective", "mood"):
        if _REPORTING.match(text):
            return _sentence("Client " + _lower_first(text))
        return _sentence("Client reports " + _lower_first(text))
    if category in ("observation", "response"):
        if _REPORTING.match(text):
            return _sentence("Client " + _lower_first(text))
        return _sentence(("Observed: " if category == "observation" else "Client response: ") + _lower_first(text))
    if category == "intervention":
        if _THERAPIST_VERB.match(text):
            return _sentence("Therapist " + _lower_first(text))
        return _sentence("Session focused on " + _lower_first(text))
    return _sentence(text)


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def fact_sentence(source: dict[str, Any]) -> str:
    kind, data = source["kind"], source.get("data") or {}
    if kind == "attendance":
        if data.get("status") == "attended":
            described = f"a {data['duration']}-minute {data.get('kind') or ''} session".replace("  ", " ")
            return f"Client attended {described} on {data['date']}."
        if data.get("status") == "no_show":
            return f"Client did not attend the session on {data['date']} (no-show)."
        if data.get("status") == "late_cancelled":
            return f"Client cancelled the session on {data['date']} late and did not attend."
        return f"The session on {data['date']} was cancelled with notice."
    if kind == "homework_done":
        return f"Client completed the homework '{data['title']}' (due {data['due']})."
    if kind == "homework_missed":
        return f"Client has not completed the homework '{data['title']}' (due {data['due']})."
    if kind == "checkins":
        moods = [str(mood) for mood in data["moods"]]
        count = data["count"]
        noun = "check-in" if count == 1 else "check-ins"
        ratings = "a mood rating" if count == 1 else "mood ratings"
        return (
            f"Client completed {count} {noun} since {data['since']}, with {ratings} of {_and_list(moods)} "
            f"on a 0 to 10 scale (latest {moods[-1]})."
        )
    if kind == "measure":
        text = f"{data['instrument']} total {data['total']}"
        text += f" ({data['severity']})" if data.get("severity") else ""
        text += f" on {data['date']}"
        if "change" in data:
            change = data["change"]
            if change:
                text += f", {'down' if change < 0 else 'up'} {abs(change)} from {data['previous']} on {data['previous_date']}"
            else:
                text += f", unchanged from {data['previous']} on {data['previous_date']}"
        return text + "."
    if kind == "alert":
        return f"An open {data['severity']} alert ({data['kind']}) was raised on {data['date']}."
    return _sentence(source["text"])


ORDER = {"attendance": 0, "bullet": 1}


class StructuredDrafter:
    name = "structured"
    model = "structured"
    version = VERSION

    def draft(self, request: DraftInput) -> DraftOutput:
        by_section: dict[str, list[DraftSentence]] = {section.key: [] for section in request.layout}
        # Within a section: the session itself first, then the therapist's bullets, then the record.
        ordered = sorted(request.sources, key=lambda source: ORDER.get(source["kind"], 2))
        for source in ordered:
            if source["kind"] == "bullet":
                category, text = classify_bullet(source["text"])
                if not text:
                    continue
                sentence = bullet_sentence(category, text)
            else:
                category = FACT_CATEGORY.get(source["kind"], "subjective")
                sentence = fact_sentence(source)
            section = section_of(category, request.layout, request.format)
            by_section[section].append(DraftSentence(section=section, text=sentence, sources=[source["key"]]))
        sentences = [sentence for section in request.layout for sentence in by_section[section.key]]
        return DraftOutput(sentences=sentences, model=self.model, version=self.version)

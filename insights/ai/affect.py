"""Affect from text: the sentiment of what a client writes, beside the mood they rate.

For the therapist only, and only for clients who consented to AI processing. Each day
with a check-in or a journal entry becomes a point ``{date, mood, sentiment,
disagreement}``; a day is highlighted when the rating and the writing point in opposite
directions (``affect_v1``):

    high mood, negative text   a check-in mood >= HIGH_MOOD whose note scores a VADER
                               compound <= NEGATIVE_TEXT ("8/10" over a despairing note)
    low mood, positive text    a mood <= LOW_MOOD with compound >= POSITIVE_TEXT

A check-in note is compared with its own rating; a journal entry with the mean rating
of that day's check-ins. Sentiment comes from VADER, a lexicon tool built for short
English social-media text: it misses sarcasm, irony and much clinical language, so a
disagreement is a question for the session, never a finding.

Journals (not thought records or worksheets) are analysed because thought records ask
the client to write down upsetting thoughts on purpose: their negativity is the task.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from sessions.homework_schema import InvalidSchemaError, free_text_of, schema_for
from sessions.models import CheckIn, HomeworkSubmission

AFFECT_VERSION = "affect_v1"
AFFECT_METHOD = "vader-compound (vaderSentiment 3.3.2) vs self-rated mood"
WINDOW_DAYS = 90
HIGH_MOOD = 7
LOW_MOOD = 3
NEGATIVE_TEXT = -0.5
POSITIVE_TEXT = 0.5
HIGH_MOOD_NEGATIVE_TEXT = "high_mood_negative_text"
LOW_MOOD_POSITIVE_TEXT = "low_mood_positive_text"
AFFECT_CAVEAT = (
    "Sentiment is estimated by VADER, a word-list tool for short English text; it misses "
    "sarcasm, irony and clinical language. Treat a disagreement as a question to ask."
)

_analyzer_lock = threading.Lock()
_analyzer: Any = None


def _sentiment_analyzer() -> Any:
    global _analyzer
    if _analyzer is None:
        with _analyzer_lock:
            if _analyzer is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def compound(text: str) -> float:
    """VADER compound score in [-1, 1] (0 for blank text)."""
    if not text or not text.strip():
        return 0.0
    return float(_sentiment_analyzer().polarity_scores(text)["compound"])


def classify_disagreement(mood: float | None, sentiment: float | None) -> str | None:
    """Which way a rating and a text disagree, or None when they do not (or one is missing)."""
    if mood is None or sentiment is None:
        return None
    if mood >= HIGH_MOOD and sentiment <= NEGATIVE_TEXT:
        return HIGH_MOOD_NEGATIVE_TEXT
    if mood <= LOW_MOOD and sentiment >= POSITIVE_TEXT:
        return LOW_MOOD_POSITIVE_TEXT
    return None


def disagreement_reason(kind: str, mood: float, sentiment: float, source: str) -> str:
    if kind == HIGH_MOOD_NEGATIVE_TEXT:
        return f"Mood rated {mood:g}/10, but the {source} written that day reads as strongly negative."
    return f"Mood rated {mood:g}/10, but the {source} written that day reads as strongly positive."


# ---------------------------------------------------------------------------
# Client-written text


@dataclass(frozen=True)
class SourceText:
    """One piece of text the client wrote, with where it lives (for links back)."""

    source_type: str  # "checkin" | "homework_submission"
    source_id: int
    field: str
    text: str
    written_at: dt.datetime
    kind: str = ""  # the homework kind for submissions


def submission_texts(submission: Any) -> list[SourceText]:
    """The free-text answers of a submission: only fields the client types into.

    Choice answers are excluded because their wording is the therapist's, not the client's.
    """
    assignment = submission.assignment
    try:
        fields = schema_for(assignment.kind, assignment.fields)
    except (InvalidSchemaError, ValueError):
        return []
    written_at = submission.submitted_at or submission.created_at
    return [
        SourceText(
            "homework_submission",
            submission.pk,
            name,
            text,
            written_at,
            assignment.kind,
        )
        for name, text in free_text_of(fields, submission.responses)
    ]


# ---------------------------------------------------------------------------
# The series


@dataclass
class AffectPoint:
    date: dt.date
    mood: float | None
    sentiment: float | None
    disagreement: str | None = None
    reason: str | None = None
    checkin_ids: list[int] = field(default_factory=list)
    submission_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "mood": self.mood,
            "sentiment": self.sentiment,
            # Sentiment on the 0-10 mood scale, so both lines can share one chart axis.
            "sentiment_on_mood_scale": None if self.sentiment is None else round((self.sentiment + 1) * 5, 2),
            "disagreement": self.disagreement is not None,
            "disagreement_kind": self.disagreement,
            "reason": self.reason,
            "sources": [{"source_type": "checkin", "source_id": pk} for pk in self.checkin_ids]
            + [{"source_type": "homework_submission", "source_id": pk} for pk in self.submission_ids],
        }


@dataclass
class Affect:
    series: list[AffectPoint]
    reasons: list[str]
    inputs: dict[str, list[int]]
    method: str = AFFECT_METHOD
    version: str = AFFECT_VERSION

    @property
    def disagreements(self) -> int:
        return sum(1 for point in self.series if point.disagreement)

    def payload(self) -> dict[str, Any]:
        return {
            "series": [point.as_dict() for point in self.series],
            "disagreements": self.disagreements,
            "thresholds": {
                "high_mood": HIGH_MOOD,
                "negative_text": NEGATIVE_TEXT,
                "low_mood": LOW_MOOD,
                "positive_text": POSITIVE_TEXT,
            },
        }


@dataclass(frozen=True)
class MoodEntry:
    """A check-in: its rating, and its note when there is one."""

    checkin_id: int
    mood: int
    note: str
    created_at: dt.datetime


def build_series(checkins: Iterable[MoodEntry], journals: Iterable[SourceText]) -> list[AffectPoint]:
    """One point per local day, oldest first. Pure apart from the sentiment scorer."""
    days: dict[dt.date, dict[str, list]] = {}
    for entry in checkins:
        day = days.setdefault(timezone.localdate(entry.created_at), {"checkins": [], "journals": []})
        day["checkins"].append(entry)
    for text in journals:
        day = days.setdefault(timezone.localdate(text.written_at), {"checkins": [], "journals": []})
        day["journals"].append(text)
    series = []
    for date in sorted(days):
        checkins_today: list[MoodEntry] = days[date]["checkins"]
        journals_today: list[SourceText] = days[date]["journals"]
        moods = [entry.mood for entry in checkins_today]
        note_scores = [(entry, compound(entry.note)) for entry in checkins_today if entry.note.strip()]
        journal_scores = [(text, compound(text.text)) for text in journals_today]
        scores = [score for _, score in note_scores] + [score for _, score in journal_scores]
        point = AffectPoint(
            date=date,
            mood=round(sum(moods) / len(moods), 1) if moods else None,
            sentiment=round(sum(scores) / len(scores), 3) if scores else None,
            checkin_ids=[entry.checkin_id for entry in checkins_today],
            submission_ids=sorted({text.source_id for text in journals_today}),
        )
        # A note is judged against its own rating first; journals against the day's mean.
        for entry, score in note_scores:
            kind = classify_disagreement(entry.mood, score)
            if kind:
                point.disagreement, point.reason = (
                    kind,
                    disagreement_reason(kind, entry.mood, score, "check-in note"),
                )
                break
        if point.disagreement is None and journal_scores and point.mood is not None:
            journal_mean = sum(score for _, score in journal_scores) / len(journal_scores)
            kind = classify_disagreement(point.mood, journal_mean)
            if kind:
                point.disagreement, point.reason = (
                    kind,
                    disagreement_reason(kind, point.mood, journal_mean, "journal"),
                )
        series.append(point)
    return series


def compute_affect(client: Any, *, now: dt.datetime | None = None, days: int = WINDOW_DAYS) -> Affect:
    """The last `days` of ratings and writing. Read-only; the caller checks AI consent."""
    now = now or timezone.now()
    start = now - dt.timedelta(days=days)
    checkins = [
        MoodEntry(pk, mood, note or "", created_at)
        for pk, mood, note, created_at in CheckIn.objects.filter(
            client=client, created_at__gte=start, created_at__lte=now
        )
        .order_by("created_at", "id")
        .values_list("id", "mood", "note", "created_at")
    ]
    submissions = (
        HomeworkSubmission.objects.filter(
            assignment__client=client,
            assignment__kind="journal",
            is_draft=False,
            created_at__gte=start,
            created_at__lte=now,
        )
        .select_related("assignment")
        .order_by("created_at", "id")
    )
    journals = [text for submission in submissions for text in submission_texts(submission)]
    series = build_series(checkins, journals)
    reasons = [
        f"Sentiment of check-in notes and journal entries over the last {days} days, beside the client's own mood ratings.",
        (
            f"A day is highlighted when the client rated mood {HIGH_MOOD} or more but wrote in clearly negative "
            f"terms, or rated it {LOW_MOOD} or less but wrote in clearly positive terms."
        ),
        AFFECT_CAVEAT,
    ]
    reasons += [f"{point.date.day} {point.date:%b %Y}: {point.reason}" for point in series if point.reason]
    inputs = {
        "checkin_ids": [entry.checkin_id for entry in checkins],
        "homework_submission_ids": sorted({text.source_id for text in journals}),
    }
    return Affect(series, reasons, inputs)

"""Session prep brief: what happened since the last session, for the therapist only.

Extractive by design (``brief_v1``): the sections are counts and facts read from the
record (homework done or missed, check-ins and the mood trend, measure changes, alerts),
and at most three quotes are sentences the client wrote, cut verbatim from a check-in
note or a homework answer. Nothing is generated: every quote is a substring of its source
text and carries ``source_type``, ``source_id``, ``field`` and the ``start``/``end``
offsets that locate it there.

Quotes are chosen for salience: ``CENTRALITY_WEIGHT * centrality + SENTIMENT_WEIGHT *
|VADER compound|``, where centrality is a sentence's mean similarity to everything else the
client wrote in the period (sentence embeddings, or TF-IDF when the model is unavailable),
so the brief picks what the client kept coming back to and what they felt strongly about.
Near-duplicates of an already chosen sentence are skipped.

The stored ``AiSuggestion`` keeps only the offsets, never the quoted text: the text stays
in its encrypted source row and is read back from there when the brief is shown.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from clients.models import Assessment
from insights.ai.affect import SourceText, compound, submission_texts
from insights.ai.recommend import (
    AUTO,
    Encoder,
    EncoderArg,
    resolve_encoder,
    similarity_label,
    vectors,
)
from insights.models import Alert
from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission, Session

BRIEF_VERSION = "brief_v1"
BRIEF_LABEL = "AI-generated summary for the clinician — check against the record"
MAX_QUOTES = 3
MIN_QUOTE_WORDS = 4
MAX_QUOTE_CHARS = 400
# The most recent sentences considered, to bound the similarity matrix.
MAX_CANDIDATES = 300
CENTRALITY_WEIGHT = 0.5
SENTIMENT_WEIGHT = 0.5
REDUNDANCY_SIMILARITY = 0.8
# Without an attended session the brief covers this many days.
DEFAULT_WINDOW_DAYS = 30
# A least-squares change over the period of at least this many points is a trend.
TREND_POINTS = 1.0
# Reliable change (CLINICAL.md, NHS Talking Therapies): PHQ-9 6 points, GAD-7 4 points.
RELIABLE_CHANGE = {"phq9": 6, "gad7": 4}
# The brief opens with these, latest score first, whatever the period.
HEADLINE_INSTRUMENTS = ("phq9", "gad7")

_SENTENCE = re.compile(r"[^.!?\n\u2026]+[.!?\u2026]*")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Quote:
    text: str
    source_type: str
    source_id: int
    field: str
    start: int
    end: int
    written_at: dt.datetime
    salience: float
    centrality: float
    sentiment: float

    def reference(self) -> dict[str, Any]:
        """What is stored: where the sentence is, never the sentence itself."""
        return {
            "source_type": self.source_type,
            "source_id": self.source_id,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "written_at": self.written_at.isoformat(),
            "salience": self.salience,
            "centrality": self.centrality,
            "sentiment": self.sentiment,
        }

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, **self.reference()}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of surrounding whitespace."""
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def select_quotes(entries: Sequence[SourceText], encoder: Encoder | None, *, limit: int = MAX_QUOTES) -> list[Quote]:
    """Up to `limit` salient sentences, each a verbatim slice of one entry's text."""
    candidates = []
    for entry in entries:
        for start, end in sentence_spans(entry.text):
            sentence = entry.text[start:end]
            if len(_WORDS.findall(sentence)) >= MIN_QUOTE_WORDS and len(sentence) <= MAX_QUOTE_CHARS:
                candidates.append((entry, start, end, sentence))
    candidates = candidates[-MAX_CANDIDATES:]
    if not candidates:
        return []
    matrix = vectors([sentence for *_, sentence in candidates], encoder)
    similarity = matrix @ matrix.T
    count = len(candidates)
    if count > 1:
        raw = (similarity.sum(axis=1) - similarity.diagonal()) / (count - 1)
        low, high = float(raw.min()), float(raw.max())
        centrality = [(value - low) / (high - low) if high - low > 1e-9 else 1.0 for value in raw.tolist()]
    else:
        centrality = [1.0]
    sentiments = [compound(sentence) for *_, sentence in candidates]
    salience = [CENTRALITY_WEIGHT * c + SENTIMENT_WEIGHT * abs(s) for c, s in zip(centrality, sentiments, strict=True)]
    # Most salient first; ties go to the more recent sentence.
    order = sorted(range(count), key=lambda index: (salience[index], index), reverse=True)
    chosen: list[int] = []
    for index in order:
        if len(chosen) == limit:
            break
        if any(similarity[index, other] > REDUNDANCY_SIMILARITY for other in chosen):
            continue
        if any(candidates[index][3] == candidates[other][3] for other in chosen):
            continue
        chosen.append(index)
    quotes = []
    for index in chosen:
        entry, start, end, sentence = candidates[index]
        quotes.append(
            Quote(
                text=sentence,
                source_type=entry.source_type,
                source_id=entry.source_id,
                field=entry.field,
                start=start,
                end=end,
                written_at=entry.written_at,
                salience=round(salience[index], 4),
                centrality=round(centrality[index], 4),
                sentiment=round(sentiments[index], 4),
            )
        )
    return quotes


def mood_trend(points: Sequence[tuple[dt.datetime, int]]) -> tuple[str | None, str]:
    """rising/falling/steady from a least-squares line over the period, with the reason."""
    if len(points) < 3:
        return None, f"{len(points)} check-in(s): too few to call a trend (3 needed)."
    origin = points[0][0]
    xs = [(when - origin).total_seconds() / 86400 for when, _ in points]
    ys = [float(mood) for _, mood in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return "steady", "All check-ins at the same moment."
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    change = slope * (xs[-1] - xs[0])
    if change >= TREND_POINTS:
        return (
            "rising",
            f"Mood rose about {change:.1f} points over the period (least-squares line).",
        )
    if change <= -TREND_POINTS:
        return (
            "falling",
            f"Mood fell about {-change:.1f} points over the period (least-squares line).",
        )
    return (
        "steady",
        f"Mood changed {change:+.1f} points over the period (less than {TREND_POINTS:g}).",
    )


@dataclass
class Brief:
    period: dict[str, Any]
    sections: dict[str, Any]
    quotes: list[Quote]
    reasons: list[str]
    inputs: dict[str, Any]
    method: str
    version: str = BRIEF_VERSION

    def payload(self) -> dict[str, Any]:
        """The stored form: alert reasons can echo a word of client text, so only ids stay."""
        alerts = [{k: v for k, v in alert.items() if k != "reason"} for alert in self.sections["alerts"]]
        return {
            "period": self.period,
            "sections": {**self.sections, "alerts": alerts},
            "quotes": [q.reference() for q in self.quotes],
        }


def _human_day(value: dt.datetime) -> str:
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{local.day} {local:%b %Y}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _homework_section(client: Any, since: dt.datetime, now: dt.datetime) -> tuple[dict[str, Any], list[int]]:
    Status = HomeworkAssignment.Status
    done, missed, upcoming, ids = [], [], [], []
    rows = HomeworkAssignment.objects.filter(client=client).exclude(status=Status.CANCELLED)
    rows = rows.filter(Q(completed_at__gte=since, completed_at__lte=now) | Q(due_at__gte=since)).order_by(
        "due_at", "id"
    )
    for row in rows.values("id", "title", "kind", "status", "due_at", "completed_at"):
        item = {
            "id": row["id"],
            "title": row["title"],
            "kind": row["kind"],
            "due_at": _iso(row["due_at"]),
            "completed_at": _iso(row["completed_at"]),
        }
        if row["status"] == Status.COMPLETED and row["completed_at"] and since <= row["completed_at"] <= now:
            done.append(item)
        elif row["status"] == Status.MISSED or (row["status"] != Status.COMPLETED and row["due_at"] < now):
            missed.append(item)
        elif row["status"] != Status.COMPLETED:
            upcoming.append(item)
        else:
            continue
        ids.append(row["id"])
    return {"completed": done, "missed": missed, "upcoming": upcoming}, ids


def _reliable(instrument: str, change: int | None) -> str | None:
    if change is None or instrument not in RELIABLE_CHANGE:
        return None
    threshold = RELIABLE_CHANGE[instrument]
    return "improvement" if change <= -threshold else "deterioration" if change >= threshold else "none"


def _headline(by_instrument: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The latest PHQ-9 and GAD-7 whenever they were taken, with the change since the one before:
    the brief leads with them even when neither was given since the last session."""
    headline = []
    for instrument in HEADLINE_INSTRUMENTS:
        scored = [row for row in by_instrument.get(instrument, []) if row["total"] is not None]
        if not scored:
            continue
        latest = scored[-1]
        previous = scored[-2] if len(scored) > 1 else None
        change = latest["total"] - previous["total"] if previous else None
        headline.append(
            {
                "instrument": instrument,
                "latest_total": latest["total"],
                "latest_severity": (latest["result"] or {}).get("severity"),
                "latest_at": _iso(latest["administered_at"]),
                "previous_total": previous["total"] if previous else None,
                "previous_at": _iso(previous["administered_at"]) if previous else None,
                "change": change,
                "reliable_change": _reliable(instrument, change),
                "assessment_ids": [previous["id"], latest["id"]] if previous else [latest["id"]],
            }
        )
    return headline


def _measures_section(
    client: Any, since: dt.datetime, now: dt.datetime
) -> tuple[list[dict[str, Any]], list[int], list[dict[str, Any]]]:
    by_instrument: dict[str, list[Any]] = {}  # rows of .values(...)
    rows = Assessment.objects.filter(client=client, administered_at__lte=now).order_by("administered_at", "id")
    for row in rows.values("id", "instrument", "total", "administered_at", "result"):
        by_instrument.setdefault(row["instrument"], []).append(row)
    headline = _headline(by_instrument)
    changes, ids = [], []
    for instrument, series in sorted(by_instrument.items()):
        recent = [row for row in series if row["administered_at"] >= since]
        if not recent:
            continue
        latest = recent[-1]
        earlier = [
            row for row in series if row["id"] != latest["id"] and row["administered_at"] <= latest["administered_at"]
        ]
        previous = earlier[-1] if earlier else None
        change = None
        if previous and previous["total"] is not None and latest["total"] is not None:
            change = latest["total"] - previous["total"]
        reliable = _reliable(instrument, change)
        changes.append(
            {
                "instrument": instrument,
                "latest_total": latest["total"],
                "latest_severity": (latest["result"] or {}).get("severity"),
                "latest_at": _iso(latest["administered_at"]),
                "previous_total": previous["total"] if previous else None,
                "change": change,
                "reliable_change": reliable,
                "assessment_ids": [previous["id"], latest["id"]] if previous else [latest["id"]],
            }
        )
        ids += changes[-1]["assessment_ids"]
    for entry in headline:
        ids += [pk for pk in entry["assessment_ids"] if pk not in ids]
    return changes, ids, headline


def _alerts_section(client: Any, since: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    rows = Alert.objects.filter(client=client, created_at__lte=now).filter(
        Q(created_at__gte=since) | ~Q(status=Alert.Status.RESOLVED)
    )
    return [
        {
            "id": row["id"],
            "kind": row["kind"],
            "severity": row["severity"],
            "status": row["status"],
            "reason": row["reason"],
            "created_at": _iso(row["created_at"]),
        }
        for row in rows.order_by("created_at", "id").values("id", "kind", "severity", "status", "reason", "created_at")
    ]


def _agenda_section(client: Any, since: dt.datetime, now: dt.datetime) -> list[dict[str, Any]]:
    """The client's own agenda for the session ("what I want to talk about", "what helped"),
    shown verbatim: like the quotes, only the entry ids are stored, never the text."""
    from clients.models import AgendaEntry

    rows = AgendaEntry.objects.filter(client=client, created_at__gte=since, created_at__lte=now).order_by(
        "created_at", "id"
    )
    return [{"id": entry.pk, "written_at": _iso(entry.created_at)} for entry in rows]


def compute_brief(client: Any, *, encoder: EncoderArg = AUTO, now: dt.datetime | None = None) -> Brief:
    """The brief for the client's next session. Read-only; the caller checks AI consent.

    Queries are constant in the amount of history.
    """
    now = now or timezone.now()
    encoder = resolve_encoder(encoder)
    last = (
        Session.objects.filter(client=client, status=Session.Status.ATTENDED, starts_at__lte=now)
        .order_by("-starts_at", "-id")
        .values("id", "starts_at")
        .first()
    )
    upcoming = (
        Session.objects.filter(client=client, status=Session.Status.SCHEDULED, starts_at__gt=now)
        .order_by("starts_at", "id")
        .values("id", "starts_at")
        .first()
    )
    if last:
        since = last["starts_at"]
    else:
        # From local midnight, so that re-opening the brief the same day shows the same one.
        start_day = timezone.localdate(now) - dt.timedelta(days=DEFAULT_WINDOW_DAYS)
        since = timezone.make_aware(dt.datetime.combine(start_day, dt.time.min))
    period = {
        "since": since.isoformat(),
        "last_session": {"id": last["id"], "starts_at": last["starts_at"].isoformat()} if last else None,
        "next_session": {
            "id": upcoming["id"],
            "starts_at": upcoming["starts_at"].isoformat(),
        }
        if upcoming
        else None,
    }

    checkins = list(
        CheckIn.objects.filter(client=client, created_at__gte=since, created_at__lte=now)
        .order_by("created_at", "id")
        .values_list("id", "mood", "note", "created_at")
    )
    moods = [mood for _, mood, _, _ in checkins]
    trend, trend_reason = mood_trend([(created_at, mood) for _, mood, _, created_at in checkins])
    checkin_section = {
        "count": len(checkins),
        "ids": [pk for pk, *_ in checkins],
        "mood_first": moods[0] if moods else None,
        "mood_last": moods[-1] if moods else None,
        "mood_mean": round(sum(moods) / len(moods), 1) if moods else None,
        "mood_min": min(moods) if moods else None,
        "mood_max": max(moods) if moods else None,
        "trend": trend,
        "trend_reason": trend_reason,
    }
    texts = [
        SourceText("checkin", pk, "note", note, created_at)
        for pk, _, note, created_at in checkins
        if note and note.strip()
    ]
    submissions = (
        HomeworkSubmission.objects.filter(assignment__client=client, is_draft=False)
        .filter(
            Q(submitted_at__gte=since, submitted_at__lte=now)
            | Q(submitted_at__isnull=True, created_at__gte=since, created_at__lte=now)
        )
        .select_related("assignment")
        .order_by("created_at", "id")
    )
    submission_ids = []
    for submission in submissions:
        submission_ids.append(submission.pk)
        texts += submission_texts(submission)
    texts.sort(key=lambda text: text.written_at)
    quotes = select_quotes(texts, encoder)

    homework, assignment_ids = _homework_section(client, since, now)
    measures, assessment_ids, headline = _measures_section(client, since, now)
    alerts = _alerts_section(client, since, now)
    agenda = _agenda_section(client, since, now)
    sections = {
        "headline_measures": headline,
        "homework": homework,
        "checkins": checkin_section,
        "measures": measures,
        "alerts": alerts,
        "agenda": agenda,
    }
    how = "sentence embeddings" if encoder is not None else "shared words (TF-IDF; embedding model unavailable)"
    reasons = [
        (
            f"Covers the time since the last attended session ({_human_day(last['starts_at'])})."
            if last
            else f"No attended session yet: covers the last {DEFAULT_WINDOW_DAYS} days."
        ),
        "Leads with the latest PHQ-9 and GAD-7, whenever they were taken, and the change since the one before.",
        "Homework, check-ins, measures and alerts are read from the record, not generated.",
        "The client's agenda for the session is shown verbatim, as they wrote it in the portal.",
        (
            f"Quotes are the client's own sentences, cut verbatim from their check-in notes and homework "
            f"answers; chosen for how central they are to what the client wrote ({how}) and how strongly "
            "felt they are (VADER sentiment). Each links to its source."
        ),
    ]
    inputs = {
        "last_session_id": last["id"] if last else None,
        "checkin_ids": checkin_section["ids"],
        "homework_submission_ids": submission_ids,
        "homework_assignment_ids": assignment_ids,
        "assessment_ids": assessment_ids,
        "alert_ids": [alert["id"] for alert in alerts],
        "agenda_entry_ids": [entry["id"] for entry in agenda],
    }
    method = f"extractive: {similarity_label(encoder)}-centrality+vader-salience"
    return Brief(period, sections, quotes, reasons, inputs, method)

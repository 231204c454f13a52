"""Affect from text: VADER sentiment beside self-rated mood, with disagreements highlighted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from clients.models import Consent
from insights.ai.affect import (
    HIGH_MOOD_NEGATIVE_TEXT,
    LOW_MOOD_POSITIVE_TEXT,
    classify_disagreement,
    compound,
    compute_affect,
)
from insights.models import AiSuggestion
from sessions.models import HomeworkSubmission
from tests.conftest import as_user
from tests.factories import CheckInFactory, ClientFactory, HomeworkAssignmentFactory

DESPAIR = "I feel hopeless, worthless and miserable. Nothing will ever get better."
JOY = "What a wonderful day, I laughed with friends and felt truly happy and loved!"


@pytest.mark.parametrize(
    "mood, sentiment, expected",
    [
        (7, -0.5, HIGH_MOOD_NEGATIVE_TEXT),
        (10, -0.9, HIGH_MOOD_NEGATIVE_TEXT),
        (6, -0.9, None),
        (8, -0.49, None),
        (3, 0.5, LOW_MOOD_POSITIVE_TEXT),
        (0, 0.95, LOW_MOOD_POSITIVE_TEXT),
        (4, 0.9, None),
        (2, 0.49, None),
        (8, 0.8, None),
        (None, -0.9, None),
        (8, None, None),
    ],
)
def test_disagreement_thresholds(mood, sentiment, expected):
    assert classify_disagreement(mood, sentiment) == expected


def test_sentiment_is_vader_compound():
    assert compound(DESPAIR) == SentimentIntensityAnalyzer().polarity_scores(DESPAIR)["compound"]
    assert compound(DESPAIR) <= -0.5 and compound(JOY) >= 0.5
    assert compound("   ") == 0.0


def consenting_client(therapist):
    client = ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice)
    Consent.objects.create(client=client, kind=Consent.Kind.AI_PROCESSING)
    return client


def days_ago(days, hour=12):
    moment = timezone.localtime(timezone.now()) - dt.timedelta(days=days)
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0)


def journal(client, kind, responses, when):
    assignment = HomeworkAssignmentFactory(client=client, kind=kind, status="completed")
    return HomeworkSubmission.objects.create(
        assignment=assignment, responses=responses, submitted_at=when, created_at=when
    )


@pytest.mark.django_db
def test_series_highlights_says_eight_writes_despair_and_the_reverse(therapist):
    client = consenting_client(therapist)
    masked = CheckInFactory(client=client, mood=8, note=DESPAIR, created_at=days_ago(5))
    CheckInFactory(client=client, mood=2, note=JOY, created_at=days_ago(3))
    CheckInFactory(client=client, mood=6, note="Went to work, then cooked dinner.", created_at=days_ago(2))
    CheckInFactory(client=client, mood=5, note="", created_at=days_ago(1))
    affect = compute_affect(client)
    points = {point.date: point for point in affect.series}
    assert [point.date for point in affect.series] == sorted(points)
    first = points[days_ago(5).date()]
    assert first.mood == 8 and first.sentiment == pytest.approx(compound(DESPAIR), abs=1e-3)
    assert first.disagreement == HIGH_MOOD_NEGATIVE_TEXT and first.checkin_ids == [masked.pk]
    assert "8/10" in first.reason and "negative" in first.reason
    assert points[days_ago(3).date()].disagreement == LOW_MOOD_POSITIVE_TEXT
    assert points[days_ago(2).date()].disagreement is None
    no_note = points[days_ago(1).date()]
    assert no_note.mood == 5 and no_note.sentiment is None and no_note.disagreement is None
    assert affect.disagreements == 2
    assert any("8/10" in reason for reason in affect.reasons)


@pytest.mark.django_db
def test_journals_are_compared_with_the_days_mood_and_thought_records_are_not_analysed(therapist):
    client = consenting_client(therapist)
    CheckInFactory(client=client, mood=9, note="", created_at=days_ago(2, hour=9))
    entry = journal(client, "journal", {"entry": DESPAIR}, days_ago(2, hour=21))
    journal(client, "thought_record", {"situation": DESPAIR, "automatic_thought": DESPAIR}, days_ago(1))
    affect = compute_affect(client)
    [point] = affect.series
    assert point.disagreement == HIGH_MOOD_NEGATIVE_TEXT and "journal" in point.reason
    assert point.submission_ids == [entry.pk]
    assert affect.inputs["homework_submission_ids"] == [entry.pk]


@pytest.mark.django_db
def test_affect_api_shape(therapist, client_record):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    checkin = CheckInFactory(client=client_record, mood=8, note=DESPAIR, created_at=days_ago(1))
    response = as_user(therapist).get(reverse("api-client-affect", kwargs={"pk": client_record.pk}))
    assert response.status_code == 200
    body = response.json()
    assert body["consent"] is True and body["kind"] == "ai_suggestion" and "AI" in body["label"]
    assert body["method"].startswith("vader") and body["version"] == "affect_v1" and body["reasons"]
    assert body["inputs"]["checkin_ids"] == [checkin.pk]
    [point] = body["series"]
    assert set(point) >= {"date", "mood", "sentiment", "disagreement"}
    assert point["disagreement"] is True and point["disagreement_kind"] == HIGH_MOOD_NEGATIVE_TEXT
    assert point["sources"] == [{"source_type": "checkin", "source_id": checkin.pk}]
    assert body["disagreements"] == 1
    stored = AiSuggestion.objects.get(pk=body["id"])
    assert stored.kind == "affect" and "hopeless" not in str(stored.payload)

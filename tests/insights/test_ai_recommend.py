"""Homework recommendations: fit with concerns and goals, completion history, decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Consent, Goal
from insights.ai import recommend
from insights.ai.recommend import KindHistory, ProfilePiece, TemplateCandidate, rank_templates
from insights.models import AiSuggestion
from practice.models import AuditEvent
from sessions.models import HomeworkAssignment
from tests.conftest import as_user
from tests.factories import ClientFactory, HomeworkAssignmentFactory, HomeworkTemplateFactory

CONCEPTS = {
    "sleep": ("sleep", "insomnia", "night"),
    "worry": ("worry", "worries", "anxious", "anxiety"),
    "mood": ("low mood", "depress", "activity", "activities"),
}


class KeywordEncoder:
    """A fake sentence model: one dimension per concept, counting its keywords."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: list[str]) -> list[list[float]]:
        self.calls += 1
        rows = []
        for text in texts:
            lower = text.lower()
            rows.append([float(sum(lower.count(word) for word in words)) for words in CONCEPTS.values()] + [0.05])
        return rows


SLEEP = TemplateCandidate(1, "Sleep diary", "checklist", "Track sleep and insomnia at night.")
WORRY_SHEET = TemplateCandidate(2, "Worry time", "worksheet", "Postpone worry; for anxiety.")
WORRY_JOURNAL = TemplateCandidate(3, "Worry journal", "journal", "Write worries down; for anxiety.")
ACTIVITY = TemplateCandidate(4, "Activity schedule", "activity_log", "Plan activities for low mood.")
LIBRARY = [SLEEP, WORRY_SHEET, WORRY_JOURNAL, ACTIVITY]


def top(pieces, history=None, encoder=None):
    return rank_templates(pieces, LIBRARY, history or {}, encoder or KeywordEncoder())


def test_different_presenting_concerns_put_a_different_template_on_top():
    sleep_client = top([ProfilePiece("presenting_concerns", None, "Cannot sleep, insomnia most nights")])
    mood_client = top([ProfilePiece("presenting_concerns", None, "Low mood and no activities since the job loss")])
    assert sleep_client[0].template == SLEEP
    assert mood_client[0].template == ACTIVITY


def test_at_most_three_recommendations_each_with_a_fit_and_a_history_sentence():
    results = top([ProfilePiece("goal", 7, "Worry less about work", "Worry less about work")])
    assert [item.rank for item in results] == [1, 2, 3]
    for item in results:
        assert len(item.reasons) == 2
        # Clinician sentences: no score formula, no ids, no raw similarities.
        assert not any("Score" in reason or "#7" in reason or "0." in reason for reason in item.reasons)
        assert item.score > 0  # the number stays on the recommendation (and the stored payload)
    assert results[0].reasons[0].startswith("Matches the goal ‘Worry less about work’")


def test_a_client_who_never_completes_worksheets_ranks_worksheets_lower():
    pieces = [ProfilePiece("presenting_concerns", None, "Constant worry and anxiety")]
    neutral = [item.template for item in top(pieces)]
    never_worksheets = {
        "worksheet": KindHistory(completed=0, not_completed=4),
        "journal": KindHistory(completed=3, not_completed=1),
    }
    reluctant = [item.template for item in top(pieces, never_worksheets)]
    # Same fit for both worry templates: history decides, and the worksheet drops below.
    assert neutral.index(WORRY_SHEET) < neutral.index(WORRY_JOURNAL)
    assert reluctant.index(WORRY_SHEET) > reluctant.index(WORRY_JOURNAL)
    sheet = next(item for item in top(pieces, never_worksheets) if item.template == WORRY_SHEET)
    assert sheet.reasons[1] == "They completed none of their 4 past worksheets."


def test_completion_rate_is_smoothed_towards_the_overall_rate():
    rates, overall = recommend.completion_rates({"worksheet": KindHistory(0, 1), "journal": KindHistory(3, 0)})
    assert overall == pytest.approx(4 / 6)
    assert rates["worksheet"] == pytest.approx((0 + 2 * overall) / 3)
    assert 0 < rates["worksheet"] < overall < rates["journal"] < 1


def test_no_record_to_match_ranks_on_completion_and_says_so():
    results = top([], {"journal": KindHistory(5, 0)})
    assert results[0].template == WORRY_JOURNAL
    assert "No presenting concerns or active goals" in results[0].reasons[0]


def test_token_overlap_fallback_ranks_without_a_model():
    results = rank_templates([ProfilePiece("presenting_concerns", None, "insomnia, awake at night")], LIBRARY, {}, None)
    assert results[0].template == SLEEP
    assert results[0].reasons[0] == "Matches the presenting concerns (both mention insomnia and night)."


# ---------------------------------------------------------------------------
# Against the database


@pytest.fixture
def library(practice):
    return {
        "sleep": HomeworkTemplateFactory(
            practice=practice, title="Sleep diary", kind="checklist", description="Track sleep and insomnia at night."
        ),
        "worry_sheet": HomeworkTemplateFactory(
            practice=practice, title="Worry time", kind="worksheet", description="Postpone worry; for anxiety."
        ),
        "worry_journal": HomeworkTemplateFactory(
            practice=practice, title="Worry journal", kind="journal", description="Write worries down; for anxiety."
        ),
        "activity": HomeworkTemplateFactory(
            practice=practice,
            title="Activity schedule",
            kind="activity_log",
            description="Plan activities for low mood.",
        ),
    }


def consenting_client(therapist, **values):
    client = ClientFactory(primary_therapist=therapist.membership, practice=therapist.membership.practice, **values)
    Consent.objects.create(client=client, kind=Consent.Kind.AI_PROCESSING)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("encoder", [KeywordEncoder(), None], ids=["fake-embedding", "tfidf-fallback"])
def test_recommendations_change_with_presenting_concerns_and_goals(therapist, library, encoder):
    sleeper = consenting_client(therapist, presenting_concerns="Insomnia; cannot sleep at night.")
    worrier = consenting_client(therapist, presenting_concerns="")
    Goal.objects.create(client=worrier, problem="Worry", description="Spend less time on anxiety and worries")
    sleeper_top = recommend.compute_recommendations(sleeper, encoder=encoder).recommendations[0]
    worrier_result = recommend.compute_recommendations(worrier, encoder=encoder)
    assert sleeper_top.template.id == library["sleep"].pk
    assert worrier_result.recommendations[0].template.id in {library["worry_sheet"].pk, library["worry_journal"].pk}
    assert worrier_result.inputs["goal_ids"] == [worrier.goals.get().pk]


@pytest.mark.django_db
def test_history_of_missed_worksheets_lowers_worksheet_rank(therapist, library):
    client = consenting_client(therapist, presenting_concerns="Constant worry and anxiety")
    encoder = KeywordEncoder()
    before = [r.template.id for r in recommend.compute_recommendations(client, encoder=encoder).recommendations]
    past = timezone.now() - dt.timedelta(days=10)
    for _ in range(4):
        HomeworkAssignmentFactory(client=client, kind="worksheet", status=HomeworkAssignment.Status.MISSED, due_at=past)
    result = recommend.compute_recommendations(client, encoder=encoder)
    after = [r.template.id for r in result.recommendations]
    assert before.index(library["worry_sheet"].pk) < before.index(library["worry_journal"].pk)
    assert after.index(library["worry_sheet"].pk) > after.index(library["worry_journal"].pk)
    assert len(result.history_ids["worksheet"]) == 4


@pytest.mark.django_db
def test_open_and_recently_dismissed_templates_are_not_suggested(therapist, library):
    client = consenting_client(therapist, presenting_concerns="Insomnia; cannot sleep at night.")
    HomeworkAssignmentFactory(client=client, template=library["sleep"], kind="checklist")
    AiSuggestion.objects.create(
        client=client,
        kind=AiSuggestion.Kind.HOMEWORK_RECOMMENDATION,
        payload={"template": {"id": library["activity"].pk}},
        decision=AiSuggestion.Decision.DISMISSED,
        decided_at=timezone.now() - dt.timedelta(days=2),
        method="m",
        version="v",
    )
    ids = {r.template.id for r in recommend.compute_recommendations(client, encoder=KeywordEncoder()).recommendations}
    assert library["sleep"].pk not in ids
    assert library["activity"].pk not in ids


@pytest.mark.django_db
def test_encoder_is_injectable_and_method_names_the_path(therapist, library):
    client = consenting_client(therapist, presenting_concerns="Insomnia")
    encoder = KeywordEncoder()
    with_model = recommend.compute_recommendations(client, encoder=encoder)
    without = recommend.compute_recommendations(client, encoder=None)
    assert encoder.calls == 1
    assert with_model.method == "embedding-similarity+kind-completion"
    assert without.method.startswith("tfidf-token-overlap") and "unavailable" in without.method
    assert with_model.version == without.version == "recommend_v1"


# ---------------------------------------------------------------------------
# API and decisions


@pytest.fixture
def ai_client(client_record):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    client_record.presenting_concerns = "Insomnia; cannot sleep at night."
    client_record.save()
    return client_record


def get_recommendations(user, client):
    return as_user(user).get(reverse("api-client-recommendations", kwargs={"pk": client.pk}))


@pytest.mark.django_db
def test_recommendations_api_shows_top_three_with_why(therapist, ai_client, library):
    response = get_recommendations(therapist, ai_client)
    assert response.status_code == 200
    body = response.json()
    assert body["consent"] is True and body["kind"] == "ai_suggestion"
    assert len(body["results"]) == 3
    first = body["results"][0]
    assert first["template"] == {"id": library["sleep"].pk, "title": "Sleep diary", "kind": "checklist"}
    assert first["decision"] == "pending" and first["rank"] == 1
    assert first["reasons"] and first["method"] and first["version"] == "recommend_v1"
    assert first["inputs"]["homework_template_id"] == library["sleep"].pk
    assert first["inputs"]["client_id"] == ai_client.pk
    assert AiSuggestion.objects.filter(client=ai_client, kind="homework_recommendation").count() == 3


@pytest.mark.django_db
def test_recomputing_reuses_rows_while_the_template_stays_in_the_top(therapist, ai_client, library):
    first = [item["id"] for item in get_recommendations(therapist, ai_client).json()["results"]]
    second = [item["id"] for item in get_recommendations(therapist, ai_client).json()["results"]]
    assert first == second
    assert AiSuggestion.objects.filter(client=ai_client).count() == 3


def decide(user, suggestion_id, data, api=None):
    api = api or as_user(user)
    return api.post(reverse("api-suggestion-decision", kwargs={"pk": suggestion_id}), data, format="json")


@pytest.mark.django_db
def test_accepting_assigns_the_template_and_records_who_when_and_an_audit_event(therapist, ai_client, library):
    suggestion_id = get_recommendations(therapist, ai_client).json()["results"][0]["id"]
    due = timezone.now() + dt.timedelta(days=3)
    response = decide(therapist, suggestion_id, {"decision": "accepted", "due_at": due.isoformat()})
    assert response.status_code == 200, response.content
    body = response.json()
    assignment = HomeworkAssignment.objects.get(pk=body["assignments"][0])
    assert assignment.client == ai_client and assignment.template == library["sleep"]
    assert abs((assignment.due_at - due).total_seconds()) < 1
    assert assignment.assigned_by == therapist
    suggestion = AiSuggestion.objects.get(pk=suggestion_id)
    assert suggestion.decision == "accepted" and suggestion.decided_by == therapist and suggestion.decided_at
    assert body["decided_by"] == therapist.membership.pk
    assert AuditEvent.objects.filter(
        action="decide", target_id=str(suggestion_id), actor=therapist, client_id=ai_client.pk
    ).exists()


@pytest.mark.django_db
def test_accepting_without_a_due_date_gives_a_week(therapist, ai_client, library):
    suggestion_id = get_recommendations(therapist, ai_client).json()["results"][0]["id"]
    response = decide(therapist, suggestion_id, {"decision": "accepted"})
    assignment = HomeworkAssignment.objects.get(pk=response.json()["assignments"][0])
    expected = timezone.now() + dt.timedelta(days=7)
    assert abs((assignment.due_at - expected).total_seconds()) < 60


@pytest.mark.django_db
def test_dismissing_records_the_decision_and_assigns_nothing(therapist, ai_client, library):
    suggestion_id = get_recommendations(therapist, ai_client).json()["results"][0]["id"]
    response = decide(therapist, suggestion_id, {"decision": "dismissed"})
    assert response.status_code == 200
    assert response.json()["assignments"] == []
    suggestion = AiSuggestion.objects.get(pk=suggestion_id)
    assert suggestion.decision == "dismissed" and suggestion.decided_by == therapist
    assert not HomeworkAssignment.objects.filter(client=ai_client).exists()
    assert AuditEvent.objects.filter(action="decide", target_id=str(suggestion_id)).count() == 1
    # A dismissed template is not suggested again straight away.
    ids = [item["template"]["id"] for item in get_recommendations(therapist, ai_client).json()["results"]]
    assert library["sleep"].pk not in ids


@pytest.mark.django_db
def test_a_decided_suggestion_cannot_be_decided_again(therapist, ai_client, library):
    suggestion_id = get_recommendations(therapist, ai_client).json()["results"][0]["id"]
    decide(therapist, suggestion_id, {"decision": "dismissed"})
    response = decide(therapist, suggestion_id, {"decision": "accepted"})
    assert response.status_code == 409
    assert not HomeworkAssignment.objects.filter(client=ai_client).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, field",
    [
        ({"decision": "maybe"}, "decision"),
        ({}, "decision"),
        ({"decision": "accepted", "due_at": "2001-01-01T09:00:00Z"}, "due_at"),
    ],
)
def test_invalid_decisions_are_400_and_change_nothing(therapist, ai_client, library, data, field):
    suggestion_id = get_recommendations(therapist, ai_client).json()["results"][0]["id"]
    api = as_user(therapist)
    events = AuditEvent.objects.count()
    response = decide(therapist, suggestion_id, data, api)
    assert response.status_code == 400
    assert field in response.json()
    assert AiSuggestion.objects.get(pk=suggestion_id).decision == "pending"
    assert not HomeworkAssignment.objects.filter(client=ai_client).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_accepting_a_template_removed_from_the_library_is_a_conflict(therapist, ai_client, library):
    suggestion_id = get_recommendations(therapist, ai_client).json()["results"][0]["id"]
    library["sleep"].is_active = False
    library["sleep"].save()
    response = decide(therapist, suggestion_id, {"decision": "accepted"})
    assert response.status_code == 409
    assert AiSuggestion.objects.get(pk=suggestion_id).decision == "pending"


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 10, 100])
def test_recommendation_queries_do_not_grow_with_the_library(
    therapist, ai_client, practice, size, django_assert_num_queries
):
    goal = Goal.objects.create(client=ai_client, problem="Sleep", description="Sleep through")
    goal.objectives.create(description="Seven hours a night")
    for number in range(size):
        HomeworkTemplateFactory(practice=practice, title=f"Exercise {number}", description="Sleep better")
        HomeworkAssignmentFactory(client=ai_client, kind="journal", status=HomeworkAssignment.Status.COMPLETED)
    recommend.compute_recommendations(ai_client, encoder=None)
    # Goals, objectives (prefetch), assignments, dismissed suggestions, templates.
    with django_assert_num_queries(5):
        recommend.compute_recommendations(ai_client, encoder=None)


@pytest.mark.embeddings
@pytest.mark.django_db
def test_real_embedding_model_matches_insomnia_to_the_sleep_diary(practice, therapist):
    from insights import risk
    from sessions.services.homework import homework_library_install

    embedder = risk.load_embedder()
    if embedder is None:
        pytest.skip(f"embedding model unavailable: {risk.embedding_status()['error']}")
    homework_library_install(practice=practice)
    client = consenting_client(therapist, presenting_concerns="I lie awake until 4am and dread going to bed.")
    result = recommend.compute_recommendations(client, encoder=embedder.encode)
    assert result.method == "embedding-similarity+kind-completion"
    assert "sleep" in result.recommendations[0].template.title.lower()


def test_reasons_name_the_goal_and_speak_of_the_client_with_her_pronouns():
    from practice import labels

    goal = ProfilePiece("goal", 31, "Insomnia. Sleep through the night", "Sleep through the night")
    history = {"checklist": KindHistory(completed=3, not_completed=1), "journal": KindHistory(1, 1)}
    maya = labels.person(name="Maya", pronouns="she/her")
    first = rank_templates([goal], LIBRARY, history, KeywordEncoder(), who=maya)[0]
    assert first.template == SLEEP
    assert first.reasons == [
        "Matches the goal ‘Sleep through the night’ (both mention insomnia, night and sleep).",
        "She completed 3 of her 4 past checklists.",
    ]
    # No pronouns recorded: the client's name; a kind never assigned falls back to the overall record.
    sam = labels.person(name="Sam")
    worry = next(
        item
        for item in rank_templates([goal], LIBRARY, history, KeywordEncoder(), who=sam)
        if item.template == WORRY_SHEET
    )
    assert (
        worry.reasons[1]
        == "No worksheets assigned before; Sam completed 4 of Sam's 6 past homework assignments overall."
    )


@pytest.mark.django_db
def test_stored_reasons_use_the_goal_title_and_the_clients_pronouns(therapist, library):
    client = consenting_client(therapist, presenting_concerns="", pronouns="he/him")
    Goal.objects.create(client=client, problem="Insomnia", description="Sleep through the night")
    past = timezone.now() - dt.timedelta(days=10)
    for status in ["completed", "completed", "missed"]:
        HomeworkAssignmentFactory(client=client, kind="checklist", status=status, due_at=past)
    top_pick = recommend.compute_recommendations(client, encoder=KeywordEncoder()).recommendations[0]
    assert top_pick.template.id == library["sleep"].pk
    assert top_pick.reasons[0].startswith("Matches the goal ‘Sleep through the night’")
    assert top_pick.reasons[1] == "He completed 2 of his 3 past checklists."


@pytest.mark.parametrize(
    ("completed", "missed", "sentence"),
    [
        (1, 0, "She completed her one past journal."),
        (0, 1, "She did not complete her one past journal."),
        (3, 0, "She completed all 3 of her past journals."),
        (2, 0, "She completed both of her past journals."),
        (0, 2, "She completed none of her 2 past journals."),
        (2, 1, "She completed 2 of her 3 past journals."),
    ],
)
def test_history_sentence_reads_naturally_at_every_count(completed, missed, sentence):
    from practice import labels

    history = {"journal": KindHistory(completed=completed, not_completed=missed)}
    who = labels.person(name="Maya", pronouns="she/her")
    assert recommend._completion_reason("journal", history, 0.5, who) == sentence

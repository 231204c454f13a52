"""Who may use the AI adjuncts, and consent gating: no AI consent, nothing computed or stored."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Consent
from insights.ai import refresh, services
from insights.models import AiSuggestion
from insights.tasks.ai import ai_refresh_client
from practice.models import AuditEvent
from sessions.models import HomeworkAssignment
from tests.authz import DENY_ALL, Row, run_row
from tests.conftest import Snapshot, as_user
from tests.factories import CheckInFactory, HomeworkTemplateFactory, MembershipFactory

THERAPIST_ONLY = {**DENY_ALL, "therapist": 200}
# The client's supervisor reads what the treating therapist reads, but does not decide.
CARE_TEAM_READ = {**THERAPIST_ONLY, "supervisor": 200}


def client_pk(ctx):
    return {"pk": ctx["client"].pk}


MATRIX = [
    Row("api-client-brief", "get", CARE_TEAM_READ, kwargs=client_pk),
    Row("api-client-affect", "get", CARE_TEAM_READ, kwargs=client_pk),
    Row("api-client-recommendations", "get", CARE_TEAM_READ, kwargs=client_pk),
    Row(
        "api-suggestion-decision",
        "post",
        {**THERAPIST_ONLY, "supervisor": 403},
        kwargs=lambda ctx: {"pk": ctx["suggestion"].pk},
        data=lambda ctx: {"decision": "dismissed"},
    ),
]


def pending_recommendation(client, template):
    return AiSuggestion.objects.create(
        client=client,
        kind=AiSuggestion.Kind.HOMEWORK_RECOMMENDATION,
        payload={"template": {"id": template.pk, "title": template.title, "kind": template.kind}, "rank": 1},
        reasons=["Fits the presenting concerns."],
        inputs={"client_id": client.pk, "homework_template_id": template.pk},
        method="embedding-similarity+kind-completion",
        version="recommend_v1",
    )


@pytest.fixture
def template(practice):
    return HomeworkTemplateFactory(practice=practice, title="Sleep diary", kind="checklist", description="Sleep")


@pytest.fixture
def ctx(actors, client_record, template):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    CheckInFactory(client=client_record, mood=4, note="I could not sleep again and felt awful all day.")
    return {"actors": actors, "client": client_record, "suggestion": pending_recommendation(client_record, template)}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_ai_route_authorization(row, ctx):
    run_row(row, ctx)


@pytest.mark.django_db
def test_supervisor_reads_suggestions_but_only_treating_therapists_decide(client_record, template, practice):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    supervisor = MembershipFactory(practice=practice, role="therapist").user
    client_record.supervisor = supervisor.membership
    client_record.save()
    suggestion = pending_recommendation(client_record, template)
    api = as_user(supervisor)
    assert api.get(reverse("api-client-recommendations", kwargs={"pk": client_record.pk})).status_code == 200
    before = Snapshot.take()
    response = api.post(
        reverse("api-suggestion-decision", kwargs={"pk": suggestion.pk}), {"decision": "accepted"}, format="json"
    )
    assert response.status_code == 403
    assert Snapshot.take().changed_since(before) == {}
    assert AiSuggestion.objects.get(pk=suggestion.pk).decision == "pending"


# ---------------------------------------------------------------------------
# Consent gating


@pytest.fixture
def no_ai_compute(monkeypatch):
    """Fail loudly if any AI computation starts for a client without consent."""

    def refuse(*args, **kwargs):
        raise AssertionError("AI computation ran without consent")

    monkeypatch.setattr(services, "compute_brief", refuse)
    for name in ("compute_affect", "compute_recommendations"):
        monkeypatch.setattr(refresh, name, refuse)
    monkeypatch.setattr(refresh.nudges, "learn_for_client", refuse)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name, empty",
    [
        ("api-client-brief", {"quotes": [], "sections": None}),
        ("api-client-affect", {"series": []}),
        ("api-client-recommendations", {"results": [], "reminder_timing": None}),
    ],
)
def test_without_ai_consent_nothing_is_computed_or_stored(
    therapist, client_record, template, no_ai_compute, url_name, empty
):
    CheckInFactory(client=client_record, mood=8, note="I feel hopeless and nothing will ever change.")
    api = as_user(therapist)
    before = Snapshot.take()
    response = api.get(reverse(url_name, kwargs={"pk": client_record.pk}))
    assert response.status_code == 200
    body = response.json()
    assert body["consent"] is False
    assert body["detail"] == "The client has not consented to AI processing."
    for key, value in empty.items():
        assert body[key] == value
    assert Snapshot.take().changed_since(before) == {}
    assert not AiSuggestion.objects.exists()


@pytest.mark.django_db
def test_revoked_consent_stops_outputs_and_decisions(therapist, client_record, template):
    consent = Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    suggestion = pending_recommendation(client_record, template)
    consent.revoked_at = timezone.now()
    consent.save()
    api = as_user(therapist)
    events = AuditEvent.objects.count()
    response = api.post(
        reverse("api-suggestion-decision", kwargs={"pk": suggestion.pk}), {"decision": "accepted"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "The client has not consented to AI processing."}
    assert AiSuggestion.objects.get(pk=suggestion.pk).decision == "pending"
    assert not HomeworkAssignment.objects.exists()
    assert AuditEvent.objects.count() == events
    assert api.get(reverse("api-client-recommendations", kwargs={"pk": client_record.pk})).json()["results"] == []


@pytest.mark.django_db
def test_refresh_task_computes_nothing_without_consent(client_record, template, no_ai_compute):
    ai_refresh_client(client_record.pk)
    assert not AiSuggestion.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("call", ["brief", "affect", "recommendations", "nudge"])
def test_services_refuse_without_consent(client_record, therapist, no_ai_compute, call):
    functions = {
        "brief": lambda: services.brief_refresh(client=client_record, actor=therapist),
        "affect": lambda: services.affect_refresh(client=client_record, actor=therapist),
        "recommendations": lambda: services.recommendations_refresh(client=client_record),
        "nudge": lambda: services.nudge_timing_refresh(client=client_record),
    }
    with pytest.raises(services.AiConsentMissing):
        functions[call]()
    assert not AiSuggestion.objects.exists()


@pytest.mark.django_db
def test_refresh_task_stores_outputs_for_a_consenting_client_and_is_idempotent(client_record, template):
    Consent.objects.create(client=client_record, kind=Consent.Kind.AI_PROCESSING)
    CheckInFactory(client=client_record, mood=8, note="I feel hopeless and nothing will ever change.")
    ai_refresh_client(client_record.pk)
    kinds = sorted(AiSuggestion.objects.values_list("kind", flat=True))
    assert kinds == ["affect", "homework_recommendation"]
    ai_refresh_client(client_record.pk)
    assert AiSuggestion.objects.count() == 2
    ai_refresh_client(999_999)  # a deleted client is logged and skipped

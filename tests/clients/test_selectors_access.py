"""clients.selectors accessors: one way in to a client, 404 before 403, reads audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import BreakGlassGrant, Client, Consent
from clients.selectors import (
    client_detail,
    client_for_admin,
    client_for_portal,
    client_for_read,
    client_for_write,
    goals_for_client,
)
from practice.audit import AuditAction
from practice.errors import Forbidden, NotFound
from practice.models import AuditEvent
from tests.conftest import web_as
from tests.factories import MembershipFactory


@pytest.fixture
def supervisor(practice, client_record):
    membership = MembershipFactory(practice=practice, role="therapist")
    Client.objects.filter(pk=client_record.pk).update(supervisor=membership)
    return membership.user


def reads(user) -> list[tuple[str, list[str]]]:
    return list(
        AuditEvent.objects.filter(actor=user, action=AuditAction.READ)
        .values_list("target_type", "fields")
        .order_by("id")
    )


@pytest.mark.django_db
def test_read_and_write_accessors_answer_404_then_403(therapist, supervisor, colleague, manager, client_record):
    assert client_for_write(user=therapist, client_id=client_record.pk) == client_record
    assert client_for_read(user=supervisor, client_id=client_record.pk) == client_record
    with pytest.raises(Forbidden):
        client_for_write(user=supervisor, client_id=client_record.pk)
    for user in (colleague, manager):
        with pytest.raises(NotFound):
            client_for_write(user=user, client_id=client_record.pk)
    with pytest.raises(NotFound):
        client_for_read(user=therapist, client_id=10_000)
    with pytest.raises(NotFound):
        client_for_read(user=therapist, client_id="not-a-number")


@pytest.mark.django_db
def test_admin_accessor_sees_the_roster_and_refuses_edits_it_may_not_make(manager, supervisor, client_record):
    assert client_for_admin(user=manager, client_id=client_record.pk, write=True) == client_record
    assert client_for_admin(user=supervisor, client_id=client_record.pk) == client_record
    with pytest.raises(Forbidden):
        client_for_admin(user=supervisor, client_id=client_record.pk, write=True)


@pytest.mark.django_db
def test_portal_accessor_is_the_clients_own_record_until_consent_is_withdrawn(client_user, therapist, client_record):
    assert client_for_portal(user=client_user) == client_record
    with pytest.raises(NotFound):
        client_for_portal(user=therapist)
    Consent.objects.filter(client=client_record, kind=Consent.Kind.PORTAL).update(revoked_at=timezone.now())
    with pytest.raises(Forbidden):
        client_for_portal(user=client_user)
    assert client_for_portal(user=client_user, allow_withdrawn_consent=True) == client_record


@pytest.mark.django_db
def test_detail_records_the_clinical_read_only_when_clinical_fields_are_returned(therapist, manager, client_record):
    assert client_detail(user=therapist, client_id=client_record.pk).clinical
    assert reads(therapist) == [("clients.client", ["address", "diagnosis_codes", "presenting_concerns"])]
    assert not client_detail(user=manager, client_id=client_record.pk).clinical
    assert reads(manager) == []


@pytest.mark.django_db
def test_a_break_glass_admin_reads_but_never_writes(admin, client_record):
    with pytest.raises(NotFound):
        client_for_read(user=admin, client_id=client_record.pk)
    BreakGlassGrant.objects.create(
        client=client_record,
        granted_to=admin.membership,
        reason="Covering",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    assert client_detail(user=admin, client_id=client_record.pk).clinical
    with pytest.raises(Forbidden):
        client_for_write(user=admin, client_id=client_record.pk)


@pytest.mark.django_db
def test_goals_selector_records_the_read(therapist, client_record):
    list(goals_for_client(client=client_record, actor=therapist))
    assert reads(therapist) == [("clients.goal", ["description", "objectives", "problem"])]


@pytest.mark.django_db
def test_the_chart_ai_tab_get_stores_nothing_and_shows_what_was_stored(therapist, supervisor, client_record):
    from clients.services.records import consent_grant
    from insights.models import AiSuggestion

    consent_grant(client=client_record, kind="ai_processing", actor=therapist)
    url = f"{reverse('client-chart', args=[client_record.pk])}?tab=ai"
    browser = web_as(therapist)
    assert "No brief yet" in browser.get(url).content.decode()
    assert not AiSuggestion.objects.exists()
    assert browser.post(url, {"action": "ai_refresh"}).status_code == 302
    brief = AiSuggestion.objects.get(client=client_record, kind=AiSuggestion.Kind.SESSION_BRIEF)
    count = AiSuggestion.objects.count()
    body = web_as(supervisor).get(url).content.decode()
    # The stored brief is shown (its version; the method string is not clinician wording).
    assert "No brief yet" not in body and f"Version {brief.version}" in body
    assert AiSuggestion.objects.count() == count  # reading changed nothing
    assert ("insights.aisuggestion", ["checkin.note", "homework_submission.responses", "session_brief"]) in reads(
        supervisor
    )
    # A supervisor may refresh (it changes no clinical record) but not decide on a suggestion.
    assert web_as(supervisor).post(url, {"action": "ai_refresh"}).status_code == 302
    assert web_as(supervisor).post(url, {"action": "ai_decide", "suggestion": brief.pk}).status_code == 403


@pytest.mark.django_db
def test_the_stored_brief_shows_its_quotes_from_the_rows_it_points_at(therapist, client_record):
    from clients.services.records import consent_grant
    from sessions.models import CheckIn

    consent_grant(client=client_record, kind="ai_processing", actor=therapist)
    CheckIn.objects.create(client=client_record, mood=3, note="I walked to the park and felt lighter afterwards.")
    url = f"{reverse('client-chart', args=[client_record.pk])}?tab=ai"
    browser = web_as(therapist)
    browser.post(url, {"action": "ai_refresh"})
    assert "I walked to the park and felt lighter afterwards." in browser.get(url).content.decode()


@pytest.mark.django_db
def test_a_stored_quote_pointing_at_another_clients_check_in_shows_nothing_of_it(therapist, client_record):
    from clients.services.records import consent_grant
    from insights.models import AiSuggestion
    from sessions.models import CheckIn

    consent_grant(client=client_record, kind="ai_processing", actor=therapist)
    CheckIn.objects.create(client=client_record, mood=3, note="I walked to the park and felt lighter afterwards.")
    from tests.factories import ClientFactory

    other = ClientFactory(practice=client_record.practice, primary_therapist=client_record.primary_therapist)
    foreign = CheckIn.objects.create(client=other, mood=2, note="Private words of someone else, never shown here.")
    url = f"{reverse('client-chart', args=[client_record.pk])}?tab=ai"
    browser = web_as(therapist)
    browser.post(url, {"action": "ai_refresh"})
    brief = AiSuggestion.objects.get(client=client_record, kind=AiSuggestion.Kind.SESSION_BRIEF)
    payload = dict(brief.payload)
    quotes = [dict(quote) for quote in payload.get("quotes") or []]
    assert quotes, "the brief quotes the client's check-in"
    for quote in quotes:
        quote.update(source_type="checkin", source_id=foreign.pk, start=0, end=len(foreign.note))
    payload["quotes"] = quotes
    AiSuggestion.objects.filter(pk=brief.pk).update(payload=payload)
    body = browser.get(url).content.decode()
    assert "Private words of someone else" not in body


@pytest.mark.django_db
def test_a_brief_quoting_check_ins_homework_and_alerts_reads_them_in_one_query(therapist, client_record):
    """The brief's quoted check-in, quoted homework answer and listed alerts are read together
    (one UNION ALL), only from this client's rows, and the tab keeps to its query budget."""
    from clients.services.records import consent_grant
    from insights.models import AiSuggestion
    from insights.safety import raise_alert
    from sessions.models import CheckIn, HomeworkSubmission
    from tests.commits import second_view
    from tests.factories import ClientFactory, HomeworkAssignmentFactory
    from tests.sessions.test_web_workspace import CHART_QUERY_BUDGET

    consent_grant(client=client_record, kind="ai_processing", actor=therapist)
    note = CheckIn.objects.create(client=client_record, mood=4, note="Slept badly but went to the allotment.")
    assignment = HomeworkAssignmentFactory(client=client_record, title="Thought record")
    answer = HomeworkSubmission.objects.create(
        assignment=assignment, responses={"situation": "The bus was late and I missed the class."}
    )
    alert = raise_alert(client=client_record, kind="measure_flag", severity="concern", reason="PHQ-9 rose by six")
    other = ClientFactory(practice=client_record.practice, primary_therapist=client_record.primary_therapist)
    foreign = raise_alert(client=other, kind="measure_flag", severity="concern", reason="Someone else's alert")
    where = {"written_at": timezone.now().isoformat(), "salience": 0.5, "centrality": 0.5, "sentiment": -0.2}
    brief = AiSuggestion.objects.create(
        client=client_record,
        kind=AiSuggestion.Kind.SESSION_BRIEF,
        method="test",
        version="1",
        payload={
            "sections": {"alerts": [{"id": alert.pk}, {"id": foreign.pk}]},
            "quotes": [
                {**where, "source_type": "checkin", "source_id": note.pk, "field": "note", "start": 0, "end": 12},
                {
                    **where,
                    "source_type": "homework_submission",
                    "source_id": answer.pk,
                    "field": "situation",
                    "start": 0,
                    "end": 16,
                },
            ],
        },
    )
    from clients.selectors import stored_ai_outputs

    stored = stored_ai_outputs(client=client_record, user=therapist)
    assert stored.brief == brief
    assert [quote["text"] for quote in stored.brief_quotes] == ["Slept badly ", "The bus was late"]
    assert stored.brief_alert_reasons == {alert.pk: "PHQ-9 rose by six"}

    url = f"{reverse('client-chart', args=[client_record.pk])}?tab=ai"
    response, counted = second_view(web_as(therapist), url)
    body = response.content.decode()
    sources = [sql for sql in counted.queries if "UNION ALL" in sql.upper()]
    assert any("clinical_sessions_checkin" in sql and "insights_alert" in sql for sql in sources)
    assert len(counted.queries) <= CHART_QUERY_BUDGET
    assert "Slept badly" in body and "The bus was late" in body and "PHQ-9 rose by six" in body
    assert "Someone else" not in body

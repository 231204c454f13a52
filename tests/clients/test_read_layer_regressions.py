"""Regressions fixed by the read layer (issue 12): one accessor per record, one answer.

1. A supervisor can read the client, so a write they may not make is 403 on every route
   (it was 404 on goals, consents and assessments, 403 on sessions, notes, homework and
   messages). API.md: 403 when the caller can see the record.
2. After portal consent is withdrawn, every /me/ route is 403 (assessments and
   questionnaires answered 200/201), crisis resources excepted.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Consent, DueQuestionnaire
from tests.conftest import Snapshot, as_user
from tests.factories import MembershipFactory

SUPERVISOR_WRITES = [
    ("api-client-goals", {"problem": "Low mood", "description": "Return to work", "objectives": []}),
    ("api-client-consents", {"kind": "ai_processing"}),
    ("api-client-assessments", {"instrument": "gad7", "answers": [1, 1, 1, 1, 1, 1, 1]}),
    ("api-client-measure-schedules", {"instrument": "wai_sr", "every_n_sessions": 3}),
    ("api-client-sessions", {"starts_at": "2030-01-01T10:00:00Z", "duration_minutes": 50}),
    ("api-client-notes", {"format": "soap"}),
    ("api-client-homework", {"title": "Walk", "kind": "journal", "due_at": "2030-01-01T10:00:00Z"}),
    ("api-client-messages", {"body": "Hello"}),
]


@pytest.fixture
def supervisor(practice, client_record):
    membership = MembershipFactory(practice=practice, role="therapist", user__email="supervisor@northside.example")
    Client.objects.filter(pk=client_record.pk).update(supervisor=membership)
    return membership.user


@pytest.mark.django_db
@pytest.mark.parametrize(("url_name", "data"), SUPERVISOR_WRITES, ids=[name for name, _ in SUPERVISOR_WRITES])
def test_a_supervisor_who_can_read_gets_403_on_every_clinical_write(supervisor, client_record, url_name, data):
    api = as_user(supervisor)
    url = reverse(url_name, kwargs={"pk": client_record.pk})
    assert api.get(url).status_code == 200  # they can see the record...
    before = Snapshot.take()
    response = api.post(url, data, format="json")
    assert response.status_code == 403, response.content  # ...so a refused write says so
    assert not Snapshot.take().changed_since(before)


@pytest.mark.django_db
def test_a_supervisor_gets_403_on_goal_edits_and_client_admin_edits(supervisor, client_record):
    from clients.models import Goal

    goal = Goal.objects.create(client=client_record, problem="Sleep", description="Sleep 7 hours")
    api = as_user(supervisor)
    before = Snapshot.take()
    assert api.patch(reverse("api-goal-detail", kwargs={"pk": goal.pk}), {"status": "met"}).status_code == 403
    assert api.post(reverse("api-portal-invite", kwargs={"pk": client_record.pk})).status_code == 403
    detail = reverse("api-client-detail", kwargs={"pk": client_record.pk})
    assert api.patch(detail, {"phone": "555-0100"}, format="json").status_code == 403
    assert not Snapshot.take().changed_since(before)


@pytest.mark.django_db
def test_outside_the_care_team_the_same_writes_stay_404(colleague, client_record):
    api = as_user(colleague)
    for url_name, data in SUPERVISOR_WRITES:
        response = api.post(reverse(url_name, kwargs={"pk": client_record.pk}), data, format="json")
        assert response.status_code == 404, url_name


@pytest.mark.django_db
def test_withdrawn_portal_consent_closes_every_me_route_but_crisis_resources(client_user, client_record):
    DueQuestionnaire.objects.create(
        client=client_record,
        instrument="phq9",
        due_at=timezone.now(),
        expires_at=timezone.now() + timezone.timedelta(days=2),
    )
    api = as_user(client_user)  # a token issued before the withdrawal
    assert api.get(reverse("api-me-assessments")).status_code == 200
    assert len(api.get(reverse("api-me-questionnaires")).json()) == 1
    Consent.objects.filter(client=client_record, kind=Consent.Kind.PORTAL).update(revoked_at=timezone.now())
    before = Snapshot.take()
    for url_name, method, data in [
        ("api-me-assessments", "get", None),
        ("api-me-assessments", "post", {"instrument": "phq9", "answers": [0, 0, 1, 1, 0, 0, 0, 0, 0]}),
        ("api-me-questionnaires", "get", None),
        ("api-me-homework", "get", None),
        ("api-me-checkins", "get", None),
        ("api-me-messages", "get", None),
    ]:
        response = getattr(api, method)(reverse(url_name), data, format="json")
        assert response.status_code == 403, url_name
        assert "portal access has been withdrawn" in response.json()["detail"], url_name
    assert not Snapshot.take().changed_since(before)
    resources = api.get(reverse("api-me-crisis-resources"))
    assert resources.status_code == 200
    assert resources.json()["crisis_resources"] == client_record.practice.crisis_resources


@pytest.mark.django_db
def test_withdrawn_consent_portal_pages_pause_access_with_help_numbers(client_user, client_record):
    from tests.conftest import web_as

    Consent.objects.filter(client=client_record, kind=Consent.Kind.PORTAL).update(revoked_at=timezone.now())
    response = web_as(client_user).get(reverse("portal-questionnaires"))
    assert response.status_code == 403
    assert response.templates[0].name == "portal/access_paused.html"

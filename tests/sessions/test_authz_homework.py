"""Authorization matrix for homework, check-ins, messages and crisis resources.

`client_user` owns `client_record` (and its assignment); `other_client_user` is another
client of the same therapist, so every /me/ route must keep the two apart (404).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Consent
from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission
from tests.authz import DENY_ALL, Row, run_row
from tests.conftest import Snapshot, as_user
from tests.factories import (
    HomeworkAssignmentFactory,
    HomeworkTemplateFactory,
    MembershipFactory,
)

STAFF = {"therapist": 200, "supervisor": 200, "colleague": 200, "outsider": 200, "manager": 200, "admin": 200}
CLIENTS_OWN = {"client_user": 200, "other_client_user": 200}


def client_pk(ctx):
    return {"pk": ctx["client"].pk}


def template_pk(ctx):
    return {"pk": ctx["template"].pk}


def assignment_pk(ctx):
    return {"pk": ctx["assignment"].pk}


def future(days: int = 3) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


MATRIX = [
    Row("api-homework-templates", "get", {**DENY_ALL, **STAFF}),
    Row(
        "api-homework-templates",
        "post",
        {
            **DENY_ALL,
            "therapist": 201,
            "supervisor": 201,
            "colleague": 201,
            "outsider": 201,
            "admin": 201,
            "manager": 403,
        },
        data=lambda ctx: {"title": "Evening journal", "kind": "journal"},
    ),
    Row("api-homework-template-detail", "get", {**DENY_ALL, **STAFF, "outsider": 404}, kwargs=template_pk),
    Row(
        "api-homework-template-detail",
        "patch",
        {**DENY_ALL, "therapist": 200, "supervisor": 200, "colleague": 200, "admin": 200, "manager": 403},
        kwargs=template_pk,
        data=lambda ctx: {"description": "Write for ten minutes."},
    ),
    Row("api-client-homework", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row(
        "api-client-homework",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},
        kwargs=client_pk,
        data=lambda ctx: {"template": ctx["template"].pk, "due_at": future()},
    ),
    Row("api-homework-detail", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=assignment_pk),
    Row(
        "api-homework-detail",
        "patch",
        {**DENY_ALL, "therapist": 200, "supervisor": 403},
        kwargs=assignment_pk,
        data=lambda ctx: {"feedback": "Thank you for doing this."},
    ),
    Row("api-me-homework", "get", {**DENY_ALL, **CLIENTS_OWN}),
    Row("api-me-homework-detail", "get", {**DENY_ALL, "client_user": 200}, kwargs=assignment_pk),
    Row(
        "api-me-homework-submissions",
        "post",
        {**DENY_ALL, "client_user": 201},
        kwargs=assignment_pk,
        data=lambda ctx: {"responses": {"entry": "I had a good walk"}, "draft": True},
    ),
    Row("api-me-checkins", "get", {**DENY_ALL, **CLIENTS_OWN}),
    Row(
        "api-me-checkins",
        "post",
        {**DENY_ALL, "client_user": 201, "other_client_user": 201},
        data=lambda ctx: {"mood": 6, "note": "I had a good walk"},
    ),
    Row("api-client-checkins", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row("api-me-messages", "get", {**DENY_ALL, **CLIENTS_OWN}),
    Row(
        "api-me-messages",
        "post",
        {**DENY_ALL, "client_user": 201, "other_client_user": 201},
        data=lambda ctx: {"body": "See you on Tuesday."},
    ),
    Row("api-client-messages", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row(
        "api-client-messages",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},
        kwargs=client_pk,
        data=lambda ctx: {"body": "Looking forward to Tuesday."},
    ),
    Row("api-client-messages-read", "post", {**DENY_ALL, "therapist": 200, "supervisor": 403}, kwargs=client_pk),
    Row("api-me-crisis-resources", "get", {**DENY_ALL, **CLIENTS_OWN}),
]


@pytest.fixture
def ctx(actors, client_record, other_client_record, practice):
    template = HomeworkTemplateFactory(practice=practice)
    assignment = HomeworkAssignmentFactory(client=client_record, template=template, title=template.title)
    return {"actors": actors, "client": client_record, "template": template, "assignment": assignment}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_homework_route_authorization(row, ctx):
    run_row(row, ctx)


# ---------------------------------------------------------------------------
# Beyond the matrix: consent, discharge, supervisors, another practice's objects


def test_other_clients_assignment_is_404_for_every_me_route(ctx, other_client_user):
    other = as_user(other_client_user)
    pk = ctx["assignment"].pk
    before = Snapshot.take()
    assert other.get(reverse("api-me-homework-detail", kwargs={"pk": pk})).status_code == 404
    response = other.post(
        reverse("api-me-homework-submissions", kwargs={"pk": pk}), {"responses": {"entry": "mine"}}, format="json"
    )
    assert response.status_code == 404
    listed = other.get(reverse("api-me-homework")).json()
    assert pk not in [item["id"] for item in listed["results"]]
    assert not Snapshot.take().changed_since(before)


def test_withdrawn_portal_consent_is_403_with_a_clear_message(ctx, client_user, client_record):
    Consent.objects.filter(client=client_record, kind=Consent.Kind.PORTAL).update(revoked_at=timezone.now())
    api = as_user(client_user)
    before = Snapshot.take()
    for name, method, kwargs, data in [
        ("api-me-homework", "get", {}, None),
        ("api-me-homework-detail", "get", {"pk": ctx["assignment"].pk}, None),
        ("api-me-homework-submissions", "post", {"pk": ctx["assignment"].pk}, {"responses": {"entry": "x"}}),
        ("api-me-checkins", "get", {}, None),
        ("api-me-checkins", "post", {}, {"mood": 5}),
        ("api-me-messages", "get", {}, None),
        ("api-me-messages", "post", {}, {"body": "hello"}),
    ]:
        response = getattr(api, method)(reverse(name, kwargs=kwargs), data, format="json")
        assert response.status_code == 403, name
        assert "portal access has been withdrawn" in response.json()["detail"]
    assert not Snapshot.take().changed_since(before)
    # Crisis resources are never withheld.
    resources = api.get(reverse("api-me-crisis-resources"))
    assert resources.status_code == 200
    assert resources.json()["crisis_resources"] == client_record.practice.crisis_resources


def test_discharged_clients_portal_is_read_only(ctx, client_user, client_record):
    Client.objects.filter(pk=client_record.pk).update(status=Client.Status.DISCHARGED)
    api = as_user(client_user)
    before = Snapshot.take()
    submit = api.post(
        reverse("api-me-homework-submissions", kwargs={"pk": ctx["assignment"].pk}),
        {"responses": {"entry": "x"}},
        format="json",
    )
    assert submit.status_code == 409
    assert api.post(reverse("api-me-checkins"), {"mood": 5}, format="json").status_code == 409
    assert api.post(reverse("api-me-messages"), {"body": "hello"}, format="json").status_code == 409
    assert not Snapshot.take().changed_since(before)
    assert api.get(reverse("api-me-homework")).status_code == 200
    assert api.get(reverse("api-me-checkins")).status_code == 200
    assert HomeworkSubmission.objects.count() == 0 and CheckIn.objects.count() == 0


def test_discharged_client_cannot_be_assigned_homework(ctx, therapist, client_record):
    Client.objects.filter(pk=client_record.pk).update(status=Client.Status.DISCHARGED)
    response = as_user(therapist).post(
        reverse("api-client-homework", kwargs={"pk": client_record.pk}),
        {"template": ctx["template"].pk, "due_at": future()},
        format="json",
    )
    assert response.status_code == 409
    assert HomeworkAssignment.objects.filter(client=client_record).count() == 1


def test_supervisor_can_read_but_not_assign_or_cancel(ctx, practice, client_record):
    supervisor = MembershipFactory(practice=practice, role="therapist")
    Client.objects.filter(pk=client_record.pk).update(supervisor=supervisor)
    api = as_user(supervisor.user)
    assert api.get(reverse("api-client-homework", kwargs={"pk": client_record.pk})).status_code == 200
    before = Snapshot.take()
    assign = api.post(
        reverse("api-client-homework", kwargs={"pk": client_record.pk}),
        {"template": ctx["template"].pk, "due_at": future()},
        format="json",
    )
    assert assign.status_code == 403
    cancel = api.patch(
        reverse("api-homework-detail", kwargs={"pk": ctx["assignment"].pk}), {"status": "cancelled"}, format="json"
    )
    assert cancel.status_code == 403
    assert not Snapshot.take().changed_since(before)


def test_template_of_another_practice_cannot_be_assigned(ctx, therapist, other_practice, client_record):
    foreign = HomeworkTemplateFactory(practice=other_practice)
    api = as_user(therapist)
    before = Snapshot.take()
    response = api.post(
        reverse("api-client-homework", kwargs={"pk": client_record.pk}),
        {"template": foreign.pk, "due_at": future()},
        format="json",
    )
    assert response.status_code == 400
    assert "template" in response.json()
    assert not Snapshot.take().changed_since(before)


def test_template_list_shows_only_the_callers_practice(ctx, outsider, other_practice):
    HomeworkTemplateFactory(practice=other_practice, title="Southside only")
    titles = [item["title"] for item in as_user(outsider).get(reverse("api-homework-templates")).json()["results"]]
    assert titles == ["Southside only"]

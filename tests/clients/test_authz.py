from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import BreakGlassGrant
from tests.authz import DENY_ALL, Row, run_row
from tests.conftest import PASSWORD


def client_pk(ctx):
    return {"pk": ctx["client"].pk}


def open_grant(ctx):
    return BreakGlassGrant.objects.create(
        client=ctx["client"],
        granted_to=ctx["actors"]["admin"].membership,
        reason="Covering an emergency",
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )


def new_client(ctx):
    return {"first_name": "Robin", "last_name": "Ash", "date_of_birth": "1985-02-03"}


MATRIX = [
    Row(
        "api-clients",
        "get",
        {
            **DENY_ALL,
            "therapist": 200,
            "supervisor": 200,
            "colleague": 200,
            "outsider": 200,
            "manager": 200,
            "admin": 200,
        },
    ),
    Row(
        "api-clients",
        "post",
        {
            **DENY_ALL,
            "therapist": 201,
            "supervisor": 201,
            "colleague": 201,
            "outsider": 201,
            "manager": 201,
            "admin": 201,
        },
        data=new_client,
    ),
    Row(
        "api-clients-search",
        "post",
        {
            **DENY_ALL,
            "therapist": 200,
            "supervisor": 200,
            "colleague": 200,
            "outsider": 200,
            "manager": 200,
            "admin": 200,
        },
        data=lambda ctx: {"q": "Avery"},
    ),
    Row(
        "api-client-detail",
        "get",
        {**DENY_ALL, "therapist": 200, "supervisor": 200, "manager": 200, "admin": 200},
        kwargs=client_pk,
    ),
    Row(
        "api-client-detail",
        "patch",
        {**DENY_ALL, "therapist": 200, "supervisor": 403, "manager": 200, "admin": 200},
        kwargs=client_pk,
        data=lambda ctx: {"phone": "555-0100"},
    ),
    # The client already has a portal account: a sign-in reminder (200), never a new invite
    # (tests/clients/test_invite_takeover.py covers the 201 for a client without one). The
    # supervisor sees the record but may not invite: 403.
    Row(
        "api-portal-invite",
        "post",
        {**DENY_ALL, "therapist": 200, "supervisor": 403, "manager": 200, "admin": 200},
        kwargs=client_pk,
    ),
    Row("api-client-consents", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row(
        "api-client-consents",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},  # in PENDING_READ_LAYER_FIX
        kwargs=client_pk,
        data=lambda ctx: {"kind": "ai_processing"},
    ),
    Row("api-client-goals", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row(
        "api-client-goals",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},  # in PENDING_READ_LAYER_FIX
        kwargs=client_pk,
        data=lambda ctx: {
            "problem": "Low mood",
            "description": "Return to work",
            "objectives": [{"description": "3 days a week"}],
        },
    ),
    Row("api-instruments", "get", {**dict.fromkeys(DENY_ALL, 200), "anonymous": 401}),
    Row(
        "api-instruments",
        "post",
        {**DENY_ALL, "admin": 201},
        data=lambda ctx: {
            "definition": {
                **__import__("copy").deepcopy(
                    __import__("clients.instruments", fromlist=["x"]).BUILTIN_INSTRUMENTS["gad7"]
                ),
                "code": "my_gad",
                "name": "My GAD",
            }
        },
    ),
    Row("api-client-assessments", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row(
        "api-client-assessments",
        "post",
        {**DENY_ALL, "therapist": 201, "supervisor": 403},  # in PENDING_READ_LAYER_FIX
        kwargs=client_pk,
        data=lambda ctx: {"instrument": "gad7", "answers": [1, 1, 1, 1, 1, 1, 1]},
    ),
    Row("api-me-assessments", "get", {**DENY_ALL, "client_user": 200, "other_client_user": 200}),
    Row(
        "api-me-assessments",
        "post",
        {**DENY_ALL, "client_user": 201, "other_client_user": 201},
        data=lambda ctx: {"instrument": "phq9", "answers": [0, 0, 1, 1, 0, 0, 0, 0, 0]},
    ),
    Row("api-client-outcomes", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row("api-client-fhir", "get", {**DENY_ALL, "therapist": 200, "supervisor": 200}, kwargs=client_pk),
    Row(
        "api-client-measure-schedules",
        "get",
        {**DENY_ALL, "therapist": 200, "supervisor": 200},
        kwargs=client_pk,
    ),
    Row(
        "api-client-measure-schedules",
        "post",
        # The supervisor sees the record but may not change it: 403 (API.md).
        {**DENY_ALL, "therapist": 201, "supervisor": 403},
        kwargs=client_pk,
        data=lambda ctx: {"instrument": "wai_sr", "every_n_sessions": 3},
    ),
    Row("api-me-questionnaires", "get", {**DENY_ALL, "client_user": 200, "other_client_user": 200}),
    Row(
        "api-client-break-glass",
        "post",
        {**DENY_ALL, "admin": 201},
        kwargs=client_pk,
        data=lambda ctx: {"reason": "Therapist unreachable; client's family reports a crisis.", "password": PASSWORD},
    ),
    Row("api-break-glass", "get", {**DENY_ALL, "manager": 200, "admin": 200}),
    Row(
        "api-break-glass-revoke",
        "post",
        {**DENY_ALL, "manager": 200, "admin": 200},
        # A fresh grant for every caller: the first successful revoke would end a shared one.
        kwargs=lambda ctx: {"pk": open_grant(ctx).pk},
    ),
    Row(
        "api-goal-detail",
        "patch",
        # The supervisor sees the record but may not change it: 403 (API.md).
        {**DENY_ALL, "therapist": 200, "supervisor": 403},
        kwargs=lambda ctx: {"pk": ctx["goal"].pk},
        data=lambda ctx: {"status": "met"},
    ),
]


@pytest.fixture
def ctx(actors, client_record):
    from clients.models import Goal

    goal = Goal.objects.create(client=client_record, problem="Sleep", description="Sleep 7 hours")
    return {"actors": actors, "client": client_record, "goal": goal}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_client_route_authorization(row, ctx):
    run_row(row, ctx)

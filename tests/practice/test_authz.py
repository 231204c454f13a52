from __future__ import annotations

import pytest

from tests.authz import Row, run_row

OK_STAFF_ADMIN = {
    "therapist": 404,
    "supervisor": 404,
    "colleague": 404,
    "outsider": 404,
    "client_user": 404,
    "other_client_user": 404,
    "anonymous": 401,
}

MATRIX = [
    Row("api-members", "get", {**OK_STAFF_ADMIN, "manager": 200, "admin": 200}),
    Row(
        "api-members",
        "post",
        {**OK_STAFF_ADMIN, "manager": 201, "admin": 400},  # admin repeats the email -> 400
        data=lambda ctx: {
            "email": "new.therapist@northside.example",
            "role": "therapist",
            "password": "a-long-passphrase-1",
        },
    ),
    Row(
        "api-member-detail",
        "get",
        {**OK_STAFF_ADMIN, "manager": 200, "admin": 200},
        kwargs=lambda ctx: {"pk": ctx["actors"]["therapist"].membership.pk},
    ),
    Row(
        "api-member-detail",
        "patch",
        {**OK_STAFF_ADMIN, "manager": 200, "admin": 200},
        kwargs=lambda ctx: {"pk": ctx["actors"]["therapist"].membership.pk},
        data=lambda ctx: {"first_name": "Jordan"},
    ),
    # A role change through the API: within grantable_roles, like the staff page.
    Row(
        "api-member-detail",
        "patch",
        {**OK_STAFF_ADMIN, "manager": 200, "admin": 200},
        kwargs=lambda ctx: {"pk": ctx["actors"]["colleague"].membership.pk},
        data=lambda ctx: {"role": "manager"},
    ),
    Row(
        "api-member-detail",
        "patch",
        {**OK_STAFF_ADMIN, "manager": 403, "admin": 200},
        kwargs=lambda ctx: {"pk": ctx["actors"]["colleague"].membership.pk},
        data=lambda ctx: {"role": "admin"},
    ),
    Row(
        "api-audit",
        "get",
        {**OK_STAFF_ADMIN, "manager": 404, "admin": 200},
    ),
    Row("api-practice", "get", {**OK_STAFF_ADMIN, "manager": 404, "admin": 200}),
    # The practice settings (issue 13): country, time zone, thresholds, crisis lines; admins only.
    Row(
        "api-practice",
        "patch",
        {**OK_STAFF_ADMIN, "manager": 404, "admin": 200},
        data=lambda ctx: {
            "country": "GB",
            "time_zone": "Europe/London",
            "note_overdue_hours": 48,
            "crisis_lines": [{"name": "Samaritans", "phone": "116 123", "when": "Any time"}],
        },
    ),
    Row(
        "api-practice",
        "patch",
        {**OK_STAFF_ADMIN, "manager": 404, "admin": 400},
        data=lambda ctx: {"time_zone": "Mars/Olympus_Mons"},
    ),
    Row(
        "api-audit",
        "get",
        {**OK_STAFF_ADMIN, "manager": 404, "admin": 200},
        data=lambda ctx: {"client": ctx["client"].pk, "since": "2020-01-01", "until": "2099-12-31"},
    ),
    Row(
        "api-practice",
        "patch",
        {**OK_STAFF_ADMIN, "manager": 404, "admin": 200},
        data=lambda ctx: {"name": "Northside Therapy and Counselling"},
    ),
    Row(
        "api-me",
        "get",
        dict.fromkeys(OK_STAFF_ADMIN, 200) | {"manager": 200, "admin": 200, "anonymous": 401},
    ),
    Row(
        "api-logout",
        "post",
        dict.fromkeys(OK_STAFF_ADMIN, 204) | {"manager": 204, "admin": 204, "anonymous": 401},
    ),
]


@pytest.fixture
def ctx(actors, client_record):
    return {"actors": actors, "client": client_record}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_practice_route_authorization(row, ctx):
    run_row(row, ctx)

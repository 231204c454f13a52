"""Authorization matrix for the practice report routes: managers and admins only."""

from __future__ import annotations

import pytest

from tests.authz import Row, run_row

# Reports are for managers and admins. Therapists and clients get 404 (never 403: the
# route must not confirm to them that practice reports exist).
REPORT_READERS = {
    "therapist": 404,
    "supervisor": 404,
    "colleague": 404,
    "outsider": 404,
    "client_user": 404,
    "other_client_user": 404,
    "manager": 200,
    "admin": 200,
    "anonymous": 401,
}

MATRIX = [
    Row("api-reports-practice", "get", REPORT_READERS),
    Row("api-reports-practice-csv", "get", REPORT_READERS),
    Row("api-reports-practice-pdf", "get", REPORT_READERS),
]


@pytest.fixture
def ctx(actors, client_record):
    return {"actors": actors, "client": client_record}


@pytest.mark.django_db
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.id)
def test_report_route_authorization(row, ctx):
    run_row(row, ctx)

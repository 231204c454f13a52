"""The matrix helpers' bookkeeping of known wrong answers fails when it should.

`PENDING_READ_LAYER_FIX` (API) and `GET_WRITES_PENDING_READ_LAYER_FIX` (web) excuse a known
wrong answer with an xfail; an entry whose wrong answer has gone must fail the row, and a
different wrong answer must never be excused.
"""

from __future__ import annotations

import pytest

from tests import authz, web_authz
from tests.authz import DENY_ALL, Row, run_row
from tests.web_authz import THERAPISTS, WebRow, only, run_web_row

pytestmark = pytest.mark.django_db

GOALS = "GET api-client-goals"


def goals_row(**expect: int) -> Row:
    return Row(
        "api-client-goals",
        "get",
        {**DENY_ALL, "therapist": 200, "supervisor": 200, **expect},
        kwargs=lambda ctx: {"pk": ctx["client"].pk},
    )


@pytest.fixture
def ctx(actors, client_record):
    return {"actors": actors, "client": client_record}


def test_a_pending_wrong_answer_still_given_is_an_xfail(ctx, monkeypatch):
    # Pretend the supervisor should get 403 and the code's 200 is the known wrong answer.
    monkeypatch.setitem(authz.PENDING_READ_LAYER_FIX, (GOALS, "supervisor"), 200)
    with pytest.raises(pytest.xfail.Exception, match="supervisor: expected 403, still 200"):
        run_row(goals_row(supervisor=403), ctx)


def test_a_pending_entry_whose_answer_is_fixed_fails_the_row(ctx, monkeypatch):
    monkeypatch.setitem(authz.PENDING_READ_LAYER_FIX, (GOALS, "supervisor"), 404)
    with pytest.raises(AssertionError, match="remove it from PENDING_READ_LAYER_FIX"):
        run_row(goals_row(), ctx)


def test_a_different_wrong_answer_is_not_excused(ctx, monkeypatch):
    monkeypatch.setitem(authz.PENDING_READ_LAYER_FIX, (GOALS, "supervisor"), 404)
    with pytest.raises(AssertionError, match="supervisor: expected 403, got 200"):
        run_row(goals_row(supervisor=403), ctx)


def test_a_get_that_no_longer_writes_fails_its_pending_entry(ctx, monkeypatch):
    monkeypatch.setitem(
        web_authz.GET_WRITES_PENDING_READ_LAYER_FIX, "GET dashboard", frozenset({"insights.AiSuggestion"})
    )
    with pytest.raises(AssertionError, match="remove it from GET_WRITES_PENDING_READ_LAYER_FIX"):
        run_web_row(WebRow("dashboard", "get", only(200, *THERAPISTS)), ctx)


def test_a_wrong_web_status_fails(ctx):
    with pytest.raises(AssertionError, match="colleague: expected 404, got 200"):
        run_web_row(WebRow("dashboard", "get", only(200, "therapist", "supervisor", "outsider")), ctx)

"""GET /api/v1/clients/ and POST /api/v1/clients/search/ build their rows from `values()`
(practice.api_rows): the responses stay byte for byte what CaseloadClientSerializer (a
clinician) and RosterClientSerializer (a manager, an admin) answered, pages, counts and links
included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.api import ClientListView, ClientSearchView
from clients.models import Client
from practice.roles import Role
from tests.api_reference import serializer_list_content
from tests.conftest import as_user
from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseload(therapist, colleague, client_user, client_record):
    """25 clients the therapist sees, covering every shape a row's values can take."""
    practice = therapist.membership.practice
    nameless = UserFactory(first_name="", last_name="", email="nameless@northside.example")
    nameless_member = MembershipFactory(practice=practice, role=Role.THERAPIST, user=nameless)
    moment = dt.datetime(2025, 3, 30, 1, 30, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    ClientFactory(  # discharged, with a reason, dates and a co-therapist
        primary_therapist=therapist.membership,
        co_therapist=colleague.membership,
        first_name="Zoë",
        last_name="Ångström",
        preferred_name="Zo",
        status=Client.Status.DISCHARGED,
        referred_at=dt.date(2024, 1, 2),
        discharged_at=dt.date(2025, 2, 3),
        discharge_reason="Goals met — moved \u2028 away",
        phone="+1 555 0100",
        created_at=moment,
    )
    ClientFactory(  # co-therapist only: no primary therapist
        primary_therapist=None,
        practice=practice,
        co_therapist=therapist.membership,
        first_name="Noor",
        last_name="Bakr",
        intake_date=None,
        email="",
        created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    ClientFactory(  # a primary therapist with no name: their email stands for it
        primary_therapist=nameless_member,
        supervisor=therapist.membership,
        first_name="Sam",
        last_name="O'Neil",
        status=Client.Status.WAITLIST,
    )
    for index in range(20):
        ClientFactory(
            primary_therapist=therapist.membership,
            first_name=f"Client{index:02d}",
            last_name="Same",
            status=Client.Status.ACTIVE if index % 3 else Client.Status.ON_HOLD,
            created_at=timezone.now() - dt.timedelta(days=index, microseconds=index),
        )
    ClientFactory(primary_therapist=colleague.membership)  # someone else's client
    return Client.objects.filter(practice=practice)


def assert_same_as_serializer(user, path: str) -> bytes:
    response = as_user(user).get(path)
    status, expected = serializer_list_content(ClientListView, user=user, path=path)
    assert response.status_code == status == 200
    assert response.content == expected
    return response.content


CASELOAD_QUERIES = (
    "",
    "?page_size=10&page=2",
    "?page_size=10&page=3",
    "?page_size=10&page=last",
    "?page_size=200",
    "?page_size=7&page=2",
    "?status=discharged",
    "?therapist=0",
)


def test_caseload_rows_match_the_serializer(caseload, therapist):
    for query in CASELOAD_QUERIES:
        content = assert_same_as_serializer(therapist, reverse("api-clients") + query)
        assert b'"has_portal"' in content or b'"count":0' in content, query


def test_roster_rows_match_the_serializer(caseload, manager, admin):
    for user in (manager, admin):
        for query in ("", "?q=client0", "?page_size=10&page=3", "?status=waitlist"):
            content = assert_same_as_serializer(user, reverse("api-clients") + query)
            assert b'"therapist_name"' in content and b'"has_portal"' not in content, query
            assert b'"discharge_reason"' not in content, query


def test_caseload_rows_cover_every_value_shape(caseload, therapist):
    rows = as_user(therapist).get(reverse("api-clients") + "?page_size=200").json()["results"]
    by_name = {row["last_name"]: row for row in rows}
    assert by_name["Bakr"]["therapist"] is None and by_name["Bakr"]["therapist_name"] is None
    assert by_name["O'Neil"]["therapist_name"] == "nameless@northside.example"
    assert by_name["Ångström"]["created_at"] == "2025-03-30T06:30:00Z"
    assert by_name["Ångström"]["discharge_reason"].startswith("Goals met")
    assert by_name["Quinn"]["has_portal"] is True and by_name["Same"]["has_portal"] is False
    assert len(rows) == 24  # the colleague's own client is not in the caseload


def test_empty_and_out_of_range_pages_match_the_serializer(therapist, outsider):
    path = reverse("api-clients")
    assert_same_as_serializer(outsider, path)  # no clients at all: count 0, page 1 empty
    for query in ("?page=2", "?page=0", "?page=x"):
        response = as_user(outsider).get(path + query)
        status, expected = serializer_list_content(ClientListView, user=outsider, path=path + query)
        assert response.status_code == status == 404
        assert response.content == expected


def test_search_rows_match_the_serializer(caseload, therapist, manager):
    path = reverse("api-clients-search")
    for user in (therapist, manager):
        for fields in ({}, {"q": "Same"}, {"status": "on_hold"}, {"q": "zoë"}):
            response = as_user(user).post(path, fields, format="json")
            status, expected = serializer_list_content(ClientSearchView, user=user, path=path, post=fields)
            assert response.status_code == status == 200
            assert response.content == expected
            assert response.json()["count"] > 0, fields

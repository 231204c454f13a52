"""Query counts on the main list endpoints stay the same at 1, 10 and 100 rows (no N+1).

Rows are bulk-created copies of one realistic row (made the ordinary way, through factories
or a service) so each list carries every relation its serializer follows: the therapist of a
client, the client and acknowledger of an alert, the actor of an audit event, the user of a
member, the session and administrator of an assessment. Lists are paginated at 50, so 100
rows also shows that only one page is read. Each pinned count names its queries.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Assessment, Client
from clients.services.measures import assessment_record
from insights.models import Alert
from insights.safety import raise_alert
from practice.models import AuditEvent, Membership, User
from practice.roles import Role
from tests.conftest import as_user
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

SIZES = [1, 10, 100]
PAGE_SIZE = 50


def copies(template, count: int, **varying) -> list:
    """`count` unsaved copies of `template`'s field values; `varying` maps field -> f(index)."""
    values = {
        field.attname: getattr(template, field.attname)
        for field in template._meta.concrete_fields
        if not field.primary_key
    }
    return [
        type(template)(**{**values, **{name: make(index) for name, make in varying.items()}}) for index in range(count)
    ]


def caseload(client_record, rows: int) -> list[Client]:
    """`rows` clients of `client_record`'s therapist, `client_record` first."""
    Client.objects.bulk_create(
        copies(
            client_record,
            rows - 1,
            first_name=lambda index: f"Client{index}",
            email=lambda index: f"client{index}@clients.example",
        )
    )
    clients = list(Client.objects.filter(practice=client_record.practice).order_by("id"))
    assert len(clients) == rows
    return clients


def get(api, url: str, django_assert_num_queries, queries: int, rows: int) -> None:
    with django_assert_num_queries(queries):
        response = api.get(url)
    assert response.status_code == 200, response.content[:300]
    assert len(response.json()["results"]) == min(rows, PAGE_SIZE)


# ---------------------------------------------------------------------------
# /api/v1/clients/

# The page and its count are one query (practice.api_rows.WindowCountPaginator).
CLIENTS_AS_THERAPIST = 2  # token, page with its count (with the therapist and their user)
CLIENTS_AS_MANAGER = 2  # token, page with its count (with the therapist and their user)


@pytest.mark.parametrize("rows", SIZES)
def test_client_list_query_count_is_flat_for_a_therapist(therapist, client_record, django_assert_num_queries, rows):
    caseload(client_record, rows)
    get(as_user(therapist), reverse("api-clients"), django_assert_num_queries, CLIENTS_AS_THERAPIST, rows)


@pytest.mark.parametrize("rows", SIZES)
def test_client_list_query_count_is_flat_for_a_manager(manager, client_record, django_assert_num_queries, rows):
    caseload(client_record, rows)
    get(as_user(manager), reverse("api-clients"), django_assert_num_queries, CLIENTS_AS_MANAGER, rows)


# ---------------------------------------------------------------------------
# /api/v1/alerts/

ALERTS_AS_THERAPIST = 2  # token, page with its count (with the client's name)


@pytest.mark.parametrize("rows", SIZES)
def test_alert_list_query_count_is_flat(therapist, client_record, django_assert_num_queries, rows):
    clients = caseload(client_record, rows)
    template = raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="test")
    Alert.objects.filter(pk=template.pk).update(
        status=Alert.Status.ACKNOWLEDGED, acknowledged_by=therapist, acknowledged_at=timezone.now()
    )
    template.refresh_from_db()
    # One alert per client (each row names its client), all acknowledged by the therapist.
    Alert.objects.bulk_create(copies(template, rows - 1, client_id=lambda index: clients[index + 1].pk))
    get(as_user(therapist), reverse("api-alerts"), django_assert_num_queries, ALERTS_AS_THERAPIST, rows)


# ---------------------------------------------------------------------------
# /api/v1/audit/

AUDIT_AS_ADMIN = 3  # token, count, page (with the actor)


@pytest.mark.parametrize("rows", SIZES)
def test_audit_list_query_count_is_flat(admin, therapist, client_record, django_assert_num_queries, rows):
    api = as_user(admin)
    template = AuditEvent(
        practice=client_record.practice,
        actor=therapist,
        actor_role=Role.THERAPIST,
        action="read",
        target_type="clients.client",
        target_id=str(client_record.pk),
        client_id=client_record.pk,
        fields=["presenting_concerns"],
    )
    AuditEvent.objects.bulk_create(copies(template, rows))
    url = f"{reverse('api-audit')}?client={client_record.pk}"
    get(api, url, django_assert_num_queries, AUDIT_AS_ADMIN, rows)


# ---------------------------------------------------------------------------
# /api/v1/members/

# token, count, page (with the user and `mfa_enabled` annotated in the same query).
MEMBERS_AS_MANAGER = 3


@pytest.mark.parametrize("rows", SIZES)
def test_member_list_query_count_is_flat(manager, django_assert_num_queries, rows):
    practice = manager.membership.practice
    users = User.objects.bulk_create(
        [User(email=f"member{index}@northside.example", first_name=f"M{index}") for index in range(rows - 1)]
    )
    Membership.objects.bulk_create([Membership(user=user, practice=practice, role=Role.THERAPIST) for user in users])
    get(as_user(manager), reverse("api-members"), django_assert_num_queries, MEMBERS_AS_MANAGER, rows)


# ---------------------------------------------------------------------------
# /api/v1/clients/{id}/assessments/

ASSESSMENTS_AS_THERAPIST = 7  # token, client, read audit (savepoint, insert, release), count, page


@pytest.mark.parametrize("rows", SIZES)
def test_assessment_list_query_count_is_flat(therapist, client_record, django_assert_num_queries, rows):
    session = SessionFactory(client=client_record, starts_at=timezone.now() - dt.timedelta(days=1))
    result = assessment_record(
        client=client_record, actor=therapist, instrument="phq9", answers=[1, 1, 2, 1, 1, 0, 1, 0, 0], session=session
    )
    template = Assessment.objects.get(pk=result.assessment.pk)
    Assessment.objects.bulk_create(
        copies(
            template, rows - 1, administered_at=lambda index: template.administered_at - dt.timedelta(days=index + 1)
        )
    )
    url = reverse("api-client-assessments", kwargs={"pk": client_record.pk})
    get(as_user(therapist), url, django_assert_num_queries, ASSESSMENTS_AS_THERAPIST, rows)


def test_member_list_reports_mfa_only_for_confirmed_devices(manager):
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    practice = manager.membership.practice
    with_totp, with_codes, unconfirmed, without = User.objects.bulk_create(
        [User(email=f"mfa{index}@northside.example") for index in range(4)]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=user, practice=practice, role=Role.THERAPIST)
            for user in (with_totp, with_codes, unconfirmed, without)
        ]
    )
    TOTPDevice.objects.create(user=with_totp, name="phone", confirmed=True)
    StaticDevice.objects.create(user=with_codes, name="recovery", confirmed=True)
    TOTPDevice.objects.create(user=unconfirmed, name="phone", confirmed=False)
    response = as_user(manager).get(reverse("api-members"), {"page_size": 200})
    assert response.status_code == 200
    enabled = {row["email"]: row["mfa_enabled"] for row in response.json()["results"]}
    assert enabled["mfa0@northside.example"] is True
    assert enabled["mfa1@northside.example"] is True
    assert enabled["mfa2@northside.example"] is False
    assert enabled["mfa3@northside.example"] is False


# ---------------------------------------------------------------------------
# The alerts triage page (HTML): /alerts/ (open, grouped by client) and ?show=resolved

# Session, the user with membership, practice and MFA-device flag (one query, practice.backends),
# the MFA device check, the navigation's counts (one query, with the unresolved-alert badge);
# then the unresolved alerts with their clients and acknowledgers, and one INSERT of the READ
# events of the clients on the page (25 clients a page: one INSERT even on SQLite, which
# batches a bulk insert at 999 parameters), with its savepoint and release.
ALERTS_PAGE_OPEN = 8
# The same frame; then the COUNT, the page of resolved alerts with their clients, acknowledgers
# and resolvers, and the one INSERT of the READ events.
ALERTS_PAGE_RESOLVED = 9


def _alert_per_client(therapist, client_record, rows: int, **changes) -> None:
    clients = caseload(client_record, rows)
    template = raise_alert(client=client_record, kind="risk_language", severity="urgent", reason="test")
    Alert.objects.filter(pk=template.pk).update(**changes)
    template.refresh_from_db()
    Alert.objects.bulk_create(copies(template, rows - 1, client_id=lambda index: clients[index + 1].pk))


@pytest.mark.parametrize("rows", SIZES)
def test_alerts_page_query_count_is_flat_in_clients_with_alerts(
    therapist, client_record, django_assert_num_queries, rows
):
    from tests.conftest import web_as

    _alert_per_client(
        therapist,
        client_record,
        rows,
        status=Alert.Status.ACKNOWLEDGED,
        acknowledged_by=therapist,
        acknowledged_at=timezone.now(),
    )
    browser = web_as(therapist)
    with django_assert_num_queries(ALERTS_PAGE_OPEN):
        response = browser.get(reverse("alerts"))
    assert response.status_code == 200
    assert len(response.context["groups"]) == min(rows, 25) and response.context["open_count"] == rows


@pytest.mark.parametrize("rows", SIZES)
def test_resolved_alerts_page_query_count_is_flat(therapist, client_record, django_assert_num_queries, rows):
    from tests.conftest import web_as

    now = timezone.now()
    _alert_per_client(
        therapist,
        client_record,
        rows,
        status=Alert.Status.RESOLVED,
        acknowledged_by=therapist,
        acknowledged_at=now,
        resolved_by=therapist,
        resolved_at=now,
        outcome="other",
    )
    browser = web_as(therapist)
    with django_assert_num_queries(ALERTS_PAGE_RESOLVED):
        response = browser.get(reverse("alerts") + "?show=resolved")
    assert response.status_code == 200
    assert len(response.context["resolved"].object_list) == min(rows, 25)

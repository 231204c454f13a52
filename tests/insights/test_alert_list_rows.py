"""GET /api/v1/alerts/ builds its rows from `values()` (practice.api_rows): the response stays
byte for byte what AlertSerializer answered, pages, counts and links included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from insights.api_alerts import AlertListView
from insights.models import Alert
from tests.api_reference import serializer_list_content
from tests.conftest import as_user
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(therapist, colleague, client_record):
    """Alerts of every status and detector on the therapist's clients; one escalated to the
    colleague as the practice's backup clinician; one on the colleague's own client."""
    practice = therapist.membership.practice
    practice.backup_clinician = colleague.membership
    practice.save(update_fields=["backup_clinician"])
    other = ClientFactory(primary_therapist=therapist.membership, first_name="Łukasz", last_name="Nowak")
    now = timezone.now()
    made = []
    for index in range(14):
        client = client_record if index % 2 else other
        status = (Alert.Status.OPEN, Alert.Status.ACKNOWLEDGED, Alert.Status.RESOLVED)[index % 3]
        made.append(
            Alert.objects.create(
                client=client,
                kind=(Alert.Kind.RISK_LANGUAGE, Alert.Kind.PHQ9_ITEM9, Alert.Kind.NOT_ON_TRACK)[index % 3],
                severity=Alert.Severity.URGENT if index % 4 else Alert.Severity.CONCERN,
                reason=f"Reason {index} — “quoted” \u2028",
                source_type="checkin" if index % 2 else "",
                source_id=index * 1000 if index % 2 else None,
                excerpt="never listed",
                status=status,
                created_at=now - dt.timedelta(hours=index, microseconds=index * 7),
                acknowledge_by=now + dt.timedelta(minutes=index),
                acknowledged_at=None if status == Alert.Status.OPEN else now,
                acknowledged_by=None if status == Alert.Status.OPEN else therapist,
                acknowledge_note="private" if status != Alert.Status.OPEN else "",
                resolved_at=now if status == Alert.Status.RESOLVED else None,
                outcome=Alert.Outcome.FALSE_POSITIVE if status == Alert.Status.RESOLVED else "",
                escalation_level=1 if index == 3 else 0,
                detector_method=("model", "model+rules", "rules", "")[index % 4],
                detector_version="v2" if index % 4 < 2 else "",
            )
        )
    # Two alerts created at the same instant: the id breaks the tie.
    Alert.objects.filter(pk__in=[made[5].pk, made[6].pk]).update(created_at=made[5].created_at)
    ClientFactory(primary_therapist=colleague.membership).alerts.create(
        kind=Alert.Kind.CSSRS, severity=Alert.Severity.URGENT, reason="Colleague's own", acknowledge_by=now
    )
    return made


def assert_same_as_serializer(user, path: str) -> bytes:
    response = as_user(user).get(path)
    status, expected = serializer_list_content(AlertListView, user=user, path=path)
    assert response.status_code == status
    assert response.content == expected
    return response.content


def test_alert_rows_match_the_serializer(alerts, therapist, colleague):
    for query in ("", "?page_size=5&page=2", "?page_size=5&page=last", "?status=resolved", "?status=open"):
        assert b'"model_output":true' in assert_same_as_serializer(therapist, reverse("api-alerts") + query)
    client_id = alerts[0].client_id
    assert_same_as_serializer(therapist, reverse("api-alerts") + f"?client={client_id}")
    # The backup clinician sees the escalated alert (and their own client's).
    escalated = as_user(colleague).get(reverse("api-alerts")).json()
    assert escalated["count"] == 2
    assert_same_as_serializer(colleague, reverse("api-alerts"))


def test_alert_rows_leave_out_what_is_not_listed(alerts, therapist):
    content = as_user(therapist).get(reverse("api-alerts") + "?page_size=200").content
    assert b"never listed" not in content and b"private" not in content
    rows = as_user(therapist).get(reverse("api-alerts") + "?page_size=200").json()["results"]
    assert len(rows) == len(alerts)
    assert {row["client_name"] for row in rows} == {"Avery Quinn", "Łukasz Nowak"}


def test_alert_errors_and_empty_pages_match_the_serializer(alerts, therapist, outsider):
    assert_same_as_serializer(outsider, reverse("api-alerts"))  # count 0
    for query in ("?page=9", "?page=0", "?status=closed"):
        assert_same_as_serializer(therapist, reverse("api-alerts") + query)

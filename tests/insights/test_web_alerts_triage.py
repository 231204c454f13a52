"""The alerts triage page (issue 17, item 4): grouped by client, urgent and the earliest
deadline first, forms that open on demand, and the resolved history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from insights.models import Alert
from insights.safety import alert_resolve, raise_alert
from practice.models import AuditEvent
from tests.conftest import web_as
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def alert(client, severity: str, hours_to_deadline: float, kind: str = "measure_flag") -> Alert:
    raised = raise_alert(client=client, kind=kind, severity=severity, reason=f"{severity} {hours_to_deadline}")
    Alert.objects.filter(pk=raised.pk).update(acknowledge_by=timezone.now() + dt.timedelta(hours=hours_to_deadline))
    raised.refresh_from_db()
    return raised


def test_open_alerts_are_grouped_by_client_urgent_then_earliest_deadline_first(
    therapist, client_record, other_client_record
):
    third = ClientFactory(primary_therapist=therapist.membership, practice=client_record.practice)
    late_concern = alert(client_record, "concern", 30)
    early_concern = alert(third, "concern", 2)
    urgent_later = alert(other_client_record, "urgent", 10)
    urgent_overdue = alert(client_record, "urgent", -1)

    response = web_as(therapist).get(reverse("alerts"))

    groups = response.context["groups"]
    assert [group.client.pk for group in groups] == [client_record.pk, other_client_record.pk, third.pk]
    assert [a.pk for a in groups[0].alerts] == [urgent_overdue.pk, late_concern.pk]
    assert [a.pk for a in groups[1].alerts] == [urgent_later.pk]
    assert [a.pk for a in groups[2].alerts] == [early_concern.pk]
    assert groups[0].urgent == 1 and groups[0].overdue == 1
    page = response.content.decode()
    assert page.count('data-testid="alert-group"') == 3
    assert page.count('data-testid="alert-contact"') == 3  # the client's contacts once per client


def test_acknowledge_and_resolve_forms_are_closed_disclosures_until_a_refused_post_reopens_one(
    therapist, client_record
):
    raised = alert(client_record, "urgent", 5)
    page = web_as(therapist).get(reverse("alerts")).content.decode()
    assert page.count('<details class="disclosure">') == 2 and '<details class="disclosure" open' not in page

    refused = web_as(therapist).post(
        reverse("alerts"), {"alert": raised.pk, "action": "resolve", f"resolve-{raised.pk}-outcome": "other"}
    )
    assert refused.status_code == 400
    assert refused.content.decode().count('<details class="disclosure" open>') == 1
    raised.refresh_from_db()
    assert raised.status == Alert.Status.OPEN


def test_resolved_history_shows_outcome_who_resolved_and_when_newest_first(therapist, colleague, client_record):
    first = alert(client_record, "concern", 5)
    second = alert(client_record, "urgent", 5)
    alert_resolve(alert=first, actor=therapist, outcome="contacted_client", note="Called her back")
    alert_resolve(alert=second, actor=therapist, outcome="false_positive", note="Song lyrics")
    Alert.objects.filter(pk=first.pk).update(resolved_at=timezone.now() - dt.timedelta(days=2))
    theirs = ClientFactory(primary_therapist=colleague.membership, practice=client_record.practice)
    hidden = alert(theirs, "urgent", 5)
    alert_resolve(alert=hidden, actor=colleague, outcome="other", note="Elsewhere")
    before = AuditEvent.objects.filter(action="read", target_type="insights.alert").count()

    response = web_as(therapist).get(reverse("alerts") + "?show=resolved")

    shown = list(response.context["resolved"])
    assert [a.pk for a in shown] == [second.pk, first.pk]
    page = response.content.decode()
    assert "Contacted client" in page.replace("Contacted Client", "Contacted client") and "Song lyrics" in page
    assert therapist.get_full_name() in page and "Elsewhere" not in page
    reads = AuditEvent.objects.filter(action="read", target_type="insights.alert").order_by("-pk")
    assert reads.count() == before + 1 and reads.first().client_id == client_record.pk
    assert response.context.get("groups") is None  # the open list is not read on the history page


def test_resolved_history_is_paginated(therapist, client_record):
    for _ in range(27):
        raised = alert(client_record, "concern", 5)
        alert_resolve(alert=raised, actor=therapist, outcome="other", note="done")
    client = web_as(therapist)
    first = client.get(reverse("alerts") + "?show=resolved").context["resolved"]
    second = client.get(reverse("alerts") + "?show=resolved&page=2").context["resolved"]
    assert len(first.object_list) == 25 and len(second.object_list) == 2 and first.paginator.count == 27


def test_an_unknown_list_falls_back_to_the_open_alerts(therapist, client_record):
    alert(client_record, "urgent", 5)
    response = web_as(therapist).get(reverse("alerts") + "?show=everything")
    assert response.context["show"] == "open" and len(response.context["open_alerts"]) == 1

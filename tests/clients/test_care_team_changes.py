"""F2: a care-team change made by a manager or admin is never silent.

It opens the client's clinical record to someone, so it is its own audit action, announced at
once to the client's therapists (before and after) and the other managers, and shown on the
chart for 30 days. A therapist arranging their own client's team stays a plain `reassign`.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clients.models import CareTeamChange
from practice.models import AuditEvent, Membership, Notification
from practice.outbox import outbox_deliver
from practice.roles import Role
from tests.conftest import PHI_CANARY, Snapshot, as_user, make_member, web_as

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_manager(practice):
    return make_member(practice, Role.MANAGER, "second.manager@northside.example")


def patch_client(actor, client, data):
    return as_user(actor).patch(reverse("api-client-detail", kwargs={"pk": client.pk}), data, format="json")


def test_an_admin_putting_a_new_therapist_on_a_care_team_tells_everyone_at_once(
    admin, manager, second_manager, therapist, client_record, django_capture_on_commit_callbacks
):
    created = as_user(admin).post(
        reverse("api-members"),
        {"email": "mallory@northside.example", "role": "therapist", "password": "a-long-passphrase-1"},
        format="json",
    )
    assert created.status_code == 201
    mallory = Membership.objects.get(pk=created.json()["id"])

    with django_capture_on_commit_callbacks(execute=True):
        response = patch_client(admin, client_record, {"co_therapist": mallory.pk})
    assert response.status_code == 200

    event = AuditEvent.objects.get(action="care_team_change")
    assert (event.actor, event.client_id, event.fields) == (admin, client_record.pk, ["co_therapist"])
    assert not AuditEvent.objects.filter(action="reassign").exists()
    change = CareTeamChange.objects.get()
    assert (change.client, change.changed_by) == (client_record, admin.membership)
    assert (change.before, change.after) == ({"co_therapist": None}, {"co_therapist": mallory.pk})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.to) == {therapist.email, "mallory@northside.example", manager.email, second_manager.email}
    text = message.subject + message.body
    assert f"client #{client_record.pk}" in text and "co-therapist" in text
    for secret in (client_record.first_name, client_record.last_name, PHI_CANARY):
        assert secret not in text
    change.refresh_from_db()
    assert change.notified_at is not None

    # The notice went through the outbox, in the change's transaction; sending again is a no-op.
    notification = Notification.objects.get(kind="care_team_change")
    assert notification.sent_at is not None
    assert (notification.target_type, notification.target_id) == ("clients.careteamchange", change.pk)
    assert not outbox_deliver(notification.pk)
    assert len(mail.outbox) == 1


def test_a_manager_reassigning_on_the_roster_tells_both_therapists_and_the_other_managers(
    practice, manager, second_manager, therapist, colleague, client_record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = web_as(manager).post(
            reverse("roster"),
            {"client": client_record.pk, "therapist": colleague.membership.pk, "version": client_record.version},
        )
    assert response.status_code == 302
    client_record.refresh_from_db()
    assert client_record.primary_therapist == colleague.membership
    assert AuditEvent.objects.filter(
        action="care_team_change", actor=manager, client_id=client_record.pk, fields=["primary_therapist"]
    ).exists()
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {therapist.email, colleague.email, second_manager.email}
    assert manager.email not in mail.outbox[0].to
    assert "primary therapist" in mail.outbox[0].body


def test_the_chart_shows_the_change_for_30_days(admin, therapist, colleague, client_record):
    assert patch_client(admin, client_record, {"supervisor": colleague.membership.pk}).status_code == 200
    page = web_as(therapist).get(reverse("client-chart", args=[client_record.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="care-team-change-notice"' in html
    admin_name = admin.membership.display_name
    assert f"by {admin_name} (admin)" in html
    assert f"supervisor: none \u2192 {colleague.membership.display_name}" in html
    # The new supervisor sees it on the chart too.
    assert (
        "care-team-change-notice"
        in web_as(colleague).get(reverse("client-chart", args=[client_record.pk])).content.decode()
    )

    CareTeamChange.objects.update(created_at=timezone.now() - dt.timedelta(days=31))
    html = web_as(therapist).get(reverse("client-chart", args=[client_record.pk])).content.decode()
    assert "care-team-change-notice" not in html


def test_a_therapist_arranging_their_own_clients_team_is_a_plain_reassign(
    therapist, colleague, manager, client_record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert patch_client(therapist, client_record, {"co_therapist": colleague.membership.pk}).status_code == 200
    assert AuditEvent.objects.filter(action="reassign", actor=therapist, fields=["co_therapist"]).exists()
    assert not AuditEvent.objects.filter(action="care_team_change").exists()
    assert not CareTeamChange.objects.exists()
    assert mail.outbox == []


def test_a_refused_care_team_change_records_and_sends_nothing(
    admin, manager, outsider, client_record, django_capture_on_commit_callbacks
):
    api = as_user(admin)
    before = Snapshot.take()
    with django_capture_on_commit_callbacks(execute=True):
        for member in (outsider.membership, manager.membership):
            response = api.patch(
                reverse("api-client-detail", kwargs={"pk": client_record.pk}),
                {"co_therapist": member.pk},
                format="json",
            )
            assert response.status_code == 400
    assert Snapshot.take().changed_since(before) == {}
    assert mail.outbox == []


def test_a_rolled_back_change_sends_nothing(admin, colleague, client_record, django_capture_on_commit_callbacks):
    from django.db import transaction

    from clients.services.records import client_update

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        client_update(
            client=client_record, actor=admin, data={"co_therapist": colleague.membership}, clinical_allowed=False
        )
        raise RuntimeError("the surrounding request failed")
    assert not CareTeamChange.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_other_edits_by_a_manager_are_not_care_team_changes(manager, client_record, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert patch_client(manager, client_record, {"phone": "555-0199"}).status_code == 200
    assert not CareTeamChange.objects.exists()
    assert mail.outbox == []

"""Break-glass in the web UI: the admin's form, the read-only chart, the grants page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.html import escape

from clients.models import BreakGlassGrant
from practice.models import AuditEvent
from sessions.models import PsychotherapyNote
from tests.conftest import PASSWORD, PHI_CANARY, web_as
from tests.factories import ClientFactory, ProgressNoteFactory

pytestmark = pytest.mark.django_db

REASON = "Crisis call from the client's partner; therapist on leave today."


def chart(client_record, tab: str = "overview") -> str:
    return reverse("client-chart", args=[client_record.pk]) + f"?tab={tab}"


def test_admin_opens_emergency_access_and_reads_the_chart_read_only(admin, therapist, client_record):
    ProgressNoteFactory(client=client_record, sections={"data": f"Hard week {PHI_CANARY}"})
    PsychotherapyNote.objects.create(client=client_record, author=therapist, text="Private process note")
    browser = web_as(admin)
    assert browser.get(chart(client_record)).status_code == 404

    roster = browser.get(reverse("roster")).content.decode()
    assert reverse("break-glass-open", args=[client_record.pk]) in roster
    form = browser.get(reverse("break-glass-open", args=[client_record.pk]))
    assert form.status_code == 200 and "read-only" in form.content.decode()

    opened = browser.post(
        reverse("break-glass-open", args=[client_record.pk]),
        {"reason": REASON, "password": PASSWORD, "duration_minutes": 30},
    )
    assert opened.status_code == 302 and opened["Location"] == reverse("client-chart", args=[client_record.pk])
    page = browser.get(chart(client_record))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="break-glass-banner"' in html
    assert "?tab=ai" not in html and "Write note" not in html

    documents = browser.get(chart(client_record, "documents")).content.decode()
    assert PHI_CANARY in documents  # the note body, shown inline
    assert "Private process note" not in documents and "psychotherapy note" not in documents.lower()
    assert "Hard week" not in browser.get(chart(client_record, "ai")).content.decode()  # falls back to overview
    assert AuditEvent.objects.filter(actor=admin, action="read", client_id=client_record.pk).exists()

    # Read-only: a chart action is refused and writes nothing.
    goals = client_record.goals.count()
    refused = browser.post(chart(client_record, "plan"), {"action": "add_goal", "goal-problem": "x"})
    assert refused.status_code == 404 and client_record.goals.count() == goals


def test_the_grant_covers_only_its_client(admin, therapist, client_record):
    other = ClientFactory(primary_therapist=therapist.membership, practice=client_record.practice)
    browser = web_as(admin)
    browser.post(
        reverse("break-glass-open", args=[client_record.pk]),
        {"reason": REASON, "password": PASSWORD, "duration_minutes": 30},
    )
    assert browser.get(chart(client_record)).status_code == 200
    assert browser.get(chart(other)).status_code == 404


def test_the_form_explains_a_bad_request_and_opens_nothing(admin, client_record):
    response = web_as(admin).post(
        reverse("break-glass-open", args=[client_record.pk]),
        {"reason": "", "password": PASSWORD, "duration_minutes": 900},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required" in html and "less than or equal to 240" in html
    assert not BreakGlassGrant.objects.exists()


@pytest.mark.parametrize("role", ["therapist", "manager", "client_user"])
def test_only_admins_can_open_emergency_access(role, request, client_record):
    user = request.getfixturevalue(role)
    response = web_as(user).post(
        reverse("break-glass-open", args=[client_record.pk]), {"reason": REASON, "password": PASSWORD}
    )
    assert response.status_code == 404
    assert not BreakGlassGrant.objects.exists()


def test_a_manager_sees_and_ends_the_grant(admin, manager, client_record):
    web_as(admin).post(
        reverse("break-glass-open", args=[client_record.pk]),
        {"reason": REASON, "password": PASSWORD, "duration_minutes": 30},
    )
    grant = BreakGlassGrant.objects.get()
    browser = web_as(manager)
    listing = browser.get(reverse("break-glass")).content.decode()
    assert escape(REASON) in listing and "Active" in listing
    assert client_record.last_name not in listing  # the list names the client by number only
    ended = browser.post(reverse("break-glass"), {"grant": grant.pk})
    assert ended.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by == manager.membership
    assert web_as(admin).get(chart(client_record)).status_code == 404


@pytest.mark.parametrize("role", ["therapist", "client_user"])
def test_the_grants_page_is_not_there_for_clinicians_or_clients(role, request):
    assert web_as(request.getfixturevalue(role)).get(reverse("break-glass")).status_code == 404


def test_the_care_team_sees_who_opened_emergency_access_and_why(admin, therapist, client_record):
    web_as(admin).post(
        reverse("break-glass-open", args=[client_record.pk]),
        {"reason": REASON, "password": PASSWORD, "duration_minutes": 30},
    )
    page = web_as(therapist).get(chart(client_record)).content.decode()
    assert 'data-testid="break-glass-notice"' in page and escape(REASON) in page
    assert admin.membership.display_name in page

"""A therapist's clinical day in a real browser: caseload -> chart -> DAP note -> sign -> addendum."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from clients.models import Consent
from clients.services.measures import assessment_record
from insights.engagement import recompute_client
from insights.models import Alert
from insights.safety import raise_alert
from practice.models import AuditEvent
from sessions.models import CheckIn, NoteAddendum, ProgressNote, Session
from sessions.services.checkins import checkin_create
from sessions.services.homework import homework_assign
from sessions.services.scheduling import session_create
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations, login, screenshot
from tests.factories import ClientFactory, HomeworkTemplateFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A course that is getting better, then a PHQ-9 with item 9 left blank (the chart must say so).
PHQ9_COURSE = [
    [3, 2, 2, 2, 2, 2, 1, 1, 0],
    [2, 2, 2, 2, 2, 1, 1, 1, 0],
    [2, 2, 1, 2, 1, 1, 1, 1, 0],
    [1, 1, 1, 1, 1, 1, 0, 1, 0],
    [1, 1, 1, 1, 0, 1, 0, 0, None],
]
GAD7_COURSE = [
    [2, 2, 2, 2, 1, 1, 1],
    [2, 2, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 0],
    [1, 1, 1, 0, 1, 0, 0],
    [1, 0, 1, 0, 0, 0, 0],
]
MOODS = [3, 4, 4, 5, 4, 6, 5, 6, 7]
NOTES = ["Slept a little better.", "", "Went for a walk with my sister.", "Work was stressful but I managed."]


@pytest.fixture
def caseload(therapist, client_record, client_user):
    """Realistic history built through the services, so scores, alerts and metrics are real."""
    now = timezone.now()
    Consent.objects.create(client=client_record, kind=Consent.Kind.TREATMENT)
    client_record.diagnosis_codes = ["F32.1"]
    client_record.save(update_fields=["diagnosis_codes"])
    sessions = []
    for week, (phq9, gad7) in enumerate(zip(PHQ9_COURSE, GAD7_COURSE, strict=True)):
        starts_at = now - dt.timedelta(days=7 * (len(PHQ9_COURSE) - week), hours=2)
        session = session_create(
            client=client_record, actor=therapist, starts_at=starts_at, status=Session.Status.ATTENDED
        )
        sessions.append(session)
        assessment_record(
            client=client_record,
            actor=therapist,
            instrument="phq9",
            answers=phq9,
            administered_at=starts_at,
            session=session,
        )
        assessment_record(
            client=client_record,
            actor=therapist,
            instrument="gad7",
            answers=gad7,
            administered_at=starts_at,
            session=session,
        )
    for day, mood in enumerate(MOODS):
        checkin, _ = checkin_create(
            client=client_record, actor=client_user, mood=mood, emotions=["tired"], note=NOTES[day % len(NOTES)]
        )
        # Spread the check-ins over the last weeks (the service stamps them now).
        CheckIn.objects.filter(pk=checkin.pk).update(created_at=now - dt.timedelta(days=2 * (len(MOODS) - day)))
    template = HomeworkTemplateFactory(
        practice=client_record.practice, title="Behavioural activation log", kind="activity_log"
    )
    homework_assign(client=client_record, actor=therapist, due_at=now + dt.timedelta(days=3), template=template)
    session_create(client=client_record, actor=therapist, starts_at=now + dt.timedelta(days=1))
    others = [
        ClientFactory(
            primary_therapist=therapist.membership, practice=client_record.practice, first_name=first, last_name=last
        )
        for first, last in (("Blake", "Rivera"), ("Casey", "Okafor"))
    ]
    # A week with a few appointments around today, so the schedule has something to show.
    # Outcomes only for sessions that have started (issue 14), so the times are relative to now.
    hour = now.replace(minute=0, second=0, microsecond=0)
    for client, offset, status in (
        (others[0], -26, Session.Status.ATTENDED),
        (others[1], -3, Session.Status.NO_SHOW),
        (others[0], 50, Session.Status.SCHEDULED),
    ):
        session_create(client=client, actor=therapist, starts_at=hour + dt.timedelta(hours=offset), status=status)
    raise_alert(
        client=others[1], kind="risk_language", severity="concern", reason="Risk language in a message: hopelessness"
    )
    recompute_client(client_record)
    return sessions


def test_therapist_writes_signs_and_amends_a_dap_note(desktop, live_server, therapist, client_record, caseload):
    page = desktop
    login(page, live_server, therapist.email, PASSWORD)
    page.wait_for_url(f"{live_server.url}/caseload/")
    assert page.get_by_role("link", name="Quinn, Avery").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "dashboard")

    page.get_by_role("link", name="Quinn, Avery").click()
    page.wait_for_url(re.compile(r".*/clients/\d+/$"))
    assert page.get_by_test_id("item9-missing").is_visible()
    page.get_by_role("link", name="Measures").click()
    page.wait_for_url(re.compile(r".*tab=measures"))
    # Two measures, each drawn wide and narrow: one drawing of each is shown at this width.
    assert page.locator(".chart-responsive:has(svg.measure-chart)").count() == 2
    assert page.locator("svg.measure-chart:visible").count() == 2
    assert axe_violations(page) == []
    screenshot(page, "chart")

    page.get_by_role("link", name="Write note").first.click()
    page.get_by_label("DAP", exact=True).check()
    page.get_by_label("Session", exact=True).select_option(str(caseload[-1].pk))
    page.get_by_role("button", name="Start note").click()
    page.wait_for_url(re.compile(r".*/notes/\d+/$"))
    page.get_by_label("Data", exact=True).fill("Reports sleeping better; completed 4 of 5 activity logs.")
    page.get_by_label("Assessment", exact=True).fill("Mood improving; PHQ-9 down from 15 to 5.")
    # Typing (not filling) fires keyup, which is what the autosave listens for.
    page.get_by_label("Plan", exact=True).press_sequentially("Continue behavioural activation.")
    status = page.locator("#autosave-status")
    status.filter(has_text=re.compile(r"Saved \d\d:\d\d")).wait_for(timeout=10_000)
    note = ProgressNote.objects.get(client=client_record)
    assert note.sections["plan"] == "Continue behavioural activation."
    assert axe_violations(page) == []
    screenshot(page, "note-editor")

    page.get_by_label("I attest this note is accurate and complete").check()
    page.get_by_role("button", name="Sign note").click()
    page.get_by_test_id("note-locked").wait_for()
    assert page.locator("textarea#section-data").count() == 0
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.SIGNED and note.session_id == caseload[-1].pk
    assert note.sections["data"].startswith("Reports sleeping better")

    page.get_by_label("Add an addendum").fill("Client called after the session: sleep also better on weekends.")
    page.get_by_role("button", name="Add addendum").click()
    page.get_by_text("sleep also better on weekends").wait_for()
    assert NoteAddendum.objects.filter(note=note).count() == 1
    assert AuditEvent.objects.filter(
        action="read", target_type="clinical_sessions.progressnote", actor=therapist
    ).exists()

    page.get_by_role("link", name="Schedule").click()
    page.wait_for_url(f"{live_server.url}/schedule/")
    assert page.get_by_text("Avery Quinn").first.is_visible()
    assert axe_violations(page) == []
    screenshot(page, "schedule")

    page.get_by_role("link", name="Alerts").click()
    page.wait_for_url(f"{live_server.url}/alerts/")
    assert axe_violations(page) == []
    page.get_by_test_id("open-acknowledge").click()  # the form opens on demand (<details>)
    page.get_by_role("button", name="Acknowledge", exact=True).click()
    page.get_by_text("Acknowledged by").wait_for()
    assert Alert.objects.get().status == Alert.Status.ACKNOWLEDGED


def test_chart_and_editor_fit_a_phone_screen(phone, live_server, therapist, client_record, caseload):
    login(phone, live_server, therapist.email, PASSWORD)
    phone.wait_for_url(f"{live_server.url}/caseload/")
    for path in (f"/clients/{client_record.pk}/?tab=measures", "/caseload/", "/schedule/"):
        phone.goto(f"{live_server.url}{path}")
        overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{path} scrolls sideways by {overflow}px on a phone"


def test_autosave_shows_a_conflict_when_the_note_was_saved_elsewhere(desktop, live_server, therapist, client_record):
    from sessions.services.notes import note_create, note_update

    note = note_create(client=client_record, actor=therapist, format="dap")
    login(desktop, live_server, therapist.email, PASSWORD)
    desktop.wait_for_url(f"{live_server.url}/caseload/")
    desktop.goto(f"{live_server.url}/notes/{note.pk}/")
    # Another tab saves first; this page still holds version 1.
    note_update(note=note, actor=therapist, sections={"data": "Saved in another tab"}, version=1)
    desktop.get_by_label("Plan", exact=True).press_sequentially("Typed here")
    desktop.locator("#autosave-status").filter(has_text="Not saved").wait_for(timeout=10_000)
    note.refresh_from_db()
    assert note.sections["data"] == "Saved in another tab" and note.sections["plan"] == ""

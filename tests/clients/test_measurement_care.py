"""Issue 16: protocols, questionnaire timing, in-session and kiosk measures, progress reports."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.models import Assessment, DueQuestionnaire, MeasureSchedule, ProgressReport, ProtocolRule
from clients.progress import progress_report_content
from clients.questionnaires import create_due_questionnaires, expire_due_questionnaires
from clients.selectors import due_questionnaires
from clients.services.protocols import apply_measurement_protocol, protocol_rule_set, protocol_window_set
from clients.services.records import client_create
from clients.services.schedules import measure_schedule_set
from clients.web_measures import KIOSK_SESSION_KEY
from insights.models import Alert
from practice.audit import AuditAction
from practice.models import AuditEvent
from tests.conftest import PASSWORD, as_user, web_as
from tests.factories import HomeworkAssignmentFactory, SessionFactory

pytestmark = pytest.mark.django_db


def new_client(therapist, **extra):
    data = {"first_name": "Robin", "last_name": "Hale", "date_of_birth": dt.date(1990, 1, 1), **extra}
    return client_create(actor=therapist, data=data)


# ---------------------------------------------------------------------------
# Protocols


def test_adding_a_client_applies_the_default_protocol(therapist):
    client = new_client(therapist)
    schedules = {s.instrument: s for s in MeasureSchedule.objects.filter(client=client)}
    assert set(schedules) == {"phq9", "gad7", "wai_sr"}  # no trauma concern: no PCL-5
    assert schedules["wai_sr"].every_n_sessions == 4
    assert all(s.from_protocol for s in schedules.values())
    intake = DueQuestionnaire.objects.filter(client=client, session__isnull=True, status="pending")
    assert sorted(intake.values_list("instrument", flat=True)) == ["gad7", "phq9"]
    assert all(row.opens_at <= timezone.now() for row in intake)


def test_a_trauma_concern_adds_monthly_pcl5(therapist):
    client = new_client(therapist, diagnosis_codes=["F43.1"])
    pcl5 = MeasureSchedule.objects.get(client=client, instrument="pcl5")
    assert (pcl5.every_n_sessions, pcl5.min_days_between) == (1, 28)
    by_words = new_client(therapist, presenting_concerns="Nightmares after an assault last year")
    assert MeasureSchedule.objects.filter(client=by_words, instrument="pcl5").exists()


def test_a_per_client_override_survives_reapplying_the_protocol(therapist):
    client = new_client(therapist)
    measure_schedule_set(client=client, actor=therapist, instrument="phq9", every_n_sessions=2, expires_after_days=5)
    apply_measurement_protocol(client=client, actor=therapist)
    phq9 = MeasureSchedule.objects.get(client=client, instrument="phq9")
    assert (phq9.every_n_sessions, phq9.expires_after_days, phq9.from_protocol) == (2, 5, False)
    # Reapplying does not open a second intake questionnaire either.
    assert DueQuestionnaire.objects.filter(client=client, instrument="phq9", status="pending").count() == 1


def test_the_practice_protocol_changes_what_new_clients_get(therapist, practice):
    protocol_rule_set(
        practice=practice,
        actor=therapist,
        data={
            "instrument": "phq4",
            "at_intake": False,
            "every_n_sessions": 2,
            "min_days_between": 0,
            "expires_after_days": 2,
            "condition": ProtocolRule.Condition.ALL,
        },
    )
    client = new_client(therapist)
    assert MeasureSchedule.objects.get(client=client, instrument="phq4").every_n_sessions == 2


def test_the_chart_override_form_changes_one_client_only(therapist):
    client = new_client(therapist)
    other = new_client(therapist)
    response = web_as(therapist).post(
        reverse("client-chart", args=[client.pk]) + "?tab=measures",
        {
            "action": "schedule",
            "instrument": "gad7",
            "every_n_sessions": "3",
            "min_days_between": "0",
            "expires_after_days": "2",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert MeasureSchedule.objects.get(client=client, instrument="gad7").every_n_sessions == 3
    assert MeasureSchedule.objects.get(client=other, instrument="gad7").every_n_sessions == 1


# ---------------------------------------------------------------------------
# Opening, expiry and session attribution (time travel)


def test_questionnaires_open_in_the_window_expire_and_count_toward_their_session(therapist, practice, client_record):
    protocol_window_set(practice=practice, actor=therapist, opens_before_hours=24)
    measure_schedule_set(
        client=client_record, actor=therapist, instrument="phq9", every_n_sessions=1, expires_after_days=2
    )
    session_at = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    session = SessionFactory(client=client_record, starts_at=session_at, status="scheduled")

    with time_machine.travel(session_at - dt.timedelta(hours=30), tick=False):
        assert create_due_questionnaires() == 0  # not yet within the 24 h window
    with time_machine.travel(session_at - dt.timedelta(hours=20), tick=False):
        assert create_due_questionnaires() == 1
        due = DueQuestionnaire.objects.get(client=client_record, session=session)
        assert due.opens_at == session_at - dt.timedelta(hours=24)
        assert list(due_questionnaires(client=client_record)) == [due]
        answered = as_user(therapist).post(
            reverse("api-client-assessments", kwargs={"pk": client_record.pk}),
            {"instrument": "phq9", "answers": [1] * 9},
            format="json",
        )
        assert answered.status_code == 201
    due.refresh_from_db()
    assert due.status == "completed"
    assessment = Assessment.objects.get(pk=answered.json()["id"])
    assert assessment.session_id == session.pk  # filled in the day before; counts toward it


def test_an_unanswered_questionnaire_expires(therapist, client_record):
    measure_schedule_set(
        client=client_record, actor=therapist, instrument="gad7", every_n_sessions=1, expires_after_days=1
    )
    session_at = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    SessionFactory(client=client_record, starts_at=session_at, status="scheduled")
    create_due_questionnaires()
    with time_machine.travel(session_at + dt.timedelta(hours=23), tick=False):
        assert expire_due_questionnaires() == 0
    with time_machine.travel(session_at + dt.timedelta(days=1, minutes=1), tick=False):
        assert expire_due_questionnaires() == 1
        assert not list(due_questionnaires(client=client_record))


def test_monthly_pcl5_skips_sessions_within_28_days(therapist, client_record):
    measure_schedule_set(
        client=client_record,
        actor=therapist,
        instrument="pcl5",
        every_n_sessions=1,
        expires_after_days=3,
        min_days_between=28,
    )
    first = timezone.now().replace(microsecond=0) + dt.timedelta(hours=10)
    for week in range(5):
        SessionFactory(client=client_record, starts_at=first + dt.timedelta(days=7 * week), status="scheduled")
    opened = []
    for week in range(5):
        with time_machine.travel(first + dt.timedelta(days=7 * week, hours=-10), tick=False):
            opened.append(create_due_questionnaires())
    assert opened == [1, 0, 0, 0, 1]


# ---------------------------------------------------------------------------
# In session and kiosk mode


def phq9_post(item9: int) -> dict:
    return {**{f"item{n}": "1" for n in range(1, 9)}, "item9": str(item9)}


def test_in_session_entry_raises_the_same_alert_as_the_portal(therapist, client_record, client_user):
    response = web_as(therapist).post(reverse("measure-give", args=[client_record.pk, "phq9"]), phq9_post(2))
    assert response.status_code == 201
    assert b"given-alert" in response.content
    given = Alert.objects.get(client=client_record)
    assessment = Assessment.objects.get(client=client_record)
    assert (assessment.source, assessment.total, assessment.result["item9_flag"]) == ("therapist", 10, True)
    # The same answers through the portal's questionnaire raise the same alert.
    due = DueQuestionnaire.objects.create(
        client=client_record, instrument="phq9", due_at=timezone.now(), expires_at=timezone.now() + dt.timedelta(days=1)
    )
    web_as(client_user).post(reverse("portal-questionnaire", args=[due.pk]), phq9_post(2))
    portal = Alert.objects.filter(client=client_record).exclude(pk=given.pk).get()
    assert (portal.kind, portal.severity, portal.reason) == (given.kind, given.severity, given.reason)


def test_in_session_entry_rejects_an_out_of_range_answer(therapist, client_record):
    response = web_as(therapist).post(
        reverse("measure-give", args=[client_record.pk, "phq9"]), {**phq9_post(0), "item3": "7"}
    )
    assert response.status_code == 400
    assert not Assessment.objects.filter(client=client_record).exists()


def test_kiosk_mode_shows_only_the_questionnaire_until_the_password(therapist, client_record):
    browser = web_as(therapist)
    started = browser.post(reverse("kiosk-start", args=[client_record.pk]), {"instrument": "gad7"})
    assert started["Location"] == reverse("kiosk")
    for url in (reverse("client-chart", args=[client_record.pk]), reverse("dashboard"), "/api/v1/clients/"):
        response = browser.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"] == reverse("kiosk")
    page = browser.get(reverse("kiosk")).content.decode()
    assert "Worry questionnaire" in page and client_record.last_name not in page and "Caseload" not in page
    done = browser.post(reverse("kiosk"), {f"item{n}": "2" for n in range(1, 8)})
    assert b"kiosk-done" in done.content
    assert Assessment.objects.get(client=client_record).source == "kiosk"
    # Done is not out: the record stays closed until the therapist's password.
    assert browser.get(reverse("client-chart", args=[client_record.pk]))["Location"] == reverse("kiosk")
    wrong = browser.post(reverse("kiosk-exit"), {"password": "not it"})
    assert wrong.status_code == 400
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, target_type="kiosk_exit").exists()
    assert browser.get(reverse("dashboard"))["Location"] == reverse("kiosk")
    right = browser.post(reverse("kiosk-exit"), {"password": PASSWORD})
    assert right.status_code == 302
    assert KIOSK_SESSION_KEY not in browser.session
    assert browser.get(reverse("client-chart", args=[client_record.pk])).status_code == 200


def test_kiosk_exit_failures_lock_out_and_end_the_session(therapist, client_record, settings):
    settings.AXES_FAILURE_LIMIT = 2
    browser = web_as(therapist)
    browser.post(reverse("kiosk-start", args=[client_record.pk]), {"instrument": "phq9"})
    browser.post(reverse("kiosk-exit"), {"password": "wrong"})
    locked = browser.post(reverse("kiosk-exit"), {"password": "wrong again"})
    assert locked.status_code == 302 and reverse("login") in locked["Location"]
    # Signed out: nothing of the record is reachable, kiosk flag gone with the session.
    assert reverse("login") in browser.get(reverse("client-chart", args=[client_record.pk]))["Location"]


# ---------------------------------------------------------------------------
# Progress reports


def test_progress_report_contents(therapist, client_record):
    for week, total in enumerate([18, 14, 11]):
        SessionFactory(client=client_record, starts_at=timezone.now() - dt.timedelta(days=21 - 7 * week))
        Assessment.objects.create(
            client=client_record,
            instrument="phq9",
            version="phq9_v1",
            answers=[2] * 9,
            result={"total": total, "severity": "moderate"},
            total=total,
            administered_at=timezone.now() - dt.timedelta(days=21 - 7 * week),
        )
    Assessment.objects.create(
        client=client_record, instrument="cssrs_screener", version="v1", answers={}, result={"risk": "low"}
    )
    client_record.goals.create(description="Walk three times a week", status="partially_met")
    HomeworkAssignmentFactory(client=client_record, status="completed", due_at=timezone.now() - dt.timedelta(days=2))
    HomeworkAssignmentFactory(client=client_record, status="missed", due_at=timezone.now() - dt.timedelta(days=1))
    content = progress_report_content(client=client_record, actor=therapist)
    [phq9] = content["measures"]  # no C-SSRS
    assert (phq9["first"], phq9["latest"]) == (18, 11)
    assert phq9["change"] == "-7 points: reliable improvement"
    assert "NHS Talking Therapies" in phq9["threshold_source"]
    assert content["goals"] == [{"description": "Walk three times a week", "status": "partly met", "target": None}]
    assert content["homework"]["last_three_percent"] == 50


def test_sharing_a_report_is_recorded_and_reaches_only_that_client(
    therapist, client_record, client_user, other_client_user
):
    response = web_as(therapist).post(
        reverse("progress-report", args=[client_record.pk]), {"action": "share", "comment": "Proud of your work."}
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(client=client_record)
    assert report.shared_at is not None and report.comment == "Proud of your work."
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, target_type="clients.progressreport").exists()
    page = web_as(client_user).get(reverse("portal-report", args=[report.pk]))
    assert page.status_code == 200 and b"Proud of your work." in page.content
    assert b"PHQ" not in page.content and b"severe" not in page.content.lower()
    assert web_as(other_client_user).get(reverse("portal-report", args=[report.pk])).status_code == 404


def test_the_report_downloads_as_pdf_and_the_export_is_audited(therapist, client_record):
    response = web_as(therapist).post(
        reverse("progress-report", args=[client_record.pk]), {"action": "pdf", "comment": ""}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, client_id=client_record.pk).exists()
    assert not ProgressReport.objects.exists()  # a download is not a share

"""Practice reports: every figure against a hand-built practice, suppression, privacy, speed.

The hand-built practice (one "copy", period March-May 2025, now = 15 June 2025):
- Tess (T1): A1 active (referred 1 Feb, intake 1 Mar), A2 discharged 20 May after an intake
  session + 3 treatment sessions (PHQ-9 15->5, GAD-7 12->4: recovered, reliably), A3
  discharged 30 Apr after 2 sessions (PHQ-9 12->11, GAD-7 9->9: at caseness, unchanged),
  A4 discharged 10 May after 1 session (not a finished course), A5 on the waitlist.
- Theo (T2): B1 discharged 25 May after 3 sessions (PHQ-9 8->16: reliable deterioration, not
  at caseness first), B2 active, W2 active (waited 120 days).
- Unassigned: W1 waiting; W3 taken off the waitlist (discharged) in March.
`copies=5` repeats it five times so every non-zero count clears the small-cell threshold.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
import zlib
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from clients.models import Assessment, Client
from insights import reports
from insights.api_reports import render_report_pdf
from insights.charts import bar_chart, draw_bar, draw_line, line_chart
from insights.models import AiSuggestion, Alert, PracticeAggregate
from insights.reports import aggregates
from insights.tasks.reports import refresh_practice_aggregates as refresh_task
from practice.audit import AuditAction
from practice.models import AuditEvent
from sessions.models import NoteDraft
from tests.conftest import PHI_CANARY, as_user
from tests.factories import (
    CheckInFactory,
    ClientFactory,
    HomeworkAssignmentFactory,
    MembershipFactory,
    ProgressNoteFactory,
    SessionFactory,
)

NOW = dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC)
PERIOD = {"start": "2025-03-01", "end": "2025-05-31"}
CLIENT_SURNAME = "Zephyrine"  # every client's surname: must never appear in a report


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=dt.UTC)


def day(month: int, dom: int, year: int = 2025) -> dt.date:
    return dt.date(year, month, dom)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def staff(practice, manager):
    def member(first, last):
        return MembershipFactory(
            practice=practice,
            role="therapist",
            user__first_name=first,
            user__last_name=last,
            user__email=f"{first.lower()}@northside.example",
        )

    return SimpleNamespace(tess=member("Tess", "Alder"), theo=member("Theo", "Birch"), manager=manager)


def _client(practice, therapist, **fields):
    fields.setdefault("intake_date", None)
    return ClientFactory(
        practice=practice,
        primary_therapist=therapist,
        first_name="Marigold",
        last_name=f"{CLIENT_SURNAME}{Client.objects.count()}",
        presenting_concerns=f"Worried about {PHI_CANARY}",
        **fields,
    )


def _session(client, therapist, when, status="attended", kind="individual", note=None):
    session = SessionFactory(client=client, therapist=therapist, starts_at=when, status=status, kind=kind)
    if note is not None:  # "draft" or the signed_at datetime
        signed = note != "draft"
        ProgressNoteFactory(
            client=client,
            session=session,
            author=therapist.user,
            sections={"data": PHI_CANARY},
            status="signed" if signed else "draft",
            signed_at=note if signed else None,
        )
    return session


def _scores(client, when, phq9, gad7):
    for instrument, total in (("phq9", phq9), ("gad7", gad7)):
        if total is not None:
            Assessment.objects.create(
                client=client,
                instrument=instrument,
                version="1",
                answers=[0],
                administered_at=when,
                result={"total": total, "scorable": True},
                total=total,
            )


def _alert(client, created, acknowledged_minutes=None, severity="concern", escalation_level=0):
    acknowledged = created + dt.timedelta(minutes=acknowledged_minutes) if acknowledged_minutes is not None else None
    Alert.objects.create(
        client=client,
        kind="risk_language",
        severity=severity,
        reason="Risk language in a check-in",
        excerpt=PHI_CANARY,
        created_at=created,
        acknowledge_by=created + dt.timedelta(hours=1),
        acknowledged_at=acknowledged,
        acknowledge_note=PHI_CANARY if acknowledged else "",
        status="acknowledged" if acknowledged else "open",
        escalation_level=escalation_level,
    )


def _copy(practice, tess, theo):
    a1 = _client(practice, tess, referred_at=day(2, 1), intake_date=day(3, 1))
    first = _session(a1, tess, at(3, 5), note=at(3, 6))
    _scores(a1, first.starts_at, 14, None)
    _session(a1, tess, at(3, 12), note=at(3, 20))  # signed 8 days later: late
    _session(a1, tess, at(3, 19), "no_show")
    _session(a1, tess, at(3, 26), "late_cancelled")
    _session(a1, tess, at(4, 2), "cancelled")
    _session(a1, tess, at(5, 28), "scheduled")  # never recorded
    _session(a1, tess, at(6, 20), "scheduled")  # after the period
    homework = {"client": a1, "created_at": at(3, 3), "instructions": PHI_CANARY, "feedback": PHI_CANARY}
    HomeworkAssignmentFactory(**homework, due_at=at(3, 10, 18), status="completed", completed_at=at(3, 9))
    HomeworkAssignmentFactory(**homework, due_at=at(3, 20, 18), status="completed", completed_at=at(3, 25))
    HomeworkAssignmentFactory(**homework, due_at=at(4, 10, 18), status="missed")
    HomeworkAssignmentFactory(**{**homework, "created_at": at(3, 4)}, due_at=at(4, 15, 18), status="cancelled")
    HomeworkAssignmentFactory(**{**homework, "created_at": at(5, 30)}, due_at=at(6, 30, 18), status="assigned")
    for when in (at(3, 2), at(3, 9), at(3, 16), at(4, 5)):
        CheckInFactory(client=a1, created_at=when, note=PHI_CANARY)
    _alert(a1, at(3, 5), 30, severity="urgent")
    _alert(a1, at(4, 1), 90, escalation_level=1)
    _alert(a1, at(5, 1))
    for created, decision, kind in (
        (at(3, 10), "accepted", "homework_recommendation"),
        (at(4, 10), "accepted", "homework_recommendation"),
        (at(5, 10), "dismissed", "homework_recommendation"),
        (at(5, 11), "pending", "homework_recommendation"),
        (at(5, 12), "accepted", "session_brief"),
    ):
        AiSuggestion.objects.create(
            client=a1,
            kind=kind,
            payload={"text": PHI_CANARY},
            method="rules",
            version="1",
            created_at=created,
            decision=decision,
        )
    # AI note drafts (issue 18): one signed as drafted, one edited, one discarded, one pending.
    drafted = ProgressNoteFactory(client=a1, author=a1.primary_therapist.user)
    for created, decision in (
        (at(3, 11), "accepted"),
        (at(4, 11), "edited"),
        (at(5, 12), "discarded"),
        (at(5, 13), "pending"),
    ):
        NoteDraft.objects.create(
            note=drafted,
            client=a1,
            requested_by=drafted.author,
            backend="structured",
            status="ready",
            created_at=created,
            decision=decision,
            sources=[{"key": "b1", "kind": "bullet", "text": PHI_CANARY}],
        )

    a2 = _client(
        practice, tess, referred_at=day(2, 10), intake_date=day(3, 15), status="discharged", discharged_at=day(5, 20)
    )
    _session(a2, tess, at(3, 15), kind="intake")  # no note: overdue
    _session(a2, tess, at(3, 22), note="draft")  # draft only: overdue
    _session(a2, tess, at(4, 5), note=at(4, 7))
    _session(a2, tess, at(4, 19), note=at(4, 20))
    _scores(a2, at(3, 15), 15, 12)
    _scores(a2, at(4, 19), 5, 4)

    a3 = _client(practice, tess, intake_date=day(12, 1, 2024), status="discharged", discharged_at=day(4, 30))
    _session(a3, tess, at(4, 1), note=at(4, 2))
    _session(a3, tess, at(4, 15), note=at(4, 30))
    _scores(a3, at(4, 1), 12, 9)
    _scores(a3, at(4, 15), 11, 9)

    a4 = _client(practice, tess, intake_date=day(1, 10), status="discharged", discharged_at=day(5, 10))
    only = _session(a4, tess, at(5, 5))
    Assessment.objects.create(  # unscorable, two days later, but linked to the session: a measure
        client=a4,
        instrument="phq9",
        version="1",
        answers=[None] * 9,
        administered_at=at(5, 7),
        session=only,
        result={"total": None, "scorable": False},
        total=None,
    )
    _client(practice, tess, referred_at=day(4, 1), status="waitlist")  # A5

    b1 = _client(
        practice, theo, referred_at=day(3, 1), intake_date=day(4, 10), status="discharged", discharged_at=day(5, 25)
    )
    for when in (at(4, 10), at(4, 24), at(5, 8)):
        _session(b1, theo, when, note=when + dt.timedelta(days=1))
    _scores(b1, at(4, 10), 8, 5)
    _scores(b1, at(5, 8), 16, 6)
    _alert(b1, at(5, 2), 60, severity="urgent")

    b2 = _client(practice, theo, intake_date=day(2, 1))
    _session(b2, theo, at(5, 6), note=at(5, 7))
    _session(b2, theo, at(5, 13))
    _session(b2, theo, at(5, 20), "no_show")
    for when in (at(5, 3), at(5, 4)):
        CheckInFactory(client=b2, created_at=when, note=PHI_CANARY)

    _client(practice, None, referred_at=day(5, 5), status="waitlist")  # W1
    _client(practice, theo, referred_at=day(1, 1), intake_date=day(5, 1))  # W2
    _client(
        practice,
        None,
        referred_at=day(1, 15),
        status="discharged",
        discharged_at=day(3, 10),
        discharge_reason="Declined",
    )  # W3


def build_practice(practice, staff, copies=1):
    for _ in range(copies):
        _copy(practice, staff.tess, staff.theo)
    return aggregates.refresh_practice_aggregates(practice)


def raw_totals(practice, therapist=None) -> reports.Totals:
    rows = PracticeAggregate.objects.filter(practice=practice, therapist=therapist, month__range=(day(3, 1), day(5, 1)))
    return reports.Totals.of(((row.month, row.metrics) for row in rows), day(5, 1))


def get_report(user, **params):
    return as_user(user).get(reverse("api-reports-practice"), {**PERIOD, **params})


# --- every figure, raw (copies=1) and presented (copies=5) ----------------------------------


@pytest.mark.django_db
def test_raw_aggregates_match_the_hand_built_practice(frozen, practice, staff):
    build_practice(practice, staff)
    t = raw_totals(practice)
    expected = {
        "intakes": 4,
        "discharges": 5,
        "referrals": 3,
        "active_end": 3,
        "waitlist_end": 2,
        "sessions_total": 19,
        "sessions_attended": 14,
        "sessions_no_show": 2,
        "sessions_late_cancelled": 1,
        "sessions_cancelled": 1,
        "sessions_pending": 1,
        "sessions_measured": 8,
        "homework_assigned": 4,
        "homework_due": 3,
        "homework_completed": 2,
        "homework_on_time": 1,
        "checkins": 6,
        "checkin_client_ids": 2,
        "courses_finished": 3,
        "courses_paired": 3,
        "courses_caseness": 2,
        "courses_recovered": 1,
        "courses_reliable_improvement": 1,
        "courses_reliable_deterioration": 1,
        "courses_reliable_recovery": 1,
        "course_sessions": 8,
        "notes_due": 14,
        "notes_on_time": 8,
        "notes_late": 2,
        "notes_overdue": 4,
        "alerts_raised": 4,
        "alerts_urgent": 2,
        "alerts_escalated": 1,
        "alerts_acknowledged": 3,
        "ai_homework_decided": 3,
        "ai_homework_accepted": 2,
        "ai_drafts_decided": 3,
        "ai_drafts_inserted": 2,
        "ai_drafts_edited": 1,
    }
    assert {key: t[key] for key in expected} == expected
    assert sorted(t.lists["wait_days"]) == [28, 33, 40, 120]
    assert sorted(t.lists["ack_minutes"]) == [30, 60, 90]


@pytest.mark.django_db
def test_raw_aggregates_split_by_therapist(frozen, practice, staff):
    build_practice(practice, staff)
    tess, theo = raw_totals(practice, staff.tess), raw_totals(practice, staff.theo)
    assert (tess["active_end"], theo["active_end"]) == (1, 2)
    assert (tess["waitlist_end"], theo["waitlist_end"]) == (1, 0)  # W1 is unassigned: practice only
    assert (tess["sessions_attended"], theo["sessions_attended"]) == (9, 5)
    assert (tess["notes_overdue"], theo["notes_overdue"]) == (3, 1)
    assert (tess["courses_finished"], theo["courses_finished"]) == (2, 1)
    assert (tess["courses_reliable_deterioration"], theo["courses_reliable_deterioration"]) == (0, 1)


EXPECTED_FIVE_COPIES = {
    "caseload": {
        "active_clients": 15,
        "new_intakes": 20,
        "discharges": 25,
        "referrals": 15,
        "waitlist": 10,
        "median_wait_days": {"value": 36.5, "unit": "days", "n": 20, "suppressed": False},
    },
    "attendance": {
        "sessions_scheduled": 95,
        "sessions_attended": 70,
        "sessions_no_show": 10,
        "sessions_late_cancelled": 5,
        "sessions_cancelled": 5,
        "sessions_unrecorded": 5,
        "attendance_rate": {"percent": 82.4, "numerator": 70, "denominator": 85, "suppressed": False},
        "no_show_rate": {"percent": 11.8, "numerator": 10, "denominator": 85, "suppressed": False},
        "late_cancel_rate": {"percent": 5.9, "numerator": 5, "denominator": 85, "suppressed": False},
    },
    "engagement": {
        "homework_assigned": 20,
        "homework_due": 15,
        "homework_completion_rate": {"percent": 66.7, "numerator": 10, "denominator": 15, "suppressed": False},
        "homework_on_time_rate": {"percent": 33.3, "numerator": 5, "denominator": 15, "suppressed": False},
        "checkin_clients": 10,
        "checkins": 30,
        "measure_completion_rate": {"percent": 57.1, "numerator": 40, "denominator": 70, "suppressed": False},
    },
    "outcomes": {
        "finished_courses": 15,
        "courses_with_scores": 15,
        "recovery_rate": {"percent": 50.0, "numerator": 5, "denominator": 10, "suppressed": False},
        "reliable_improvement_rate": {"percent": 33.3, "numerator": 5, "denominator": 15, "suppressed": False},
        "reliable_recovery_rate": {"percent": 50.0, "numerator": 5, "denominator": 10, "suppressed": False},
        "reliable_deterioration_rate": {"percent": 33.3, "numerator": 5, "denominator": 15, "suppressed": False},
        "average_sessions_per_course": {"value": 2.7, "n": 15, "suppressed": False},
    },
    "documentation": {
        "notes_due": 70,
        "notes_signed_within_72h": 40,
        "notes_signed_late": 10,
        "notes_overdue": 20,
        "notes_on_time_rate": {"percent": 57.1, "numerator": 40, "denominator": 70, "suppressed": False},
    },
    "safety": {
        "alerts_raised": 20,
        "urgent_alerts": 10,
        "escalations": 5,
        "median_minutes_to_acknowledge": {"value": 60.0, "unit": "minutes", "n": 15, "suppressed": False},
    },
    "ai": {
        "homework_recommendations_decided": 15,
        "homework_recommendation_acceptance_rate": {
            "percent": 66.7,
            "numerator": 10,
            "denominator": 15,
            "suppressed": False,
        },
        "note_drafts_decided": 15,
        "note_draft_acceptance_rate": {"percent": 66.7, "numerator": 10, "denominator": 15, "suppressed": False},
        "note_draft_edit_rate": {"percent": 50.0, "numerator": 5, "denominator": 10, "suppressed": False},
    },
}


@pytest.mark.django_db
def test_report_api_presents_every_figure(frozen, practice, staff):
    build_practice(practice, staff, copies=5)
    response = get_report(staff.manager)
    assert response.status_code == 200
    body = response.json()
    for section, figures in EXPECTED_FIVE_COPIES.items():
        assert body[section] == figures, section
    assert body["period"] == {
        "start": "2025-03-01",
        "end": "2025-05-31",
        "requested_start": "2025-03-01",
        "requested_end": "2025-05-31",
        "granularity": "month",
        "months": ["2025-03", "2025-04", "2025-05"],
    }
    assert body["computed_at"] == NOW.isoformat()
    assert set(body["definitions"]) == {f"{s}.{k}" for s, figures in EXPECTED_FIVE_COPIES.items() for k in figures}


@pytest.mark.django_db
def test_report_breaks_figures_down_by_therapist_and_filters(frozen, practice, staff):
    build_practice(practice, staff, copies=5)
    body = get_report(staff.manager).json()
    by_name = {entry["therapist"]["name"]: entry for entry in body["by_therapist"]}
    assert set(by_name) == {"Tess Alder", "Theo Birch"}
    assert by_name["Tess Alder"]["caseload"]["active_clients"] == 5
    assert by_name["Theo Birch"]["caseload"]["active_clients"] == 10
    assert by_name["Tess Alder"]["documentation"]["notes_overdue"] == 15
    assert by_name["Theo Birch"]["documentation"]["notes_overdue"] == 5

    filtered = get_report(staff.manager, therapist=staff.theo.pk).json()
    assert filtered["filters"]["therapist"] == {"id": staff.theo.pk, "name": "Theo Birch"}
    assert filtered["attendance"]["sessions_attended"] == 25
    assert filtered["outcomes"]["reliable_deterioration_rate"]["percent"] == 100.0
    assert [entry["therapist"]["id"] for entry in filtered["by_therapist"]] == [staff.theo.pk]


@pytest.mark.django_db
def test_monthly_trends_follow_the_months_and_suppress_small_months(frozen, practice, staff):
    build_practice(practice, staff, copies=5)
    body = get_report(staff.manager, start="2025-02-01").json()
    months = {entry["month"]: entry for entry in body["trends"]}
    assert list(months) == ["2025-02", "2025-03", "2025-04", "2025-05"]
    assert [months[m]["sessions_attended"] for m in months] == ["<5", 20, 30, 20]
    # Month-end stocks: Feb A1, A2, W2, W3 waiting; Mar W2, B1; Apr W2, A5; May A5, W1 (x5).
    assert [months[m]["waitlist"] for m in months] == [20, 10, 10, 10]
    assert months["2025-02"]["attendance_rate"]["suppressed"] is True


# --- small cells ----------------------------------------------------------------------------


@pytest.mark.parametrize(("count", "shown"), [(0, "<5"), (4, "<5"), (5, 5), (6, 6)])
def test_counts_below_five_are_shown_as_less_than_five(count, shown):
    assert reports.present_count(count) == shown


@pytest.mark.parametrize(("denominator", "suppressed"), [(0, True), (4, True), (5, False), (6, False)])
def test_rates_medians_and_means_on_fewer_than_five_are_suppressed(denominator, suppressed):
    rate = reports.present_rate(min(denominator, 3), denominator)
    assert rate["suppressed"] is suppressed and (rate["percent"] is None) is suppressed
    assert rate["denominator"] == ("<5" if suppressed else denominator)
    median = reports.present_median([10] * denominator, "days")
    assert median["suppressed"] is suppressed and (median["value"] is None) is suppressed
    mean = reports.present_mean(2 * denominator, denominator)
    assert (mean["value"] is None) is suppressed and mean["n"] == ("<5" if suppressed else denominator)


@pytest.mark.django_db
@pytest.mark.parametrize("attended", [0, 4, 5, 6])
def test_endpoint_suppresses_small_counts_and_rates(frozen, practice, staff, attended):
    client = _client(practice, staff.tess, intake_date=day(1, 1))
    for index in range(attended):
        _session(client, staff.tess, at(4, 1 + index))
    aggregates.refresh_practice_aggregates(practice)
    body = get_report(staff.manager).json()
    assert body["attendance"]["sessions_attended"] == ("<5" if attended < 5 else attended)
    rate = body["attendance"]["attendance_rate"]
    assert rate["suppressed"] is (attended < 5)
    assert rate["percent"] == (None if attended < 5 else 100.0)


# --- privacy ----------------------------------------------------------------------------------


def pdf_text(content: bytes) -> bytes:
    """The content streams of a PDF, decoded (ReportLab: ASCII85 and/or Flate)."""
    chunks = [content]
    for header, data in re.findall(rb"<<(.*?)>>\s*stream\r?\n(.*?)endstream", content, re.S):
        try:
            if b"ASCII85Decode" in header:
                data = base64.a85decode(data.strip().removesuffix(b"~>"))
            if b"FlateDecode" in header:
                data = zlib.decompress(data)
        except (ValueError, zlib.error):
            continue
        chunks.append(data)
    return b"\n".join(chunks)


@pytest.mark.django_db
def test_no_client_names_or_clinical_text_in_json_csv_or_pdf(frozen, practice, staff):
    build_practice(practice, staff, copies=5)
    user = as_user(staff.manager)
    outputs = {
        "json": user.get(reverse("api-reports-practice"), PERIOD).content,
        "csv": user.get(reverse("api-reports-practice-csv"), PERIOD).content,
        "pdf": pdf_text(user.get(reverse("api-reports-practice-pdf"), PERIOD).content),
        "pdf-uncompressed": render_report_pdf(get_report(staff.manager).json(), exported_at=NOW, compress=False),
        "page": as_web(staff.manager).get(reverse("reports"), PERIOD).content,
    }
    for name, content in outputs.items():
        for secret in (PHI_CANARY, CLIENT_SURNAME, "Marigold", "Risk language"):
            assert secret.encode() not in content, f"{secret} leaked into the {name} report"
    # The extraction works: the therapist's name and the period do show up.
    assert b"Tess Alder" in outputs["pdf"] and b"Tess Alder" in outputs["pdf-uncompressed"]
    assert b"2025-03-01" in outputs["pdf-uncompressed"]


@pytest.mark.django_db
def test_exports_carry_period_filter_and_generation_time(frozen, practice, staff):
    build_practice(practice, staff)
    response = as_user(staff.manager).get(reverse("api-reports-practice-csv"), {**PERIOD, "therapist": staff.tess.pk})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    meta = {row[3]: row[4] for row in rows if row[0] == "meta"}
    assert meta["period_start"] == "2025-03-01" and meta["period_end"] == "2025-05-31"
    assert meta["therapist_filter"] == f"Tess Alder (member {staff.tess.pk})"
    assert meta["generated_at"] == NOW.isoformat() and meta["figures_computed_at"] == NOW.isoformat()
    assert ["therapist_filter", "", "attendance", "sessions_attended", "9", "", "", ""] in rows
    assert AuditEvent.objects.filter(action="export", target_type="insights.practicereport").count() == 1
    pdf = as_user(staff.manager).get(reverse("api-reports-practice-pdf"), PERIOD)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert b"Generated at 2025-06-15T12:00:00+00:00" in text and b"All therapists" in text


# --- parameters ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2025-13-01"}, "start"),
        ({"start": "2025-05-01", "end": "2025-04-01"}, "end"),
        ({"start": "2010-01-01"}, "start"),
    ],
)
def test_invalid_dates_are_400_with_field_errors(frozen, practice, staff, params, field):
    response = as_user(staff.manager).get(reverse("api-reports-practice"), params)
    assert response.status_code == 400 and field in response.json()
    assert not PracticeAggregate.objects.exists()


@pytest.mark.django_db
def test_therapist_filter_must_be_a_therapist_of_the_practice(frozen, practice, staff, outsider):
    for member_id in (outsider.membership.pk, staff.manager.membership.pk, "x"):
        response = get_report(staff.manager, therapist=member_id)
        assert response.status_code == 400 and "therapist" in response.json()


# --- aggregates: refresh, cache, speed ------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_is_an_idempotent_upsert(frozen, practice, staff):
    build_practice(practice, staff)
    first = {(r.therapist_id, r.month): (r.pk, r.metrics) for r in PracticeAggregate.objects.filter(practice=practice)}
    aggregates.refresh_practice_aggregates(practice)
    second = {(r.therapist_id, r.month): (r.pk, r.metrics) for r in PracticeAggregate.objects.filter(practice=practice)}
    assert first == second
    # Figures that disappear take their rows with them.
    Client.objects.filter(primary_therapist=staff.theo).delete()
    aggregates.refresh_practice_aggregates(practice)
    assert not PracticeAggregate.objects.filter(therapist=staff.theo).exists()


@pytest.mark.django_db
def test_refresh_task_covers_one_or_every_practice(frozen, practice, other_practice, staff):
    _client(other_practice, None, referred_at=day(5, 1), status="waitlist")
    assert refresh_task.apply(args=[practice.pk]).get() > 0
    assert not PracticeAggregate.objects.filter(practice=other_practice).exists()
    assert refresh_task.apply(args=[None]).get() == 2
    assert (
        PracticeAggregate.objects.get(practice=other_practice, therapist=None, month=day(5, 1)).metrics["waitlist_end"]
        == 1
    )
    assert refresh_task.apply(args=[999999]).get() == 0


@pytest.mark.django_db
def test_reading_a_report_never_computes_the_refresh_post_does(
    frozen, practice, staff, django_capture_on_commit_callbacks
):
    _session(_client(practice, staff.tess, intake_date=day(1, 1)), staff.tess, at(4, 1))
    assert not PracticeAggregate.objects.exists()
    body = get_report(staff.manager).json()
    assert body["computed_at"] is None and not PracticeAggregate.objects.exists()
    page = as_web(staff.manager).get(reverse("reports"))
    assert "Figures have not been computed yet" in page.content.decode()
    assert not PracticeAggregate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the refresh invalidates cached reports
        response = as_web(staff.manager).post(reverse("reports-refresh"), {"start": "2025-01-01", "end": "2025-06-15"})
    assert response.status_code == 302 and "start=2025-01-01" in response["Location"]
    assert PracticeAggregate.objects.filter(practice=practice, therapist=None).count() == 6  # Jan..Jun
    assert AuditEvent.objects.filter(
        actor=staff.manager, action=AuditAction.UPDATE, target_type="insights.practiceaggregate"
    ).exists()
    assert get_report(staff.manager).json()["computed_at"] == NOW.isoformat()


@pytest.mark.django_db
def test_report_is_cached_until_aggregates_refresh(practice, staff, django_capture_on_commit_callbacks):
    client = _client(practice, staff.tess, intake_date=day(1, 1))
    for index in range(5):
        _session(client, staff.tess, at(4, 1 + index))
    with time_machine.travel(NOW, tick=False):
        aggregates.refresh_practice_aggregates(practice)
        assert get_report(staff.manager).json()["attendance"]["sessions_attended"] == 5
        _session(client, staff.tess, at(4, 20))
        assert get_report(staff.manager).json()["attendance"]["sessions_attended"] == 5  # cached
    later = NOW + dt.timedelta(hours=1)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        aggregates.refresh_practice_aggregates(practice)
    with time_machine.travel(later, tick=False):
        body = get_report(staff.manager).json()
    assert body["attendance"]["sessions_attended"] == 6
    assert body["computed_at"] == later.isoformat()


def _sized_practice(practice, therapist, size):
    for _ in range(size):
        client = _client(practice, therapist, referred_at=day(2, 1), intake_date=day(3, 1))
        _session(client, therapist, at(4, 2), note=at(4, 3))
        CheckInFactory(client=client, created_at=at(4, 4))
    aggregates.refresh_practice_aggregates(practice)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 10, 100])
def test_report_query_count_does_not_grow_with_the_practice(frozen, practice, staff, size, django_assert_num_queries):
    _sized_practice(practice, staff.tess, size)
    user = as_user(staff.manager)
    url = reverse("api-reports-practice")
    # Cold cache: token + therapists + aggregate rows (the version key lives in the cache).
    with django_assert_num_queries(3):
        assert user.get(url, PERIOD).status_code == 200
    # Warm cache: token + therapists (to validate the filter) only.
    with django_assert_num_queries(2):
        assert user.get(url, PERIOD).status_code == 200


# --- web pages ------------------------------------------------------------------------------------


def as_web(user):
    from django.test import Client as WebClient

    web = WebClient()
    web.force_login(user)
    return web


@pytest.mark.django_db
def test_reports_page_is_for_managers_and_admins_only(frozen, practice, staff, admin, therapist, client_user):
    build_practice(practice, staff, copies=5)
    for user in (therapist, staff.tess.user, client_user):
        assert as_web(user).get(reverse("reports")).status_code == 404
    for user in (staff.manager, admin):
        page = as_web(user).get(reverse("reports"), PERIOD)
        assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<svg class="chart"') >= 6
    # Computed on the (frozen) day the page is read: a human "Today, HH:MM", ISO in the attribute.
    assert 'Figures as of <time datetime="2025-06-15' in html and ">Today, " in html
    assert 'data-testid="refresh-figures"' in html
    assert reverse("api-reports-practice-csv") + "?start=2025-03-01&amp;end=2025-05-31" in html
    assert 'data-figure="attendance.sessions_attended">70<' in html
    assert reports.DEFINITIONS["caseload.median_wait_days"] in html


@pytest.mark.django_db
def test_reports_page_shows_errors_for_bad_input(frozen, practice, staff):
    page = as_web(staff.manager).get(reverse("reports"), {"start": "nonsense"})
    assert page.status_code == 200 and "Enter a date as YYYY-MM-DD." in page.content.decode()


@pytest.mark.django_db
def test_roster_lists_clients_without_clinical_content(practice, staff, therapist, client_record, client_user):
    for user in (therapist, client_user):
        assert as_web(user).get(reverse("roster")).status_code == 404
    html = as_web(staff.manager).get(reverse("roster")).content.decode()
    assert "Quinn, Avery" in html and PHI_CANARY not in html


@pytest.mark.django_db
def test_roster_reassigns_a_client_through_the_service(practice, staff, client_record, outsider):
    web = as_web(staff.manager)
    response = web.post(
        reverse("roster"), {"client": client_record.pk, "therapist": staff.theo.pk, "version": client_record.version}
    )
    assert response.status_code == 302
    client_record.refresh_from_db()
    assert client_record.primary_therapist_id == staff.theo.pk
    assert (
        AuditEvent.objects.filter(
            action="care_team_change", client_id=client_record.pk, fields=["primary_therapist"]
        ).count()
        == 1
    )
    # Someone outside the practice (or not a therapist) cannot be chosen.
    for member in (outsider.membership, staff.manager.membership):
        web.post(reverse("roster"), {"client": client_record.pk, "therapist": member.pk})
        client_record.refresh_from_db()
        assert client_record.primary_therapist_id == staff.theo.pk


@pytest.mark.django_db
def test_roster_reassign_of_another_practices_client_is_404(practice, staff, other_practice):
    stranger = _client(other_practice, None)
    response = as_web(staff.manager).post(reverse("roster"), {"client": stranger.pk, "therapist": staff.theo.pk})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(client_id=stranger.pk).exists()


# --- charts ---------------------------------------------------------------------------------------


def test_line_chart_breaks_at_gaps_and_escapes_labels():
    svg = draw_line(
        [("Jan", 1), ("Feb", 2), ("<b>", None), ("Apr", 4), ("May", 5)],
        width=300,
        height=120,
        title="A & B",
        threshold=(3, "cut-off"),
        bands=[(0, 2, "low")],
    )
    assert svg.count("<polyline") == 2 and "&lt;b&gt;" in svg and "<b>" not in svg and "A &amp; B" in svg
    assert svg.startswith('<svg class="chart"') and "cut-off" in svg


def test_bar_chart_leaves_suppressed_slots_empty():
    svg = draw_bar([("Jan", 6), ("Feb", None)], title="Attended")
    assert svg.count("<rect") == 1 and "Feb: no figure" in svg


def test_chart_blocks_draw_wide_and_narrow_variants_and_a_table_of_the_figures():
    block = bar_chart([("Jan", 6), ("Feb", None)], title="Attended", width=560)
    assert block.count('<svg class="chart"') == 2
    assert 'class="chart-responsive w-560"' in block and 'viewBox="0 0 320 ' in block
    assert "<details" in block and '<th scope="row">Feb</th><td>no figure</td>' in block
    assert line_chart([("Jan", 1)], title="A").count("<polyline") == 0


# --- the chosen range, said plainly; PDF headers that fit ---------------------------------


@pytest.mark.django_db
def test_a_range_that_is_not_whole_months_counts_exactly_its_days(frozen, practice, staff):
    client = _client(practice, staff.tess, intake_date=day(1, 1))
    for dom in (1, 2, 2, 3, 3):  # inside 1 Jan-3 May
        _session(client, staff.tess, at(5, dom))
    for dom in (4, 20, 31):  # after 3 May: whole months would count these too
        _session(client, staff.tess, at(5, dom))
    aggregates.refresh_practice_aggregates(practice)
    stored = list(PracticeAggregate.objects.order_by("id").values_list("id", "computed_at"))
    whole = get_report(staff.manager, start="2025-01-01", end="2025-05-31").json()
    exact = get_report(staff.manager, start="2025-01-01", end="2025-05-03").json()
    assert whole["attendance"]["sessions_attended"] == 8
    assert exact["attendance"]["sessions_attended"] == 5
    assert (exact["period"]["start"], exact["period"]["end"]) == ("2025-01-01", "2025-05-03")
    assert exact["period"]["months"][-1] == "2025-05"
    assert exact["trends"][-1]["sessions_attended"] == 5  # the edge month holds only its days in range
    assert list(PracticeAggregate.objects.order_by("id").values_list("id", "computed_at")) == stored  # no writes
    html = as_web(staff.manager).get(reverse("reports"), {"start": "2025-01-01", "end": "2025-05-03"}).content.decode()
    assert "1 Jan 2025 to 3 May 2025" in html and 'data-testid="range-exact"' in html
    assert "31 May 2025" not in html
    whole_page = as_web(staff.manager).get(reverse("reports"), {"start": "2025-01-01", "end": "2025-05-31"})
    assert 'data-testid="range-exact"' not in whole_page.content.decode()


@pytest.mark.django_db
def test_exact_range_filters_by_therapist_and_starts_mid_month(frozen, practice, staff):
    tess = _client(practice, staff.tess, intake_date=day(1, 1))
    theo = _client(practice, staff.theo, intake_date=day(1, 1))
    for dom in (10, 11, 12, 13, 14):
        _session(tess, staff.tess, at(3, dom))
        _session(theo, staff.theo, at(3, dom))
    _session(tess, staff.tess, at(3, 9))  # the day before the range
    body = get_report(staff.manager, start="2025-03-10", end="2025-04-15", therapist=str(staff.tess.pk)).json()
    assert body["attendance"]["sessions_attended"] == 5
    assert body["computed_at"] == NOW.isoformat()  # computed for these dates when read


def test_whole_months_within_a_range():
    params = reports.ReportParams(start=dt.date(2025, 1, 15), end=dt.date(2025, 3, 3))
    assert params.widened and params.whole_months_within() == (dt.date(2025, 2, 1), dt.date(2025, 2, 28))
    assert reports.ReportParams(start=dt.date(2025, 1, 15), end=dt.date(2025, 1, 20)).whole_months_within() is None
    assert not reports.ReportParams(start=dt.date(2025, 1, 1), end=dt.date(2025, 1, 31)).widened


def test_pdf_header_words_fit_their_columns():
    from reportlab.lib.units import mm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from insights.api_reports import CELL_PADDING_PT, CONTENT_WIDTH_MM, HEADER_FONT, header_font_size

    series = [figure.label for figure in reports.FIGURES if figure.chart]
    widths = [16.0] + [(CONTENT_WIDTH_MM - 16) / len(series)] * len(series)
    texts = ["Month", *series]
    size = header_font_size(texts, widths)
    for text, width in zip(texts, widths, strict=True):
        for word in text.split():
            assert stringWidth(word, HEADER_FONT, size) <= width * mm - 2 * CELL_PADDING_PT, (word, size)
    # A word too long for any size is a failure to notice, not a silent pass.
    assert header_font_size(["Supercalifragilisticexpialidocious"], [5.0]) == 5


@pytest.mark.django_db
def test_pdf_states_the_exact_dates_chosen(frozen, practice, staff):
    build_practice(practice, staff)
    params = reports.ReportParams(start=dt.date(2025, 1, 1), end=dt.date(2025, 5, 3))
    report = reports.practice_report(practice=practice, params=params, therapists=reports.practice_therapists(practice))
    text = pdf_text(render_report_pdf(report, exported_at=NOW, compress=False))
    assert b"Period: 2025-01-01 to 2025-05-03" in text and b"exactly these dates" in text

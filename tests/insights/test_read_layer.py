"""The read layer of sessions/ and insights/: accessors, the alert scope and the one
engagement freshness rule, as every reader (API, chart, note editor, dashboard) applies it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from insights import engagement
from insights.freshness import Freshness, snapshot_freshness
from insights.models import Alert, EngagementSnapshot
from insights.selectors import alert_for_read, alert_for_write, engagement_view
from practice.audit import AuditAction
from practice.errors import Forbidden, NotFound
from practice.models import AuditEvent
from practice.roles import Role
from sessions import selectors
from sessions.models import ProgressNote, PsychotherapyNote
from tests.conftest import as_user, make_member, web_as
from tests.factories import ClientFactory, HomeworkAssignmentFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
OLD_REASON = "Reason worded by an older engine"


@pytest.fixture
def supervisor(practice, client_record):
    user = make_member(practice, Role.THERAPIST, "supervisor@northside.example")
    client_record.supervisor = user.membership
    client_record.save(update_fields=["supervisor"])
    return user


def outdated_snapshot(client, **columns) -> EngagementSnapshot:
    now = timezone.now()
    return EngagementSnapshot.objects.create(
        client=client,
        computed_at=now,
        watermark=now,
        metrics={
            "version": "engagement_v0",
            "engagement": {"checkin_days_last_14": 987654},
            "disengagement_risk": {"score": 0.9, "reasons": [OLD_REASON]},
        },
        **columns,
    )


def alert_on(client, **fields) -> Alert:
    fields.setdefault("severity", Alert.Severity.CONCERN)
    return Alert.objects.create(
        client=client, kind=Alert.Kind.RISK_LANGUAGE, reason="r", acknowledge_by=timezone.now(), **fields
    )


# ---------------------------------------------------------------------------
# The one freshness rule


def test_freshness_names_missing_outdated_stale_and_current(client_record):
    assert snapshot_freshness(None) == Freshness.MISSING
    snapshot = engagement.recompute_client(client_record)
    assert snapshot_freshness(snapshot) == Freshness.CURRENT
    snapshot.stale = True
    assert snapshot_freshness(snapshot) == Freshness.STALE
    snapshot.metrics = {**snapshot.metrics, "version": "engagement_v0"}
    assert snapshot_freshness(snapshot) == Freshness.OUTDATED


def test_an_outdated_snapshot_shows_its_columns_marked_stale_but_never_its_metrics(therapist, client_record):
    outdated_snapshot(client_record, disengagement_risk=0.9, low_engagement=True)
    client_record.refresh_from_db()
    view = engagement_view(client_record)
    assert view is not None and view.freshness == Freshness.OUTDATED and view.stale
    assert view.engagement == {} and view.risk == {"score": 0.9, "reasons": []}

    # Dashboard badge: the stored score, none of the old engine's reasons.
    rows = web_as(therapist).get(reverse("dashboard")).context["clients"]
    assert [(row.badge.label, row.badge.reasons) for row in rows] == [("Disengagement risk", [])]

    # Chart, Engagement tab: marked as refreshing, no value from the old document.
    chart = web_as(therapist).get(f"{reverse('client-chart', args=[client_record.pk])}?tab=engagement")
    body = chart.content.decode()
    assert chart.status_code == 200 and "refreshing" in body
    assert "987654" not in body and OLD_REASON not in body

    # Note editor side panel: the score, not the old reasons.
    page = web_as(therapist).get(reverse("note-new"), {"client": client_record.pk})
    since = page.context["since"]
    assert (since.has_snapshot, since.risk_score, since.risk_reasons) == (True, 0.9, [])


def test_the_api_computes_an_outdated_snapshot_and_reports_a_stale_one(therapist, client_record):
    outdated_snapshot(client_record, disengagement_risk=0.9)
    url = reverse("api-client-insights", kwargs={"pk": client_record.pk})
    body = as_user(therapist).get(url).json()
    assert body["stale"] is False and body["engagement"]["checkin_days_last_14"] == 0
    assert EngagementSnapshot.objects.get(client=client_record).metrics["version"] == engagement.VERSION

    EngagementSnapshot.objects.filter(client=client_record).update(stale=True)
    assert as_user(therapist).get(url).json()["stale"] is True
    chart = web_as(therapist).get(f"{reverse('client-chart', args=[client_record.pk])}?tab=engagement")
    assert "refreshing" in chart.content.decode()


# ---------------------------------------------------------------------------
# Alerts: one scope


def test_alerts_visible_to_the_care_team_and_the_backup_clinician_once_escalated(
    therapist, colleague, outsider, client_record, practice
):
    own = alert_on(client_record)
    escalated = alert_on(client_record, escalation_level=1)
    practice.backup_clinician = colleague.membership
    practice.save(update_fields=["backup_clinician"])
    assert set(Alert.objects.visible_to(therapist)) == {own, escalated}
    assert set(Alert.objects.visible_to(colleague)) == {escalated}
    assert not Alert.objects.visible_to(outsider).exists()
    assert not Alert.objects.visible_to(None).exists()


def test_alert_accessors_answer_not_found_then_forbidden(therapist, colleague, manager, client_record):
    alert = alert_on(client_record)
    assert alert_for_read(user=therapist, alert_id=alert.pk) == alert
    for user, alert_id in ((colleague, alert.pk), (therapist, "abc"), (therapist, alert.pk + 1000)):
        with pytest.raises(NotFound):
            alert_for_read(user=user, alert_id=alert_id)
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.RESOLVED)
    assert alert_for_write(user=therapist, alert_id=alert.pk) == alert
    with pytest.raises(NotFound):
        alert_for_write(user=therapist, alert_id=alert.pk, unresolved_only=True)
    with pytest.raises(NotFound):  # out of scope before any capability question
        alert_for_write(user=manager, alert_id=alert.pk)


def test_an_alert_post_on_the_alerts_page_for_a_resolved_or_foreign_alert_is_404(therapist, colleague, client_record):
    alert = alert_on(client_record)
    page = reverse("alerts")
    assert web_as(colleague).post(page, {"alert": alert.pk, "action": "acknowledge"}).status_code == 404
    assert web_as(therapist).post(page, {"alert": "x", "action": "acknowledge"}).status_code == 404
    Alert.objects.filter(pk=alert.pk).update(status=Alert.Status.RESOLVED)
    assert web_as(therapist).post(page, {"alert": alert.pk, "action": "acknowledge"}).status_code == 404


# ---------------------------------------------------------------------------
# Note accessors


def test_note_for_read_records_the_read_and_note_for_write_refuses_a_supervisor(
    therapist, supervisor, colleague, client_record
):
    note = ProgressNote.objects.create(client=client_record, author=therapist, format="dap", sections={"data": "d"})
    before = AuditEvent.objects.filter(action=AuditAction.READ).count()
    assert selectors.note_for_read(user=supervisor, note_id=note.pk) == note
    event = AuditEvent.objects.filter(action=AuditAction.READ).order_by("-pk").first()
    assert AuditEvent.objects.filter(action=AuditAction.READ).count() == before + 1
    assert (event.target_type, event.target_id, event.client_id) == (
        "clinical_sessions.progressnote",
        str(note.pk),
        client_record.pk,
    )

    assert selectors.note_for_write(user=therapist, note_id=note.pk) == note
    with pytest.raises(Forbidden):
        selectors.note_for_write(user=supervisor, note_id=note.pk)
    with pytest.raises(NotFound):  # out of scope: 404 before 403
        selectors.note_for_write(user=colleague, note_id=note.pk)
    assert selectors.note_for_cosign(user=supervisor, note_id=note.pk) == note


def test_psychotherapy_notes_are_not_found_for_anyone_but_their_author(therapist, supervisor, client_record):
    note = PsychotherapyNote.objects.create(client=client_record, author=therapist, text="process")
    assert selectors.psychotherapy_note_for_read(user=therapist, note_id=note.pk) == note
    assert selectors.psychotherapy_note_for_write(user=therapist, note_id=note.pk) == note
    for accessor in (selectors.psychotherapy_note_for_read, selectors.psychotherapy_note_for_write):
        with pytest.raises(NotFound):
            accessor(user=supervisor, note_id=note.pk)


def test_homework_for_write_is_not_found_out_of_scope_and_forbidden_to_a_supervisor(
    therapist, supervisor, colleague, client_record
):
    assignment = HomeworkAssignmentFactory(client=client_record, due_at=timezone.now() + dt.timedelta(days=1))
    assert selectors.homework_for_write(user=therapist, assignment_id=assignment.pk) == assignment
    with pytest.raises(Forbidden):
        selectors.homework_for_write(user=supervisor, assignment_id=assignment.pk)
    with pytest.raises(NotFound):
        selectors.homework_for_write(user=colleague, assignment_id=assignment.pk)


def test_caseload_rows_are_typed_and_scoped(therapist, colleague, client_record, practice):
    ClientFactory(primary_therapist=colleague.membership, practice=practice, first_name="Elsewhere")
    alert_on(client_record, severity=Alert.Severity.URGENT)
    rows = selectors.caseload(user=therapist)
    assert [(row.client, row.urgent_alerts, row.concern_alerts, row.badge.label) for row in rows] == [
        (client_record, 1, 0, "No data yet")
    ]


# ---------------------------------------------------------------------------
# Layering: views of sessions/ and insights/ reach records through selectors only

VIEW_MODULES = sorted(
    path
    for app in ("sessions", "insights")
    for path in (ROOT / app).glob("*.py")
    if path.name.startswith(("api", "web"))
)
FORBIDDEN = re.compile(r"Client\.objects|AuditAction\.READ|\bRole\.[A-Z]+|get_object_or_404|audit_read\(")


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_views_get_records_through_selectors(path):
    assert VIEW_MODULES
    hits = [line.strip() for line in path.read_text().splitlines() if FORBIDDEN.search(line)]
    assert hits == []

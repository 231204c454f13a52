"""Homework through the API: assigning, recurrence, submissions and drafts, feedback, missed."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from insights.models import Alert
from sessions.homework_schema import KIND_SCHEMAS
from sessions.models import HomeworkAssignment, HomeworkSubmission, HomeworkTemplate
from sessions.services.homework import homework_library_install
from sessions.tasks import mark_missed_homework
from tests.conftest import Snapshot, as_user
from tests.factories import HomeworkAssignmentFactory, HomeworkTemplateFactory

pytestmark = pytest.mark.django_db

WORKSHEET_FIELDS = [
    {"name": "trigger", "label": "What set it off?", "type": "long_text", "required": True},
    {"name": "rating", "label": "How strong (0-10)", "type": "scale", "min": 0, "max": 10, "required": True},
    {"name": "coping", "label": "What helped", "type": "multi_choice", "choices": ["Walk", "Call a friend"]},
]
CHECKLIST_FIELDS = [
    {"name": "wake_up", "label": "Got up on time", "type": "checkbox"},
    {"name": "no_naps", "label": "No naps", "type": "checkbox"},
]


def future(days: float = 3) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def staff(therapist):
    return as_user(therapist)


@pytest.fixture
def me(client_user):
    return as_user(client_user)


@pytest.fixture
def library(practice):
    homework_library_install(practice=practice)
    return {template.kind: template for template in HomeworkTemplate.objects.filter(practice=practice)}


def assign(staff, client, **data):
    return staff.post(reverse("api-client-homework", kwargs={"pk": client.pk}), data, format="json")


def submit(me, assignment_id, responses, *, draft=False):
    url = reverse("api-me-homework-submissions", kwargs={"pk": assignment_id})
    return me.post(url, {"responses": responses, "draft": draft}, format="json")


# ---------------------------------------------------------------------------
# Library


def test_library_lists_the_builtin_starter_set_with_effective_fields(staff, library):
    results = staff.get(reverse("api-homework-templates"), {"page_size": 100}).json()["results"]
    kinds = {item["kind"] for item in results}
    assert kinds == {"thought_record", "activity_log", "exposure_log", "journal", "worksheet", "checklist"}
    thought = next(item for item in results if item["kind"] == "thought_record")
    assert [field["name"] for field in thought["fields"]] == [field["name"] for field in KIND_SCHEMAS["thought_record"]]


def test_create_worksheet_template_validates_its_field_schema(staff, practice):
    url = reverse("api-homework-templates")
    bad = staff.post(
        url,
        {"title": "Broken", "kind": "worksheet", "fields": [{"name": "Bad Name", "label": "x", "type": "text"}]},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["fields"][0]["code"] == "invalid_name"
    missing = staff.post(url, {"title": "Empty", "kind": "worksheet"}, format="json")
    assert missing.status_code == 400 and "fields" in missing.json()
    fixed = staff.post(url, {"title": "Journal", "kind": "journal", "fields": WORKSHEET_FIELDS}, format="json")
    assert fixed.status_code == 400
    assert not HomeworkTemplate.objects.filter(practice=practice).exists()
    good = staff.post(
        url,
        {"title": "Trigger sheet", "kind": "worksheet", "fields": WORKSHEET_FIELDS, "tags": ["anger"]},
        format="json",
    )
    assert good.status_code == 201
    assert good.json()["fields"][0]["name"] == "trigger" and good.json()["tags"] == ["anger"]


def test_checklist_template_accepts_plain_item_texts(staff):
    response = staff.post(
        reverse("api-homework-templates"),
        {"title": "Morning", "kind": "checklist", "fields": ["Made the bed", "Drank water"]},
        format="json",
    )
    assert response.status_code == 201
    assert [field["type"] for field in response.json()["fields"]] == ["checkbox", "checkbox"]


def test_builtin_templates_cannot_be_edited_but_can_be_hidden(staff, library):
    builtin = library["journal"]
    url = reverse("api-homework-template-detail", kwargs={"pk": builtin.pk})
    assert staff.patch(url, {"title": "Mine now"}, format="json").status_code == 409
    hidden = staff.patch(url, {"is_active": False}, format="json")
    assert hidden.status_code == 200 and hidden.json()["is_active"] is False
    listed = [item["id"] for item in staff.get(reverse("api-homework-templates"), {"page_size": 100}).json()["results"]]
    assert builtin.pk not in listed


# ---------------------------------------------------------------------------
# Assigning


def test_assign_from_library_copies_the_template(staff, client_record, library):
    template = library["thought_record"]
    response = assign(staff, client_record, template=template.pk, due_at=future(), instructions="Try one a day.")
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == template.title and body["kind"] == "thought_record" and body["template"] == template.pk
    assert body["status"] == "assigned" and body["submissions"] == 0 and body["series"] is None
    assert body["instructions"] == "Try one a day."
    assert len(body["fields"]) == len(KIND_SCHEMAS["thought_record"])
    assert "occurrences" not in body


def test_assign_uses_template_instructions_when_none_given(staff, client_record, library):
    template = library["journal"]
    body = assign(staff, client_record, template=template.pk, due_at=future()).json()
    assert body["instructions"] == template.instructions


def test_assign_one_off_worksheet(staff, client_record):
    response = assign(
        staff, client_record, title="Anger triggers", kind="worksheet", fields=WORKSHEET_FIELDS, due_at=future()
    )
    assert response.status_code == 201
    assert response.json()["template"] is None
    assert [field["name"] for field in response.json()["fields"]] == ["trigger", "rating", "coping"]


@pytest.mark.parametrize(
    ("payload", "error_field"),
    [
        ({"kind": "journal"}, "title"),
        ({"title": "Sheet", "kind": "worksheet"}, "fields"),
        ({"title": "Sheet", "kind": "poem"}, "kind"),
        ({"title": "Sheet", "kind": "checklist", "fields": WORKSHEET_FIELDS}, "fields"),
        ({"template": 999999}, "template"),
    ],
)
def test_invalid_assignment_is_400_and_stores_nothing(staff, client_record, payload, error_field):
    before = Snapshot.take()
    response = assign(staff, client_record, due_at=future(), **payload)
    assert response.status_code == 400
    assert error_field in response.json()
    assert not Snapshot.take().changed_since(before)


def test_due_date_in_the_past_is_400(staff, client_record, library):
    before = Snapshot.take()
    response = assign(staff, client_record, template=library["journal"].pk, due_at=future(-1))
    assert response.status_code == 400 and "due_at" in response.json()
    assert not Snapshot.take().changed_since(before)


def test_daily_recurrence_creates_one_assignment_per_day(staff, client_record, library):
    first_due = timezone.now() + dt.timedelta(days=1)
    response = assign(
        staff,
        client_record,
        template=library["journal"].pk,
        due_at=first_due.isoformat(),
        recurrence={"frequency": "daily", "weeks": 2},
    )
    assert response.status_code == 201
    body = response.json()
    assert len(body["occurrences"]) == 14 and body["id"] == body["occurrences"][0]
    occurrences = list(HomeworkAssignment.objects.filter(pk__in=body["occurrences"]).order_by("due_at"))
    assert len({assignment.series for assignment in occurrences}) == 1 and occurrences[0].series is not None
    zone = ZoneInfo(settings.TIME_ZONE)
    local_days = [assignment.due_at.astimezone(zone).date() for assignment in occurrences]
    assert local_days == [first_due.astimezone(zone).date() + dt.timedelta(days=offset) for offset in range(14)]
    assert {assignment.due_at.astimezone(zone).time() for assignment in occurrences} == {
        first_due.astimezone(zone).time()
    }


def test_weekly_recurrence_on_chosen_weekdays_for_n_weeks(staff, client_record, library):
    today = timezone.localdate()
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    first_due = timezone.make_aware(dt.datetime.combine(next_monday, dt.time(18, 0)))
    response = assign(
        staff,
        client_record,
        template=library["activity_log"].pk,
        due_at=first_due.isoformat(),
        recurrence={"frequency": "weekly", "weekdays": [0, 2, 4], "weeks": 3},
    )
    assert response.status_code == 201
    occurrences = HomeworkAssignment.objects.filter(pk__in=response.json()["occurrences"]).order_by("due_at")
    days = [timezone.localtime(assignment.due_at).date() for assignment in occurrences]
    assert len(days) == 9
    assert days == [next_monday + dt.timedelta(days=week * 7 + offset) for week in range(3) for offset in (0, 2, 4)]


@pytest.mark.parametrize(
    "recurrence",
    [
        {"frequency": "daily", "weeks": 13},
        {"frequency": "daily", "weeks": 0},
        {"frequency": "daily", "weeks": True},
        {"frequency": "weekly", "weekdays": [7], "weeks": 2},
        {"frequency": "weekly", "weekdays": [], "weeks": 2},
        {"frequency": "weekly", "weekdays": [1, 1], "weeks": 2},
        {"frequency": "monthly", "weeks": 2},
        {"frequency": "daily", "weeks": 2, "until": "never"},
    ],
)
def test_invalid_recurrence_is_400(staff, client_record, library, recurrence):
    before = Snapshot.take()
    response = assign(staff, client_record, template=library["journal"].pk, due_at=future(), recurrence=recurrence)
    assert response.status_code == 400 and "recurrence" in response.json()
    assert not Snapshot.take().changed_since(before)


# ---------------------------------------------------------------------------
# Submissions

VALID_AND_INVALID = {
    "thought_record": (
        {
            "situation": "Meeting",
            "automatic_thought": "They think I'm useless",
            "emotion": "anxious",
            "emotion_intensity": 70,
        },
        {"situation": "Meeting", "automatic_thought": "x", "emotion": "anxious", "emotion_intensity": 170},
        "emotion_intensity",
    ),
    "activity_log": ({"activity": "Walk", "done": True, "pleasure": 6}, {"activity": "Walk", "done": "yes"}, "done"),
    "exposure_log": (
        {"situation": "Bus", "suds_before": 60, "suds_peak": 80, "suds_after": 30},
        {"situation": "Bus", "suds_before": 60, "suds_peak": 80},
        "suds_after",
    ),
    "journal": ({"entry": "I had a good walk"}, {"entry": ""}, "entry"),
    "worksheet": (
        {"trigger": "Traffic", "rating": 4, "coping": ["Walk"]},
        {"trigger": "Traffic", "rating": 4, "coping": ["Run"]},
        "coping",
    ),
    "checklist": ({"wake_up": True, "no_naps": False}, {"wake_up": "true"}, "wake_up"),
}


def make_assignment(client, kind: str) -> HomeworkAssignment:
    fields = {"worksheet": WORKSHEET_FIELDS, "checklist": CHECKLIST_FIELDS}.get(kind, [])
    return HomeworkAssignmentFactory(client=client, kind=kind, title=f"My {kind}", fields=fields)


@pytest.mark.parametrize("kind", sorted(VALID_AND_INVALID))
def test_submission_is_validated_against_the_kinds_schema(me, client_record, kind):
    valid, invalid, error_field = VALID_AND_INVALID[kind]
    assignment = make_assignment(client_record, kind)
    rejected = submit(me, assignment.pk, invalid)
    assert rejected.status_code == 400
    assert error_field in rejected.json()["responses"]
    assert not HomeworkSubmission.objects.exists()
    accepted = submit(me, assignment.pk, valid)
    assert accepted.status_code == 201
    body = accepted.json()
    assert body["draft"] is False and body["status"] == "completed" and body["submitted_at"]
    assert body["assignment"] == assignment.pk and "crisis_resources" not in body
    assignment.refresh_from_db()
    assert assignment.status == "completed" and assignment.completed_at is not None


def test_unknown_response_field_is_rejected(me, client_record):
    assignment = make_assignment(client_record, "journal")
    response = submit(me, assignment.pk, {"entry": "ok", "extra": "no"})
    assert response.status_code == 400 and response.json()["responses"]["extra"] == ["Unknown field."]


def test_draft_is_saved_in_place_then_finished(me, client_record):
    assignment = make_assignment(client_record, "thought_record")
    first = submit(me, assignment.pk, {"situation": "Meeting"}, draft=True)
    assert first.status_code == 201 and first.json()["draft"] is True and first.json()["status"] == "in_progress"
    second = submit(me, assignment.pk, {"situation": "Meeting at work", "emotion": "sad"}, draft=True)
    assert second.json()["id"] == first.json()["id"]
    detail = me.get(reverse("api-me-homework-detail", kwargs={"pk": assignment.pk})).json()
    assert detail["draft"]["responses"] == {"situation": "Meeting at work", "emotion": "sad"}
    assert detail["submission"] is None
    final = submit(
        me,
        assignment.pk,
        {"situation": "Meeting at work", "automatic_thought": "I failed", "emotion": "sad", "emotion_intensity": 50},
    )
    assert (
        final.status_code == 201 and final.json()["id"] == first.json()["id"] and final.json()["status"] == "completed"
    )
    assert HomeworkSubmission.objects.filter(assignment=assignment).count() == 1


def test_invalid_submit_leaves_the_existing_draft_unchanged(me, client_record):
    assignment = make_assignment(client_record, "thought_record")
    submit(me, assignment.pk, {"situation": "Meeting", "emotion_intensity": 40}, draft=True)
    stored = HomeworkSubmission.objects.get(assignment=assignment)
    before = Snapshot.take()
    invalid_final = submit(me, assignment.pk, {"situation": "Changed", "emotion_intensity": 400})
    assert invalid_final.status_code == 400
    assert set(invalid_final.json()["responses"]) == {"automatic_thought", "emotion", "emotion_intensity"}
    invalid_draft = submit(me, assignment.pk, {"situation": "Changed", "emotion_intensity": "lots"}, draft=True)
    assert invalid_draft.status_code == 400 and "emotion_intensity" in invalid_draft.json()["responses"]
    assert not Snapshot.take().changed_since(before)
    stored.refresh_from_db()
    assert stored.responses == {"situation": "Meeting", "emotion_intensity": 40} and stored.is_draft
    detail = me.get(reverse("api-me-homework-detail", kwargs={"pk": assignment.pk})).json()
    assert detail["draft"]["responses"] == {"situation": "Meeting", "emotion_intensity": 40}
    assert detail["status"] == "in_progress"


@pytest.mark.parametrize("closed", ["completed", "cancelled"])
def test_closed_assignment_accepts_no_submission(me, client_record, closed):
    assignment = make_assignment(client_record, "journal")
    HomeworkAssignment.objects.filter(pk=assignment.pk).update(status=closed)
    before = Snapshot.take()
    assert submit(me, assignment.pk, {"entry": "late"}).status_code == 409
    assert submit(me, assignment.pk, {"entry": "late"}, draft=True).status_code == 409
    assert not Snapshot.take().changed_since(before)


def test_submission_without_responses_is_400(me, client_record):
    assignment = make_assignment(client_record, "journal")
    response = me.post(reverse("api-me-homework-submissions", kwargs={"pk": assignment.pk}), {}, format="json")
    assert response.status_code == 400 and "responses" in response.json()


def test_risky_journal_returns_crisis_resources_and_alerts_once(me, client_record, practice):
    assignment = make_assignment(client_record, "journal")
    risky = {"entry": "I want to kill myself tonight"}
    draft = submit(me, assignment.pk, risky, draft=True)
    assert draft.status_code == 201
    assert draft.json()["crisis_resources"] == practice.crisis_resources and draft.json()["risk_level"] == "urgent"
    alert = Alert.objects.get(client=client_record)
    assert (
        alert.source_type == "homework_submission"
        and alert.source_id == draft.json()["id"]
        and alert.severity == "urgent"
    )
    # Autosaving the same text, then finishing it, keeps the resources on screen without a second alert.
    again = submit(me, assignment.pk, risky, draft=True)
    final = submit(me, assignment.pk, risky)
    assert again.json()["crisis_resources"] and final.json()["crisis_resources"]
    assert Alert.objects.filter(client=client_record).count() == 1


def test_risky_text_in_a_rejected_submission_still_alerts(me, client_record):
    assignment = make_assignment(client_record, "worksheet")
    response = submit(me, assignment.pk, {"trigger": "I want to kill myself tonight", "rating": 99})
    assert response.status_code == 400
    assert "rating" in response.json()["responses"] and response.json()["crisis_resources"]
    assert not HomeworkSubmission.objects.exists()
    assert Alert.objects.filter(
        client=client_record, severity="urgent", source_type="homework_assignment", source_id=assignment.pk
    ).exists()


def test_benign_worksheet_raises_no_alert(me, client_record):
    assignment = make_assignment(client_record, "worksheet")
    response = submit(me, assignment.pk, {"trigger": "I had a good walk", "rating": 2})
    assert response.status_code == 201 and "crisis_resources" not in response.json()
    assert not Alert.objects.exists()


# ---------------------------------------------------------------------------
# Therapist view, feedback, cancel


def test_therapist_sees_the_latest_submission_and_leaves_feedback_the_client_sees(staff, me, client_record):
    assignment = make_assignment(client_record, "journal")
    submit(me, assignment.pk, {"entry": "I had a good walk"})
    listed = staff.get(reverse("api-client-homework", kwargs={"pk": client_record.pk})).json()["results"]
    assert (
        listed[0]["latest_submission"]["responses"] == {"entry": "I had a good walk"} and listed[0]["submissions"] == 1
    )
    url = reverse("api-homework-detail", kwargs={"pk": assignment.pk})
    response = staff.patch(url, {"feedback": "Lovely to read this."}, format="json")
    assert response.status_code == 200 and response.json()["feedback"] == "Lovely to read this."
    seen = me.get(reverse("api-me-homework-detail", kwargs={"pk": assignment.pk})).json()
    assert seen["feedback"] == "Lovely to read this." and seen["feedback_at"]


def test_therapist_does_not_see_client_drafts(staff, me, client_record):
    assignment = make_assignment(client_record, "journal")
    submit(me, assignment.pk, {"entry": "half a thought"}, draft=True)
    detail = staff.get(reverse("api-homework-detail", kwargs={"pk": assignment.pk})).json()
    assert detail["latest_submission"] is None and detail["has_draft"] is True


def test_reading_homework_records_a_read_audit_event(staff, client_record):
    from practice.models import AuditEvent

    make_assignment(client_record, "journal")
    staff.get(reverse("api-client-homework", kwargs={"pk": client_record.pk}))
    assert (
        AuditEvent.objects.filter(
            action="read", client_id=client_record.pk, target_type="clinical_sessions.homeworksubmission"
        ).count()
        == 1
    )


def test_cancel_then_cancel_again_is_409(staff, client_record):
    assignment = make_assignment(client_record, "journal")
    url = reverse("api-homework-detail", kwargs={"pk": assignment.pk})
    assert staff.patch(url, {"status": "cancelled"}, format="json").json()["status"] == "cancelled"
    assert staff.patch(url, {"status": "cancelled"}, format="json").status_code == 409
    assert staff.patch(url, {"status": "completed"}, format="json").status_code == 400


def test_me_homework_filters_by_status(me, client_record):
    open_one = make_assignment(client_record, "journal")
    done = make_assignment(client_record, "journal")
    HomeworkAssignment.objects.filter(pk=done.pk).update(status="completed")
    results = me.get(reverse("api-me-homework"), {"status": "assigned"}).json()["results"]
    assert [item["id"] for item in results] == [open_one.pk]
    assert me.get(reverse("api-me-homework"), {"status": "bogus"}).status_code == 400


# ---------------------------------------------------------------------------
# Missed


def test_missed_task_marks_past_due_work_and_is_idempotent(me, client_user, client_record):
    late = make_assignment(client_record, "journal")
    started = make_assignment(client_record, "journal")
    submit(me, started.pk, {"entry": "begun"}, draft=True)
    done = make_assignment(client_record, "journal")
    submit(me, done.pk, {"entry": "finished"})
    later = HomeworkAssignmentFactory(client=client_record, due_at=timezone.now() + dt.timedelta(days=30))
    with time_machine.travel(timezone.now() + dt.timedelta(days=4), tick=False):
        assert mark_missed_homework.apply().get() == 2
        assert mark_missed_homework.apply().get() == 0
        statuses = dict(HomeworkAssignment.objects.values_list("pk", "status"))
        assert statuses == {late.pk: "missed", started.pk: "missed", done.pk: "completed", later.pk: "assigned"}
        # Late work still counts: a missed assignment can be completed.
        finished = submit(as_user(client_user), late.pk, {"entry": "sorry it is late"})
        assert finished.status_code == 201 and finished.json()["status"] == "completed"


# ---------------------------------------------------------------------------
# Query counts stay flat as lists grow


def fill(client, rows: int) -> None:
    template = HomeworkTemplateFactory(practice=client.practice)
    for index in range(rows):
        assignment = HomeworkAssignmentFactory(client=client, template=template)
        HomeworkSubmission.objects.create(
            assignment=assignment, responses={"entry": f"entry {index}"}, is_draft=index % 2 == 0
        )


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_therapist_homework_list_query_count_is_flat(staff, client_record, django_assert_num_queries, rows):
    fill(client_record, rows)
    url = reverse("api-client-homework", kwargs={"pk": client_record.pk})
    with django_assert_num_queries(THERAPIST_LIST_QUERIES):
        assert staff.get(url).status_code == 200


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_client_homework_list_query_count_is_flat(me, client_record, django_assert_num_queries, rows):
    fill(client_record, rows)
    with django_assert_num_queries(CLIENT_LIST_QUERIES):
        assert me.get(reverse("api-me-homework")).status_code == 200


@pytest.mark.parametrize("rows", [1, 10, 100])
def test_template_list_query_count_is_flat(staff, practice, django_assert_num_queries, rows):
    for _ in range(rows):
        HomeworkTemplateFactory(practice=practice)
    with django_assert_num_queries(TEMPLATE_LIST_QUERIES):
        assert staff.get(reverse("api-homework-templates")).status_code == 200


THERAPIST_LIST_QUERIES = 8  # token, client, audit (savepoint, insert, release), count, page, submissions
CLIENT_LIST_QUERIES = 5  # token, client with its portal consent, count, page, submissions
TEMPLATE_LIST_QUERIES = 3  # token, count, page

"""'Why am I seeing this?': the records behind an AI output as links, scoped to the client."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import AgendaEntry, Assessment, Goal, Objective
from insights.ai.sources import sources_for
from insights.models import Alert
from sessions.models import HomeworkSubmission
from tests.factories import CheckInFactory, ClientFactory, HomeworkAssignmentFactory, SessionFactory


def _assessment(client, instrument, total, when):
    return Assessment.objects.create(
        client=client,
        instrument=instrument,
        version=f"{instrument}_v1",
        answers=[],
        result={},
        total=total,
        administered_at=when,
    )


@pytest.mark.django_db
def test_sources_are_titled_dated_links_and_never_another_clients_records(client_record):
    now = timezone.now()
    goal = Goal.objects.create(client=client_record, problem="Insomnia", description="Sleep through the night")
    checkin = CheckInFactory(client=client_record, mood=4, created_at=now - dt.timedelta(days=1))
    phq9 = _assessment(client_record, "phq9", 17, now - dt.timedelta(days=2))
    homework = HomeworkAssignmentFactory(client=client_record, title="Sleep diary", kind="checklist")
    stranger = ClientFactory(practice=client_record.practice)
    foreign = CheckInFactory(client=stranger, mood=9)
    [recommendation, brief] = sources_for(
        client=client_record,
        inputs_list=[
            {"goal_ids": [goal.pk], "homework_assignment_ids": [homework.pk]},
            {"checkin_ids": [checkin.pk, foreign.pk], "assessment_ids": [phq9.pk]},
        ],
    )
    labels = [link.label for link in recommendation]
    assert labels[0] == "Goal: “Sleep through the night”"
    assert labels[1].startswith("Sleep diary (checklist), due ")
    assert recommendation[0].url.endswith(f"?tab=plan#goal-{goal.pk}")
    assert recommendation[1].url.endswith(f"?tab=homework#hw-{homework.pk}")
    assert [link.kind for link in brief] == ["checkin", "assessment"]  # the other client's check-in is dropped
    assert brief[0].label.startswith("Check-in, ") and "(mood 4/10)" in brief[0].label
    assert brief[1].label.startswith("PHQ-9 17, ") and brief[1].url.endswith("?tab=measures#measure-phq9")
    assert not any(str(goal.pk) == link.label for link in recommendation)  # titles, not ids


def _cited_history(client, size: int, now) -> dict:
    """`size` records of each of the nine kinds a suggestion can cite (the newest last), as the
    `inputs` of one suggestion citing all of them."""
    inputs: dict = {key: [] for key in KEYS}
    for index in range(size):
        when = now - dt.timedelta(days=size - index)
        goal = Goal.objects.create(client=client, problem="Insomnia", description=f"Sleep {index}", created_at=when)
        objective = Objective.objects.create(goal=goal, description=f"Lights out by 23:00 ({index})")
        homework = HomeworkAssignmentFactory(client=client, title=f"Sleep diary {index}", kind="journal", due_at=when)
        entry = HomeworkSubmission.objects.create(assignment=homework, responses={"entry": "x"}, submitted_at=when)
        checkin = CheckInFactory(client=client, mood=index % 11, created_at=when)
        score = _assessment(client, "phq9", 10, when)
        alert = Alert.objects.create(
            client=client, kind="measure_flag", severity="concern", reason="r", acknowledge_by=now, created_at=when
        )
        agenda = AgendaEntry.objects.create(client=client, talk_about="Work", created_at=when)
        session = SessionFactory(client=client, starts_at=when, status="attended")
        for key, record in zip(KEYS, (goal, objective, homework, entry, checkin, score, alert, agenda), strict=False):
            inputs[key].append(record.pk)
        inputs["last_session_id"] = session.pk
    return inputs


KEYS = (
    "goal_ids",
    "objective_ids",
    "homework_assignment_ids",
    "homework_submission_ids",
    "checkin_ids",
    "assessment_ids",
    "alert_ids",
    "agenda_entry_ids",
    "last_session_id",
)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 10, 50])
def test_sources_of_every_kind_take_one_query_and_drop_other_clients_records(
    client_record, size, django_assert_num_queries
):
    now = timezone.now()
    own = _cited_history(client_record, size, now)
    stranger = ClientFactory(practice=client_record.practice)
    foreign = _cited_history(stranger, size, now)
    mixed = {key: own[key] + foreign[key] for key in KEYS[:-1]} | {"last_session_id": own["last_session_id"]}
    with django_assert_num_queries(1):
        [cited, only_foreign, nothing] = sources_for(
            client=client_record, inputs_list=[mixed, foreign, {"presenting_concerns": True}]
        )
    assert Counter(link.kind for link in cited) == {
        "goal": size,
        "objective": size,
        "homework_assignment": size,
        "homework_submission": size,
        "checkin": size,
        "assessment": size,
        "alert": size,
        "agenda": size,
        "session": 1,
    }
    assert only_foreign == [] and nothing == []  # another client's records are never shown
    checkins = [link for link in cited if link.kind == "checkin"]
    assert [link.when for link in checkins] == sorted((link.when for link in checkins), reverse=True)


@pytest.mark.django_db
def test_no_cited_record_takes_no_query(client_record, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert sources_for(client=client_record, inputs_list=[{}, {"goal_ids": []}]) == [[], []]


@pytest.mark.django_db
def test_every_kind_of_source_reads_as_a_titled_dated_link(client_record):
    now = timezone.now()
    inputs = _cited_history(client_record, 1, now)
    Goal.objects.filter(pk=inputs["goal_ids"][0]).update(description="")  # the plan then shows the problem
    HomeworkSubmission.objects.filter(pk=inputs["homework_submission_ids"][0]).update(submitted_at=None)
    Assessment.objects.filter(pk=inputs["assessment_ids"][0]).update(total=None)
    [links] = sources_for(client=client_record, inputs_list=[inputs])
    by_kind = {link.kind: link for link in links}
    chart = reverse("client-chart", args=[client_record.pk])
    goal_id = inputs["goal_ids"][0]
    day = timezone.localtime(now - dt.timedelta(days=1))
    on = f"{day.day} {day:%b %Y}"
    entry = HomeworkSubmission.objects.get(pk=inputs["homework_submission_ids"][0])
    entry_day = timezone.localtime(entry.created_at)
    assert [(link.label, link.url) for link in links] == [
        ("Goal: “Insomnia”", f"{chart}?tab=plan#goal-{goal_id}"),
        ("Objective: “Lights out by 23:00 (0)”", f"{chart}?tab=plan#goal-{goal_id}"),
        (f"Sleep diary 0 (journal), due {on}", f"{chart}?tab=homework#hw-{inputs['homework_assignment_ids'][0]}"),
        (
            f"Homework entry: Sleep diary 0, {entry_day.day} {entry_day:%b %Y}",
            f"{chart}?tab=homework#hw-{inputs['homework_assignment_ids'][0]}",
        ),
        (f"Check-in, {on} (mood 0/10)", f"{chart}?tab=engagement"),
        (f"PHQ-9 (not scorable), {on}", f"{chart}?tab=measures#measure-phq9"),
        (f"Alert: A questionnaire answer needs review, {on}", f"{reverse('alerts')}#alert-{inputs['alert_ids'][0]}"),
        (f"The client's agenda, {on}", f"{chart}?tab=toolkit#agenda-{inputs['agenda_entry_ids'][0]}"),
        (f"Last attended session, {on}", reverse("session-detail", args=[inputs["last_session_id"]])),
    ]
    assert by_kind["homework_submission"].when == entry.created_at  # not submitted: when it was written
    assert by_kind["objective"].when is None

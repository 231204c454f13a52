"""'Why am I seeing this?': the records behind an AI output as links, scoped to the client."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clients.models import Assessment, Goal
from insights.ai.sources import sources_for
from tests.factories import CheckInFactory, ClientFactory, HomeworkAssignmentFactory


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


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 10, 50])
def test_sources_take_one_query_per_kind_whatever_the_history(client_record, size, django_assert_num_queries):
    now = timezone.now()
    checkins = [CheckInFactory(client=client_record, mood=5).pk for _ in range(size)]
    scores = [_assessment(client_record, "gad7", 8, now - dt.timedelta(days=index)).pk for index in range(size)]
    inputs = [{"checkin_ids": checkins, "assessment_ids": scores}] * 3
    with django_assert_num_queries(2):
        result = sources_for(client=client_record, inputs_list=inputs)
    assert [len(links) for links in result] == [2 * size] * 3

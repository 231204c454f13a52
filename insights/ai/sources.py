"""The records behind an AI output, as links a clinician can open ("Why am I seeing this?").

Every ``AiSuggestion`` stores the ids of its inputs (``inputs``: ``goal_ids``,
``checkin_ids``, ``assessment_ids``, ...). The chart shows those as the actual check-ins,
measures, goals and homework with their dates, not as id lists. ``sources_for`` resolves the
ids of several suggestions at once, one query per record type (so the AI tab's query count
does not grow with the history), and only within the given client: an id that is not this
client's record is dropped, never shown.

The caller has already checked that the user may read the client's chart; this module
returns titles and dates only (no note bodies or answers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from clients.models import AgendaEntry, Assessment, Goal, Objective
from insights.models import Alert
from practice import labels
from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission, Session


@dataclass(frozen=True)
class SourceLink:
    """One record an AI output read: what it is, when, and where to open it."""

    kind: str  # a practice.labels SOURCES code: "checkin", "assessment", "goal", ...
    label: str  # "Check-in, 3 Dec 2026" / "PHQ-9, 28 Nov 2026" / "Goal: Sleep through the night"
    url: str
    when: dt.datetime | dt.date | None = None


def _ids(inputs: Mapping[str, Any], key: str) -> list[int]:
    value = inputs.get(key) or []
    if isinstance(value, int):
        value = [value]
    return [item for item in value if isinstance(item, int)]


def _day(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.day} {value:%b %Y}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def goal_title(goal: Any) -> str:
    """A goal's title as the plan shows it: its description, else its problem."""
    return _short(goal.description or goal.problem or "")


def sources_for(*, client: Any, inputs_list: Sequence[Mapping[str, Any]]) -> list[list[SourceLink]]:
    """For each suggestion's inputs, the records it read, newest first within each kind.

    One query per record type named anywhere in `inputs_list` (at most nine), whatever the
    number of suggestions or ids.
    """
    wanted: dict[str, set[int]] = {}
    keys = {
        "goal": ("goal_ids",),
        "objective": ("objective_ids",),
        "homework_assignment": ("homework_assignment_ids",),
        "homework_submission": ("homework_submission_ids",),
        "checkin": ("checkin_ids",),
        "assessment": ("assessment_ids",),
        "alert": ("alert_ids",),
        "agenda": ("agenda_entry_ids",),
        "session": ("last_session_id",),
    }
    for inputs in inputs_list:
        for kind, names in keys.items():
            for name in names:
                wanted.setdefault(kind, set()).update(_ids(inputs, name))
    chart = reverse("client-chart", args=[client.pk])
    found: dict[str, dict[int, SourceLink]] = {kind: {} for kind in keys}

    def fetch(kind: str, queryset: Any, build: Any) -> None:
        ids = wanted.get(kind)
        if ids:
            for row in queryset.filter(pk__in=ids):
                found[kind][row.pk] = build(row)

    fetch(
        "goal",
        Goal.objects.filter(client=client),
        lambda goal: SourceLink(
            "goal", f"Goal: “{goal_title(goal)}”", f"{chart}?tab=plan#goal-{goal.pk}", goal.created_at
        ),
    )
    fetch(
        "objective",
        Objective.objects.filter(goal__client=client),
        lambda objective: SourceLink(
            "objective",
            f"Objective: “{_short(objective.description)}”",
            f"{chart}?tab=plan#goal-{objective.goal_id}",
        ),
    )
    fetch(
        "homework_assignment",
        HomeworkAssignment.objects.filter(client=client),
        lambda row: SourceLink(
            "homework_assignment",
            f"{row.title} ({labels.homework_kind_noun(row.kind)}), due {_day(row.due_at)}",
            f"{chart}?tab=homework#hw-{row.pk}",
            row.due_at,
        ),
    )
    fetch(
        "homework_submission",
        HomeworkSubmission.objects.filter(assignment__client=client).select_related("assignment"),
        lambda row: SourceLink(
            "homework_submission",
            f"Homework entry: {row.assignment.title}, {_day(row.submitted_at or row.created_at)}",
            f"{chart}?tab=homework#hw-{row.assignment_id}",
            row.submitted_at or row.created_at,
        ),
    )
    fetch(
        "checkin",
        CheckIn.objects.filter(client=client),
        lambda row: SourceLink(
            "checkin",
            f"Check-in, {_day(row.created_at)} (mood {row.mood}/10)",
            f"{chart}?tab=engagement",
            row.created_at,
        ),
    )
    fetch(
        "assessment",
        Assessment.objects.filter(client=client),
        lambda row: SourceLink(
            "assessment",
            f"{labels.instrument(row.instrument)} {row.total if row.total is not None else '(not scorable)'}, "
            f"{_day(row.administered_at)}",
            f"{chart}?tab=measures#measure-{row.instrument}",
            row.administered_at,
        ),
    )
    fetch(
        "alert",
        Alert.objects.filter(client=client),
        lambda row: SourceLink(
            "alert",
            f"Alert: {labels.label('alert_kind', row.kind)}, {_day(row.created_at)}",
            f"{reverse('alerts')}#alert-{row.pk}",
            row.created_at,
        ),
    )
    fetch(
        "agenda",
        AgendaEntry.objects.filter(client=client),
        lambda row: SourceLink(
            "agenda",
            f"The client's agenda, {_day(row.created_at)}",
            f"{chart}?tab=toolkit#agenda-{row.pk}",
            row.created_at,
        ),
    )
    fetch(
        "session",
        Session.objects.filter(client=client),
        lambda row: SourceLink(
            "session",
            f"Last attended session, {_day(row.starts_at)}",
            reverse("session-detail", args=[row.pk]),
            row.starts_at,
        ),
    )

    results = []
    for inputs in inputs_list:
        links: list[SourceLink] = []
        for kind, names in keys.items():
            ids: list[int] = []
            for name in names:
                ids += _ids(inputs, name)
            rows = [found[kind][pk] for pk in dict.fromkeys(ids) if pk in found[kind]]
            rows.sort(key=lambda link: _sortable(link.when), reverse=True)
            links += rows
        results.append(links)
    return results


def _sortable(value: dt.datetime | dt.date | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return dt.datetime.combine(value, dt.time.min).timestamp()

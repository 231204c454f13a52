"""The records behind an AI output, as links a clinician can open ("Why am I seeing this?").

Every ``AiSuggestion`` stores the ids of its inputs (``inputs``: ``goal_ids``,
``checkin_ids``, ``assessment_ids``, ...). The chart shows those as the actual check-ins,
measures, goals and homework with their dates, not as id lists. ``sources_for`` resolves the
ids of several suggestions at once, in ONE query whatever the number of suggestions, ids or
record types (a ``UNION ALL`` of one scoped select per record type named, each reading only
the columns a link shows), and only within the given client: an id that is not this client's
record is dropped, never shown.

The caller has already checked that the user may read the client's chart; this module
returns titles and dates only (no note bodies or answers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    ExpressionWrapper,
    F,
    Field,
    IntegerField,
    Model,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce
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


# The columns every record type's select returns, in this order, with one type each (so the
# UNION's branches line up, PostgreSQL's pairwise type resolution included: a missing column
# is a typed NULL, never a bare one).
_COLUMNS: dict[str, Field] = {
    "source_kind": CharField(),
    "source_pk": BigIntegerField(),
    "source_when": DateTimeField(),
    "source_text": TextField(),  # an encrypted column, decrypted only when a label uses it
    "source_other_text": TextField(),  # likewise (a goal's problem, when it has no description)
    "source_number": IntegerField(),
    "source_ref": BigIntegerField(),  # the id a link points at (an objective's goal, ...)
    "source_code": CharField(),  # an instrument, a homework or alert kind
}


@dataclass(frozen=True)
class _Record:
    """One row of the union: a record's id, date and the raw values its label needs."""

    pk: int
    when: dt.datetime | None
    number: int | None
    ref: int | None
    code: str | None
    raw_text: str | None
    raw_other_text: str | None
    kind: _Kind

    def text(self) -> str:
        return _decrypt(self.kind.text_field, self.raw_text)

    def other_text(self) -> str:
        return _decrypt(self.kind.other_text_field, self.raw_other_text)


def _decrypt(field: Field | None, value: str | None) -> str:
    if field is None or value is None:
        return ""
    return field.from_db_value(value, None, connection) or ""  # type: ignore[attr-defined]


def _field(model: type[Model], path: str) -> Field:
    """The model field at `path` ("assignment__title"): its from_db_value decrypts the column."""
    *relations, name = path.split("__")
    for relation in relations:
        model = model._meta.get_field(relation).related_model  # type: ignore[assignment]
    return model._meta.get_field(name)  # type: ignore[return-value]


@dataclass(frozen=True)
class _Kind:
    """A record type a suggestion can cite: its input keys, its client-scoped rows, the
    columns its link shows (paths on the model), and how the link reads."""

    code: str  # the SourceLink kind
    keys: tuple[str, ...]  # the `inputs` keys holding its ids
    model: type[Model]
    client_path: str  # the lookup to the record's client: only that client's rows are read
    build: Callable[[_Record, str], SourceLink]  # (record, the chart's url) -> link
    when: Any = None  # a field path or an expression
    text: str | None = None
    other_text: str | None = None
    number: str | None = None
    ref: str | None = None
    code_column: str | None = None

    @property
    def text_field(self) -> Field | None:
        return _field(self.model, self.text) if self.text else None

    @property
    def other_text_field(self) -> Field | None:
        return _field(self.model, self.other_text) if self.other_text else None

    def select(self, client: Any, ids: set[int]) -> QuerySet:
        sources = {
            "source_kind": Value(self.code),
            "source_pk": F("pk"),
            "source_when": self.when,
            "source_text": self.text,
            "source_other_text": self.other_text,
            "source_number": self.number,
            "source_ref": self.ref,
            "source_code": self.code_column,
        }
        columns: dict[str, Any] = {}
        for name, output in _COLUMNS.items():
            source = sources[name]
            if source is None:
                columns[name] = Cast(Value(None), output_field=output)
            else:
                expression = F(source) if isinstance(source, str) else source
                columns[name] = ExpressionWrapper(expression, output_field=output)
        rows = self.model._default_manager.filter(**{self.client_path: client}, pk__in=ids)
        return rows.order_by().annotate(**columns).values_list(*_COLUMNS)


KINDS: tuple[_Kind, ...] = (
    _Kind(
        "goal",
        ("goal_ids",),
        Goal,
        "client",
        lambda row, chart: SourceLink(
            "goal",
            f"Goal: “{_short(row.text() or row.other_text())}”",
            f"{chart}?tab=plan#goal-{row.pk}",
            row.when,
        ),
        when="created_at",
        text="description",
        other_text="problem",
    ),
    _Kind(
        "objective",
        ("objective_ids",),
        Objective,
        "goal__client",
        lambda row, chart: SourceLink(
            "objective", f"Objective: “{_short(row.text())}”", f"{chart}?tab=plan#goal-{row.ref}"
        ),
        text="description",
        ref="goal_id",
    ),
    _Kind(
        "homework_assignment",
        ("homework_assignment_ids",),
        HomeworkAssignment,
        "client",
        lambda row, chart: SourceLink(
            "homework_assignment",
            f"{row.text()} ({labels.homework_kind_noun(row.code)}), due {_day(row.when)}",
            f"{chart}?tab=homework#hw-{row.pk}",
            row.when,
        ),
        when="due_at",
        text="title",
        code_column="kind",
    ),
    _Kind(
        "homework_submission",
        ("homework_submission_ids",),
        HomeworkSubmission,
        "assignment__client",
        lambda row, chart: SourceLink(
            "homework_submission",
            f"Homework entry: {row.text()}, {_day(row.when)}",
            f"{chart}?tab=homework#hw-{row.ref}",
            row.when,
        ),
        when=Coalesce("submitted_at", "created_at"),
        text="assignment__title",
        ref="assignment_id",
    ),
    _Kind(
        "checkin",
        ("checkin_ids",),
        CheckIn,
        "client",
        lambda row, chart: SourceLink(
            "checkin", f"Check-in, {_day(row.when)} (mood {row.number}/10)", f"{chart}?tab=engagement", row.when
        ),
        when="created_at",
        number="mood",
    ),
    _Kind(
        "assessment",
        ("assessment_ids",),
        Assessment,
        "client",
        lambda row, chart: SourceLink(
            "assessment",
            f"{labels.instrument(row.code)} {row.number if row.number is not None else '(not scorable)'}, "
            f"{_day(row.when)}",
            f"{chart}?tab=measures#measure-{row.code}",
            row.when,
        ),
        when="administered_at",
        number="total",
        code_column="instrument",
    ),
    _Kind(
        "alert",
        ("alert_ids",),
        Alert,
        "client",
        lambda row, _chart: SourceLink(
            "alert",
            f"Alert: {labels.label('alert_kind', row.code)}, {_day(row.when)}",
            f"{reverse('alerts')}#alert-{row.pk}",
            row.when,
        ),
        when="created_at",
        code_column="kind",
    ),
    _Kind(
        "agenda",
        ("agenda_entry_ids",),
        AgendaEntry,
        "client",
        lambda row, chart: SourceLink(
            "agenda", f"The client's agenda, {_day(row.when)}", f"{chart}?tab=toolkit#agenda-{row.pk}", row.when
        ),
        when="created_at",
    ),
    _Kind(
        "session",
        ("last_session_id",),
        Session,
        "client",
        lambda row, _chart: SourceLink(
            "session",
            f"Last attended session, {_day(row.when)}",
            reverse("session-detail", args=[row.pk]),
            row.when,
        ),
        when="starts_at",
    ),
)


def sources_for(*, client: Any, inputs_list: Sequence[Mapping[str, Any]]) -> list[list[SourceLink]]:
    """For each suggestion's inputs, the records it read, newest first within each kind.

    One query for all of `inputs_list` (none when it names no record), whatever the number of
    suggestions, ids or record types.
    """
    wanted: dict[str, set[int]] = {}
    for inputs in inputs_list:
        for kind in KINDS:
            for key in kind.keys:
                wanted.setdefault(kind.code, set()).update(_ids(inputs, key))
    selects = [kind.select(client, wanted[kind.code]) for kind in KINDS if wanted.get(kind.code)]
    found: dict[str, dict[int, SourceLink]] = {kind.code: {} for kind in KINDS}
    if selects:
        by_code = {kind.code: kind for kind in KINDS}
        chart = reverse("client-chart", args=[client.pk])
        rows = selects[0].union(*selects[1:], all=True) if len(selects) > 1 else selects[0]
        for code, pk, when, text, other_text, number, ref, code_column in rows:
            kind = by_code[code]
            record = _Record(pk, when, number, ref, code_column, text, other_text, kind)
            found[code][pk] = kind.build(record, chart)

    results = []
    for inputs in inputs_list:
        links: list[SourceLink] = []
        for kind in KINDS:
            ids: list[int] = []
            for key in kind.keys:
                ids += _ids(inputs, key)
            rows_of_kind = [found[kind.code][pk] for pk in dict.fromkeys(ids) if pk in found[kind.code]]
            rows_of_kind.sort(key=lambda link: _sortable(link.when), reverse=True)
            links += rows_of_kind
        results.append(links)
    return results


def _sortable(value: dt.datetime | dt.date | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return dt.datetime.combine(value, dt.time.min).timestamp()

"""Homework library, assignments, submissions and feedback (missed work and reminders: sessions/homework_sweeps.py).

Every write runs in one transaction with its audit event. Client-written free text is
risk-screened in the same transaction (insights.safety), after the row it came from exists.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Goal
from insights.freshness import client_activity_changed
from insights.models import Alert
from insights.safety import ScreeningOutcome, crisis_resources_for, screen_client_text
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from practice.models import Practice
from sessions.homework_schema import (
    KIND_SCHEMAS,
    KINDS,
    NON_FIELD_ERRORS,
    FieldSpec,
    InvalidSchemaError,
    SchemaError,
    checklist_schema,
    free_text_of,
    is_risk_screened,
    schema_for,
    validate_responses,
)
from sessions.models import HomeworkAssignment, HomeworkSubmission, HomeworkTemplate
from sessions.recurrence import zone_named

if TYPE_CHECKING:
    from practice.models import User

logger = logging.getLogger(__name__)

Status = HomeworkAssignment.Status
CLOSED_STATUSES = (Status.COMPLETED, Status.CANCELLED)
MAX_RECURRENCE_WEEKS = 12
FEEDBACK_MAX_LENGTH = 5_000
# Text the screener looks at from a rejected submission; bounds the cost of a hostile post.
REJECTED_TEXT_LIMIT = 20_000


class InvalidInput(Exception):
    """Field-level validation errors; nothing was stored.

    `screening` carries any risk found in the rejected text: a client in crisis who
    mistyped another field must still see the crisis resources and reach their therapist.
    """

    def __init__(self, errors: dict[str, Any], screening: ScreeningOutcome | None = None):
        super().__init__("invalid input")
        self.errors = errors
        self.screening = screening or ScreeningOutcome()


def ensure_portal_writable(client: Client) -> None:
    """A discharged client's portal is read-only (409), whoever tries to write."""
    if client.is_discharged:
        raise DomainError("This record is closed: the client has been discharged.", conflict=True)


def screen_rejected_text(
    *,
    client: Client,
    actor: User,
    texts: Sequence[tuple[str, object]],
    source_type: str,
    source_id: int | None,
) -> ScreeningOutcome:
    """Screen text from a request that failed validation, in its own transaction.

    `texts` are (field name, value) pairs as posted: values that are not text are skipped.
    Call after the failed write's transaction has ended so the alert survives the 400.
    """
    screened = [(name, text[:REJECTED_TEXT_LIMIT]) for name, text in texts if isinstance(text, str) and text.strip()]
    if not screened:
        return ScreeningOutcome()
    with transaction.atomic():
        return screen_client_text(
            client=client,
            texts=screened,
            source_type=source_type,
            source_id=source_id,
            actor=actor,
        )


# ---------------------------------------------------------------------------
# Library


def effective_fields(kind: str, fields: list | None) -> list[FieldSpec]:
    """The schema submissions are validated against; stored schemas were validated on write."""
    try:
        return schema_for(kind, fields)
    except (InvalidSchemaError, ValueError):
        return copy.deepcopy(fields or [])


def _schema_problems(kind: str, fields: object) -> tuple[list, list[SchemaError]]:
    """(fields to store, errors). Fixed kinds store no fields; checklists accept item texts."""
    if kind in KIND_SCHEMAS:
        if fields:
            message = f'A {kind.replace("_", " ")} uses the built-in fields; leave "fields" out.'
            return [], [{"field": NON_FIELD_ERRORS, "code": "fixed_schema", "message": message}]
        return [], []
    if kind == "checklist" and isinstance(fields, list) and fields and all(isinstance(item, str) for item in fields):
        try:
            fields = checklist_schema(fields)
        except ValueError as error:
            return [], [
                {
                    "field": NON_FIELD_ERRORS,
                    "code": "invalid_items",
                    "message": str(error),
                }
            ]
    try:
        schema_for(kind, fields)  # type: ignore[arg-type]
    except InvalidSchemaError as error:
        return [], error.errors
    # schema_for accepted it, so it is a list of field specifications.
    return copy.deepcopy(cast("list[FieldSpec]", fields)), []


def template_create(*, practice: Practice, actor: User, data: dict) -> HomeworkTemplate:
    """Add a template to the practice library. `data` is type-checked by the caller."""
    kind = data.get("kind")
    errors: dict[str, Any] = {}
    stored_fields: list = []
    if kind not in KINDS:
        errors["kind"] = [f"Kind must be one of: {', '.join(KINDS)}."]
    else:
        stored_fields, problems = _schema_problems(kind, data.get("fields"))
        if problems:
            errors["fields"] = problems
    if not (data.get("title") or "").strip():
        errors["title"] = ["Give the template a title."]
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        template = HomeworkTemplate.objects.create(
            practice=practice,
            title=data["title"].strip(),
            kind=cast(str, kind),  # checked against KINDS above
            description=data.get("description", ""),
            instructions=data.get("instructions", ""),
            fields=stored_fields,
            tags=list(data.get("tags") or []),
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=template,
            practice_id=practice.pk,
            fields=list(data),
        )
    return template


TEMPLATE_EDITABLE = frozenset({"title", "description", "instructions", "fields", "tags", "is_active"})


def template_update(*, template: HomeworkTemplate, actor: User, data: dict) -> HomeworkTemplate:
    """Edit a practice template. Built-ins can only be hidden (copy one to adapt it).

    Existing assignments keep the copy of the form they were given.
    """
    if "kind" in data and data["kind"] != template.kind:
        raise InvalidInput({"kind": ["The kind of a template cannot change; create a new template instead."]})
    data = {key: value for key, value in data.items() if key in TEMPLATE_EDITABLE}
    if template.is_builtin and set(data) - {"is_active"}:
        raise DomainError(
            "Built-in templates cannot be edited; create your own copy to adapt it.",
            conflict=True,
        )
    if "title" in data and not (data["title"] or "").strip():
        raise InvalidInput({"title": ["Give the template a title."]})
    if "fields" in data:
        stored, problems = _schema_problems(template.kind, data["fields"])
        if problems:
            raise InvalidInput({"fields": problems})
        data["fields"] = stored
    changed = [key for key, value in data.items() if getattr(template, key) != value]
    if not changed:
        return template
    with transaction.atomic():
        for key in changed:
            setattr(template, key, data[key].strip() if key == "title" else data[key])
        template.save(update_fields=changed)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=template,
            practice_id=template.practice_id,
            fields=changed,
        )
    return template


# ---------------------------------------------------------------------------
# Assignments


def _occurrence_dues(
    due_at: dt.datetime, recurrence: object, zone: dt.tzinfo | None = None
) -> tuple[list[dt.datetime], list[str]]:
    """The due dates of a recurring assignment, each at the first one's wall-clock time in `zone`
    (the client's practice's), so a weekly 6 pm stays 6 pm across a DST change."""
    """Due times of each occurrence: the same local time on each chosen day of N weeks.

    The window is the 7*N days starting on the first due date, so a weekly rule yields
    exactly len(weekdays) * N occurrences and a daily one 7 * N.
    """
    if recurrence is None:
        return [due_at], []
    if not isinstance(recurrence, dict):
        return [], ['Recurrence must be an object like {"frequency": "weekly", "weekdays": [0, 3], "weeks": 4}.']
    errors = [
        f'"{key}" is not a recurrence option.'
        for key in sorted(set(recurrence) - {"frequency", "weekdays", "weeks"}, key=str)
    ]
    frequency, weekdays, weeks = (
        recurrence.get("frequency"),
        recurrence.get("weekdays"),
        recurrence.get("weeks"),
    )
    if type(weeks) is not int or not 1 <= weeks <= MAX_RECURRENCE_WEEKS:
        errors.append(f'"weeks" must be a whole number from 1 to {MAX_RECURRENCE_WEEKS}.')
    if frequency == "daily":
        if weekdays not in (None, []):
            errors.append('"weekdays" applies to weekly recurrence only.')
        chosen = set(range(7))
    elif frequency == "weekly":
        valid = isinstance(weekdays, list) and weekdays and all(type(day) is int and 0 <= day <= 6 for day in weekdays)
        if not valid or len(set(weekdays)) != len(weekdays):  # type: ignore[arg-type]
            errors.append('"weekdays" must list distinct days from 0 (Monday) to 6 (Sunday).')
            chosen = set()
        else:
            chosen = set(weekdays)  # type: ignore[arg-type]
    else:
        errors.append('"frequency" must be "daily" or "weekly".')
        chosen = set()
    if errors:
        return [], errors
    zone = zone or ZoneInfo(settings.TIME_ZONE)
    local_due = due_at.astimezone(zone)
    dues = []
    for offset in range(7 * weeks):  # type: ignore[operator]
        day = local_due.date() + dt.timedelta(days=offset)
        if day.weekday() in chosen:
            dues.append(dt.datetime.combine(day, local_due.time(), tzinfo=zone))
    return dues, []


def homework_assign(
    *,
    client: Client,
    actor: User,
    due_at: dt.datetime | None,
    template: HomeworkTemplate | None = None,
    title: str | None = None,
    kind: str | None = None,
    fields: list | None = None,
    instructions: str = "",
    goal: Goal | None = None,
    recurrence: dict | None = None,
) -> list[HomeworkAssignment]:
    """Assign homework from the library or as a one-off; returns every occurrence created.

    The assignment keeps its own copy of title, kind and form, so later library edits never
    change what a client was given. Call with a client the actor may edit.
    """
    ensure_portal_writable(client)
    errors: dict[str, Any] = {}
    if due_at is None:
        errors["due_at"] = ["This field is required."]
    elif due_at <= timezone.now():
        errors["due_at"] = ["The due date must be in the future."]
    stored_fields: list = []
    if template is not None:
        if template.practice_id != client.practice_id or not template.is_active:
            errors["template"] = ["Choose an active template from this practice's library."]
        if kind and kind != template.kind:
            errors["kind"] = ["The kind comes from the template; leave it out."]
        title = (title or "").strip() or template.title
        kind = template.kind
        stored_fields = copy.deepcopy(template.fields) if kind not in KIND_SCHEMAS else []
        instructions = instructions or template.instructions
    else:
        if not (title or "").strip():
            errors["title"] = ["Give the homework a title, or choose a template."]
        if kind not in KINDS:
            errors["kind"] = [f"Kind must be one of: {', '.join(KINDS)}."]
        else:
            stored_fields, problems = _schema_problems(kind, fields)
            if problems:
                errors["fields"] = problems
    if goal is not None and goal.client_id != client.pk:
        errors["goal"] = ["Choose one of this client's goals."]
    dues, recurrence_errors = (
        _occurrence_dues(due_at, recurrence, zone_named(client.practice.time_zone)) if due_at else ([], [])
    )
    if recurrence_errors:
        errors["recurrence"] = recurrence_errors
    if errors:
        raise InvalidInput(errors)
    series = uuid.uuid4() if recurrence is not None else None
    created = []
    with transaction.atomic():
        for due in dues:
            assignment = HomeworkAssignment.objects.create(
                client=client,
                template=template,
                title=title.strip(),  # type: ignore[union-attr]
                kind=cast(str, kind),  # the template's, or checked against KINDS above
                fields=copy.deepcopy(stored_fields),
                instructions=instructions or "",
                due_at=due,
                goal=goal,
                series=series,
                assigned_by=actor,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=assignment,
                client_id=client.pk,
                fields=[
                    "title",
                    "kind",
                    "fields",
                    "instructions",
                    "due_at",
                    "template",
                    "goal",
                    "series",
                ],
            )
            created.append(assignment)
        client_activity_changed(client.pk)
    return created


def assignment_cancel(*, assignment: HomeworkAssignment, actor: User) -> HomeworkAssignment:
    with transaction.atomic():
        locked = HomeworkAssignment.objects.select_for_update().get(pk=assignment.pk)
        if Status.CANCELLED not in HomeworkAssignment.ALLOWED_TRANSITIONS[Status(locked.status)]:
            raise DomainError(
                f"This homework is {locked.status} and cannot be cancelled.",
                conflict=True,
            )
        locked.status = Status.CANCELLED
        locked.save(update_fields=["status"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            client_id=locked.client_id,
            fields=["status"],
        )
        client_activity_changed(locked.client_id)
    return locked


def feedback_leave(*, assignment: HomeworkAssignment, actor: User, text: str) -> HomeworkAssignment:
    """The therapist's note to the client about this piece of work (the client sees it)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput({"feedback": ["Write some feedback."]})
    if len(text) > FEEDBACK_MAX_LENGTH:
        raise InvalidInput({"feedback": [f"Ensure this field has no more than {FEEDBACK_MAX_LENGTH} characters."]})
    with transaction.atomic():
        locked = HomeworkAssignment.objects.select_for_update().get(pk=assignment.pk)
        if locked.status == Status.CANCELLED:
            raise DomainError("This homework was cancelled.", conflict=True)
        locked.feedback = text.strip()
        locked.feedback_at = timezone.now()
        locked.save(update_fields=["feedback", "feedback_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            client_id=locked.client_id,
            fields=["feedback"],
        )
    return locked


# ---------------------------------------------------------------------------
# Submissions


def _standing_risk(client: Client, submission_id: int) -> ScreeningOutcome:
    """Risky text already screened (and still unresolved) keeps the resources on screen."""
    severity = (
        Alert.objects.filter(client=client, source_type="homework_submission", source_id=submission_id)
        .exclude(status=Alert.Status.RESOLVED)
        .values_list("severity", flat=True)
        .first()
    )
    if severity is None:
        return ScreeningOutcome()
    return ScreeningOutcome(level=severity, crisis_resources=crisis_resources_for(client))


def submission_save(
    *, assignment: HomeworkAssignment, actor: User, responses: object, final: bool
) -> tuple[HomeworkSubmission, ScreeningOutcome]:
    """Save the client's draft (in place) or final submission; screen their free text.

    Invalid responses raise InvalidInput and leave the stored draft untouched. A completed
    or cancelled assignment, or a discharged client's, accepts nothing (409).
    """
    schema = effective_fields(assignment.kind, assignment.fields)
    errors: dict = {}
    with transaction.atomic():
        locked = HomeworkAssignment.objects.select_for_update().get(pk=assignment.pk)
        client = Client.objects.select_related("practice").get(pk=locked.client_id)
        ensure_portal_writable(client)
        if locked.status in CLOSED_STATUSES:
            raise DomainError(
                f"This homework is {locked.status}; it accepts no more submissions.",
                conflict=True,
            )
        cleaned, errors = validate_responses(schema, responses, partial=not final)
        if not errors:
            submission, outcome = _store_submission(locked, client, actor, schema, cleaned, final)
    if errors:
        rejected = (
            [(f["name"], responses.get(f["name"])) for f in schema if is_risk_screened(f)]
            if isinstance(responses, dict)
            else []
        )
        screening = screen_rejected_text(
            client=client,
            actor=actor,
            texts=rejected,
            source_type="homework_assignment",
            source_id=assignment.pk,
        )
        raise InvalidInput({"responses": errors}, screening)
    assignment.refresh_from_db()
    return submission, outcome


def _store_submission(
    locked: HomeworkAssignment,
    client: Client,
    actor: User,
    schema: list,
    cleaned: dict,
    final: bool,
) -> tuple[HomeworkSubmission, ScreeningOutcome]:
    now = timezone.now()
    submission = locked.submissions.filter(is_draft=True).order_by("-id").first()
    previous = dict(submission.responses or {}) if submission else {}
    if submission is None:
        submission = HomeworkSubmission.objects.create(
            assignment=locked,
            responses=cleaned,
            is_draft=not final,
            submitted_at=now if final else None,
        )
        action = AuditAction.CREATE
    else:
        submission.responses = cleaned
        submission.is_draft = not final
        submission.submitted_at = now if final else None
        submission.save(update_fields=["responses", "is_draft", "submitted_at", "updated_at"])
        action = AuditAction.UPDATE
    audit_record(
        actor=actor,
        action=action,
        target=submission,
        client_id=client.pk,
        fields=["responses", "is_draft"],
    )

    # Work on a missed assignment stays "missed" until finished, so the missed sweep never
    # has to undo a draft's in_progress.
    new_status = (
        Status.COMPLETED if final else (Status.IN_PROGRESS if locked.status == Status.ASSIGNED else locked.status)
    )
    if new_status != locked.status:
        locked.status = new_status
        update = ["status"]
        if final:
            locked.completed_at = now
            update.append("completed_at")
        locked.save(update_fields=update)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=locked,
            client_id=client.pk,
            fields=update,
        )

    # Text already screened in an earlier draft is not screened again (autosave would raise
    # an alert per keystroke pause); only new or changed answers are.
    texts = free_text_of(schema, cleaned)
    fresh = [(name, text) for name, text in texts if str(previous.get(name) or "").strip() != text]
    outcome = screen_client_text(
        client=client,
        texts=fresh,
        source_type="homework_submission",
        source_id=submission.pk,
        actor=actor,
    )
    if not outcome.flagged and len(fresh) < len(texts):
        outcome = _standing_risk(client, submission.pk)
    client_activity_changed(client.pk)
    return submission, outcome


def homework_library_install(*, practice: Practice) -> int:
    """Give a practice the built-in starter library (idempotent by title)."""
    from sessions.homework_library import BUILTIN_TEMPLATES

    existing = set(HomeworkTemplate.objects.filter(practice=practice, is_builtin=True).values_list("title", flat=True))
    created = 0
    with transaction.atomic():
        for template in BUILTIN_TEMPLATES:
            if template["title"] in existing:
                continue
            HomeworkTemplate.objects.create(
                practice=practice,
                title=template["title"],
                kind=template["kind"],
                description=template.get("description", ""),
                instructions=template.get("instructions", ""),
                fields=template.get("fields", []),
                tags=template.get("tags", []),
                is_builtin=True,
            )
            created += 1
    return created

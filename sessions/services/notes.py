"""Progress notes (draft -> signed -> addenda, optional co-signature) and psychotherapy notes.

A signed note is an attestation: it never changes again. Corrections are addenda, each
timestamped and signed by its author. Psychotherapy (process) notes are a separate record that
only their author ever reads; nothing here passes them to a task, a report or a screen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Goal
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from sessions.drafting.run import drafts_settle
from sessions.models import NoteAddendum, NoteTemplate, ProgressNote, PsychotherapyNote, Session, Supervision

if TYPE_CHECKING:
    from practice.models import User

# Each format is a fixed set of named sections, in display order.
FORMAT_SECTIONS: dict[str, tuple[str, ...]] = {
    ProgressNote.Format.SOAP: ("subjective", "objective", "assessment", "plan"),
    ProgressNote.Format.DAP: ("data", "assessment", "plan"),
    ProgressNote.Format.BIRP: ("behavior", "intervention", "response", "plan"),
    ProgressNote.Format.FREE: ("text",),
}
MAX_SECTION_CHARS = 20000
MAX_TEXT_CHARS = 20000


class _Unset:
    """Marks an argument the caller did not pass (None is a meaningful value: unlink)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def sections_for(format: str) -> tuple[str, ...]:
    try:
        return FORMAT_SECTIONS[format]
    except KeyError:
        raise DomainError(f"Format must be one of: {', '.join(FORMAT_SECTIONS)}.", field="format") from None


def note_section_names(note: ProgressNote) -> tuple[str, ...]:
    """The note's section keys: its template layout's, else its format's."""
    if note.layout:
        return tuple(item["key"] for item in note.layout)
    return sections_for(note.format)


def clean_sections(format: str, sections: Any, names: tuple[str, ...] | None = None) -> dict[str, str]:
    """Validate submitted sections for a format (or for a template's `names`); returns only
    the submitted keys."""
    names = names or sections_for(format)
    if sections is None:
        return {}
    if not isinstance(sections, Mapping):
        raise DomainError("Sections must be an object of section name to text.", field="sections")
    cleaned: dict[str, str] = {}
    for key, value in sections.items():
        if key not in names:
            raise DomainError(
                f"Unknown section '{key}' for a {format} note; its sections are: {', '.join(names)}.",
                field="sections",
            )
        if not isinstance(value, str):
            raise DomainError(f"Section '{key}' must be text.", field="sections")
        if len(value) > MAX_SECTION_CHARS:
            raise DomainError(
                f"Section '{key}' is longer than {MAX_SECTION_CHARS} characters.",
                field="sections",
            )
        cleaned[key] = value
    return cleaned


def _session_of(client: Client, session: Session | int | None) -> Session | None:
    """The session, if it belongs to this client (the same message whether or not it exists)."""
    if session is None:
        return None
    session_id = session.pk if isinstance(session, Session) else session
    found = Session.objects.filter(client=client, pk=session_id).first() if isinstance(session_id, int) else None
    if found is None:
        raise DomainError(
            f"Session {session_id} is not one of this client's sessions.",
            field="session",
        )
    return found


def _goals_of(client: Client, goals: Iterable[Goal | int]) -> list[int]:
    ids = []
    for goal in goals:
        goal_id = goal.pk if isinstance(goal, Goal) else goal
        if isinstance(goal_id, bool) or not isinstance(goal_id, int):
            raise DomainError("Goals must be a list of goal ids.", field="goals")
        ids.append(goal_id)
    found = set(Goal.objects.filter(client=client, pk__in=ids).values_list("pk", flat=True))
    for goal_id in ids:
        if goal_id not in found:
            raise DomainError(
                f"Goal {goal_id} is not part of this client's treatment plan.",
                field="goals",
            )
    return sorted(set(ids))


def _require_author(note: ProgressNote, actor: User, doing: str) -> None:
    if note.author_id != actor.pk:
        raise PermissionDenied(f"Only the note's author can {doing}.")


def _require_draft(note: ProgressNote) -> None:
    if note.status == ProgressNote.Status.IN_REVIEW:
        raise DomainError(
            "This note is with the supervisor for review; it can be edited again if it is returned.",
            conflict=True,
        )
    if note.status != ProgressNote.Status.DRAFT:
        raise DomainError(
            "This note is signed and cannot be changed; add an addendum instead.",
            conflict=True,
        )


def _check_text(text: Any, field: str = "text") -> str:
    if not isinstance(text, str) or not text.strip():
        raise DomainError("Write some text.", field=field)
    if len(text) > MAX_TEXT_CHARS:
        raise DomainError(f"Text is longer than {MAX_TEXT_CHARS} characters.", field=field)
    return text


def note_create(
    *,
    client: Client,
    actor: User,
    format: str,
    sections: Mapping[str, str] | None = None,
    session: Session | int | None = None,
    goals: Iterable[Goal | int] = (),
    template: NoteTemplate | None = None,
) -> ProgressNote:
    """Start a draft note. Call with a client the actor may edit. Missing sections are "".

    With a practice `template` (of the client's practice) the note is format "free" and its
    sections are the template's (a snapshot in `layout`)."""
    layout: list[dict[str, str]] = []
    if template is not None:
        if template.practice_id != client.practice_id or not template.is_active:
            raise DomainError("Choose one of your practice's note templates.", field="template")
        format = ProgressNote.Format.FREE
        layout = [dict(item) for item in template.sections]
    names = tuple(item["key"] for item in layout) or None
    submitted = clean_sections(format, sections, names)
    linked_session = _session_of(client, session)
    goal_ids = _goals_of(client, goals)
    full = {name: submitted.get(name, "") for name in (names or sections_for(format))}
    with transaction.atomic():
        note = ProgressNote.objects.create(
            client=client,
            author=actor,
            format=format,
            sections=full,
            session=linked_session,
            template=template,
            layout=layout,
        )
        if goal_ids:
            note.goals.set(goal_ids)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=note,
            client_id=client.pk,
            fields=[
                "format",
                "sections",
                *(["session"] if linked_session else []),
                *(["goals"] if goal_ids else []),
                *(["template"] if template else []),
            ],
        )
    return note


def note_update(
    *,
    note: ProgressNote,
    actor: User,
    sections: Mapping[str, str] | None = None,
    session: Session | int | None = UNSET,
    goals: Iterable[Goal | int] = UNSET,
    version: int | None = None,
) -> ProgressNote:
    """Edit a draft (the autosave path). Submitted sections replace those keys; others stay.

    `version` is the version the caller read; a mismatch means someone else saved in between,
    which is a 409 rather than a silent overwrite. A signed note is a 409 and nothing changes.
    """
    _require_author(note, actor, "edit it")
    with transaction.atomic():
        # Lock and re-read so a concurrent sign or save cannot slip between check and write.
        current = ProgressNote.objects.select_for_update().get(pk=note.pk)
        _require_draft(current)
        if version is not None and version != current.version:
            raise DomainError(
                f"This note was saved elsewhere (version {current.version}, you had {version}); reload it and try again.",
                conflict=True,
            )
        submitted = clean_sections(current.format, sections, note_section_names(current))
        changed: list[str] = []
        new_sections = dict(current.sections or {})
        for key, value in submitted.items():
            if new_sections.get(key, "") != value:
                new_sections[key] = value
                changed.append(f"sections.{key}")
        if changed:
            current.sections = new_sections
        if session is not UNSET:
            linked = _session_of(current.client, session)
            if current.session_id != (linked.pk if linked else None):
                current.session = linked
                changed.append("session")
        goal_ids = None
        if goals is not UNSET:
            goal_ids = _goals_of(current.client, goals)
            if set(goal_ids) != set(current.goals.values_list("pk", flat=True)):
                changed.append("goals")
            else:
                goal_ids = None
        if changed:
            current.version += 1
            current.save()
            if goal_ids is not None:
                current.goals.set(goal_ids)
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=current,
                client_id=current.client_id,
                fields=changed,
            )
    _copy_state(current, note)
    return note


def _copy_state(source: ProgressNote, target: ProgressNote) -> None:
    """Bring the caller's instance up to date with the locked copy that was written."""
    for field in (
        "sections",
        "session_id",
        "status",
        "signed_at",
        "signed_by_id",
        "cosigned_at",
        "cosigned_by_id",
        "submitted_at",
        "returned_at",
        "returned_by_id",
        "review_comment",
        "version",
        "updated_at",
    ):
        setattr(target, field, getattr(source, field))
    for cached in ("session", "signed_by", "cosigned_by", "returned_by"):
        target._state.fields_cache.pop(cached, None)
    getattr(target, "_prefetched_objects_cache", {}).clear()


def _transition(note: ProgressNote, to: str) -> None:
    if to not in ProgressNote.ALLOWED_TRANSITIONS[ProgressNote.Status(note.status)]:
        raise DomainError(f"A {note.status} note cannot become {to}.", conflict=True)


def note_sign(*, note: ProgressNote, actor: User) -> ProgressNote:
    """Attest the note (who, when). Afterwards it is immutable; corrections are addenda."""
    _require_author(note, actor, "sign it")
    with transaction.atomic():
        current = ProgressNote.objects.select_for_update().get(pk=note.pk)
        if current.status == ProgressNote.Status.SIGNED:
            raise DomainError("This note is already signed.", conflict=True)
        if current.status == ProgressNote.Status.IN_REVIEW:
            raise DomainError("This note is with the supervisor: their co-signature signs it.", conflict=True)
        if review_required(current):
            raise DomainError(
                "Your supervisor reviews your notes before they are signed: submit it for review instead.",
                conflict=True,
            )
        _transition(current, ProgressNote.Status.SIGNED)
        if not any((value or "").strip() for value in (current.sections or {}).values()):
            raise DomainError("This note is empty; write it before signing.", field="sections")
        current.status = ProgressNote.Status.SIGNED
        current.signed_at = timezone.now()
        current.signed_by = actor
        current.version += 1
        current.save()
        audit_record(
            actor=actor,
            action=AuditAction.SIGN,
            target=current,
            client_id=current.client_id,
            fields=["status", "signed_at", "signed_by"],
        )
        # The note's text is final: record what became of its AI drafts (never blocks signing).
        drafts_settle(note=current, actor=actor)
    _copy_state(current, note)
    return note


def review_required(note: ProgressNote) -> bool:
    """Whether the note's author must submit it to the client's supervisor instead of signing:
    the client has a supervisor who asked to review this author's notes (Supervision)."""
    supervisor_id = note.client.supervisor_id
    author_membership = getattr(note.author, "membership_or_none", None)
    if supervisor_id is None or author_membership is None or supervisor_id == author_membership.pk:
        return False
    return Supervision.objects.filter(
        supervisor_id=supervisor_id, supervisee=author_membership, review_before_signing=True
    ).exists()


def _require_supervisor(note: ProgressNote, actor: User, doing: str) -> None:
    membership = actor.membership_or_none
    if membership is None or note.client.supervisor_id != membership.pk:
        raise PermissionDenied(f"Only the client's supervisor can {doing} this note.")


def note_cosign(*, note: ProgressNote, actor: User) -> ProgressNote:
    """The client's supervisor co-signs a signed note (once), or a note submitted for review:
    that co-signature signs it (signed by its author at their submission's attestation,
    co-signed by the supervisor, both now)."""
    _require_supervisor(note, actor, "co-sign")
    with transaction.atomic():
        current = ProgressNote.objects.select_for_update().get(pk=note.pk)
        if current.status == ProgressNote.Status.IN_REVIEW:
            _transition(current, ProgressNote.Status.SIGNED)
            now = timezone.now()
            current.status = ProgressNote.Status.SIGNED
            current.signed_at = now
            current.signed_by_id = current.author_id
            current.cosigned_at = now
            current.cosigned_by = actor
            current.version += 1
            current.save()
            audit_record(
                actor=actor,
                action=AuditAction.COSIGN,
                target=current,
                client_id=current.client_id,
                fields=["status", "signed_at", "signed_by", "cosigned_at", "cosigned_by"],
            )
            _copy_state(current, note)
            return note
        if current.status != ProgressNote.Status.SIGNED:
            raise DomainError(
                "Only a signed note can be co-signed; the author signs first.",
                conflict=True,
            )
        if current.cosigned_at is not None:
            raise DomainError("This note is already co-signed.", conflict=True)
        current.cosigned_at = timezone.now()
        current.cosigned_by = actor
        current.version += 1
        current.save()
        audit_record(
            actor=actor,
            action=AuditAction.COSIGN,
            target=current,
            client_id=current.client_id,
            fields=["cosigned_at", "cosigned_by"],
        )
    _copy_state(current, note)
    return note


def note_submit_for_review(*, note: ProgressNote, actor: User) -> ProgressNote:
    """The author hands a draft to the client's supervisor (draft -> in_review). Submitting is
    the author's attestation; the supervisor's co-signature then signs the note."""
    _require_author(note, actor, "submit it for review")
    if note.client.supervisor_id is None:
        raise DomainError("This client has no supervisor to review the note.", conflict=True)
    with transaction.atomic():
        current = ProgressNote.objects.select_for_update().get(pk=note.pk)
        _require_draft(current)
        _transition(current, ProgressNote.Status.IN_REVIEW)
        if not any((value or "").strip() for value in (current.sections or {}).values()):
            raise DomainError("This note is empty; write it before submitting it.", field="sections")
        current.status = ProgressNote.Status.IN_REVIEW
        current.submitted_at = timezone.now()
        current.version += 1
        current.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=current,
            client_id=current.client_id,
            fields=["status", "submitted_at"],
        )
        drafts_settle(note=current, actor=actor)
    _copy_state(current, note)
    return note


def note_return(*, note: ProgressNote, actor: User, comment: Any) -> ProgressNote:
    """The supervisor returns a note in review to its author with a comment (in_review ->
    draft): the author sees the comment, edits and resubmits."""
    _require_supervisor(note, actor, "return")
    comment = _check_text(comment, field="comment")
    with transaction.atomic():
        current = ProgressNote.objects.select_for_update().get(pk=note.pk)
        if current.status != ProgressNote.Status.IN_REVIEW:
            raise DomainError("Only a note submitted for review can be returned.", conflict=True)
        _transition(current, ProgressNote.Status.DRAFT)
        current.status = ProgressNote.Status.DRAFT
        current.returned_at = timezone.now()
        current.returned_by = actor
        current.review_comment = comment.strip()
        current.version += 1
        current.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=current,
            client_id=current.client_id,
            fields=["status", "returned_at", "returned_by", "review_comment"],
        )
    _copy_state(current, note)
    return note


def addendum_create(*, note: ProgressNote, actor: User, text: str) -> NoteAddendum:
    """Append a signed, timestamped correction to a signed note. Drafts are simply edited."""
    text = _check_text(text)
    with transaction.atomic():
        current = ProgressNote.objects.select_for_update().get(pk=note.pk)
        if current.status != ProgressNote.Status.SIGNED:
            raise DomainError(
                "This note is still a draft: edit it instead of adding an addendum.",
                conflict=True,
            )
        now = timezone.now()
        addendum = NoteAddendum.objects.create(note=current, author=actor, text=text, created_at=now, signed_at=now)
        audit_record(
            actor=actor,
            action=AuditAction.ADDENDUM,
            target=addendum,
            client_id=current.client_id,
            fields=["text"],
        )
    return addendum


def psychotherapy_note_create(
    *, client: Client, actor: User, text: str, session: Session | int | None = None
) -> PsychotherapyNote:
    """A process note owned by (and only ever readable by) its author."""
    text = _check_text(text)
    linked_session = _session_of(client, session)
    with transaction.atomic():
        note = PsychotherapyNote.objects.create(client=client, author=actor, text=text, session=linked_session)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=note,
            client_id=client.pk,
            fields=["text", *(["session"] if linked_session else [])],
        )
    return note


def psychotherapy_note_update(
    *,
    note: PsychotherapyNote,
    actor: User,
    text: str | None = None,
    session: Session | int | None = UNSET,
) -> PsychotherapyNote:
    if note.author_id != actor.pk:
        raise PermissionDenied("Only the author can change a psychotherapy note.")
    # Validate everything before touching the instance, so a 400 leaves it as it was.
    new_values: dict[str, Any] = {}
    if text is not None and _check_text(text) != note.text:
        new_values["text"] = text
    if session is not UNSET:
        linked = _session_of(note.client, session)
        if note.session_id != (linked.pk if linked else None):
            new_values["session"] = linked
    changed = sorted(new_values)
    for field, value in new_values.items():
        setattr(note, field, value)
    if not changed:
        return note
    with transaction.atomic():
        note.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=note,
            client_id=note.client_id,
            fields=changed,
        )
    return note

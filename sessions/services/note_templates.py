"""Practice note templates (sessions.models.NoteTemplate): create and edit, for members who
manage the practice library (MANAGE_LIBRARY; the view guards it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import transaction

from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from sessions.models import NoteTemplate

if TYPE_CHECKING:
    from practice.models import User

MAX_SECTIONS = 12
MAX_HEADING = 80
MAX_PROMPT = 300


def _slug(heading: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", heading.lower()).strip("_")[:30] or "section"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    return key


def clean_template_sections(rows: list[tuple[str, str]], keep: list[dict[str, str]] | None = None) -> list[dict]:
    """[(heading, prompt)] -> [{key, heading, prompt}], blank headings dropped. Rows keep the
    key of the section at the same position in `keep` (an edit never renames a used key)."""
    keep = keep or []
    sections: list[dict[str, str]] = []
    taken: set[str] = set()
    for index, (heading, prompt) in enumerate(rows):
        heading, prompt = (heading or "").strip(), (prompt or "").strip()
        if not heading:
            continue
        if len(heading) > MAX_HEADING or len(prompt) > MAX_PROMPT:
            raise DomainError(
                f"A heading is at most {MAX_HEADING} characters, a prompt {MAX_PROMPT}.", field="sections"
            )
        previous = keep[index]["key"] if index < len(keep) else None
        key = previous if previous and previous not in taken else _slug(heading, taken)
        taken.add(key)
        sections.append({"key": key, "heading": heading, "prompt": prompt})
    if not sections:
        raise DomainError("Give the template at least one section heading.", field="sections")
    if len(sections) > MAX_SECTIONS:
        raise DomainError(f"A template has at most {MAX_SECTIONS} sections.", field="sections")
    return sections


def note_template_save(
    *, actor: User, name: Any, rows: list[tuple[str, str]], template: NoteTemplate | None = None, is_active=True
) -> NoteTemplate:
    """Create (template None) or edit one of the actor's practice's note templates."""
    name = (name or "").strip() if isinstance(name, str) else ""
    if not name or len(name) > 120:
        raise DomainError("Give the template a name (up to 120 characters).", field="name")
    sections = clean_template_sections(rows, keep=template.sections if template else None)
    with transaction.atomic():
        if template is None:
            template = NoteTemplate.objects.create(
                practice_id=actor.membership.practice_id, name=name, sections=sections, created_by=actor
            )
            action = AuditAction.CREATE
        else:
            template.name, template.sections, template.is_active = name, sections, bool(is_active)
            template.save()
            action = AuditAction.UPDATE
        audit_record(
            actor=actor,
            action=action,
            target=template,
            practice_id=template.practice_id,
            fields=["name", "sections", "is_active"],
        )
    return template

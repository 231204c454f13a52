"""Homework library, assignments and submissions."""

from __future__ import annotations

from django.db import transaction

from practice.models import Practice
from sessions.models import HomeworkTemplate


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

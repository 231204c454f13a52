"""The client's personal safety plan: versioned writes and the therapist's review.

Every save is a new immutable `SafetyPlanVersion` with who wrote it: the therapist with the
client on the chart, or the client drafting in the portal. Only the therapist (primary or
co-therapist) marks a version "reviewed with the client". What a client writes is risk-screened
in the same transaction, as every client text is (insights.safety.screen_client_text): only
the lines that are new since the previous version, so a warning sign agreed in session does not
raise a fresh alert at every later edit.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from clients.models import PLAN_SECTIONS, Client, SafetyPlanVersion
from insights.safety import ScreeningOutcome, screen_client_text
from practice.audit import AuditAction, audit_record
from practice.errors import Conflict, DomainError, Forbidden
from sessions.services.homework import InvalidInput, ensure_portal_writable, screen_rejected_text

MAX_ENTRIES = 12
MAX_LINE = 300
MAX_NAME = 120
MAX_PHONE = 40
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]{2,38}$")
NOT_EDITABLE = "Only the client's therapist or co-therapist can change the safety plan."
NO_PLAN_YET = (
    "This client has no safety plan yet. Write it with them on the chart's Safety plan tab, then resolve the alert."
)


def _is_client_author(client: Client, actor) -> bool:
    return client.user_id is not None and client.user_id == getattr(actor, "pk", None)


def clean_plan_content(raw: Any) -> tuple[dict[str, list], dict[str, list[str]]]:
    """(content, errors): lines trimmed, blanks dropped; contacts need a name, and a phone
    number if given must look like one (it becomes a tap-to-call link)."""
    content: dict[str, list] = {}
    errors: dict[str, list[str]] = {}
    raw = raw if isinstance(raw, dict) else {}
    for section in PLAN_SECTIONS:
        key = section["key"]
        values = raw.get(key) or []
        if not isinstance(values, list):
            errors[key] = ["Not a list."]
            continue
        problems: list[str] = []
        cleaned: list = []
        for value in values:
            if section["kind"] == "lines":
                if not isinstance(value, str):
                    problems.append("Each entry must be text.")
                    continue
                line = value.strip()
                if "\x00" in line:
                    problems.append("Null characters are not allowed.")
                elif len(line) > MAX_LINE:
                    problems.append(f"Keep each entry under {MAX_LINE} characters.")
                elif line:
                    cleaned.append(line)
            else:
                value = value if isinstance(value, dict) else {}
                name = str(value.get("name") or "").strip()
                phone = str(value.get("phone") or "").strip()
                if not name and not phone:
                    continue
                if not name:
                    problems.append("Add a name for each phone number.")
                elif len(name) > MAX_NAME or "\x00" in name:
                    problems.append(f"Keep names under {MAX_NAME} characters.")
                elif phone and not _PHONE.match(phone):
                    problems.append(
                        f"“{phone[:MAX_PHONE]}” does not look like a phone number (digits, spaces, + and -)."
                    )
                else:
                    cleaned.append({"name": name, "phone": phone})
        if len(cleaned) > MAX_ENTRIES:
            problems.append(f"At most {MAX_ENTRIES} entries in a section.")
        if problems:
            errors[key] = sorted(set(problems))
        content[key] = cleaned
    if not errors and not any(content.values()):
        errors["non_field_errors"] = ["Write at least one thing in the plan."]
    return content, errors


def _texts(content: dict[str, list]) -> list[tuple[str, str]]:
    texts = []
    for key, values in content.items():
        for value in values:
            texts.append((key, value["name"] if isinstance(value, dict) else value))
    return texts


def latest_version(client: Client) -> SafetyPlanVersion | None:
    return SafetyPlanVersion.objects.filter(client=client).order_by("-number").first()


def safety_plan_save(*, client: Client, actor, content: Any) -> tuple[SafetyPlanVersion, ScreeningOutcome]:
    """Write a new version of the client's plan; returns it with the screening of the client's text.

    The caller scopes the client (client_for_write for the therapist, client_for_portal for
    the client). Invalid input raises InvalidInput (nothing stored; a client's text is still
    screened); an unchanged plan raises DomainError.
    """
    ensure_portal_writable(client)
    from_client = _is_client_author(client, actor)
    if not from_client and not Client.objects.editable_by(actor).filter(pk=client.pk).exists():
        raise Forbidden(NOT_EDITABLE)
    cleaned, errors = clean_plan_content(content)
    if errors:
        screening = ScreeningOutcome()
        if from_client:
            screening = screen_rejected_text(
                client=client, actor=actor, texts=_texts(cleaned), source_type="safety_plan", source_id=None
            )
        raise InvalidInput(errors, screening)
    with transaction.atomic():
        # The client row is the lock that numbers versions one after another.
        Client.objects.select_for_update().filter(pk=client.pk).first()
        previous = latest_version(client)
        if previous is not None and previous.content == cleaned:
            raise DomainError(f"Nothing has changed since version {previous.number}.", field="non_field_errors")
        number = (SafetyPlanVersion.objects.filter(client=client).aggregate(n=Max("number"))["n"] or 0) + 1
        version = SafetyPlanVersion.objects.create(
            client=client,
            number=number,
            content=cleaned,
            author=SafetyPlanVersion.Author.CLIENT if from_client else SafetyPlanVersion.Author.THERAPIST,
            created_by=actor,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=version,
            client_id=client.pk,
            fields=[key for key, values in cleaned.items() if values],
        )
        outcome = ScreeningOutcome()
        if from_client:
            before = set(_texts(previous.content)) if previous else set()
            new_texts = [item for item in _texts(cleaned) if item not in before]
            outcome = screen_client_text(
                client=client, texts=new_texts, source_type="safety_plan", source_id=version.pk, actor=actor
            )
    return version, outcome


def safety_plan_mark_reviewed(*, version: SafetyPlanVersion, actor) -> SafetyPlanVersion:
    """The therapist went through this version with the client. Primary or co-therapist only."""
    if not Client.objects.editable_by(actor).filter(pk=version.client_id).exists():
        raise Forbidden(NOT_EDITABLE)
    with transaction.atomic():
        version = SafetyPlanVersion.objects.select_for_update().get(pk=version.pk)
        if version.reviewed_at is not None:
            raise Conflict(f"Version {version.number} was already marked reviewed.")
        version.reviewed_at = timezone.now()
        version.reviewed_by = actor
        version.save(update_fields=["reviewed_at", "reviewed_by"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, target=version, client_id=version.client_id, fields=["reviewed_at"]
        )
    return version


def plan_version_for_alert_review(*, client: Client, actor) -> SafetyPlanVersion:
    """The version an alert resolved as "safety plan reviewed" links: the client's latest,
    marked reviewed now if it was not yet (the resolution says it was gone through with the
    client). Call inside the resolution's transaction; DomainError when there is no plan."""
    version = SafetyPlanVersion.objects.select_for_update().filter(client=client).order_by("-number").first()
    if version is None:
        raise DomainError(NO_PLAN_YET, field="outcome")
    if version.reviewed_at is None:
        version.reviewed_at = timezone.now()
        version.reviewed_by = actor
        version.save(update_fields=["reviewed_at", "reviewed_by"])
        audit_record(
            actor=actor, action=AuditAction.UPDATE, target=version, client_id=client.pk, fields=["reviewed_at"]
        )
    return version

"""The coping toolkit, the client's agenda and the goals shared with the client.

- The practice library of coping strategies is seeded with Alliance's own short instructions
  (`ensure_library`); the therapist picks strategies for a client or writes the client's own.
- A tap on a strategy in the portal is one `ToolkitUse`; the form carries a one-off request
  key, so a resent POST (a double tap, a retried request) records nothing more.
- Agenda entries ("what I want to talk about next time", "what helped this week") are written
  by the client and risk-screened in the same transaction, like every client text.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import AgendaEntry, Client, CopingStrategy, Goal, Objective, ToolkitItem, ToolkitUse
from insights.safety import ScreeningOutcome, screen_client_text
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError, Forbidden, NotFound
from sessions.services.homework import InvalidInput, ensure_portal_writable, screen_rejected_text

AGENDA_MAX = 2_000
TITLE_MAX = 120
INSTRUCTIONS_MAX = 1_500
REQUEST_KEY_MAX = 64
NOT_EDITABLE = "Only the client's therapist or co-therapist can change the toolkit."

# Alliance's own wording: short, concrete, doable on a bad day.
LIBRARY: tuple[tuple[str, str, str], ...] = (
    (
        CopingStrategy.Kind.GROUNDING,
        "5-4-3-2-1 grounding",
        "Look around and name 5 things you can see. Notice 4 things you can feel, like your feet on the floor. "
        "Listen for 3 sounds. Find 2 things you can smell. Name 1 thing you can taste. Go slowly: the point is "
        "to bring your attention back to the room you are in.",
    ),
    (
        CopingStrategy.Kind.BREATHING,
        "Paced breathing",
        "Breathe in gently through your nose while you count to 4. Breathe out slowly through your mouth while "
        "you count to 6. Let the out-breath be longer than the in-breath. Keep going for 2 to 3 minutes.",
    ),
    (
        CopingStrategy.Kind.ACTIVATION,
        "One small thing",
        "Pick one small thing you could do in the next ten minutes: open a window, make a hot drink, step "
        "outside, wash your face, text someone hello, put on a song you like. Do just that one thing.",
    ),
    (
        CopingStrategy.Kind.ACTIVATION,
        "Move for five minutes",
        "Walk around the block, stretch, or dance to one song. Five minutes is enough. Notice how you feel "
        "afterwards, without judging it.",
    ),
    (
        CopingStrategy.Kind.SOOTHING,
        "Comfort your senses",
        "Wrap yourself in something soft, hold something warm, have a shower, smell something you like, or "
        "listen to a sound that calms you. Treat yourself the way you would look after a good friend.",
    ),
    (
        CopingStrategy.Kind.SOOTHING,
        "Cold water reset",
        "Hold a cold pack or splash cold water on your face for 30 seconds while breathing out slowly. It can "
        "take the edge off a wave of strong feeling.",
    ),
)


def ensure_library(practice) -> list[CopingStrategy]:
    """The practice's library, seeded with Alliance's strategies the first time (idempotent)."""
    library = list(CopingStrategy.objects.filter(practice=practice, client__isnull=True, is_active=True))
    if library:
        return library
    with transaction.atomic():
        for kind, title, instructions in LIBRARY:
            CopingStrategy.objects.create(practice=practice, kind=kind, title=title, instructions=instructions)
    return list(CopingStrategy.objects.filter(practice=practice, client__isnull=True, is_active=True))


def _ensure_editable(client: Client, actor) -> None:
    if not Client.objects.editable_by(actor).filter(pk=client.pk).exists():
        raise Forbidden(NOT_EDITABLE)


def toolkit_add(*, client: Client, actor, strategy_id: Any) -> ToolkitItem:
    """Pick a library strategy (or the client's own) for the client's toolkit."""
    _ensure_editable(client, actor)
    strategy = (
        CopingStrategy.objects.filter(practice_id=client.practice_id, is_active=True, pk=_int(strategy_id))
        .filter(client__isnull=True)
        .first()
        or CopingStrategy.objects.filter(client=client, pk=_int(strategy_id)).first()
    )
    if strategy is None:
        raise NotFound()
    with transaction.atomic():
        item, created = ToolkitItem.objects.get_or_create(
            client=client, strategy=strategy, defaults={"added_by": actor}
        )
        if not created and item.removed_at is None:
            raise DomainError("This strategy is already in the toolkit.", conflict=True)
        if not created:
            item.removed_at = None
            item.added_by = actor
            item.added_at = timezone.now()
            item.save(update_fields=["removed_at", "added_by", "added_at"])
        audit_record(actor=actor, action=AuditAction.CREATE, target=item, client_id=client.pk, fields=["strategy"])
    return item


def toolkit_remove(*, client: Client, actor, strategy_id: Any) -> ToolkitItem:
    _ensure_editable(client, actor)
    item = ToolkitItem.objects.filter(client=client, strategy_id=_int(strategy_id), removed_at__isnull=True).first()
    if item is None:
        raise NotFound()
    with transaction.atomic():
        item.removed_at = timezone.now()
        item.save(update_fields=["removed_at"])
        audit_record(actor=actor, action=AuditAction.DELETE, target=item, client_id=client.pk, fields=["strategy"])
    return item


def own_strategy_add(*, client: Client, actor, title: Any, instructions: Any) -> ToolkitItem:
    """The client's own strategy, written with the therapist, straight into their toolkit."""
    _ensure_editable(client, actor)
    title = title.strip() if isinstance(title, str) else ""
    instructions = instructions.strip() if isinstance(instructions, str) else ""
    errors = {}
    if not title:
        errors["title"] = ["Give the strategy a short name."]
    elif len(title) > TITLE_MAX:
        errors["title"] = [f"Keep the name under {TITLE_MAX} characters."]
    if len(instructions) > INSTRUCTIONS_MAX:
        errors["instructions"] = [f"Keep the instructions under {INSTRUCTIONS_MAX} characters."]
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        strategy = CopingStrategy.objects.create(
            practice_id=client.practice_id,
            client=client,
            kind=CopingStrategy.Kind.OWN,
            title=title,
            instructions=instructions,
        )
        item = ToolkitItem.objects.create(client=client, strategy=strategy, added_by=actor)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=strategy,
            client_id=client.pk,
            fields=["title", "instructions"],
        )
    return item


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def toolkit_use_record(*, client: Client, actor, strategy_id: Any, request_key: Any, source: str = "toolkit") -> bool:
    """One tap on a strategy in the client's toolkit; False when this request was already
    recorded (same request key). NotFound for a strategy not in their toolkit."""
    ensure_portal_writable(client)
    key = request_key.strip() if isinstance(request_key, str) else ""
    if not key or len(key) > REQUEST_KEY_MAX:
        raise DomainError("This button has expired: reload the page and tap again.", field="request_key")
    item = (
        ToolkitItem.objects.filter(client=client, strategy_id=_int(strategy_id), removed_at__isnull=True)
        .select_related("strategy")
        .first()
    )
    if item is None:
        raise NotFound()
    source = source if source in {"toolkit", "crisis", "checkin", "home"} else "toolkit"
    try:
        with transaction.atomic():
            use = ToolkitUse.objects.create(client=client, strategy=item.strategy, request_key=key, source=source)
            audit_record(actor=actor, action=AuditAction.CREATE, target=use, client_id=client.pk, fields=["strategy"])
    except IntegrityError:
        return False
    return True


def agenda_add(*, client: Client, actor, talk_about: Any, helped: Any) -> tuple[AgendaEntry, ScreeningOutcome]:
    """The client's note for next session; screened for risk in the same transaction."""
    ensure_portal_writable(client)
    errors: dict[str, list[str]] = {}
    values = {}
    for name, value in (("talk_about", talk_about), ("helped", helped)):
        if value is not None and not isinstance(value, str):
            errors[name] = ["Not a valid string."]
            continue
        text = (value or "").strip()
        if "\x00" in text:
            errors[name] = ["Null characters are not allowed."]
        elif len(text) > AGENDA_MAX:
            errors[name] = [f"Keep this under {AGENDA_MAX} characters."]
        values[name] = text
    if not errors and not any(values.values()):
        errors["non_field_errors"] = ["Write something in at least one of the boxes."]
    if errors:
        screening = screen_rejected_text(
            client=client,
            actor=actor,
            texts=list(values.items()),
            source_type="agenda",
            source_id=None,
        )
        raise InvalidInput(errors, screening)
    with transaction.atomic():
        entry = AgendaEntry.objects.create(client=client, **values)
        audit_record(
            actor=actor, action=AuditAction.CREATE, target=entry, client_id=client.pk, fields=["talk_about", "helped"]
        )
        outcome = screen_client_text(
            client=client,
            texts=[("talk_about", entry.talk_about), ("helped", entry.helped)],
            source_type="agenda",
            source_id=entry.pk,
            actor=actor,
        )
    return entry, outcome


def shared_wording_update(
    *, target: Goal | Objective, actor, client_wording: Any, share_progress: bool
) -> Goal | Objective:
    """How a goal or objective reads in the client's portal, and whether its progress shows."""
    client_id = target.client_id if isinstance(target, Goal) else target.goal.client_id
    if not Client.objects.editable_by(actor).filter(pk=client_id).exists():
        raise Forbidden(NOT_EDITABLE)
    wording = client_wording.strip() if isinstance(client_wording, str) else ""
    if len(wording) > 500:
        raise InvalidInput({"client_wording": ["Keep this under 500 characters."]})
    changed = [
        name
        for name, value in (("client_wording", wording), ("share_progress", bool(share_progress)))
        if getattr(target, name) != value
    ]
    if not changed:
        return target
    with transaction.atomic():
        target.client_wording = wording
        target.share_progress = bool(share_progress)
        target.save(update_fields=changed)
        audit_record(actor=actor, action=AuditAction.UPDATE, target=target, client_id=client_id, fields=changed)
    return target

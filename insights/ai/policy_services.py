"""Writes for the practice's AI policy: choosing a profile (and the custom switches).

`ai_policy_set` stores the profile on the practice and makes the practice's AI consent text
carry the matching notice (insights/ai/policy_notice.py): when the current text's notice differs,
a new version is published (earlier versions stay, consents keep the wording they agreed to);
when it already matches, the practice points at that version. One transaction, audited: an
UPDATE of the practice naming the fields that changed, plus the consent text's CREATE.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from clients.consent_texts import DEFAULT_CONSENT_TEXTS
from clients.models import ConsentKind, ConsentText
from clients.services.consents import consent_text_for_recording, consent_text_publish
from insights.ai.policy import FEATURES, Profile
from insights.ai.policy_notice import with_notice
from practice.audit import AuditAction, audit_record
from practice.errors import DomainError
from practice.models import Practice

if TYPE_CHECKING:
    from practice.models import User


def _clean_toggles(profile: str, toggles: Mapping[str, Any] | None) -> dict[str, bool]:
    """Custom switches for every registered feature but the always-on ones; empty otherwise."""
    if profile != Profile.CUSTOM:
        return {}
    toggles = toggles or {}
    unknown = set(toggles) - set(FEATURES)
    if unknown:
        raise DomainError(f"Unknown AI feature: {', '.join(sorted(unknown))}.", field="features")
    return {key: bool(toggles.get(key, False)) for key, feature in FEATURES.items() if not feature.safety}


def notice_version_for(*, practice: Practice, profile: str, toggles: Mapping[str, Any], actor) -> ConsentText:
    """The AI consent text version carrying this policy's notice: the current one when it
    already does, else a newly published version. Call inside ``transaction.atomic``."""
    kind = ConsentKind.AI_PROCESSING
    current = consent_text_for_recording(practice_id=practice.pk, kind=kind, actor=actor)
    ConsentText.objects.select_for_update().filter(pk=current.pk).first()
    body = with_notice(current.body or DEFAULT_CONSENT_TEXTS[kind].body, profile, toggles)
    if body == current.body:
        return current
    return consent_text_publish(practice_id=practice.pk, kind=kind, title=current.title, body=body, actor=actor)


def ai_policy_set(
    *, practice: Practice, actor: User, profile: str, toggles: Mapping[str, Any] | None = None
) -> Practice:
    """Choose the practice's AI policy profile (and, under custom, which features are on)."""
    if profile not in Profile.values:
        raise DomainError("Choose an AI policy profile.", field="profile")
    cleaned = _clean_toggles(profile, toggles)
    with transaction.atomic():
        practice = Practice.objects.select_for_update().get(pk=practice.pk)
        text = notice_version_for(practice=practice, profile=profile, toggles=cleaned, actor=actor)
        values = {
            "ai_policy_profile": profile,
            "ai_policy_features": cleaned,
            "ai_policy_notice_version": text.version,
        }
        changed = [name for name, value in values.items() if getattr(practice, name) != value]
        if changed:
            for name in changed:
                setattr(practice, name, values[name])
            practice.save(update_fields=changed)
            audit_record(actor=actor, action=AuditAction.UPDATE, target=practice, fields=changed)
    return practice

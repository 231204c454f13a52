"""Consent texts (practice-editable, versioned) and consent signed by the client in the portal.

Granting and revoking consent stay in `clients.services.records` (`consent_grant`,
`consent_revoke`), which the API and the chart use; this module adds the versioned wording
and the portal's typed-name e-signature on top of them.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max

from clients.consent_texts import DEFAULT_CONSENT_TEXTS
from clients.models import Client, Consent, ConsentText
from practice.audit import AuditAction, audit_record
from practice.errors import Conflict, DomainError

BODY_MAX_LENGTH = 20_000


def consent_text_latest(*, practice_id: int, kind: str) -> ConsentText | None:
    return ConsentText.objects.filter(practice_id=practice_id, kind=kind).order_by("-version").first()


def consent_text_for_recording(*, practice_id: int, kind: str, actor) -> ConsentText:
    """The current text of `kind`; the built-in default becomes version 1 the first time a
    practice needs one. Call inside the transaction that records the consent."""
    if kind not in DEFAULT_CONSENT_TEXTS:
        raise DomainError("Unknown kind of consent.", field="kind")
    latest = consent_text_latest(practice_id=practice_id, kind=kind)
    if latest is not None:
        return latest
    default = DEFAULT_CONSENT_TEXTS[kind]
    return ConsentText.objects.create(
        practice_id=practice_id, kind=kind, version=1, title=default.title, body=default.body, created_by=None
    )


def consent_text_publish(*, practice_id: int, kind: str, title: str, body: str, actor) -> ConsentText:
    """Publish a new version of a practice's consent text. Earlier versions stay, unchanged:
    consents already given keep pointing at the wording the client agreed to."""
    if kind not in DEFAULT_CONSENT_TEXTS:
        raise DomainError("Unknown kind of consent.", field="kind")
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DomainError("Give the text a title.", field="title")
    if not body:
        raise DomainError("The consent text cannot be empty.", field="body")
    if len(body) > BODY_MAX_LENGTH:
        raise DomainError(f"Keep the text under {BODY_MAX_LENGTH} characters.", field="body")
    with transaction.atomic():
        current = consent_text_for_recording(practice_id=practice_id, kind=kind, actor=actor)
        # Serialise concurrent editors of one kind on the current row (unique constraint backs it).
        ConsentText.objects.select_for_update().filter(pk=current.pk).first()
        if current.title == title and current.body == body:
            raise DomainError("Nothing changed: this is already the current text.", field="body")
        number = (
            ConsentText.objects.filter(practice_id=practice_id, kind=kind).aggregate(top=Max("version"))["top"] or 0
        ) + 1
        text = ConsentText.objects.create(
            practice_id=practice_id, kind=kind, version=number, title=title, body=body, created_by=actor
        )
        audit_record(actor=actor, action=AuditAction.CREATE, target=text, fields=["kind", "version", "body"])
    return text


def _normalised(name: str) -> str:
    return re.sub(r"\s+", " ", name or "").strip().casefold()


def signature_matches(client: Client, typed: str) -> bool:
    """The typed name is the client's name: legal first and last name, or preferred and last."""
    wanted = {_normalised(f"{client.first_name} {client.last_name}")}
    if client.preferred_name:
        wanted.add(_normalised(f"{client.preferred_name} {client.last_name}"))
    return _normalised(typed) in wanted


def _text_shown(*, practice_id: int, kind: str, actor, text_id: int) -> ConsentText:
    """The text version the person was shown, which must still be the current one (else 409).

    `text_id` 0 means the built-in default was shown (the practice had no version yet): it
    becomes version 1 now, unless a version was published meanwhile."""
    latest = consent_text_latest(practice_id=practice_id, kind=kind)
    if latest is None and text_id == 0:
        return consent_text_for_recording(practice_id=practice_id, kind=kind, actor=actor)
    if latest is None or latest.pk != text_id:
        raise Conflict("The practice updated this text while it was open. Please read the new version.")
    return latest


def consent_sign(*, client: Client, kind: str, actor, signature_name: str, text_id: int) -> Consent:
    """The client signs a consent in the portal by typing their name under the text they read.

    Refused (409) when the text changed since the page was opened: the client must sign the
    wording they were shown. Call with the client's own record (`client_for_portal`).
    """
    from clients.services.records import consent_grant  # records imports this module

    if client.is_discharged:
        raise Conflict("This record is closed: the client has been discharged.")
    signature_name = re.sub(r"\s+", " ", signature_name or "").strip()
    if not signature_name:
        raise DomainError("Type your full name to sign.", field="signature_name")
    if not signature_matches(client, signature_name):
        raise DomainError("Type your name as your practice has it: your first and last name.", field="signature_name")
    with transaction.atomic():
        text = _text_shown(practice_id=client.practice_id, kind=kind, actor=actor, text_id=text_id)
        return consent_grant(
            client=client,
            kind=kind,
            actor=actor,
            method=Consent.Method.PORTAL_SIGNATURE,
            signature_name=signature_name,
            text=text,
        )


def consent_record_in_session(*, client: Client, kind: str, actor, text_id: int) -> Consent:
    """The therapist records that the client agreed, in session, to the text shown on the chart."""
    from clients.services.records import consent_grant  # records imports this module

    if client.is_discharged:
        raise Conflict("This record is closed: the client has been discharged.")
    if kind not in DEFAULT_CONSENT_TEXTS:
        raise DomainError("Unknown kind of consent.", field="kind")
    with transaction.atomic():
        text = _text_shown(practice_id=client.practice_id, kind=kind, actor=actor, text_id=text_id)
        return consent_grant(client=client, kind=kind, actor=actor, method=Consent.Method.IN_SESSION, text=text)

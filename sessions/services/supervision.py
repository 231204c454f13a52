"""Supervision settings: a supervisor decides whether a supervisee's notes are reviewed
before they are signed (sessions.models.Supervision; the rule is in services/notes.py
`review_required`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from clients.models import Client
from practice.audit import AuditAction, audit_record
from practice.errors import NotFound
from sessions.models import Supervision

if TYPE_CHECKING:
    from practice.models import Membership, User


def supervisees_of(supervisor: Membership):
    """Therapists whose clients this member supervises (the primary therapists)."""
    from practice.models import Membership

    ids = (
        Client.objects.filter(supervisor=supervisor)
        .exclude(primary_therapist=supervisor)
        .exclude(primary_therapist__isnull=True)
        .values("primary_therapist")
    )
    return Membership.objects.filter(pk__in=ids, is_active=True).select_related("user")


def supervision_set(*, supervisee_id, review_before_signing: bool, actor: User) -> Supervision:
    """The actor (a supervisor) sets "review before signing" for one of their supervisees;
    anyone else's id is NotFound."""
    supervisor = actor.membership
    supervisee = supervisees_of(supervisor).filter(pk=supervisee_id).first() if str(supervisee_id).isdigit() else None
    if supervisee is None:
        raise NotFound()
    with transaction.atomic():
        setting, _ = Supervision.objects.select_for_update().get_or_create(supervisor=supervisor, supervisee=supervisee)
        if setting.review_before_signing != review_before_signing:
            setting.review_before_signing = review_before_signing
            setting.save()
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                target=setting,
                practice_id=supervisor.practice_id,
                fields=["review_before_signing"],
            )
    return setting

"""Reads of the client record that are more than a queryset chain."""

from __future__ import annotations

import bisect
import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction

from clients.instruments import BUILTIN_INSTRUMENTS
from clients.models import Assessment, Client
from clients.outcomes import alliance_drop, jacobson_truax, not_on_track, phq9_response_remission, talking_therapies
from practice.audit import AuditAction, audit_record

if TYPE_CHECKING:
    from practice.models import User

# A questionnaire filled in up to this long after a session's start counts toward that session.
SESSION_MATCH_WINDOW = dt.timedelta(hours=12)


def assessment_series(*, client: Client, actor: User, instrument: str | None = None):
    """The client's administrations, oldest first (records a read of the answers)."""
    queryset = Assessment.objects.filter(client=client).order_by("administered_at", "id")
    if instrument:
        queryset = queryset.filter(instrument=instrument)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.READ,
            target_type="clients.assessment",
            client_id=client.pk,
            fields=["answers", "result"],
        )
    return queryset


def _attended_starts(client: Client) -> list[dt.datetime]:
    return list(client.sessions.filter(status="attended").order_by("starts_at").values_list("starts_at", flat=True))


def session_number_at(attended_starts: list[dt.datetime], when: dt.datetime) -> int:
    """How many attended sessions had started by `when` (plus the matching window)."""
    return bisect.bisect_right(attended_starts, when + SESSION_MATCH_WINDOW)


def client_outcomes(*, client: Client, actor: User) -> dict:
    """Talking Therapies flags, not-on-track, response/remission, reliable change, alliance."""
    rows = list(
        Assessment.objects.filter(client=client, instrument__in=["phq9", "gad7", "wai_sr"])
        .order_by("administered_at", "id")
        .values_list("instrument", "total", "administered_at")
    )
    attended = _attended_starts(client)
    series: dict[str, list[tuple[int, int | None]]] = {"phq9": [], "gad7": [], "wai_sr": []}
    for instrument, total, administered_at in rows:
        series[instrument].append((session_number_at(attended, administered_at), total))
    phq9 = [total for _, total in series["phq9"]]
    gad7 = [total for _, total in series["gad7"]]
    tt = talking_therapies(phq9, gad7, len(attended))
    tracking = not_on_track(series["phq9"], series["gad7"], session_n=client.practice.not_on_track_session)
    reliable_change = {}
    for code, scores in (("phq9", phq9), ("gad7", gad7)):
        present = [score for score in scores if score is not None]
        norms = BUILTIN_INSTRUMENTS[code].get("norms")
        if len(present) >= 2 and norms:
            reliable_change[code] = jacobson_truax(
                present[0], present[-1], **{k: v for k, v in norms.items() if k != "source"}
            )
            reliable_change[code]["norms_source"] = norms.get("source")
    with transaction.atomic():
        audit_record(
            actor=actor, action=AuditAction.READ, target_type="clients.outcomes", client_id=client.pk, fields=["total"]
        )
    return {
        "talking_therapies": dict(tt),
        "not_on_track": {"flag": tracking["flag"], "reason": tracking["reason"]},
        "phq9_response_remission": phq9_response_remission(tt["phq9_first"], tt["phq9_last"]),
        "reliable_change_index": reliable_change,
        "alliance": alliance_drop([total for _, total in series["wai_sr"]]),
        "attended_sessions": len(attended),
    }

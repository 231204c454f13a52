"""Reads of the client record: the one way in to a client, for every API and HTML view.

Accessors (keyword-only) scope the record, answer with domain errors, and never let a view
build its own queryset on `Client.objects`:

- `client_for_read(*, user, client_id)`: the client if its clinical record is in the user's
  clinical scope (`Client.objects.clinical_scope`: care team, supervisor, an admin's active
  break-glass grant), else `NotFound` (404: missing and out of scope look the same);
- `client_for_write(*, user, client_id)`: readable first (else `NotFound`), then editable
  (`Client.objects.editable_by`: primary or co-therapist) else `Forbidden` (403: the caller
  can see the record, e.g. its supervisor, but may not change it);
- `client_for_portal(*, user, allow_withdrawn_consent=False)`: a client user's own record
  (else `NotFound`); `Forbidden` once portal consent is withdrawn. Only the crisis resources
  pass `allow_withdrawn_consent=True`: help numbers are never withheld;
- `client_for_admin(*, user, client_id, write=False)`: the roster record
  (`visible_to`: managers and admins see the practice), and with `write` the caller must
  also administer it (`administrable_by`) else `Forbidden`;
- `client_detail`, `goals_for_client`, `goal_for_write`, `assessment_series`,
  `client_outcomes`, `fhir_export`, the chart's reads: each returns clinical content and
  records the read itself with `practice.audit.audit_read`. Views never audit reads.

404 before 403, as zulip's `access_message`: an out-of-scope caller learns nothing. Views map
nothing by hand: `practice.api_support.exception_handler` (API) and
`practice.web_guards.DomainErrorMiddleware` (HTML) turn the errors into responses.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from clients.fhir import build_bundle
from clients.instruments import BUILTIN_INSTRUMENTS
from clients.models import Assessment, BreakGlassGrant, Client, Consent, DueQuestionnaire, Goal
from clients.outcomes import alliance_drop, jacobson_truax, not_on_track, phq9_response_remission, talking_therapies
from clients.services.measures import instruments_for
from clients.services.schedules import OPENS_BEFORE_SESSION
from practice.audit import AuditAction, audit_read, audit_record
from practice.errors import Forbidden, NotFound

# A questionnaire filled in up to this long after a session's start counts toward that session.
SESSION_MATCH_WINDOW = dt.timedelta(hours=12)
PORTAL_WITHDRAWN = "Your portal access has been withdrawn. Contact your practice if you think this is a mistake."
EDIT_REFUSED = "Only the client's therapists can change this record."
ADMIN_EDIT_REFUSED = "Only the client's therapists or a manager can change this record."
# What the chart header and the note editor show of the care team, in one query.
CHART_RELATED = ("practice", "primary_therapist__user", "co_therapist__user", "supervisor__user", "engagement")


# ---------------------------------------------------------------------------
# Accessors: one client, scoped, or a domain error


def _get(queryset, client_id) -> Client:
    try:
        return queryset.get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def client_for_read(*, user, client_id, related: tuple[str, ...] = ()) -> Client:
    """The client if the user may read its clinical record, else NotFound."""
    return _get(Client.objects.clinical_scope(user).select_related("practice", *related), client_id)


def client_is_editable(*, user, client: Client) -> bool:
    """Whether the user may change this (readable) client's clinical record."""
    return Client.objects.editable_by(user).filter(pk=client.pk).exists()


def client_for_write(*, user, client_id, related: tuple[str, ...] = ()) -> Client:
    """The client if the user may change its clinical record: NotFound if not readable,
    Forbidden if readable but not editable (a supervisor, an admin under break-glass)."""
    client = client_for_read(user=user, client_id=client_id, related=related)
    if not client_is_editable(user=user, client=client):
        raise Forbidden(EDIT_REFUSED)
    return client


def portal_consent_given(client: Client) -> bool:
    return Consent.objects.active().filter(client=client, kind=Consent.Kind.PORTAL).exists()


def client_for_portal(*, user, allow_withdrawn_consent: bool = False) -> Client:
    """A client user's own record (NotFound for anyone without one); Forbidden once their
    portal consent is withdrawn, unless `allow_withdrawn_consent` (crisis resources only)."""
    practice_id = getattr(user, "practice_id_or_none", None)
    client = (
        Client.objects.select_related("practice").filter(user=user, practice_id=practice_id).first()
        if practice_id is not None
        else None
    )
    if client is None:
        raise NotFound()
    if not allow_withdrawn_consent and not portal_consent_given(client):
        raise Forbidden(PORTAL_WITHDRAWN)
    return client


def client_for_admin(*, user, client_id, write: bool = False, related: tuple[str, ...] = ()) -> Client:
    """The roster record (no clinical content): NotFound outside `visible_to`; with `write`,
    Forbidden unless the user administers it (manager/admin, or the client's therapists)."""
    client = _get(Client.objects.visible_to(user).select_related(*related), client_id)
    if write and not Client.objects.administrable_by(user).filter(pk=client.pk).exists():
        raise Forbidden(ADMIN_EDIT_REFUSED)
    return client


def under_break_glass(*, user, client: Client) -> BreakGlassGrant | None:
    """The user's active break-glass grant on this client, if they read it through one."""
    membership = getattr(user, "membership_or_none", None)
    if membership is None:
        return None
    return BreakGlassGrant.objects.active().filter(client=client, granted_to=membership).first()


# ---------------------------------------------------------------------------
# Reads of clinical content: each records the read


@dataclass(frozen=True)
class ClientDetail:
    """The client record as the caller may see it: `clinical` says whether the clinical
    fields may be shown (care team, break-glass), else only the roster fields."""

    client: Client
    clinical: bool


CLIENT_DETAIL_FIELDS = ["presenting_concerns", "diagnosis_codes", "address"]


def client_detail(*, user, client_id) -> ClientDetail:
    """The record for `GET /clients/{id}/`: roster scope (NotFound outside it); the clinical
    fields only within clinical scope, and then the read is recorded."""
    client = client_for_admin(user=user, client_id=client_id, related=("primary_therapist__user",))
    clinical = Client.objects.clinical_scope(user).filter(pk=client.pk).exists()
    if clinical:
        audit_read(
            actor=user,
            client_id=client.pk,
            target_type=client._meta.label_lower,
            target_id=client.pk,
            fields=CLIENT_DETAIL_FIELDS,
        )
    return ClientDetail(client=client, clinical=clinical)


GOAL_FIELDS = ["problem", "description", "objectives"]


def goals_for_client(*, client: Client, actor):
    """The client's treatment plan goals with their objectives (records the read)."""
    goals = Goal.objects.filter(client=client).prefetch_related("objectives")
    audit_read(actor=actor, client_id=client.pk, target_type="clients.goal", fields=GOAL_FIELDS)
    return goals


def goal_for_write(*, user, goal_id) -> Goal:
    """A goal the user may change: NotFound unless its client is readable, Forbidden unless
    editable (the same rule as `client_for_write`)."""
    try:
        goal = Goal.objects.select_related("client").get(pk=goal_id, client__in=Client.objects.clinical_scope(user))
    except (Goal.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not client_is_editable(user=user, client=goal.client):
        raise Forbidden(EDIT_REFUSED)
    return goal


def assessment_series(*, client: Client, actor, instrument: str | None = None):
    """The client's administrations, oldest first (records a read of the answers)."""
    queryset = Assessment.objects.filter(client=client).order_by("administered_at", "id")
    if instrument:
        queryset = queryset.filter(instrument=instrument)
    audit_read(actor=actor, client_id=client.pk, target_type="clients.assessment", fields=["answers", "result"])
    return queryset


def _attended_starts(client: Client) -> list[dt.datetime]:
    return list(client.sessions.filter(status="attended").order_by("starts_at").values_list("starts_at", flat=True))


def session_number_at(attended_starts: list[dt.datetime], when: dt.datetime) -> int:
    """How many attended sessions had started by `when` (plus the matching window)."""
    return bisect.bisect_right(attended_starts, when + SESSION_MATCH_WINDOW)


def client_outcomes(*, client: Client, actor) -> dict:
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
    audit_read(actor=actor, client_id=client.pk, target_type="clients.outcomes", fields=["total"])
    return {
        "talking_therapies": dict(tt),
        "not_on_track": {"flag": tracking["flag"], "reason": tracking["reason"]},
        "phq9_response_remission": phq9_response_remission(tt["phq9_first"], tt["phq9_last"]),
        "reliable_change_index": reliable_change,
        "alliance": alliance_drop([total for _, total in series["wai_sr"]]),
        "attended_sessions": len(attended),
    }


def fhir_export(*, client: Client, actor) -> dict:
    """The client's measures as a FHIR R4 bundle (records an EXPORT of the answers)."""
    definitions = instruments_for(client.practice_id)
    assessments = [
        {
            "id": assessment.pk,
            "instrument": assessment.instrument,
            "name": definitions.get(assessment.instrument, {}).get("name", assessment.instrument),
            "answers": assessment.answers,
            "difficulty": assessment.difficulty,
            "administered_at": assessment.administered_at,
            "result": assessment.result,
            "definition": definitions.get(assessment.instrument),
        }
        for assessment in Assessment.objects.filter(client=client).order_by("administered_at", "id")
    ]
    patient = {
        "id": client.pk,
        "first_name": client.first_name,
        "last_name": client.last_name,
        "date_of_birth": client.date_of_birth,
    }
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.EXPORT, target=client, client_id=client.pk, fields=["assessments"])
    return build_bundle(patient, assessments)


def due_questionnaires(*, client: Client, now: dt.datetime | None = None, opening_early: bool = True):
    """The client's pending questionnaires not yet expired; with `opening_early`, only those
    due by now plus the window in which they open before a session (the API's list)."""
    now = now or timezone.now()
    due = DueQuestionnaire.objects.filter(client=client, status=DueQuestionnaire.Status.PENDING, expires_at__gt=now)
    if opening_early:
        due = due.filter(due_at__lte=now + OPENS_BEFORE_SESSION)
    return due.order_by("due_at", "id")

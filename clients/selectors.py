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
- records reached through a client the caller already holds (`portal_assignment`,
  `portal_due_questionnaire`, `chart_assignment`, `chart_suggestion`) and the break-glass
  grants (`break_glass_grants`, `break_glass_grant_for_review`): NotFound outside them;
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
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    Exists,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from clients.fhir import build_bundle
from clients.instruments import BUILTIN_INSTRUMENTS
from clients.models import Assessment, BreakGlassGrant, Client, Consent, DueQuestionnaire, Goal
from clients.outcomes import alliance_drop, jacobson_truax, not_on_track, phq9_response_remission, talking_therapies
from clients.recovery import curves_stamp_columns, not_on_track_from_curves, practice_curves
from clients.services.measures import instruments_for
from clients.services.schedules import OPENS_BEFORE_SESSION
from insights.models import AiSuggestion, Alert
from practice import labels
from practice.audit import AuditAction, audit_read, audit_record
from practice.errors import Forbidden, NotFound
from practice.fields import EncryptedTextField
from practice.models import Membership, Practice
from practice.roles import Capability, Role, has_capability
from sessions.models import CheckIn, HomeworkAssignment, HomeworkSubmission, Message, ProgressNote, Session

if TYPE_CHECKING:
    from practice.models import User

# A questionnaire filled in up to this long after a session's start counts toward that session.
SESSION_MATCH_WINDOW = dt.timedelta(hours=12)
PORTAL_WITHDRAWN = "Your portal access has been withdrawn. Contact your practice if you think this is a mistake."
EDIT_REFUSED = "Only the client's therapists can change this record."
ADMIN_EDIT_REFUSED = "Only the client's therapists or a manager can change this record."
TIMELINE_LIMIT = 100
BREAK_GLASS_SHOWN_FOR = dt.timedelta(days=30)
# What the chart header and the note editor show of the care team, in one query.
CHART_RELATED = ("practice", "primary_therapist__user", "co_therapist__user", "supervisor__user", "engagement", "user")


# ---------------------------------------------------------------------------
# Accessors: one client, scoped, or a domain error


def _get(queryset, client_id) -> Client:
    try:
        return queryset.get(pk=client_id)
    except (Client.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def client_for_read(*, user, client_id, related: tuple[str, ...] = (), columns: tuple[str, ...] = ()) -> Client:
    """The client if the user may read its clinical record, else NotFound.

    `columns`: load only these (no related row), for a caller that needs no more than, say,
    the id (a list of the client's records): no encrypted column is then read or decrypted."""
    queryset = Client.objects.clinical_scope(user)
    queryset = queryset.only(*columns) if columns else queryset.select_related("practice", *related)
    return _get(queryset, client_id)


def client_is_editable(*, user, client: Client) -> bool:
    """Whether the user may change this (readable) client's clinical record: the rule of
    `Client.objects.editable_by` (an active membership with EDIT_CLINICAL in the client's
    practice, as primary or co-therapist) read off the loaded row, without a query."""
    membership = Client.objects.none()._membership(user)
    if membership is None or not has_capability(membership.role, Capability.EDIT_CLINICAL):
        return False
    return client.practice_id == membership.practice_id and membership.pk in (
        client.primary_therapist_id,
        client.co_therapist_id,
    )


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
    if practice_id is None:
        raise NotFound()
    # The record and whether portal consent stands, in one query (every portal request asks).
    client = (
        Client.objects.select_related("practice")
        .filter(user=user, practice_id=practice_id)
        .annotate(
            portal_consent=Exists(Consent.objects.active().filter(client=OuterRef("pk"), kind=Consent.Kind.PORTAL))
        )
        .order_by()
        .first()
    )
    if client is None:
        raise NotFound()
    if not allow_withdrawn_consent and not client.portal_consent:
        raise Forbidden(PORTAL_WITHDRAWN)
    return client


def portal_assignment(*, client: Client, assignment_id) -> HomeworkAssignment:
    """One of the portal client's own assignments (not cancelled), else NotFound."""
    try:
        return (
            HomeworkAssignment.objects.filter(client=client)
            .exclude(status=HomeworkAssignment.Status.CANCELLED)
            .get(pk=assignment_id)
        )
    except (HomeworkAssignment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def portal_due_questionnaire(*, client: Client, due_id) -> DueQuestionnaire:
    """One of the portal client's questionnaires still open to answer, else NotFound."""
    try:
        return due_questionnaires(client=client, opening_early=False).get(pk=due_id)
    except (DueQuestionnaire.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def client_for_admin(*, user, client_id, write: bool = False, related: tuple[str, ...] = ()) -> Client:
    """The roster record (no clinical content): NotFound outside `visible_to`; with `write`,
    Forbidden unless the user administers it (manager/admin, or the client's therapists)."""
    client = _get(Client.objects.visible_to(user).select_related(*related), client_id)
    if write and not Client.objects.administrable_by(user).filter(pk=client.pk).exists():
        raise Forbidden(ADMIN_EDIT_REFUSED)
    return client


def roster(*, user):
    """The clients the user may see at all (care team, the practice for managers/admins),
    with the primary therapist: the caseload/roster lists filter and order this."""
    return Client.objects.visible_to(user).select_related("primary_therapist__user")


def therapists_for_assignment(*, user) -> list[Membership]:
    """The active therapists of the user's practice a client can be assigned to, by name."""
    membership = getattr(user, "membership_or_none", None)
    if membership is None:
        return []
    therapists = list(
        Membership.objects.filter(
            practice_id=membership.practice_id, role=Role.THERAPIST, is_active=True
        ).select_related("user")
    )
    therapists.sort(key=lambda member: member.display_name.lower())
    return therapists


def under_break_glass(*, user, client: Client) -> BreakGlassGrant | None:
    """The user's active break-glass grant on this client, if they read it through one."""
    membership = getattr(user, "membership_or_none", None)
    if membership is None:
        return None
    return BreakGlassGrant.objects.active().filter(client=client, granted_to=membership).first()


def break_glass_grants(*, user):
    """The practice's emergency grants the user may review, newest first (REVIEW_BREAK_GLASS
    roles; the queryset is empty for anyone else)."""
    return BreakGlassGrant.objects.visible_to(user)


def break_glass_grant_for_review(*, user, grant_id) -> BreakGlassGrant:
    """One grant the user may review and end, else NotFound."""
    try:
        return break_glass_grants(user=user).select_related("granted_to").get(pk=grant_id)
    except (BreakGlassGrant.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


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


def assessment_series(*, client: Client, actor: User, instrument: str | None = None):
    """The client's administrations, oldest first (records a read of the answers)."""
    queryset = Assessment.objects.filter(client=client).select_related("session").order_by("administered_at", "id")
    if instrument:
        queryset = queryset.filter(instrument=instrument)
    audit_read(actor=actor, client_id=client.pk, target_type="clients.assessment", fields=["answers", "result"])
    return queryset


def _attended_starts(client: Client) -> list[dt.datetime]:
    return list(client.sessions.filter(status="attended").order_by("starts_at").values_list("starts_at", flat=True))


@dataclass(frozen=True)
class MeasuresReads:
    """What the Measures tab's outcomes and trends both read, read once: the client's
    administrations (oldest first, with their sessions), the attended session starts (oldest
    first) and the stamp of the practice's expected-recovery curves
    (`clients.recovery.curves_stamp`)."""

    assessments: list[Assessment]
    attended: list[dt.datetime]
    curves_stamp: tuple[int, int | None]


def measures_reads(*, client: Client, actor: User) -> MeasuresReads:
    """The Measures tab's reads in two queries: the administrations, and the attended starts
    with the curves' stamp (one UNION: a row per attended session, and the stamp's row).
    Records the read of the answers."""
    assessments = list(assessment_series(client=client, actor=actor))
    stamp = curves_stamp_columns(client.practice_id)
    no_stamp = {name: Value(None, output_field=IntegerField()) for name in stamp}
    columns = ("starts_at", *stamp)
    attended_rows = (
        Session.objects.filter(client=client, status=Session.Status.ATTENDED)
        .order_by()
        .annotate(**no_stamp)
        .values_list(*columns)
    )
    stamp_row = (
        Practice.objects.filter(pk=client.practice_id)
        .order_by()
        .annotate(starts_at=Value(None, output_field=DateTimeField()), **stamp)
        .values_list(*columns)
    )
    attended: list[dt.datetime] = []
    curves = (0, None)
    for starts_at, discharged, latest in attended_rows.union(stamp_row, all=True):
        if starts_at is None:
            curves = (discharged, latest)
        else:
            attended.append(starts_at)
    attended.sort()
    return MeasuresReads(assessments=assessments, attended=attended, curves_stamp=curves)


def session_number_at(attended_starts: list[dt.datetime], when: dt.datetime) -> int:
    """How many attended sessions had started by `when` (plus the matching window)."""
    return bisect.bisect_right(attended_starts, when + SESSION_MATCH_WINDOW)


def client_outcomes(
    *, client: Client, actor: User, with_curves: bool = False, reads: MeasuresReads | None = None
) -> dict:
    """Talking Therapies flags, not-on-track, response/remission, reliable change, alliance.
    With `reads` (`measures_reads`, which the caller holds for the trends too) nothing is
    read again but the curves, from the cache under its stamp."""
    outcome_codes = ("phq9", "gad7", "wai_sr")
    rows: list[tuple[str, int | None, dt.datetime, dt.datetime | None]]
    if reads is None:
        rows = list(
            Assessment.objects.filter(client=client, instrument__in=outcome_codes)
            .order_by("administered_at", "id")
            .values_list("instrument", "total", "administered_at", "session__starts_at")
        )
        attended = _attended_starts(client)
    else:
        rows = [
            (row.instrument, row.total, row.administered_at, row.session.starts_at if row.session else None)
            for row in reads.assessments
            if row.instrument in outcome_codes
        ]
        attended = reads.attended
    series: dict[str, list[tuple[int, int | None]]] = {"phq9": [], "gad7": [], "wai_sr": []}
    for instrument, total, administered_at, session_starts_at in rows:
        # A questionnaire filled in before a session counts toward that session.
        series[instrument].append((session_number_at(attended, session_starts_at or administered_at), total))
    phq9 = [total for _, total in series["phq9"]]
    gad7 = [total for _, total in series["gad7"]]
    tt = talking_therapies(phq9, gad7, len(attended))
    # Phase 2 (clients/recovery.py): the expected-recovery curve for the client's intake band;
    # the phase-1 rule stays the answer when no curve can be drawn.
    curves = practice_curves(client.practice_id, stamp=reads.curves_stamp if reads else None)
    by_curve = not_on_track_from_curves(series["phq9"], series["gad7"], curves)
    if any(t.colour for t in by_curve["tracking"]):
        tracking = by_curve
    else:
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
    extra = {"curves": curves} if with_curves else {}
    return {
        **extra,
        "talking_therapies": dict(tt),
        "not_on_track": {"flag": tracking["flag"], "reason": tracking["reason"]},
        "phq9_response_remission": phq9_response_remission(tt["phq9_first"], tt["phq9_last"]),
        "reliable_change_index": reliable_change,
        "alliance": alliance_drop([total for _, total in series["wai_sr"]]),
        "attended_sessions": len(attended),
        "expected_recovery": [
            {
                "measure": t.measure,
                "colour": t.colour,
                "session": t.session,
                "latest": t.latest,
                "expected": None if t.expected is None else round(t.expected, 1),
                "upper": None if t.red_line is None else round(t.red_line, 1),
                "band": t.band,
                "source": t.source,
                "reason": t.reason,
            }
            for t in by_curve["tracking"]
            if t.colour
        ],
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
        # Open from `opens_at` (the practice's window); older rows from the default window.
        due = due.filter(Q(opens_at__lte=now) | Q(opens_at__isnull=True, due_at__lte=now + OPENS_BEFORE_SESSION))
    return due.order_by("due_at", "id")


# ---------------------------------------------------------------------------
# The chart's reads (clients/web_chart.py, shared with the note editor): each records the
# clinical content it returns.


def open_alerts(*, client: Client) -> list[Alert]:
    """The client's unresolved alerts, urgent first then newest (no text is read: the chart
    header records the read of the alert list)."""
    return list(Alert.objects.filter(client=client).unresolved().urgent_first("-created_at", "-id"))


@dataclass(frozen=True)
class ChartHeader:
    """The key facts above every chart tab."""

    active_consents: frozenset[str]
    alerts: list[Alert]
    item9_missing: bool
    recent_break_glass: list[BreakGlassGrant]


def chart_header(*, client: Client, user, care_team: bool) -> ChartHeader:
    """Consents, open alerts, the PHQ-9 item-9 flag and, for the care team, who opened
    emergency access lately (records the read of diagnoses and alerts)."""
    # One query for the consents in force and the latest PHQ-9's item-9 flag.
    latest_phq9 = Assessment.objects.filter(client=OuterRef("pk"), instrument="phq9").order_by(
        "-administered_at", "-id"
    )
    active = Consent.objects.active().filter(client=OuterRef("pk"))
    facts = (
        Client.objects.filter(pk=client.pk)
        .annotate(
            phq9_result=Subquery(latest_phq9.values("result")[:1], output_field=JSONField()),
            **{f"consent_{kind}": Exists(active.filter(kind=kind)) for kind in Consent.Kind.values},
        )
        .values("phq9_result", *(f"consent_{kind}" for kind in Consent.Kind.values))
        .first()
    ) or {}
    phq9_result = facts.get("phq9_result")
    if isinstance(phq9_result, str):  # SQLite hands a subquery's JSON back as text
        phq9_result = json.loads(phq9_result)
    audit_read(actor=user, client_id=client.pk, target_type="clients.client", fields=["diagnosis_codes", "alerts"])
    recent = (
        list(
            BreakGlassGrant.objects.filter(
                client=client, created_at__gte=timezone.now() - BREAK_GLASS_SHOWN_FOR
            ).select_related("granted_to__user")[:3]
        )
        if care_team
        else []
    )
    return ChartHeader(
        active_consents=frozenset(kind for kind in Consent.Kind.values if facts.get(f"consent_{kind}")),
        alerts=open_alerts(client=client),
        item9_missing=bool(phq9_result and phq9_result.get("safety_item_missing")),
        recent_break_glass=recent,
    )


# The timeline's kinds (the overview's type filter): key -> label.
TIMELINE_KINDS = {
    "session": "Sessions",
    "note": "Notes",
    "homework": "Homework",
    "checkin": "Check-ins",
    "measure": "Measures",
}


def timeline_sources(*, client: Client, kind: str = "", start=None, end=None) -> dict[str, QuerySet]:
    """One queryset per timeline kind (unordered), narrowed to `kind` (the others empty: no
    query) and to [start, end) on the date each entry is shown at. Homework is dated by its
    completion, else its due date (`timeline_at`)."""
    homework = HomeworkAssignment.objects.filter(client=client).annotate(timeline_at=Coalesce("completed_at", "due_at"))
    sources: list[tuple[str, QuerySet, str]] = [
        ("session", Session.objects.filter(client=client), "starts_at"),
        ("note", ProgressNote.objects.filter(client=client), "created_at"),
        ("homework", homework, "timeline_at"),
        ("checkin", CheckIn.objects.filter(client=client), "created_at"),
        ("measure", Assessment.objects.filter(client=client), "administered_at"),
    ]
    narrowed: dict[str, QuerySet] = {}
    for key, queryset, dated_by in sources:
        if kind in TIMELINE_KINDS and key != kind:
            queryset = queryset.none()
        if start is not None:
            queryset = queryset.filter(**{f"{dated_by}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{dated_by}__lt": end})
        narrowed[key] = queryset
    return narrowed


@dataclass
class TimelineEntry:
    when: dt.datetime
    kind: str
    title: str
    status: str = ""
    detail: str = ""
    text: str = ""
    url: str = ""
    note_id: int | None = None


def chart_timeline(
    *, client: Client, user, limit: int = TIMELINE_LIMIT, kind: str = "", start=None, end=None
) -> list[TimelineEntry]:
    """Sessions, notes (metadata only), homework, check-ins and measures, newest first: the
    latest `limit` entries, of one kind of TIMELINE_KINDS when `kind` names one, between the
    aware datetimes `start` (included) and `end` (excluded) when given (records the read of
    check-ins and scores). Note entries carry `note_id` for the page to link. The paginated
    overview reads it through `clients.selectors_history.timeline_page`."""
    return counted_timeline(client=client, user=user, limit=limit, kind=kind, start=start, end=end).entries


@dataclass(frozen=True)
class CountedTimeline:
    """The latest `limit` entries of a timeline and how many it holds in all."""

    entries: list[TimelineEntry]
    total: int


def counted_timeline(*, client: Client, user, limit: int, kind: str = "", start=None, end=None) -> CountedTimeline:
    """`chart_timeline`'s entries with the timeline's length, counted in the same queries (a
    window count over each source's rows, before its LIMIT): one query per source chosen."""
    sources = timeline_sources(client=client, kind=kind, start=start, end=end)
    in_all = Window(expression=Count("pk"))
    total = 0

    def counted(rows: list) -> list:
        nonlocal total
        if rows:
            total += rows[0]["in_all"] if isinstance(rows[0], dict) else rows[0].in_all
        return rows

    sessions = sources["session"].annotate(in_all=in_all).order_by("-starts_at", "-id")
    entries = [
        TimelineEntry(row.starts_at, "Session", labels.label("appointment_kind", row.kind), row.status)
        for row in counted(list(sessions[:limit]))
    ]
    notes = sources["note"].annotate(in_all=in_all).order_by("-created_at", "-id")
    entries += [
        TimelineEntry(
            row["created_at"],
            "Note",
            f"{labels.label('note_format', row['format'])} note",
            row["status"],
            note_id=row["id"],
        )
        for row in counted(list(notes.values("id", "format", "status", "created_at", "in_all")[:limit]))
    ]
    homework = sources["homework"].annotate(in_all=in_all).order_by("-timeline_at", "-id")
    entries += [
        TimelineEntry(row.completed_at or row.due_at, "Homework", row.title, row.status)
        for row in counted(list(homework[:limit]))
    ]
    checkins = sources["checkin"].annotate(in_all=in_all).order_by("-created_at", "-id")
    entries += [
        TimelineEntry(
            row.created_at, "Check-in", f"Mood {row.mood}/10", detail=", ".join(row.emotions or []), text=row.note
        )
        for row in counted(list(checkins[:limit]))
    ]
    scores = sources["measure"].annotate(in_all=in_all).order_by("-administered_at", "-id")
    for row in counted(list(scores.values("instrument", "total", "result", "administered_at", "in_all")[:limit])):
        result = row["result"] or {}
        score = "not scorable" if row["total"] is None else row["total"]
        band = labels.label("severity_band", result.get("severity") or result.get("risk") or "")
        entries.append(
            TimelineEntry(
                row["administered_at"], "Measure", f"{labels.instrument(row['instrument'])} {score}", detail=band
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    audit_read(
        actor=user, client_id=client.pk, target_type="clinical_sessions.checkin", fields=["mood", "emotions", "note"]
    )
    audit_read(actor=user, client_id=client.pk, target_type="clients.assessment", fields=["total", "result"])
    return CountedTimeline(entries=entries[:limit], total=total)


def recent_moods(*, client: Client, user, limit: int) -> list[tuple[int, dt.datetime]]:
    """The last `limit` check-in moods with their times, oldest first (records the read)."""
    checkins = list(
        CheckIn.objects.filter(client=client).order_by("-created_at", "-id").values_list("mood", "created_at")[:limit]
    )
    checkins.reverse()
    audit_read(actor=user, client_id=client.pk, target_type="clinical_sessions.checkin", fields=["mood"])
    return checkins


def homework_with_submissions(*, client: Client, user) -> list[HomeworkAssignment]:
    """The client's assignments, latest due first, each with its final submissions as
    `done` (records the read of responses and feedback)."""
    submitted = HomeworkSubmission.objects.filter(is_draft=False).order_by("created_at", "id")
    assignments: list[HomeworkAssignment] = list(
        HomeworkAssignment.objects.filter(client=client)
        .prefetch_related(Prefetch("submissions", queryset=submitted, to_attr="done"))
        .order_by("-due_at", "-id")
    )
    audit_read(
        actor=user,
        client_id=client.pk,
        target_type="clinical_sessions.homeworksubmission",
        fields=["responses", "feedback"],
    )
    return assignments


def message_thread(*, client: Client, user, limit: int) -> list[Message]:
    """The last `limit` messages with the client, oldest first (records the read)."""
    recent = Message.objects.filter(client=client).select_related("sender").order_by("-created_at", "-id")
    thread = list(reversed(recent[:limit]))
    audit_read(actor=user, client_id=client.pk, target_type="clinical_sessions.message", fields=["body"])
    return thread


def chart_assignment(*, client: Client, assignment_id) -> HomeworkAssignment:
    """One of this client's homework assignments (the chart's feedback form), else NotFound."""
    try:
        return HomeworkAssignment.objects.get(client=client, pk=assignment_id)
    except (HomeworkAssignment.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def chart_suggestion(*, client: Client, suggestion_id) -> AiSuggestion:
    """One of this client's AI suggestions (the chart's accept/dismiss), else NotFound."""
    try:
        return AiSuggestion.objects.get(client=client, pk=suggestion_id)
    except (AiSuggestion.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


@dataclass(frozen=True)
class StoredAiOutputs:
    """What the chart's AI tab shows: the stored suggestions only (computing them is the
    nightly task's job, or the tab's "Refresh" POST). `brief`/`affect` are None until one
    has been computed; `brief_quotes` and `brief_alert_reasons` are resolved from the rows the
    stored brief points at (it stores references, never client text)."""

    recommendations: list[AiSuggestion]
    brief: AiSuggestion | None
    brief_quotes: list[dict]
    brief_alert_reasons: dict[int, str]
    affect: AiSuggestion | None


BRIEF_READ_FIELDS = ["checkin.note", "homework_submission.responses", "session_brief"]
AFFECT_READ_FIELDS = ["checkin.mood", "affect"]


def _brief_sources(client: Client, references: list[dict], alert_ids: list) -> tuple[dict, dict, dict[int, str]]:
    """The texts a stored brief points at, in one query (a UNION ALL of the client's own
    check-in notes, homework answers and alert reasons, read as their stored ciphertext and
    decrypted by each model's own field): ids of another client's records are dropped,
    whatever the stored brief says. Returns (notes, responses, alert reasons) by id."""
    checkin_ids = [ref["source_id"] for ref in references if ref.get("source_type") == "checkin"]
    submission_ids = [ref["source_id"] for ref in references if ref.get("source_type") == "homework_submission"]
    parts = []
    fields: dict[str, EncryptedTextField] = {}
    for kind, model, column, scope, ids in (
        ("checkin", CheckIn, "note", Q(client=client), checkin_ids),
        ("homework_submission", HomeworkSubmission, "responses", Q(assignment__client=client), submission_ids),
        ("alert", Alert, "reason", Q(client=client), alert_ids),
    ):
        ids = [pk for pk in ids if isinstance(pk, int)]
        if not ids:
            continue
        field = model._meta.get_field(column)
        assert isinstance(field, EncryptedTextField)  # read raw, decrypted below by the field itself
        fields[kind] = field
        parts.append(
            model.objects.filter(scope, pk__in=ids)
            .annotate(source_kind=Value(kind, output_field=CharField()), raw=Cast(column, TextField()))
            .values_list("source_kind", "pk", "raw")
            .order_by()
        )
    found: dict[str, dict] = {"checkin": {}, "homework_submission": {}, "alert": {}}
    if parts:
        rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        for kind, pk, raw in rows:
            found[kind][pk] = fields[kind].to_python(raw)
    return found["checkin"], found["homework_submission"], found["alert"]


def _quoted_text(references: list[dict], notes: dict, responses: dict) -> list[dict]:
    """The quoted passages, cut from the client's own texts the brief's references point at."""
    quotes = []
    for ref in references:
        if ref.get("source_type") == "checkin":
            source = notes.get(ref["source_id"]) or ""
        else:
            value = (responses.get(ref["source_id"]) or {}).get(ref.get("field"), "")
            source = value if isinstance(value, str) else ""
        text = source[ref.get("start", 0) : ref.get("end", 0)]
        if text:
            written_at = ref.get("written_at")
            quotes.append(
                {**ref, "text": text, "written_at": dt.datetime.fromisoformat(written_at) if written_at else None}
            )
    return quotes


def stored_ai_outputs(*, client: Client, user) -> StoredAiOutputs:
    """The latest stored AI outputs for the client (records the read of the brief's and the
    affect's sources, as computing them for a person does)."""
    latest = AiSuggestion.objects.filter(client=client).order_by("-created_at", "-id")
    # The latest brief, the latest affect summary and the pending recommendations in one query.
    rows = list(
        AiSuggestion.objects.filter(
            Q(pk=Subquery(latest.filter(kind=AiSuggestion.Kind.SESSION_BRIEF).values("pk")[:1]))
            | Q(pk=Subquery(latest.filter(kind=AiSuggestion.Kind.AFFECT).values("pk")[:1]))
            | Q(
                client=client,
                kind=AiSuggestion.Kind.HOMEWORK_RECOMMENDATION,
                decision=AiSuggestion.Decision.PENDING,
            )
        ).order_by("created_at", "id")
    )
    newest = {row.kind: row for row in rows if row.kind != AiSuggestion.Kind.HOMEWORK_RECOMMENDATION}
    brief = newest.get(AiSuggestion.Kind.SESSION_BRIEF)
    affect = newest.get(AiSuggestion.Kind.AFFECT)
    recommendations = [
        row
        for row in rows
        if row.kind == AiSuggestion.Kind.HOMEWORK_RECOMMENDATION and "superseded_at" not in (row.payload or {})
    ]
    recommendations.sort(key=lambda row: (row.payload or {}).get("rank") or 0)
    quotes: list[dict] = []
    reasons: dict[int, str] = {}
    if brief is not None:
        references = (brief.payload or {}).get("quotes") or []
        alert_ids = [alert.get("id") for alert in ((brief.payload or {}).get("sections") or {}).get("alerts") or []]
        notes, responses, reasons = _brief_sources(client, references, alert_ids)
        quotes = _quoted_text(references, notes, responses)
        audit_read(
            actor=user,
            client_id=client.pk,
            target_type=brief._meta.label_lower,
            target_id=brief.pk,
            fields=BRIEF_READ_FIELDS,
        )
    if affect is not None:
        audit_read(
            actor=user,
            client_id=client.pk,
            target_type=affect._meta.label_lower,
            target_id=affect.pk,
            fields=AFFECT_READ_FIELDS,
        )
    return StoredAiOutputs(
        recommendations=recommendations, brief=brief, brief_quotes=quotes, brief_alert_reasons=reasons, affect=affect
    )

"""Reads of sessions, notes, homework, check-ins and messages: the one way in for every view.

Every API and HTML view of sessions/ gets its record here, never through its own queryset:
- the client: `clients.selectors.client_for_read/client_for_write/client_for_portal`;
- one record: `session_for_read/_for_write`, `note_for_read/_for_write/_for_cosign`,
  `psychotherapy_note_for_read/_for_write`, `homework_for_read/_for_write`,
  `portal_homework_item`. Each answers `practice.errors.NotFound` (404) when the record is
  missing or outside the caller's clinical scope (the two are never told apart), and the
  `_for_write` ones then `Forbidden` (403) when the caller can see the record but may not
  change it (a supervisor). Psychotherapy notes are their author's alone: anyone else,
  whatever their role, gets NotFound.
- lists: `sessions_for_client`, `notes_for_client`, `homework_for_client`,
  `checkins_for_client`, `messages_for_client` and their portal twins.

A selector that returns clinical content records the read itself (`practice.audit.
audit_read`, field names only): `note_for_read`, `notes_for_client`, `homework_for_read`, ...
Views never audit reads. `_for_write` accessors record nothing: the service audits the write.

Reads that pages share are typed results: `caseload` (the dashboard's rows, `CaseloadRow`)
and `since_last_session` (the note editor's panel, `SincePanel`). Both are set-based: the
number of queries does not grow with the caseload or the history.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.models import Assessment, Client, Goal
from clients.outcomes import not_on_track
from clients.selectors import SESSION_MATCH_WINDOW, client_for_read, open_alerts
from clients.selectors_between import agenda_since
from insights.models import Alert
from insights.selectors import EngagementBadge, engagement_badge, engagement_view
from practice.audit import audit_read
from practice.errors import Forbidden, NotFound
from practice.models import Membership
from sessions.models import (
    CheckIn,
    HomeworkAssignment,
    HomeworkSubmission,
    HomeworkTemplate,
    Message,
    NoteAddendum,
    NoteDraft,
    NoteTemplate,
    ProgressNote,
    PsychotherapyNote,
    Session,
)

if TYPE_CHECKING:
    from practice.models import User

NOT_EDITABLE = "Only the client's therapist or co-therapist can do this."

if TYPE_CHECKING:
    from practice.models import User

# A note still unsigned this long after its session started is overdue, unless the practice
# chose another threshold (Practice.note_overdue_hours, on the settings page).
NOTE_OVERDUE_AFTER = timedelta(hours=72)


def note_overdue_after(practice) -> timedelta:
    """The practice's note-overdue threshold."""
    hours = getattr(practice, "note_overdue_hours", None)
    return timedelta(hours=hours) if hours else NOTE_OVERDUE_AFTER


def is_note_overdue(note: ProgressNote, now: datetime | None = None) -> bool:
    """A draft linked to an attended session that started more than the practice's threshold
    (72 hours unless changed) ago. `notes_queryset` loads the client's practice for this."""
    if note.status != ProgressNote.Status.DRAFT or note.session_id is None:
        return False
    session = note.session
    now = now or timezone.now()
    overdue_after = note_overdue_after(note.client.practice)
    # session_id is set (checked above), so the session exists.
    return session.status == Session.Status.ATTENDED and session.starts_at + overdue_after < now  # type: ignore[union-attr]


def sessions_in_scope(user: User) -> QuerySet[Session]:
    """Sessions of clients whose clinical record the user may read."""
    return Session.objects.filter(client__in=Client.objects.clinical_scope(user)).select_related("therapist__user")


def client_session(*, client: Client, session_id) -> Session:
    """One of this (already scoped) client's sessions, else NotFound."""
    return _one(Session.objects.filter(client=client), session_id)


def week_schedule(*, user: User, start: datetime) -> QuerySet[Session]:
    """The therapist's sessions in the 7 days from `start`, with their clients and notes (for
    the week page; sessions without a therapist count for the client's primary therapist)."""
    membership = user.membership
    notes = ProgressNote.objects.only("id", "status", "session_id", "author_id").order_by("-created_at")
    return (
        sessions_in_scope(user)
        .filter(Q(therapist=membership) | Q(therapist__isnull=True, client__primary_therapist=membership))
        .filter(starts_at__gte=start, starts_at__lt=start + timedelta(days=7))
        .select_related("client")
        .prefetch_related(Prefetch("notes", queryset=notes, to_attr="note_list"))
        .order_by("starts_at", "id")
    )


def bookable_clients(*, user: User) -> QuerySet[Client]:
    """Clients the user may book sessions for: editable and not discharged."""
    return Client.objects.editable_by(user).exclude(status=Client.Status.DISCHARGED)


def sessions_for_client(*, client: Client, status: str | None = None) -> QuerySet[Session]:
    """A client's session history, newest first."""
    queryset = Session.objects.filter(client=client).select_related("therapist__user").order_by("-starts_at", "-id")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def notes_queryset() -> QuerySet[ProgressNote]:
    """Progress notes with everything their API representation touches loaded up front."""
    return ProgressNote.objects.select_related(
        "session",
        "client__practice",
        "author__membership",
        "signed_by__membership",
        "cosigned_by__membership",
    ).prefetch_related(
        Prefetch("goals", queryset=_goal_ids()),
        Prefetch(
            "addenda",
            queryset=NoteAddendum.objects.select_related("author__membership").order_by("created_at", "id"),
        ),
    )


def _goal_ids():
    # Only ids are shown on a note; the goal texts are encrypted and not needed here.
    return Goal.objects.only("id")


def notes_in_scope(user: User) -> QuerySet[ProgressNote]:
    return notes_queryset().filter(client__in=Client.objects.clinical_scope(user))


def notes_for_client(*, client: Client, actor: User, status: str | None = None) -> QuerySet[ProgressNote]:
    """A client's progress notes, newest first. Records that the actor read them."""
    queryset = notes_queryset().filter(client=client).order_by("-created_at", "-id")
    if status:
        queryset = queryset.filter(status=status)
    audit_read(actor=actor, client_id=client.pk, target_type=ProgressNote._meta.label_lower, fields=["sections"])
    return queryset


def note_detail(*, note: ProgressNote, actor: User) -> ProgressNote:
    """One note with its addenda. Records that the actor read it."""
    audit_read(
        actor=actor,
        client_id=note.client_id,
        target_type=ProgressNote._meta.label_lower,
        target_id=note.pk,
        fields=["sections", "addenda"],
    )
    return note


def overdue_notes(therapist_membership: Membership, *, now: datetime | None = None) -> QuerySet[Session]:
    """The therapist's attended sessions older than the practice's note-overdue threshold (72
    hours unless changed) that have no signed note.

    Returns sessions (not notes): a session with no note at all is the most overdue kind.
    Sessions recorded without a therapist count for the client's primary therapist.
    """
    cutoff = (now or timezone.now()) - note_overdue_after(therapist_membership.practice)
    signed = ProgressNote.objects.filter(session=OuterRef("pk"), status=ProgressNote.Status.SIGNED)
    return (
        Session.objects.filter(
            Q(therapist=therapist_membership)
            | Q(therapist__isnull=True, client__primary_therapist=therapist_membership),
            status=Session.Status.ATTENDED,
            starts_at__lt=cutoff,
        )
        .filter(~Exists(signed))
        .select_related("client")
        .order_by("starts_at", "id")
    )


def psychotherapy_notes_of(actor: User) -> QuerySet[PsychotherapyNote]:
    """Psychotherapy notes the actor may read: their own, for clients still in their scope.

    There is deliberately no other way to list these: no role, not even an admin, reads
    someone else's process notes.
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        return PsychotherapyNote.objects.none()
    return (
        PsychotherapyNote.objects.filter(author=actor, client__in=Client.objects.clinical_scope(actor))
        .select_related("author__membership")
        .order_by("-created_at", "-id")
    )


def psychotherapy_note_detail(*, note: PsychotherapyNote, actor: User) -> PsychotherapyNote:
    """Records the author's read (the audit event names the field, never the text)."""
    audit_read(
        actor=actor,
        client_id=note.client_id,
        target_type=PsychotherapyNote._meta.label_lower,
        target_id=note.pk,
        fields=["text"],
    )
    return note


def psychotherapy_notes_for_client(*, client: Client, actor: User) -> QuerySet[PsychotherapyNote]:
    queryset = psychotherapy_notes_of(actor).filter(client=client)
    audit_read(actor=actor, client_id=client.pk, target_type=PsychotherapyNote._meta.label_lower, fields=["text"])
    return queryset


# ---------------------------------------------------------------------------
# One record: scope (404), then editability (403)


def _require_editable(user: User, client_id: int) -> None:
    """The caller can see the record; changing it needs primary or co-therapist (else 403)."""
    if not Client.objects.editable_by(user).filter(pk=client_id).exists():
        raise Forbidden(NOT_EDITABLE)


def _one(queryset: QuerySet, pk):
    """The row with this primary key, else NotFound (a non-numeric id is simply not found)."""
    record = queryset.filter(pk=pk).first() if str(pk).isdigit() else None
    if record is None:
        raise NotFound()
    return record


def session_for_read(*, user: User, session_id) -> Session:
    return _one(sessions_in_scope(user).select_related("client"), session_id)


def session_for_write(*, user: User, session_id) -> Session:
    session = session_for_read(user=user, session_id=session_id)
    _require_editable(user, session.client_id)
    return session


def _notes_for_user(user: User) -> QuerySet[ProgressNote]:
    return notes_in_scope(user).select_related("client__practice", "client__engagement")


def note_for_read(*, user: User, note_id) -> ProgressNote:
    """A progress note in the user's clinical scope (else NotFound); records the read."""
    return note_detail(note=_one(_notes_for_user(user), note_id), actor=user)


def note_for_write(*, user: User, note_id) -> ProgressNote:
    """Readable (else NotFound), then editable: primary or co-therapist (else Forbidden)."""
    note = _one(_notes_for_user(user), note_id)
    _require_editable(user, note.client_id)
    return note


def note_for_cosign(*, user: User, note_id) -> ProgressNote:
    """Readable (else NotFound); the co-sign service checks that the user is the supervisor."""
    return _one(_notes_for_user(user), note_id)


def psychotherapy_note_for_read(*, user: User, note_id) -> PsychotherapyNote:
    """The author's own psychotherapy note (anyone else: NotFound); records the read."""
    return psychotherapy_note_detail(note=_one(psychotherapy_notes_of(user), note_id), actor=user)


def psychotherapy_note_for_write(*, user: User, note_id) -> PsychotherapyNote:
    """The author's own psychotherapy note (anyone else: NotFound)."""
    return _one(psychotherapy_notes_of(user), note_id)


# ---------------------------------------------------------------------------
# Homework, check-ins and messages

HOMEWORK_TEXT_FIELDS = ["responses", "feedback"]
HOMEWORK_TARGET = HomeworkSubmission._meta.label_lower
CHECKIN_TARGET = CheckIn._meta.label_lower
MESSAGE_TARGET = Message._meta.label_lower


def with_submissions(queryset: QuerySet[HomeworkAssignment]) -> QuerySet[HomeworkAssignment]:
    """Assignments with their submissions, oldest first, in one extra query (`ordered_submissions`)."""
    ordered = HomeworkSubmission.objects.order_by("created_at", "id")
    return queryset.prefetch_related(Prefetch("submissions", queryset=ordered, to_attr="ordered_submissions"))


def homework_in_scope(user: User) -> QuerySet[HomeworkAssignment]:
    return with_submissions(HomeworkAssignment.objects.filter(client__in=Client.objects.clinical_scope(user)))


def homework_for_client(*, client: Client, actor: User, status: str | None = None) -> QuerySet[HomeworkAssignment]:
    """A client's assignments by due date, with submissions. Records the read of the answers."""
    queryset = HomeworkAssignment.objects.filter(client=client)
    if status:
        queryset = queryset.filter(status=status)
    audit_read(actor=actor, client_id=client.pk, target_type=HOMEWORK_TARGET, fields=HOMEWORK_TEXT_FIELDS)
    return with_submissions(queryset).order_by("due_at", "id")


def homework_for_read(*, user: User, assignment_id) -> HomeworkAssignment:
    """An assignment in the user's clinical scope (else NotFound); records the read."""
    assignment = _one(homework_in_scope(user), assignment_id)
    audit_read(actor=user, client_id=assignment.client_id, target_type=HOMEWORK_TARGET, fields=HOMEWORK_TEXT_FIELDS)
    return assignment


def homework_for_write(*, user: User, assignment_id) -> HomeworkAssignment:
    """Readable (else NotFound), then editable (else Forbidden)."""
    assignment = _one(homework_in_scope(user), assignment_id)
    _require_editable(user, assignment.client_id)
    return assignment


def homework_reloaded(assignment: HomeworkAssignment) -> HomeworkAssignment:
    """The assignment as stored after a write (with submissions), for the response body."""
    return with_submissions(HomeworkAssignment.objects.filter(pk=assignment.pk)).get()


def library_templates(
    *, user: User, kind: str | None = None, include_inactive: bool = False
) -> QuerySet[HomeworkTemplate]:
    """The user's practice's homework library, by title (not clinical: no read is recorded)."""
    queryset = _practice_library(user)
    if not include_inactive:
        queryset = queryset.filter(is_active=True)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("title", "id")


def library_template(*, user: User, template_id) -> HomeworkTemplate:
    """A template of the user's practice's library, else NotFound."""
    return _one(_practice_library(user), template_id)


def _practice_library(user: User) -> QuerySet[HomeworkTemplate]:
    practice_id = user.practice_id_or_none
    if practice_id is None:
        return HomeworkTemplate.objects.none()
    return HomeworkTemplate.objects.filter(practice_id=practice_id)


def portal_homework(*, client: Client, status: str | None = None) -> QuerySet[HomeworkAssignment]:
    """The signed-in client's own assignments (client from `client_for_portal`)."""
    queryset = HomeworkAssignment.objects.filter(client=client)
    if status:
        queryset = queryset.filter(status=status)
    return with_submissions(queryset).order_by("due_at", "id")


def portal_homework_item(*, client: Client, assignment_id, submissions: bool = True) -> HomeworkAssignment:
    """One of the signed-in client's own assignments (with its submissions unless told not
    to: a submission POST needs only the assignment), else NotFound."""
    queryset = HomeworkAssignment.objects.filter(client=client)
    return _one(with_submissions(queryset) if submissions else queryset, assignment_id)


def checkins_for_client(*, client: Client, actor: User) -> QuerySet[CheckIn]:
    """A client's check-ins, newest first. Records the read of mood, emotions and note."""
    audit_read(actor=actor, client_id=client.pk, target_type=CHECKIN_TARGET, fields=["mood", "emotions", "note"])
    return portal_checkins(client=client)


def checkins_page_for_client(*, user: User, client_id: int, read_page: Callable[[QuerySet[CheckIn]], list]) -> list:
    """The page `read_page` reads of a client's check-ins (newest first), if the user may
    read the client's clinical record, else NotFound. Records the read of mood, emotions and
    note.

    The clinical scope is a condition of the check-ins' query (`client__in` the scope), so a
    page with rows needs no look-up of the client first; the client is looked up (NotFound
    outside the scope) only when the page is empty or cannot be read, so that an empty list
    and a client out of scope stay told apart as before (200 and 404)."""
    scoped = CheckIn.objects.filter(client__in=Client.objects.clinical_scope(user).filter(pk=client_id))
    try:
        rows = read_page(scoped.order_by("-created_at", "-id"))
    except Exception:
        client_for_read(user=user, client_id=client_id, columns=("id",))  # out of scope: NotFound first
        raise
    if not rows:
        client_for_read(user=user, client_id=client_id, columns=("id",))
    audit_read(actor=user, client_id=client_id, target_type=CHECKIN_TARGET, fields=["mood", "emotions", "note"])
    return rows


def portal_checkins(*, client: Client) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(client=client).order_by("-created_at", "-id")


def messages_for_client(*, client: Client, actor: User) -> QuerySet[Message]:
    """A client's message thread, newest first. Records the read of the bodies."""
    audit_read(actor=actor, client_id=client.pk, target_type=MESSAGE_TARGET, fields=["body"])
    return message_thread(client=client)


def message_thread(*, client: Client) -> QuerySet[Message]:
    return Message.objects.filter(client=client).select_related("sender").order_by("-created_at", "-id")


# ---------------------------------------------------------------------------
# The caseload (dashboard)

CASELOAD_SORTS = ("attention", "next", "name")


@dataclass(frozen=True)
class CaseloadRow:
    client: Client
    next_session_at: datetime | None
    last_signed_at: datetime | None
    last_signed_id: int | None
    urgent_alerts: int
    concern_alerts: int
    unread_messages: int
    overdue_notes: int
    tracking: dict
    badge: EngagementBadge


CASELOAD_UNREAD = ("address", "presenting_concerns", "diagnosis_codes", "discharge_reason")


def _count_per_client(queryset: QuerySet):
    rows = queryset.filter(client=OuterRef("pk")).order_by().values("client").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


TRACKED = ("phq9", "gad7")


def _tracking_columns() -> dict:
    """Per client, what the phase-1 not-on-track rule reads of each tracked measure, as
    columns of the caseload's query (no query of its own, no row per score): whether the
    client has any administration of them, and per measure the first and latest scored
    totals, the latest's session number (attended sessions started by then, counted by the
    database as `clients.selectors.session_number_at` does) and whether a second score exists."""
    attended_by_then = (
        Session.objects.filter(
            client=OuterRef("client_id"),
            status=Session.Status.ATTENDED,
            starts_at__lte=ExpressionWrapper(
                OuterRef("administered_at") + SESSION_MATCH_WINDOW, output_field=DateTimeField()
            ),
        )
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    columns: dict = {
        "tracked_any": Exists(Assessment.objects.filter(client=OuterRef("pk"), instrument__in=TRACKED)),
    }
    for code in TRACKED:
        scored = Assessment.objects.filter(client=OuterRef("pk"), instrument=code, total__isnull=False)
        first = scored.order_by("administered_at", "id")
        latest = scored.order_by("-administered_at", "-id")
        numbered = latest.annotate(number=Coalesce(Subquery(attended_by_then, output_field=IntegerField()), Value(0)))
        columns[f"{code}_first"] = Subquery(first.values("total")[:1], output_field=IntegerField())
        columns[f"{code}_second_id"] = Subquery(first.values("id")[1:2], output_field=IntegerField())
        columns[f"{code}_latest"] = Subquery(latest.values("total")[:1], output_field=IntegerField())
        columns[f"{code}_number"] = Subquery(numbered.values("number")[:1], output_field=IntegerField())
    return columns


def _tracking(client: Client, session_n: int) -> dict:
    """The phase-1 rule (`clients.outcomes.not_on_track`) from `_tracking_columns`: it reads
    only the first and latest scores of a measure with two or more, and the latest's session."""
    if not client.tracked_any:  # type: ignore[attr-defined]
        return {"flag": False, "reason": ""}
    series: dict[str, list[tuple[int, int | None]]] = {}
    for code in TRACKED:
        if getattr(client, f"{code}_second_id") is None:
            series[code] = []
        else:
            series[code] = [
                (1, getattr(client, f"{code}_first")),
                (getattr(client, f"{code}_number"), getattr(client, f"{code}_latest")),
            ]
    return not_on_track(series["phq9"], series["gad7"], session_n=session_n)


def _attention_key(row: CaseloadRow) -> tuple:
    return (
        -row.urgent_alerts,
        -row.concern_alerts,
        -row.overdue_notes,
        -int(bool(row.tracking["flag"])),
        -int(bool(row.unread_messages)),
        -row.badge.score,
        row.client.last_name.lower(),
        row.client.pk,
    )


def caseload(
    *,
    user: User,
    status: str = "current",
    search: str = "",
    sort: str = "attention",
    now: datetime | None = None,
    notes_due: list[Session] | None = None,
) -> list[CaseloadRow]:
    """The therapist's clients (clinical scope) with what needs attention, in a fixed number
    of queries. `status`: "current" (not discharged), a Client.Status or anything else for all;
    `search`: up to five words matched against names; `sort`: one of CASELOAD_SORTS.
    `notes_due`: the user's held sessions without a signed note at `now`
    (`sessions.selectors_today.notes_due`), when the caller read them already: the overdue
    counts are those older than the practice's threshold, with no query of their own."""
    now = now or timezone.now()
    clients = Client.objects.clinical_scope(user)
    if status == "current":
        clients = clients.exclude(status=Client.Status.DISCHARGED)
    elif status in Client.Status.values:
        clients = clients.filter(status=status)
    for word in search.split()[:5]:
        clients = clients.filter(
            Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(preferred_name__icontains=word)
        )
    signed = ProgressNote.objects.filter(client=OuterRef("pk"), status=ProgressNote.Status.SIGNED).order_by(
        "-signed_at", "-id"
    )
    upcoming = Session.objects.filter(
        client=OuterRef("pk"), status=Session.Status.SCHEDULED, starts_at__gte=now
    ).order_by("starts_at")
    unresolved = Alert.objects.visible_to(user).unresolved()
    # The rows show names, status and the engagement badge: the encrypted columns are not
    # read (each would be decrypted per client on every view), nor the therapist's rows.
    clients = (
        clients.defer(*CASELOAD_UNREAD)
        .select_related("engagement")
        .annotate(
            next_session_at=Subquery(upcoming.values("starts_at")[:1]),
            last_signed_at=Subquery(signed.values("signed_at")[:1]),
            last_signed_id=Subquery(signed.values("id")[:1]),
            urgent_alerts=_count_per_client(unresolved.filter(severity=Alert.Severity.URGENT)),
            concern_alerts=_count_per_client(unresolved.filter(severity=Alert.Severity.CONCERN)),
            unread_messages=_count_per_client(Message.objects.filter(from_client=True, read_at__isnull=True)),
            **_tracking_columns(),
        )
    )
    clients_list = list(clients)
    cutoff = now - note_overdue_after(user.membership.practice)
    if notes_due is not None and cutoff <= now:
        # The overdue sessions are the notes due older than the cutoff (same sessions, same
        # unsigned rule; notes_due is limited to the clinical scope, as the rows shown are).
        overdue = Counter(session.client_id for session in notes_due if session.starts_at < cutoff)
    else:
        overdue = Counter(
            dict(
                overdue_notes(user.membership, now=now)
                .order_by()
                .values("client_id")
                .annotate(n=Count("id"))
                .values_list("client_id", "n")
            )
        )
    session_n = user.membership.practice.not_on_track_session
    rows = [
        CaseloadRow(
            client=client,
            next_session_at=client.next_session_at,
            last_signed_at=client.last_signed_at,
            last_signed_id=client.last_signed_id,
            urgent_alerts=client.urgent_alerts,
            concern_alerts=client.concern_alerts,
            unread_messages=client.unread_messages,
            overdue_notes=overdue.get(client.pk, 0),
            tracking=_tracking(client, session_n),
            badge=engagement_badge(client),
        )
        for client in clients_list
    ]
    if sort == "name":
        rows.sort(key=lambda row: (row.client.last_name.lower(), row.client.first_name.lower(), row.client.pk))
    elif sort == "next":
        far = now + dt.timedelta(days=3650)
        rows.sort(key=lambda row: (row.next_session_at or far, row.client.last_name.lower()))
    else:
        rows.sort(key=_attention_key)
    return rows


# ---------------------------------------------------------------------------
# "Since last session" (the note editor's side panel)

SINCE_DEFAULT_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class SincePanel:
    since: datetime | None  # the last attended session's start; None: the last 30 days
    homework_done: list[HomeworkAssignment]
    homework_missed: list[HomeworkAssignment]
    moods: list[int]  # check-in moods since then, oldest first
    measure_changes: list[dict]
    alerts: list[Alert]
    risk_score: float | None
    risk_reasons: list[str]
    has_snapshot: bool
    # The client's agenda for the session, verbatim (clients.AgendaEntry), oldest first.
    agenda: list = field(default_factory=list)

    @property
    def checkin_count(self) -> int:
        return len(self.moods)


def since_last_session(*, client: Client, actor: User, before: datetime | None = None) -> SincePanel:
    """What happened since the last attended session before `before` (default: now).
    Records the read of the check-in moods. Engagement follows the one freshness rule
    (`insights.selectors.engagement_view`)."""
    now = timezone.now()
    before = before or now
    last = (
        client.sessions.filter(status=Session.Status.ATTENDED, starts_at__lt=before)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    since = last or before - SINCE_DEFAULT_WINDOW
    homework = list(
        HomeworkAssignment.objects.filter(client=client, due_at__gte=since, due_at__lte=max(before, now))
        .exclude(status=HomeworkAssignment.Status.CANCELLED)
        .order_by("due_at", "id")
    )
    completed = HomeworkAssignment.Status.COMPLETED
    moods = list(
        CheckIn.objects.filter(client=client, created_at__gte=since)
        .order_by("created_at", "id")
        .values_list("mood", flat=True)
    )
    audit_read(actor=actor, client_id=client.pk, target_type=CHECKIN_TARGET, fields=["mood"])
    view = engagement_view(client)
    return SincePanel(
        since=last,
        homework_done=[item for item in homework if item.status == completed],
        homework_missed=[item for item in homework if item.status != completed and item.due_at < now],
        moods=moods,
        measure_changes=view.measure_changes() if view else [],
        alerts=open_alerts(client=client),
        risk_score=view.risk_score if view else None,
        risk_reasons=(view.risk.get("reasons") or []) if view else [],
        has_snapshot=view is not None,
        agenda=agenda_since(client=client, user=actor, since=since),
    )


# ---------------------------------------------------------------------------
# The inbox: every client thread of the caseload (sessions/web_inbox.py)

INBOX_THREAD_LIMIT = 200


@dataclass(frozen=True)
class InboxThread:
    client: Client
    last_message_at: datetime | None
    unread: int
    flagged: int  # client messages that raised a risk alert


@dataclass(frozen=True)
class InboxConversation:
    client: Client
    messages: list[Message]  # oldest first, the latest INBOX_THREAD_LIMIT
    flagged_ids: frozenset[int]
    unread: int


def _inbox_clients(user: User) -> QuerySet[Client]:
    # The care team's threads: a read receipt and a reply are theirs (editable_by).
    return Client.objects.editable_by(user)


def inbox_threads(*, user: User) -> list[InboxThread]:
    """The caseload's threads that have messages, unread first, then by latest message.
    One query whatever the number of threads; no message text (nothing to audit)."""
    latest = Message.objects.filter(client=OuterRef("pk")).order_by("-created_at", "-id").values("created_at")[:1]
    flagged = Alert.objects.filter(source_type="message", client=OuterRef("pk"))
    clients = (
        _inbox_clients(user)
        .annotate(
            last_message_at=Subquery(latest),
            unread=_count_per_client(Message.objects.filter(from_client=True, read_at__isnull=True)),
            flagged=_count_per_client(flagged),
        )
        .filter(last_message_at__isnull=False)
    )
    rows = [
        InboxThread(client=c, last_message_at=c.last_message_at, unread=c.unread, flagged=c.flagged) for c in clients
    ]
    rows.sort(key=lambda row: (row.unread == 0, -(row.last_message_at.timestamp() if row.last_message_at else 0)))
    return rows


def inbox_new_message_clients(*, user: User) -> QuerySet[Client]:
    """Caseload clients one may start a thread with (not discharged), by name."""
    return _inbox_clients(user).exclude(status=Client.Status.DISCHARGED).order_by("last_name", "first_name", "pk")


def inbox_unread_count(*, user: User) -> int:
    """Unread client messages across the user's caseload."""
    return _unread_messages(user).count()


def _unread_messages(user: User) -> QuerySet[Message]:
    return Message.objects.filter(client__in=_inbox_clients(user), from_client=True, read_at__isnull=True)


def _scalar_count(queryset: QuerySet):
    """COUNT(*) of `queryset` as a scalar subquery (0 when empty)."""
    rows = queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class NavigationCounts:
    inbox_unread: int
    review_waiting: int
    alerts_unresolved: int = 0  # open or acknowledged alerts the user sees (the Alerts badge)


def navigation_counts(*, user: User) -> NavigationCounts:
    """The navigation's counts in one query: unread client messages, the supervision items
    waiting for the user (notes to review or co-sign, and their own notes a supervisor returned)
    and the unresolved alerts they see (`Alert.objects.visible_to`, the alerts page's scope)."""
    membership = user.membership
    returned = ProgressNote.objects.filter(
        author=user, status=ProgressNote.Status.DRAFT, returned_at__isnull=False
    ).filter(client__in=Client.objects.editable_by(user))
    unread, waiting, returned_count, alerts = (
        Membership.objects.filter(pk=membership.pk)
        .annotate(
            unread=_scalar_count(_unread_messages(user)),
            waiting=_scalar_count(_awaiting_review(membership)),
            returned=_scalar_count(returned),
            alerts=_scalar_count(Alert.objects.visible_to(user).unresolved()),
        )
        .values_list("unread", "waiting", "returned", "alerts")
        .get()
    )
    return NavigationCounts(inbox_unread=unread, review_waiting=waiting + returned_count, alerts_unresolved=alerts)


def inbox_conversation(*, client: Client, actor: User) -> InboxConversation:
    """One client's thread, oldest first, with the messages risk screening flagged. Call with
    a client from `client_for_write`. Records the read of the bodies."""
    recent = list(message_thread(client=client)[:INBOX_THREAD_LIMIT])
    recent.reverse()
    ids = [message.pk for message in recent]
    flagged = frozenset(
        source_id
        for source_id in Alert.objects.filter(client=client, source_type="message", source_id__in=ids).values_list(
            "source_id", flat=True
        )
        if source_id is not None
    )
    audit_read(actor=actor, client_id=client.pk, target_type=MESSAGE_TARGET, fields=["body"])
    unread = sum(1 for message in recent if message.from_client and message.read_at is None)
    return InboxConversation(client=client, messages=recent, flagged_ids=flagged, unread=unread)


# ---------------------------------------------------------------------------
# Supervision: the supervisor's review queue (sessions/web_supervision.py)

PLAN_REVIEW_INTERVAL = timedelta(days=90)


@dataclass(frozen=True)
class ReviewQueue:
    in_review: list[ProgressNote]  # submitted for review, oldest submission first
    to_cosign: list[ProgressNote]  # signed, awaiting the co-signature
    plans_due: list[Client]  # plan never reviewed, or more than 90 days ago
    returned: list[ProgressNote]  # the user's own notes a supervisor returned to them


def _queue_notes() -> QuerySet[ProgressNote]:
    # Only what the queue shows: no sections (no clinical text, nothing to audit).
    return ProgressNote.objects.select_related("client", "author", "session").defer("sections", "review_comment")


def review_queue(*, user: User, today: dt.date | None = None) -> ReviewQueue:
    """What waits for the user as a supervisor (and their own returned notes), in a fixed
    number of queries."""
    membership = user.membership
    today = today or timezone.localdate()
    supervised = Client.objects.filter(supervisor=membership).exclude(primary_therapist=membership)
    in_review = list(
        _queue_notes()
        .filter(client__in=supervised, status=ProgressNote.Status.IN_REVIEW)
        .order_by("submitted_at", "id")
    )
    to_cosign = list(
        _queue_notes()
        .filter(client__in=supervised, status=ProgressNote.Status.SIGNED, cosigned_at__isnull=True)
        .order_by("signed_at", "id")
    )
    plans_due = list(
        supervised.exclude(status=Client.Status.DISCHARGED)
        .filter(Q(plan_reviewed_on__isnull=True) | Q(plan_reviewed_on__lt=today - PLAN_REVIEW_INTERVAL))
        .select_related("primary_therapist__user")
        .order_by("plan_reviewed_on", "last_name", "pk")
    )
    returned = list(
        _queue_notes()
        .filter(author=user, status=ProgressNote.Status.DRAFT, returned_at__isnull=False)
        .filter(client__in=Client.objects.editable_by(user))
        .order_by("-returned_at", "-id")
    )
    return ReviewQueue(in_review=in_review, to_cosign=to_cosign, plans_due=plans_due, returned=returned)


def _awaiting_review(membership: Membership) -> QuerySet[ProgressNote]:
    supervised = Client.objects.filter(supervisor=membership).exclude(primary_therapist=membership)
    return ProgressNote.objects.filter(client__in=supervised).filter(
        Q(status=ProgressNote.Status.IN_REVIEW) | Q(status=ProgressNote.Status.SIGNED, cosigned_at__isnull=True)
    )


def review_queue_count(*, user: User) -> int:
    """Notes waiting for the user's review or co-signature."""
    return _awaiting_review(user.membership).count()


# ---------------------------------------------------------------------------
# Note templates and the note editor's defaults


def note_templates(*, user: User, include_inactive: bool = False) -> QuerySet[NoteTemplate]:
    """The user's practice's note templates, by name (library content: no read recorded)."""
    practice_id = user.practice_id_or_none
    queryset = NoteTemplate.objects.filter(practice_id=practice_id) if practice_id else NoteTemplate.objects.none()
    return queryset if include_inactive else queryset.filter(is_active=True)


def note_template(*, user: User, template_id, include_inactive: bool = False) -> NoteTemplate:
    return _one(note_templates(user=user, include_inactive=include_inactive), template_id)


def session_awaiting_note(*, client: Client) -> Session | None:
    """The client's most recent attended session that has no progress note yet."""
    return (
        Session.objects.filter(client=client, status=Session.Status.ATTENDED, starts_at__lte=timezone.now())
        .filter(~Exists(ProgressNote.objects.filter(session=OuterRef("pk"))))
        .order_by("-starts_at", "-id")
        .first()
    )


# ---------------------------------------------------------------------------
# Calendar (issue 14): the therapist's own calendar, the practice's busy blocks


def own_calendar_sessions(*, user: User, start: datetime, end: datetime) -> list[Session]:
    """The user's sessions starting in [start, end), with clients and note ids (two queries).

    Sessions recorded without a therapist count for the client's primary therapist. No
    clinical text is read (client names, kinds, statuses and note status only).
    """
    membership = user.membership
    notes = ProgressNote.objects.only("id", "status", "session_id").order_by("-created_at")
    return list(
        sessions_in_scope(user)
        .filter(Q(therapist=membership) | Q(therapist__isnull=True, client__primary_therapist=membership))
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("client", "series")
        .prefetch_related(Prefetch("notes", queryset=notes, to_attr="note_list"))
        .order_by("starts_at", "id")
    )


def practice_calendar_sessions(*, user: User, start: datetime, end: datetime) -> list[Session]:
    """Every session of the user's practice in [start, end) for the practice view (one query).

    Administrative fields only (`only`): time, duration, status, therapist and the client's
    name for initials; never kinds, notes or anything clinical.
    """
    practice_id = user.membership.practice_id
    return list(
        Session.objects.filter(therapist__practice_id=practice_id, starts_at__gte=start, starts_at__lt=end)
        .only(
            "id",
            "starts_at",
            "duration_minutes",
            "status",
            "therapist_id",
            "client__first_name",
            "client__last_name",
        )
        .select_related("client")
        .order_by("starts_at", "id")
    )


def practice_therapists(*, user: User) -> list[Membership]:
    """The active therapists of the user's practice, by name."""
    return list(
        Membership.objects.filter(practice_id=user.membership.practice_id, role="therapist", is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "id")
    )


def session_with_history(*, user: User, session_id) -> Session:
    """One session (scoped like `session_for_read`) with its change history and series."""
    from sessions.models import SessionChange

    changes = SessionChange.objects.select_related("actor").order_by("created_at", "id")
    return _one(
        sessions_in_scope(user)
        .select_related("client", "series")
        .prefetch_related(
            Prefetch("changes", queryset=changes, to_attr="history"),
            Prefetch("notes", queryset=ProgressNote.objects.only("id", "status", "session_id"), to_attr="note_list"),
        ),
        session_id,
    )


def own_time_off(*, user: User, time_off_id):
    """One of the user's own time-off blocks, else NotFound."""
    from sessions.models import TimeOff

    return _one(TimeOff.objects.filter(membership=user.membership), time_off_id)


def own_calendar_settings(*, user: User):
    """The user's calendar settings row, or None before they saved any."""
    from sessions.models import TherapistCalendar

    return TherapistCalendar.objects.filter(membership=user.membership).first()


def feed_sessions(*, membership: Membership, start: datetime, end: datetime) -> list[Session]:
    """A therapist's live sessions for their private ICS feed (one query, names for initials)."""
    return list(
        Session.objects.filter(therapist=membership, starts_at__gte=start, starts_at__lt=end)
        .exclude(status__in=Session.FREE_STATUSES)
        .only(
            "id",
            "starts_at",
            "duration_minutes",
            "kind",
            "status",
            "updated_at",
            "client__first_name",
            "client__last_name",
        )
        .select_related("client")
        .order_by("starts_at", "id")
    )


# ---------------------------------------------------------------------------
# Note drafts (the documentation assistant, issue 18)

DRAFT_READ_FIELDS = ["sources", "sentences"]


def _drafts_in_scope(user: User) -> QuerySet[NoteDraft]:
    return NoteDraft.objects.filter(note__in=notes_in_scope(user).values("pk")).select_related(
        "note__client__practice", "note__author", "client"
    )


def note_draft_for_read(*, user: User, draft_id) -> NoteDraft:
    """A draft of a note in the user's clinical scope (else NotFound); records the read."""
    draft = _one(_drafts_in_scope(user), draft_id)
    audit_read(
        actor=user,
        client_id=draft.client_id,
        target_type=draft._meta.label_lower,
        target_id=draft.pk,
        fields=DRAFT_READ_FIELDS,
    )
    return draft


def note_draft_for_write(*, user: User, draft_id) -> NoteDraft:
    """Readable (else NotFound), then editable (else Forbidden); the service checks authorship."""
    draft = _one(_drafts_in_scope(user), draft_id)
    _require_editable(user, draft.client_id)
    return draft


def latest_note_draft(*, note: ProgressNote, actor: User) -> NoteDraft | None:
    """The note's newest draft, if any; records the read when there is one."""
    draft = note.drafts.order_by("-created_at", "-id").first()
    if draft is not None:
        audit_read(
            actor=actor,
            client_id=note.client_id,
            target_type=draft._meta.label_lower,
            target_id=draft.pk,
            fields=DRAFT_READ_FIELDS,
        )
    return draft

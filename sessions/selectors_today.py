"""The therapist's day (the top of the dashboard) and the caseload's filters and pages.

A module of its own (sessions/selectors.py passes 800 lines, STYLE.md splits by sub-domain):
`today_view` gathers what the day holds in a fixed number of queries, whatever the size of
the caseload or the number of sessions: today's sessions (in the practice's time zone) with
their prep brief's figures, notes due, open alerts, unread client messages and the
questionnaires clients are due to fill in. Nothing here returns clinical text (names,
times, kinds, counts and alert kinds only), so no read is recorded; the pages it links to
record their own reads.

`filter_caseload` narrows `sessions.selectors.caseload`'s rows (computed once, set-based) by
the dashboard's filters, so the caseload's own queries stay where they are.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.instruments import BUILTIN_INSTRUMENTS
from clients.models import Client, DueQuestionnaire
from insights.models import AiSuggestion, Alert
from insights.selectors import unresolved_alerts_head
from sessions.models import Message, ProgressNote, Session
from sessions.reminders import policy_for
from sessions.telehealth import video_url

if TYPE_CHECKING:
    from practice.models import Practice, User
    from sessions.selectors import CaseloadRow

# How many of each list the day's panels show (the counts are always complete).
SHOWN = 5
# Encrypted columns the day never shows: not read, so not decrypted on every view.
UNSHOWN_SESSION_COLUMNS = ("cancellation_reason", "overlap_override_reason")
UNSHOWN_CLIENT_COLUMNS = ("address", "presenting_concerns", "diagnosis_codes", "discharge_reason")


def practice_zone(practice: Practice) -> dt.tzinfo:
    """The practice's time zone (Practice.time_zone), UTC when the name is unknown."""
    try:
        return zoneinfo.ZoneInfo(practice.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


@dataclass(frozen=True)
class BriefSummary:
    """The figures of the client's latest session brief (no client text)."""

    suggestion_id: int
    prepared_at: dt.datetime
    checkins: int
    homework_done: int
    homework_missed: int
    measures: int
    alerts: int


@dataclass(frozen=True)
class TodaySession:
    session: Session
    join_url: str
    brief: BriefSummary | None
    note_id: int | None  # the session's latest note, if one was started

    @property
    def is_video(self) -> bool:
        return self.session.modality == Session.Modality.VIDEO


@dataclass(frozen=True)
class UnreadThread:
    client: Client
    unread: int


@dataclass(frozen=True)
class QuestionnairesDue:
    """One client's open questionnaires (short instrument names), the soonest due date."""

    client: Client
    instruments: list[str]
    due_at: dt.datetime


def instrument_short_name(code: str) -> str:
    """ "PHQ-9" from "Patient Health Questionnaire-9 (PHQ-9)"; the code in capitals otherwise."""
    name = str((BUILTIN_INSTRUMENTS.get(code) or {}).get("name") or "")
    if name.endswith(")") and "(" in name:
        return name[name.rindex("(") + 1 : -1]
    return code.upper()


@dataclass(frozen=True)
class TodayView:
    zone_name: str
    day: dt.date
    sessions: list[TodaySession]
    notes_due: list[Session]  # the oldest SHOWN
    notes_due_count: int
    alerts: list[Alert]  # the most urgent SHOWN unresolved alerts
    alerts_count: int
    unread_threads: list[UnreadThread]  # the SHOWN threads with the most unread messages
    unread_count: int
    questionnaires: list[QuestionnairesDue]  # the SHOWN clients due soonest
    questionnaires_count: int  # questionnaires, not clients
    questionnaire_clients: int

    @property
    def most_urgent_alert(self) -> Alert | None:
        return self.alerts[0] if self.alerts else None


def _own_sessions(user: User) -> QuerySet[Session]:
    """The user's sessions (those recorded without a therapist count for the primary one),
    on clients still in their clinical scope."""
    membership = user.membership
    return Session.objects.filter(client__in=Client.objects.clinical_scope(user)).filter(
        Q(therapist=membership) | Q(therapist__isnull=True, client__primary_therapist=membership)
    )


def _brief_summary(row: AiSuggestion) -> BriefSummary:
    sections = (row.payload or {}).get("sections") or {}
    homework = sections.get("homework") or {}
    return BriefSummary(
        suggestion_id=row.pk,
        prepared_at=row.created_at,
        checkins=int((sections.get("checkins") or {}).get("count") or 0),
        homework_done=len(homework.get("completed") or []),
        homework_missed=len(homework.get("missed") or []),
        measures=len(sections.get("measures") or []),
        alerts=len(sections.get("alerts") or []),
    )


def _latest_briefs(client_ids: list[int]) -> dict[int, BriefSummary]:
    """Each client's latest session brief (one query; the payload holds figures and source ids)."""
    latest: dict[int, BriefSummary] = {}
    if not client_ids:
        return latest
    rows = AiSuggestion.objects.filter(client_id__in=client_ids, kind=AiSuggestion.Kind.SESSION_BRIEF).order_by(
        "client_id", "-created_at", "-id"
    )
    for row in rows.only("id", "client_id", "created_at", "payload"):
        latest.setdefault(row.client_id, _brief_summary(row))
    return latest


def today_sessions(*, user: User, now: dt.datetime | None = None) -> tuple[dt.date, list[TodaySession]]:
    """The user's live sessions today in the practice's time zone, by start (three queries:
    sessions with clients and notes, the video policy, the briefs)."""
    now = now or timezone.now()
    practice = user.membership.practice
    zone = practice_zone(practice)
    day = now.astimezone(zone).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    latest_note = ProgressNote.objects.filter(session=OuterRef("pk")).order_by("-created_at", "-id").values("id")[:1]
    sessions = list(
        _own_sessions(user)
        .filter(starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
        .exclude(status__in=Session.FREE_STATUSES)
        .select_related("client")
        .defer(*UNSHOWN_SESSION_COLUMNS, *(f"client__{name}" for name in UNSHOWN_CLIENT_COLUMNS))
        .annotate(latest_note_id=Subquery(latest_note))
        .order_by("starts_at", "id")
    )
    if not sessions:
        return day, []
    policy = policy_for(practice.pk)
    briefs = _latest_briefs(sorted({session.client_id for session in sessions}))
    return day, [
        TodaySession(
            session=session,
            join_url=video_url(session, policy),
            brief=briefs.get(session.client_id),
            note_id=session.latest_note_id,
        )
        for session in sessions
    ]


def notes_due(*, user: User, now: dt.datetime | None = None) -> list[Session]:
    """The user's attended sessions, oldest first, that have no signed note yet (one query;
    the note-overdue threshold does not apply: a note is due as soon as the session is held)."""
    now = now or timezone.now()
    signed = ProgressNote.objects.filter(session=OuterRef("pk"), status=ProgressNote.Status.SIGNED)
    return list(
        _own_sessions(user)
        .filter(status=Session.Status.ATTENDED, starts_at__lte=now)
        .filter(~Exists(signed))
        .only("id", "starts_at", "kind", "client__id", "client__first_name", "client__last_name")
        .select_related("client")
        .order_by("starts_at", "id")
    )


def _unread_per_client():
    rows = (
        Message.objects.filter(client=OuterRef("pk"), from_client=True, read_at__isnull=True)
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def unread_threads(*, user: User) -> list[UnreadThread]:
    """The care team's clients with unread messages, most unread first (one query)."""
    clients = (
        Client.objects.editable_by(user)
        .annotate(unread=_unread_per_client())
        .filter(unread__gt=0)
        .only("id", "first_name", "last_name", "preferred_name")
        .order_by("-unread", "last_name", "pk")
    )
    return [UnreadThread(client=client, unread=client.unread) for client in clients]


def questionnaires_due(*, user: User, now: dt.datetime | None = None) -> list[DueQuestionnaire]:
    """Questionnaires the care team's clients can fill in now and have not (pending, open, not
    expired), due soonest first (one query; names and instruments only)."""
    return list(
        _questionnaires_due(user=user, now=now)
        .select_related("client")
        .only("id", "instrument", "due_at", "client__id", "client__first_name", "client__last_name")
    )


def _questionnaires_due(*, user: User, now: dt.datetime | None = None) -> QuerySet[DueQuestionnaire]:
    now = now or timezone.now()
    return (
        DueQuestionnaire.objects.filter(
            client__in=Client.objects.editable_by(user),
            status=DueQuestionnaire.Status.PENDING,
            expires_at__gt=now,
        )
        .filter(Q(opens_at__lte=now) | Q(opens_at__isnull=True, due_at__lte=now))
        .order_by("due_at", "id")
    )


def _questionnaires_by_client(*, user: User, now: dt.datetime) -> tuple[list[QuestionnairesDue], int]:
    """The day's questionnaires grouped by client, soonest due first, and how many in all (one
    query of plain rows: a caseload has hundreds due, only SHOWN clients are shown)."""
    rows = _questionnaires_due(user=user, now=now).values_list(
        "client_id", "client__first_name", "client__last_name", "instrument", "due_at"
    )
    by_client: dict[int, QuestionnairesDue] = {}
    count = 0
    for client_id, first_name, last_name, instrument, due_at in rows:
        count += 1
        group = by_client.get(client_id)
        if group is None:
            client = Client(id=client_id, first_name=first_name, last_name=last_name)
            group = by_client[client_id] = QuestionnairesDue(client=client, instruments=[], due_at=due_at)
        name = instrument_short_name(instrument)
        if name not in group.instruments:
            group.instruments.append(name)
    return list(by_client.values()), count


def today_view(*, user: User, now: dt.datetime | None = None, due: list[Session] | None = None) -> TodayView:
    """Everything the top of the dashboard shows, in a fixed number of queries. `due`: the
    user's `notes_due` at `now`, when the caller read them already (the caseload counts its
    overdue notes from them)."""
    now = now or timezone.now()
    day, sessions = today_sessions(user=user, now=now)
    if due is None:
        due = notes_due(user=user, now=now)
    alerts, alerts_count = unresolved_alerts_head(user=user, limit=SHOWN)
    threads = unread_threads(user=user)
    questionnaires, questionnaires_count = _questionnaires_by_client(user=user, now=now)
    return TodayView(
        zone_name=str(practice_zone(user.membership.practice)),
        day=day,
        sessions=sessions,
        notes_due=due[:SHOWN],
        notes_due_count=len(due),
        alerts=alerts,
        alerts_count=alerts_count,
        unread_threads=threads[:SHOWN],
        unread_count=sum(thread.unread for thread in threads),
        questionnaires=questionnaires[:SHOWN],
        questionnaires_count=questionnaires_count,
        questionnaire_clients=len(questionnaires),
    )


# ---------------------------------------------------------------------------
# The caseload's filters


@dataclass(frozen=True)
class CaseloadFilters:
    open_alert: bool = False
    unread: bool = False
    not_on_track: bool = False

    @property
    def any(self) -> bool:
        return self.open_alert or self.unread or self.not_on_track


def filter_caseload(rows: list[CaseloadRow], filters: CaseloadFilters) -> list[CaseloadRow]:
    """The rows that pass every chosen filter (rows come from `sessions.selectors.caseload`)."""
    if filters.open_alert:
        rows = [row for row in rows if row.urgent_alerts or row.concern_alerts]
    if filters.unread:
        rows = [row for row in rows if row.unread_messages]
    if filters.not_on_track:
        rows = [row for row in rows if row.tracking.get("flag")]
    return rows

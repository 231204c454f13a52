"""Reads for the client's appointments and the schedule's telehealth/cancellation extras.

A separate module from sessions/selectors.py only to keep the calendar work (issue 14 items
1 to 4) and this one apart while both are in flight; the lead may fold it in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from clients.models import Client
from practice.errors import NotFound
from sessions.models import CancellationRequest, ReminderPolicy, Session
from sessions.reminders import policy_for
from sessions.telehealth import client_may_join, join_window, video_url

PAST_SHOWN = 20
UPCOMING_SHOWN = 20


@dataclass
class Appointment:
    """One appointment as the client sees it: no kind, no clinician specialty, no notes."""

    session: Session
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    status_label: str
    modality: str
    modality_label: str
    with_name: str
    is_upcoming: bool
    can_join: bool
    join_url: str
    join_opens_at: dt.datetime | None
    cancel_requested_at: dt.datetime | None
    can_request_cancel: bool
    inside_late_window: bool


CLIENT_STATUS_LABELS: dict[str, str] = {
    Session.Status.SCHEDULED: "Booked",
    Session.Status.ATTENDED: "Attended",
    Session.Status.NO_SHOW: "Missed",
    Session.Status.CANCELLED: "Cancelled",
    Session.Status.LATE_CANCELLED: "Cancelled late",
}


def _with_name(session: Session) -> str:
    therapist = session.therapist or session.client.primary_therapist
    if therapist is None:
        return ""
    user = therapist.user
    return user.get_full_name() or ""


def appointment_view(
    session: Session, *, now: dt.datetime, policy: ReminderPolicy, requested: dict[int, CancellationRequest]
) -> Appointment:
    ends_at = session.starts_at + dt.timedelta(minutes=session.duration_minutes)
    upcoming = session.status == Session.Status.SCHEDULED and ends_at > now
    may_join = client_may_join(session, now)
    request = requested.get(session.pk)
    opens = join_window(session)[0] if session.modality == Session.Modality.VIDEO and upcoming else None
    return Appointment(
        session=session,
        starts_at=session.starts_at,
        ends_at=ends_at,
        status=session.status,
        status_label=CLIENT_STATUS_LABELS.get(str(session.status), str(session.status)),
        modality=session.modality,
        modality_label={"in_person": "In person", "video": "Video", "phone": "Phone"}.get(session.modality, ""),
        with_name=_with_name(session),
        is_upcoming=upcoming,
        can_join=may_join,
        # The link is only handed out while the room is open to the client.
        join_url=video_url(session, policy) if may_join else "",
        join_opens_at=opens,
        cancel_requested_at=request.created_at if request else None,
        can_request_cancel=upcoming
        and session.starts_at > now
        and request is None
        and not session.client.is_discharged,
        inside_late_window=session.starts_at - now < dt.timedelta(hours=policy.late_cancel_hours),
    )


def _client_sessions(client: Client):
    return Session.objects.filter(client=client).select_related("therapist__user", "client__primary_therapist__user")


def client_appointments(
    *, client: Client, now: dt.datetime | None = None
) -> tuple[list[Appointment], list[Appointment]]:
    """The portal client's upcoming (soonest first) and past (latest first) appointments."""
    now = now or timezone.now()
    policy = policy_for(client.practice_id)
    requested = {request.session_id: request for request in CancellationRequest.objects.filter(client=client)}
    upcoming_sessions = list(
        _client_sessions(client)
        .filter(status=Session.Status.SCHEDULED, starts_at__gt=now - dt.timedelta(hours=12))
        .order_by("starts_at", "id")[: UPCOMING_SHOWN * 2]
    )
    views = [appointment_view(s, now=now, policy=policy, requested=requested) for s in upcoming_sessions]
    upcoming = [view for view in views if view.is_upcoming][:UPCOMING_SHOWN]
    upcoming_ids = {view.session.pk for view in upcoming}
    past_sessions = (
        _client_sessions(client)
        .filter(starts_at__lte=now)
        .exclude(pk__in=upcoming_ids)
        .order_by("-starts_at", "-id")[:PAST_SHOWN]
    )
    past = [appointment_view(s, now=now, policy=policy, requested=requested) for s in past_sessions]
    return upcoming, past


def next_appointment(*, client: Client, now: dt.datetime | None = None) -> Appointment | None:
    upcoming, _past = client_appointments(client=client, now=now)
    return upcoming[0] if upcoming else None


def portal_session(*, client: Client, session_id) -> Session:
    """One of the portal client's own sessions, else NotFound."""
    try:
        return _client_sessions(client).get(pk=session_id)
    except (Session.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def portal_appointment(*, client: Client, session_id, now: dt.datetime | None = None) -> Appointment:
    session = portal_session(client=client, session_id=session_id)
    requested = {request.session_id: request for request in CancellationRequest.objects.filter(session=session)}
    return appointment_view(
        session, now=now or timezone.now(), policy=policy_for(client.practice_id), requested=requested
    )


def annotate_for_staff(sessions: Iterable[Session], *, practice_id: int) -> None:
    """Give each session of a staff page `.join_url` (video sessions) and
    `.cancel_request` (the client's open "I can't make it"), in two queries."""
    sessions = list(sessions)
    if not sessions:
        return
    policy = policy_for(practice_id)
    requests = {
        request.session_id: request
        for request in CancellationRequest.objects.filter(session_id__in=[session.pk for session in sessions])
    }
    for session in sessions:
        # Attributes for the schedule template, like a Prefetch's to_attr.
        session.join_url = video_url(session, policy) if session.status == Session.Status.SCHEDULED else ""  # type: ignore[attr-defined]
        request = requests.get(session.pk)
        session.cancel_request = request if session.status == Session.Status.SCHEDULED else None  # type: ignore[attr-defined]


def next_session_for_staff(*, client: Client, now: dt.datetime | None = None) -> Session | None:
    """The client's next scheduled session for the chart header, annotated like the schedule."""
    now = now or timezone.now()
    # The open cancellation request's id and the practice's outside video address come with
    # the row (the chart header asked for both on every tab); the request itself is read only
    # when there is one.
    session = (
        Session.objects.filter(
            client=client, status=Session.Status.SCHEDULED, starts_at__gt=now - dt.timedelta(hours=2)
        )
        .annotate(
            cancel_request_pk=Subquery(
                CancellationRequest.objects.filter(session=OuterRef("pk")).order_by("-pk").values("pk")[:1]
            ),
            practice_video_base_url=Subquery(
                ReminderPolicy.objects.filter(practice_id=client.practice_id).values("video_base_url")[:1]
            ),
        )
        .order_by("starts_at", "id")
        .first()
    )
    if session is None or session.starts_at + dt.timedelta(minutes=session.duration_minutes) <= now:
        return None
    join_url = ""
    if session.modality == Session.Modality.VIDEO and session.video_room:
        # What `policy_for` gives `video_url`: the practice's row, or the defaults without one.
        policy = ReminderPolicy(practice_id=client.practice_id)
        if session.practice_video_base_url is not None:
            policy.video_base_url = session.practice_video_base_url
        join_url = video_url(session, policy)
    session.join_url = join_url  # type: ignore[attr-defined]
    request_pk = session.cancel_request_pk
    session.cancel_request = (  # type: ignore[attr-defined]
        CancellationRequest.objects.filter(pk=request_pk).first() if request_pk else None
    )
    return session


def video_session_for(*, user, room: str) -> Session:
    """The video session whose room this is, if the user takes part in it: the client's own
    session, or one of a client whose record the user may read. NotFound otherwise, so a room
    name of another practice (or a guessed one) opens nothing."""
    from sessions.selectors import sessions_in_scope

    own = Session.objects.filter(client__user=user)
    session = (
        (own | sessions_in_scope(user))
        .filter(modality=Session.Modality.VIDEO, video_room=room)
        .exclude(video_room="")
        .first()
    )
    if session is None:
        raise NotFound()
    return session

"""Video sessions: an unguessable room per session and the join link built from the
practice's video base URL (a self-hosted Jitsi, say). Without a base URL the link opens the
site's own placeholder page: nothing is loaded from an outside service by default."""

from __future__ import annotations

import datetime as dt
import secrets

from django.urls import reverse
from django.utils import timezone

from sessions.models import ReminderPolicy, Session
from sessions.models_reminders import JOIN_OPENS_MINUTES

ROOM_BYTES = 16  # 128 bits: a room name cannot be guessed


def video_room_ensure(session: Session, *, save: bool = True) -> None:
    """Give a video session its room name (once; the name never changes with a reschedule)."""
    if session.modality == Session.Modality.VIDEO and not session.video_room:
        session.video_room = secrets.token_urlsafe(ROOM_BYTES)
        if save:
            Session.objects.filter(pk=session.pk).update(video_room=session.video_room)


def video_url(session: Session, policy: ReminderPolicy | None = None) -> str:
    """The join link of a video session ('' for any other)."""
    if session.modality != Session.Modality.VIDEO or not session.video_room:
        return ""
    if policy is None:
        from sessions.reminders import policy_for

        policy = policy_for(session.client.practice_id)
    base = (policy.video_base_url or "").strip()
    if not base:
        return reverse("video-room", kwargs={"room": session.video_room})
    return f"{base.rstrip('/')}/{session.video_room}"


def join_window(session: Session) -> tuple[dt.datetime, dt.datetime]:
    opens = session.starts_at - dt.timedelta(minutes=JOIN_OPENS_MINUTES)
    return opens, session.starts_at + dt.timedelta(minutes=session.duration_minutes)


def client_may_join(session: Session, now: dt.datetime | None = None) -> bool:
    """The client's Join button: a scheduled video session, from 15 minutes before the start
    until its end."""
    if session.modality != Session.Modality.VIDEO or session.status != Session.Status.SCHEDULED:
        return False
    now = now or timezone.now()
    opens, closes = join_window(session)
    return opens <= now < closes

"""The inputs of a draft: the therapist's bullets and the structured facts since the last session.

Every source has a key the drafters cite (`b1`... bullets, `f1`... facts), a kind, a text (what a
sentence citing it may state; the faithfulness check reads it) and, for facts, the record it came
from (`record`, `record_id`) so the editor can link to it. No client-written text is a source:
check-ins give their mood ratings only, alerts their kind and severity, never their reason.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from clients.instruments import BUILTIN_INSTRUMENTS
from clients.models import Assessment, Client
from insights.models import Alert
from sessions.models import CheckIn, HomeworkAssignment, Session

MAX_BULLETS = 40
MAX_BULLET_CHARS = 500
DEFAULT_WINDOW = dt.timedelta(days=30)
# A note documents its session: records up to this long after the session's end still count
# (a questionnaire filled in that evening), later ones belong to the next session's note.
AFTER_SESSION = dt.timedelta(hours=12)
ALERT_KINDS = {
    "risk_language": "risk language",
    "phq9_item9": "PHQ-9 item 9",
    "cssrs": "C-SSRS screener",
    "measure_flag": "measure flag",
    "not_on_track": "not on track",
    "alliance_drop": "alliance drop",
}
_BULLET_MARK = re.compile(r"^\s*(?:[-*\u2022\u2013]|\d+[.)])\s*")


@dataclass
class Source:
    key: str
    kind: str  # bullet | attendance | homework_done | homework_missed | checkins | measure | alert
    text: str
    label: str = ""
    record: str = ""  # session | homework | checkins | assessment | alert
    record_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_bullets(raw: str) -> list[str]:
    """One bullet a line; list marks ("-", "*", "1.") dropped, blank lines skipped."""
    bullets = []
    for line in (raw or "").splitlines():
        text = _BULLET_MARK.sub("", line).strip()
        if text:
            bullets.append(text[:MAX_BULLET_CHARS])
    return bullets[:MAX_BULLETS]


def bullet_sources(bullets: list[str]) -> list[Source]:
    return [
        Source(key=f"b{index}", kind="bullet", text=text, label=f"Your bullet {index}")
        for index, text in enumerate(bullets, start=1)
    ]


def day(value: dt.datetime | dt.date) -> str:
    """'3 Dec 2026' in the practice's time zone."""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value.strftime('%b')} {value.year}"


def instrument_label(code: str) -> str:
    name = str((BUILTIN_INSTRUMENTS.get(code) or {}).get("name") or code.upper())
    found = re.search(r"\(([^()]+)\)\s*$", name)
    return found.group(1) if found else name


STATUS_WORDS: dict[str, str] = {
    Session.Status.ATTENDED: "attended",
    Session.Status.NO_SHOW: "no-show (did not attend)",
    Session.Status.LATE_CANCELLED: "cancelled late (did not attend)",
    Session.Status.CANCELLED: "cancelled with notice (did not take place)",
}


def _since(client: Client, before: dt.datetime) -> dt.datetime | None:
    return (
        client.sessions.filter(status=Session.Status.ATTENDED, starts_at__lt=before)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )


def collect_facts(*, client: Client, session: Session | None, now: dt.datetime | None = None) -> list[Source]:
    """The structured facts since the last attended session before this note's session (or the
    last 30 days), in a fixed order. Read-only: the caller records the read."""
    now = now or timezone.now()
    before = session.starts_at if session is not None else now
    last = _since(client, before)
    since = last or before - DEFAULT_WINDOW
    until = min(now, session.ends_at + AFTER_SESSION) if session is not None else now
    facts: list[Source] = []

    def add(**values: Any) -> None:
        facts.append(Source(key=f"f{len(facts) + 1}", **values))

    if session is not None:
        kind = session.get_kind_display().lower() if hasattr(session, "get_kind_display") else ""
        status = STATUS_WORDS.get(session.status, session.get_status_display().lower())
        duration = session.duration_minutes
        add(
            kind="attendance",
            text=f"Session on {day(session.starts_at)}: {status}; {kind} session; {duration} minutes.",
            label=f"Session {day(session.starts_at)}",
            record="session",
            record_id=session.pk,
            data={
                "date": day(session.starts_at),
                "status": session.status,
                "kind": kind,
                "duration": duration,
                "current": True,
            },
        )
    missed = Session.objects.filter(
        client=client,
        starts_at__gt=since,
        starts_at__lt=before,
        status__in=[Session.Status.NO_SHOW, Session.Status.LATE_CANCELLED],
    ).order_by("starts_at", "id")
    if session is not None:
        missed = missed.exclude(pk=session.pk)
    for other in missed:
        add(
            kind="attendance",
            text=f"Session on {day(other.starts_at)}: {STATUS_WORDS[other.status]}.",
            label=f"Session {day(other.starts_at)}",
            record="session",
            record_id=other.pk,
            data={"date": day(other.starts_at), "status": other.status, "current": False},
        )

    homework = (
        HomeworkAssignment.objects.filter(client=client, due_at__gte=since, due_at__lte=until)
        .exclude(status=HomeworkAssignment.Status.CANCELLED)
        .order_by("due_at", "id")
    )
    for item in homework:
        done = item.status == HomeworkAssignment.Status.COMPLETED
        if not done and item.due_at >= now:
            continue
        title = item.title
        add(
            kind="homework_done" if done else "homework_missed",
            text=f"Homework '{title}' due {day(item.due_at)}: {'completed' if done else 'not completed'}.",
            label=f"Homework: {title}",
            record="homework",
            record_id=item.pk,
            data={"title": title, "due": day(item.due_at), "done": done},
        )

    checkins = list(
        CheckIn.objects.filter(client=client, created_at__gte=since, created_at__lt=until)
        .order_by("created_at", "id")
        .values_list("pk", "mood")
    )
    if checkins:
        moods = [mood for _, mood in checkins]
        listed = ", ".join(str(mood) for mood in moods)
        add(
            kind="checkins",
            text=(
                f"{len(moods)} check-ins since {day(since)}; mood ratings (0 to 10): {listed}; "
                f"lowest {min(moods)}, highest {max(moods)}, latest {moods[-1]}."
            ),
            label=f"{len(moods)} check-ins",
            record="checkins",
            record_id=checkins[-1][0],
            data={"count": len(moods), "moods": moods, "since": day(since)},
        )

    recent = (
        Assessment.objects.filter(client=client, administered_at__gte=since, administered_at__lte=until)
        .exclude(total__isnull=True)
        .order_by("instrument", "-administered_at", "-id")
    )
    latest_by_instrument: dict[str, Assessment] = {}
    for assessment in recent:
        latest_by_instrument.setdefault(assessment.instrument, assessment)
    for code, latest in sorted(latest_by_instrument.items()):
        previous = (
            Assessment.objects.filter(client=client, instrument=code, administered_at__lt=latest.administered_at)
            .exclude(total__isnull=True)
            .order_by("-administered_at", "-id")
            .first()
        )
        name = instrument_label(code)
        severity = str((latest.result or {}).get("severity") or "").replace("_", " ")
        text = f"{name} total {latest.total} on {day(latest.administered_at)}"
        text += f" ({severity})" if severity else ""
        data: dict[str, Any] = {
            "instrument": name,
            "total": latest.total,
            "date": day(latest.administered_at),
            "severity": severity,
        }
        if previous is not None and previous.total is not None and latest.total is not None:
            change = latest.total - previous.total
            direction = "down" if change < 0 else "up" if change > 0 else "unchanged"
            text += f"; previous {previous.total} on {day(previous.administered_at)}; {direction} {abs(change)}"
            data.update(previous=previous.total, previous_date=day(previous.administered_at), change=change)
        add(
            kind="measure",
            text=text + ".",
            label=f"{name} {day(latest.administered_at)}",
            record="assessment",
            record_id=latest.pk,
            data=data,
        )

    alerts = Alert.objects.filter(client=client, created_at__lte=until).unresolved().order_by("-created_at", "-id")
    for alert in alerts:
        kind = ALERT_KINDS.get(alert.kind, alert.kind.replace("_", " "))
        add(
            kind="alert",
            text=f"Open {alert.severity} alert ({kind}) raised on {day(alert.created_at)}.",
            label=f"{alert.get_severity_display()} alert",
            record="alert",
            record_id=alert.pk,
            data={"severity": alert.severity, "kind": kind, "date": day(alert.created_at)},
        )
    return facts

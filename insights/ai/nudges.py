"""Tailored nudges: send homework reminders when this client actually does homework.

``nudge_v1`` learns a reminder hour from the local times at which the client completed
homework: the circular mean of the completion times (so 23:30 and 00:30 average to
midnight, not noon), floored to the hour that contains it. It refuses to learn when there
are fewer than MIN_COMPLETIONS completions or when the times are too scattered to call a
habit (circular spread above MAX_SPREAD_HOURS); callers then keep the default time.
The usual weekday (the mode) is reported when one day holds WEEKDAY_SHARE of them.

The learned hour is a suggestion to the therapist (an ``AiSuggestion`` of kind
``nudge_timing``); it changes the client's reminder time only when accepted.

Model imports happen inside the database function so ``benchmarks/nudge_simulation.py``
can use the learner without configuring Django.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Django stays out of the import: the simulation in benchmarks/ runs without it
    from clients.models import Client

NUDGE_VERSION = "nudge_v1"
NUDGE_METHOD = "circular-mean-completion-hour"
MIN_COMPLETIONS = 3
MAX_SPREAD_HOURS = 3.0
WEEKDAY_SHARE = 0.4
WEEKDAY_MIN_COMPLETIONS = 5
HISTORY_DAYS = 180
HISTORY_LIMIT = 60
WEEKDAYS = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
HOURS_PER_RADIAN = 24 / (2 * math.pi)


@dataclass
class LearnedTiming:
    hour: int | None
    weekday: int | None  # 0 = Monday
    completions: int
    mean_hour: float | None
    spread_hours: float | None
    reasons: list[str] = field(default_factory=list)
    assignment_ids: list[int] = field(default_factory=list)  # what it was learned from


def circular_mean_hour(hours: Sequence[float]) -> tuple[float, float]:
    """(mean hour in [0, 24), circular standard deviation in hours) of clock times."""
    angles = [hour / HOURS_PER_RADIAN for hour in hours]
    sin_sum = sum(math.sin(angle) for angle in angles) / len(angles)
    cos_sum = sum(math.cos(angle) for angle in angles) / len(angles)
    resultant = math.hypot(sin_sum, cos_sum)
    mean = (math.atan2(sin_sum, cos_sum) * HOURS_PER_RADIAN) % 24
    if resultant <= 1e-12:
        return mean, math.inf
    spread = math.sqrt(max(0.0, -2 * math.log(min(resultant, 1.0)))) * HOURS_PER_RADIAN
    return mean, spread


def learn_reminder_timing(completed_at: Sequence[dt.datetime]) -> LearnedTiming:
    """Learn from completion times already converted to the client's local time."""
    count = len(completed_at)
    if count < MIN_COMPLETIONS:
        return LearnedTiming(
            None,
            None,
            count,
            None,
            None,
            [f"{count} completed assignment(s) on record; {MIN_COMPLETIONS} are needed to learn a habit."],
        )
    hours = [moment.hour + moment.minute / 60 + moment.second / 3600 for moment in completed_at]
    mean, spread = circular_mean_hour(hours)
    if spread > MAX_SPREAD_HOURS:
        return LearnedTiming(
            None,
            None,
            count,
            round(mean, 2),
            None if math.isinf(spread) else round(spread, 2),
            [
                (
                    f"Completion times of {count} assignments are too scattered to call a habit "
                    f"(spread more than {MAX_SPREAD_HOURS:g} hours); keeping the default reminder time."
                )
            ],
        )
    # Floor + a small epsilon: a client who always finishes at 21:00 learns 21, not 20.
    hour = math.floor(mean + 1e-6) % 24
    reasons = [
        (
            f"Learned from {count} completed assignments: usually completed around {_clock(mean)} "
            f"(spread about {spread:.1f} h), so a reminder at {hour:02d}:00 lands inside that habit."
        )
    ]
    weekday = None
    if count >= WEEKDAY_MIN_COMPLETIONS:
        ((day, times),) = Counter(moment.weekday() for moment in completed_at).most_common(1)
        if times / count >= WEEKDAY_SHARE:
            weekday = day
            reasons.append(f"Most often on {WEEKDAYS[day]} ({times} of {count}).")
    return LearnedTiming(hour, weekday, count, round(mean, 2), round(spread, 2), reasons)


def _clock(hour: float) -> str:
    minutes = round(hour * 60) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def learn_for_client(client: Client | int, *, now: dt.datetime | None = None) -> LearnedTiming:
    """Learn from the client's completed homework (local time). The caller checks consent."""
    from django.utils import timezone

    from sessions.models import HomeworkAssignment

    now = now or timezone.now()
    rows = list(
        HomeworkAssignment.objects.filter(
            client=client,
            status=HomeworkAssignment.Status.COMPLETED,
            completed_at__gte=now - dt.timedelta(days=HISTORY_DAYS),
            completed_at__lte=now,
        )
        .order_by("-completed_at")
        .values_list("id", "completed_at")[:HISTORY_LIMIT]
    )
    timing = learn_reminder_timing([timezone.localtime(moment) for _, moment in rows])
    timing.assignment_ids = sorted(pk for pk, _ in rows)
    return timing


def learned_reminder_hour(client_id: int) -> tuple[int | None, list[str]]:
    """The reminder hour learned for a client, or None (keep the default) with the reasons.

    Returns None without reading any homework when the client has not consented to AI
    processing.
    """
    from clients.models import Client, Consent

    client = Client.objects.filter(pk=client_id).first()
    if client is None:
        return None, ["No such client."]
    if not Consent.objects.active().filter(client=client, kind=Consent.Kind.AI_PROCESSING).exists():
        return None, ["The client has not consented to AI processing; keeping the default reminder time."]
    timing = learn_for_client(client)
    return timing.hour, timing.reasons

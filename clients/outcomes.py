"""Outcome metrics over a client's score series: pure functions over plain numbers.

Series are oldest first. `None` in a series is an administration that was not scorable; it is
skipped, so "first" and "last" mean the first and last scorable scores.

Policies (not fixed by the published rules, pinned by tests/clients/test_outcomes.py):
- Talking Therapies: with a single score on a measure, first and last are that score and the
  change is 0. Thresholds and caseness come from the built-in PHQ-9/GAD-7 definitions.
- Response (PHQ-9): undefined (null) when the first score is 0, since no reduction is possible.
- Jacobson-Truax "crossed the cut-off": started at or above the cut-off and ended below it.
  The cut-off used is c when both norm sets are given, else a (clinical norms only), else b
  (functional norms only); with none, a reliable improvement is "improved", never "recovered".
- Not on track needs at least two scores on a measure; "after N sessions" is the session
  number of the latest score. Reliable deterioration on either measure flags even when the
  other measure improved (safety first); it is checked before anything else. The "expected a
  drop" reason names the measures still at caseness.
- Alliance drop: the latest WAI-SR total is at least 5 points (of 12-60) below the previous
  scorable total. Five points is about half a standard deviation of WAI-SR totals in typical
  samples; it is a prompt to check in, not a finding, so the bar is deliberately low.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypedDict

from clients.instruments import BUILTIN_INSTRUMENTS

TALKING_THERAPIES_VERSION = "tt_v1"
PHQ9_RELIABLE_CHANGE = BUILTIN_INSTRUMENTS["phq9"]["reliable_change"]["reliable"]
GAD7_RELIABLE_CHANGE = BUILTIN_INSTRUMENTS["gad7"]["reliable_change"]["reliable"]
PHQ9_CASENESS = BUILTIN_INSTRUMENTS["phq9"]["caseness_threshold"]
GAD7_CASENESS = BUILTIN_INSTRUMENTS["gad7"]["caseness_threshold"]
PHQ9_REMISSION_BELOW = 5
RELIABLE_CHANGE_INDEX_CRITICAL = 1.96
ALLIANCE_DROP_POINTS = 5
NOT_ON_TRACK_DEFAULT_SESSION = 6


class TalkingTherapiesOutcome(TypedDict):
    phq9_first: int | None
    phq9_last: int | None
    gad7_first: int | None
    gad7_last: int | None
    phq9_change: int | None
    gad7_change: int | None
    caseness_pre: bool | None
    caseness_post: bool | None
    reliable_improvement: bool | None
    reliable_deterioration: bool | None
    no_reliable_change: bool | None
    recovery: bool | None
    reliable_recovery: bool | None
    finished_course: bool


def _first_and_last(scores: Sequence[int | None]) -> tuple[int | None, int | None]:
    present = [score for score in scores if score is not None]
    if not present:
        return None, None
    return present[0], present[-1]


def _at_caseness(phq9: int, gad7: int) -> bool:
    return phq9 >= PHQ9_CASENESS or gad7 >= GAD7_CASENESS


def talking_therapies(
    phq9_scores: Sequence[int | None],
    gad7_scores: Sequence[int | None],
    attended_sessions: int,
) -> TalkingTherapiesOutcome:
    """NHS Talking Therapies outcome flags from first and last PHQ-9 and GAD-7 scores."""
    phq9_first, phq9_last = _first_and_last(phq9_scores)
    gad7_first, gad7_last = _first_and_last(gad7_scores)
    phq9_change = None if phq9_first is None else phq9_last - phq9_first  # type: ignore[operator]
    gad7_change = None if gad7_first is None else gad7_last - gad7_first  # type: ignore[operator]
    outcome: TalkingTherapiesOutcome = {
        "phq9_first": phq9_first,
        "phq9_last": phq9_last,
        "gad7_first": gad7_first,
        "gad7_last": gad7_last,
        "phq9_change": phq9_change,
        "gad7_change": gad7_change,
        "caseness_pre": None,
        "caseness_post": None,
        "reliable_improvement": None,
        "reliable_deterioration": None,
        "no_reliable_change": None,
        "recovery": None,
        "reliable_recovery": None,
        "finished_course": attended_sessions >= 2,
    }
    if phq9_change is None or gad7_change is None:
        # Combined flags need both measures at both ends.
        return outcome
    assert phq9_first is not None and phq9_last is not None
    assert gad7_first is not None and gad7_last is not None

    reliable_decrease = phq9_change <= -PHQ9_RELIABLE_CHANGE or gad7_change <= -GAD7_RELIABLE_CHANGE
    reliable_increase = phq9_change >= PHQ9_RELIABLE_CHANGE or gad7_change >= GAD7_RELIABLE_CHANGE
    improvement = reliable_decrease and not reliable_increase
    deterioration = reliable_increase and not reliable_decrease
    caseness_pre = _at_caseness(phq9_first, gad7_first)
    caseness_post = _at_caseness(phq9_last, gad7_last)
    recovery = (not caseness_post) if caseness_pre else None
    outcome.update(
        {
            "caseness_pre": caseness_pre,
            "caseness_post": caseness_post,
            "reliable_improvement": improvement,
            "reliable_deterioration": deterioration,
            # Covers both "neither" and "mixed" (one measure reliably down, the other up).
            "no_reliable_change": not improvement and not deterioration,
            "recovery": recovery,
            "reliable_recovery": None if recovery is None else recovery and improvement,
        }
    )
    return outcome


def phq9_response_remission(first: int | None, last: int | None) -> dict[str, bool | None]:
    """Response: at least a 50% reduction from the first score. Remission: last below 5."""
    remission = None if last is None else last < PHQ9_REMISSION_BELOW
    if first is None or last is None or first == 0:
        return {"response": None, "remission": remission}
    # Integer arithmetic avoids a float edge at exactly 50%.
    return {"response": 2 * (first - last) >= first, "remission": remission}


def jacobson_truax(
    pre: float,
    post: float,
    *,
    sd: float,
    r: float,
    mean_clin: float | None = None,
    sd_clin: float | None = None,
    mean_func: float | None = None,
    sd_func: float | None = None,
) -> dict[str, Any]:
    """Reliable change index and clinical significance category (lower scores are healthier).

    Raises ValueError unless sd > 0 and 0 <= r < 1 (r = 1 would make every change reliable).
    """
    if sd <= 0 or not 0 <= r < 1:
        raise ValueError("Need sd > 0 and 0 <= r < 1.")
    standard_error = sd * math.sqrt(1 - r)
    standard_error_of_difference = math.sqrt(2) * standard_error
    rci = (post - pre) / standard_error_of_difference
    reliable = abs(rci) > RELIABLE_CHANGE_INDEX_CRITICAL

    has_clinical = mean_clin is not None and sd_clin is not None
    has_functional = mean_func is not None and sd_func is not None
    cutoff_a = mean_clin - 2 * sd_clin if has_clinical else None  # type: ignore[operator]
    cutoff_b = mean_func + 2 * sd_func if has_functional else None  # type: ignore[operator]
    cutoff_c = (
        (sd_clin * mean_func + sd_func * mean_clin) / (sd_clin + sd_func)  # type: ignore[operator]
        if has_clinical and has_functional
        else None
    )
    if cutoff_c is not None:
        cutoff_used, cutoff = "c", cutoff_c
    elif cutoff_a is not None:
        cutoff_used, cutoff = "a", cutoff_a
    elif cutoff_b is not None:
        cutoff_used, cutoff = "b", cutoff_b
    else:
        cutoff_used, cutoff = None, None

    if not reliable:
        category = "unchanged"
    elif rci > 0:
        category = "deteriorated"
    elif cutoff is not None and pre >= cutoff > post:
        category = "recovered"
    else:
        category = "improved"
    return {
        "rci": rci,
        "reliable": reliable,
        "cutoffs": {"a": cutoff_a, "b": cutoff_b, "c": cutoff_c},
        "cutoff_used": cutoff_used,
        "category": category,
    }


ScoreAtSession = tuple[int, int | None]


def _sessions_phrase(session_number: int) -> str:
    return f"after {session_number} session{'' if session_number == 1 else 's'}"


def not_on_track(
    phq9_scores_with_session_numbers: Sequence[ScoreAtSession],
    gad7_scores_with_session_numbers: Sequence[ScoreAtSession] = (),
    *,
    session_n: int = NOT_ON_TRACK_DEFAULT_SESSION,
) -> dict[str, Any]:
    """Phase 1 not-on-track rule: {"flag": bool, "reason": str}.

    Each series is (session number, score or None) pairs, oldest first. Flags reliable
    deterioration against the first score on either measure, or no reliable improvement on
    any measure by session `session_n` while the latest scores are still at caseness.
    """
    measures = []
    for label, series, threshold, caseness in (
        (
            "PHQ-9",
            phq9_scores_with_session_numbers,
            PHQ9_RELIABLE_CHANGE,
            PHQ9_CASENESS,
        ),
        (
            "GAD-7",
            gad7_scores_with_session_numbers,
            GAD7_RELIABLE_CHANGE,
            GAD7_CASENESS,
        ),
    ):
        present = [(session, score) for session, score in series if score is not None]
        if len(present) < 2:
            continue
        (_, first), (latest_session, last) = present[0], present[-1]
        measures.append(
            {
                "label": label,
                "first": first,
                "last": last,
                "session": latest_session,
                "threshold": threshold,
                "at_caseness": last >= caseness,
                "change": last - first,
            }
        )
    if not measures:
        return {"flag": False, "reason": "Not enough scores yet"}

    def describe(measure: dict[str, Any]) -> str:
        return f"{measure['label']} {measure['first']} -> {measure['last']} {_sessions_phrase(measure['session'])}"

    deteriorated = [m for m in measures if m["change"] >= m["threshold"]]
    if deteriorated:
        return {
            "flag": True,
            "reason": ". ".join(
                f"{describe(m)}; reliable deterioration (a rise of {m['change']}, threshold {m['threshold']})"
                for m in deteriorated
            ),
        }
    improved = [m for m in measures if m["change"] <= -m["threshold"]]
    if improved:
        return {
            "flag": False,
            "reason": ". ".join(f"{describe(m)}: reliable improvement" for m in improved),
        }
    latest_session = max(m["session"] for m in measures)
    if latest_session < session_n:
        return {
            "flag": False,
            "reason": ". ".join(describe(m) for m in measures)
            + f"; no reliable improvement yet, reviewed again at session {session_n}",
        }
    if not any(m["at_caseness"] for m in measures):
        return {
            "flag": False,
            "reason": ". ".join(describe(m) for m in measures) + ": below caseness",
        }
    return {
        "flag": True,
        "reason": ". ".join(
            f"{describe(m)}; expected a drop of at least {m['threshold']}" for m in measures if m["at_caseness"]
        ),
    }


def alliance_drop(wai_totals: Sequence[int | None]) -> dict[str, Any]:
    """Signal when the latest WAI-SR total is ALLIANCE_DROP_POINTS or more below the previous.

    Returns {"flag", "previous", "latest", "drop", "reason"}; unscorable (None) totals are
    skipped.
    """
    present = [total for total in wai_totals if total is not None]
    if len(present) < 2:
        return {
            "flag": False,
            "previous": None,
            "latest": present[-1] if present else None,
            "drop": None,
            "reason": "Not enough alliance scores yet",
        }
    previous, latest = present[-2], present[-1]
    drop = previous - latest
    flag = drop >= ALLIANCE_DROP_POINTS
    if flag:
        reason = f"WAI-SR {previous} -> {latest}: a drop of {drop}; worth an alliance check-in next session"
    else:
        reason = f"WAI-SR {previous} -> {latest}: no drop of {ALLIANCE_DROP_POINTS} or more"
    return {
        "flag": flag,
        "previous": previous,
        "latest": latest,
        "drop": drop,
        "reason": reason,
    }

"""Expected-recovery curves and the phase 2 not-on-track rule (after Lambert's OQ alerts).

Method (CLINICAL.md, "Not on track", phase 2):

1. Courses. A practice's finished courses (discharged clients with at least 2 attended
   sessions; CLINICAL.md's definition) give, for PHQ-9 and GAD-7 separately, the points
   (session number k, total). k is the attended-session number an administration counts
   toward (1 = intake; earlier scores count as 1), capped at MAX_SESSION.
2. Intake severity band. A course belongs to the band of its first score (INTAKE_BANDS:
   the instrument's published severity bands, with the bands below caseness merged, since
   a course starting there is outside the recovery denominator).
3. Fit. Per measure and band, a linear quantile regression of total on log(k), one per
   quantile in QUANTILES (0.25, 0.5, 0.75, 0.9): minimise sum(rho_tau(y - a - b log k)),
   rho_tau(r) = r * (tau - [r < 0]), solved by iteratively reweighted least squares
   (`quantile_fit`, numpy only). log(k) because change in therapy is fastest early
   (the dose-response curve, Howard et al. 1986; Lutz et al. 2006 use the same shape).
4. Fallback. A band with fewer than MIN_COURSES_PER_BAND practice courses uses the
   BUILT-IN SYNTHETIC PRIOR instead: the same fit on SYNTHETIC_COURSES courses drawn by
   `synthetic_courses` (seeded, documented below). It is not fitted on real clients and is
   labelled "synthetic prior" wherever it is shown; it exists so a new practice sees a
   band from day one. Which source a curve came from is part of every result.
5. Colours (OQ-Analyst's): at session k, with the client's latest score y:
   `white` y below caseness (and no reliable deterioration); `green` y <= the median curve;
   `yellow` y <= the 75th percentile curve (or any y before session 3, too early to call);
   `red` above the 75th percentile from session 3 on, or a reliable deterioration (PHQ-9 +6,
   GAD-7 +4) against the first score whatever the curve says. Not on track = any measure red.
   The reason names the score, the session, the band and the expected values in words.
   Why the 75th and not the 90th: on the benchmark's synthetic courses the 90th percentile
   line caught half the courses that end unchanged, the 75th catches ~88% at a 4-6% false
   alarm rate (phase 1: ~100% at ~30%); see benchmarks/bench_not_on_track.py.

Everything here is pure (numpy, no Django) except `practice_courses`, which reads the
database; the benchmark (benchmarks/bench_not_on_track.py) runs without one.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np

from clients.instruments import BUILTIN_INSTRUMENTS

logger = logging.getLogger(__name__)

QUANTILES = (0.25, 0.5, 0.75, 0.9)
MAX_SESSION = 20
MIN_COURSES_PER_BAND = 10
# The curve that separates yellow from red, and the first session at which it can flag
# (chosen with benchmarks/bench_not_on_track.py: see README.md for the figures).
RED_QUANTILE = 0.75
MIN_SESSION_FOR_CURVE_FLAG = 3
SYNTHETIC_COURSES = 600
SYNTHETIC_SEED = 16
MEASURES = ("phq9", "gad7")
LABELS = {"phq9": "PHQ-9", "gad7": "GAD-7"}
MAX_TOTAL = {"phq9": 27, "gad7": 21}
RELIABLE = {code: BUILTIN_INSTRUMENTS[code]["reliable_change"]["reliable"] for code in MEASURES}
CASENESS = {code: BUILTIN_INSTRUMENTS[code]["caseness_threshold"] for code in MEASURES}
# (code, low, high) by intake score; below caseness merged.
INTAKE_BANDS: dict[str, tuple[tuple[str, int, int], ...]] = {
    "phq9": (("below caseness", 0, 9), ("moderate", 10, 14), ("moderately severe", 15, 19), ("severe", 20, 27)),
    "gad7": (("below caseness", 0, 7), ("mild to moderate", 8, 14), ("severe", 15, 21)),
}
SOURCE_PRACTICE = "practice"
SOURCE_PRIOR = "synthetic prior"

Series = Sequence[tuple[int, int | None]]  # (session number, total or None), oldest first


def intake_band(measure: str, score: int) -> str:
    for code, low, high in INTAKE_BANDS[measure]:
        if low <= score <= high:
            return code
    return INTAKE_BANDS[measure][-1][0]


# ---------------------------------------------------------------------------
# Fitting


def quantile_fit(x: Sequence[float], y: Sequence[float], tau: float, *, iterations: int = 200) -> tuple[float, float]:
    """(intercept, slope) of the tau-quantile regression line of y on x, by IRLS.

    Each step solves a weighted least squares problem with weights
    w_i = (tau if r_i >= 0 else 1 - tau) / max(|r_i|, eps), the weights that make the squared
    loss equal the check loss at the current residuals; it stops when the coefficients move
    less than 1e-7. Raises ValueError with fewer than 2 points.
    """
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(xs) < 2:
        raise ValueError("need at least 2 points")
    design = np.column_stack([np.ones_like(xs), xs])
    beta = np.linalg.lstsq(design, ys, rcond=None)[0]
    for _ in range(iterations):
        residuals = ys - design @ beta
        weights = np.where(residuals >= 0, tau, 1 - tau) / np.maximum(np.abs(residuals), 1e-6)
        root = np.sqrt(weights)
        updated = np.linalg.lstsq(design * root[:, None], ys * root, rcond=None)[0]
        if np.max(np.abs(updated - beta)) < 1e-7:
            beta = updated
            break
        beta = updated
    return float(beta[0]), float(beta[1])


@dataclass(frozen=True)
class Curve:
    """Expected totals by session for one measure and intake band: quantile -> (a, b)."""

    measure: str
    band: str
    lines: dict[float, tuple[float, float]]
    n_courses: int
    source: str

    def expected(self, session: int, quantile: float = 0.5) -> float:
        intercept, slope = self.lines[quantile]
        value = intercept + slope * math.log(min(max(session, 1), MAX_SESSION))
        return min(max(value, 0.0), float(MAX_TOTAL[self.measure]))


def _points(courses: Sequence[Series]) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for course in courses:
        for session, total in course:
            if total is not None:
                xs.append(math.log(min(max(session, 1), MAX_SESSION)))
                ys.append(float(total))
    return xs, ys


def fit_band(measure: str, band: str, courses: Sequence[Series], source: str) -> Curve:
    xs, ys = _points(courses)
    lines = {tau: quantile_fit(xs, ys, tau) for tau in QUANTILES}
    return Curve(measure=measure, band=band, lines=lines, n_courses=len(courses), source=source)


def _by_band(measure: str, courses: Sequence[Series]) -> dict[str, list[Series]]:
    grouped: dict[str, list[Series]] = {}
    for course in courses:
        scored = [total for _, total in course if total is not None]
        if len(scored) >= 2:
            grouped.setdefault(intake_band(measure, scored[0]), []).append(course)
    return grouped


def fit_curves(courses_by_measure: Mapping[str, Sequence[Series]], *, source: str = SOURCE_PRACTICE) -> dict:
    """{measure: {band: Curve}} for the bands with at least MIN_COURSES_PER_BAND courses;
    the others come from the synthetic prior (source says which)."""
    prior = synthetic_prior()
    curves: dict[str, dict[str, Curve]] = {}
    for measure in MEASURES:
        grouped = _by_band(measure, courses_by_measure.get(measure) or [])
        curves[measure] = {}
        for band, _low, _high in INTAKE_BANDS[measure]:
            own = grouped.get(band) or []
            if len(own) >= MIN_COURSES_PER_BAND:
                curves[measure][band] = fit_band(measure, band, own, source)
            elif prior is not None:
                curves[measure][band] = prior[measure][band]
    return curves


# ---------------------------------------------------------------------------
# The built-in synthetic prior (and the benchmark's generator)


@dataclass
class SyntheticCourse:
    measure: str
    outcome: str  # "improvement", "no_change", "deterioration" (known by construction)
    series: list[tuple[int, int | None]] = field(default_factory=list)


OUTCOME_MIX = (("improvement", 0.6), ("no_change", 0.28), ("deterioration", 0.12))


def synthetic_course(rng: random.Random, measure: str, outcome: str, sessions: int) -> SyntheticCourse:
    """One course: total_k = intake * (1 + (f - 1) * log k / log 12) + N(0, 1.5), rounded and
    clipped, where f (the share of the intake score left at session 12) is drawn by outcome:
    improvement 0.25-0.65, no change 0.85-1.1, deterioration 1.25-1.6."""
    top = MAX_TOTAL[measure]
    intake = rng.randint(CASENESS[measure], top - 2)
    share = {"improvement": (0.25, 0.65), "no_change": (0.85, 1.1), "deterioration": (1.25, 1.6)}[outcome]
    remaining = rng.uniform(*share)
    series: list[tuple[int, int | None]] = []
    for session in range(1, sessions + 1):
        mean = intake * (1 + (remaining - 1) * math.log(session) / math.log(12))
        noise = 0 if session == 1 else rng.gauss(0, 1.5)
        series.append((session, int(min(max(round(mean + noise), 0), top))))
    return SyntheticCourse(measure=measure, outcome=outcome, series=series)


def synthetic_courses(seed: int, count: int, measure: str, *, mix=OUTCOME_MIX) -> list[SyntheticCourse]:
    rng = random.Random(f"{seed}-{measure}")
    outcomes = [name for name, _ in mix]
    weights = [weight for _, weight in mix]
    return [synthetic_course(rng, measure, rng.choices(outcomes, weights)[0], rng.randint(8, 16)) for _ in range(count)]


@cache
def synthetic_prior() -> dict[str, dict[str, Curve]] | None:
    """Curves fitted on SYNTHETIC_COURSES generated courses per measure (see module docstring)."""
    prior: dict[str, dict[str, Curve]] = {}
    for measure in MEASURES:
        courses: list[Series] = [
            course.series for course in synthetic_courses(SYNTHETIC_SEED, SYNTHETIC_COURSES, measure)
        ]
        # Courses starting below caseness: "no change" courses shifted down to start between
        # 4 and caseness - 1 (little room to fall, so roughly flat).
        low_rng = random.Random(f"{SYNTHETIC_SEED}-{measure}-low")
        low: list[Series] = []
        for _ in range(SYNTHETIC_COURSES // 4):
            course = synthetic_course(low_rng, measure, "no_change", low_rng.randint(8, 16))
            shift = course.series[0][1] - low_rng.randint(4, CASENESS[measure] - 1)  # type: ignore[operator]
            low.append([(k, max(0, total - shift)) for k, total in course.series if total is not None])
        grouped = _by_band(measure, courses + low)
        prior[measure] = {band: fit_band(measure, band, grouped.get(band) or [], SOURCE_PRIOR) for band in grouped}
    return prior


# ---------------------------------------------------------------------------
# A client against the curve


@dataclass(frozen=True)
class Tracking:
    measure: str
    colour: str  # white / green / yellow / red, or "" when not enough scores
    session: int
    latest: int | None
    first: int | None
    band: str
    expected: float | None
    upper: float | None
    red_line: float | None
    source: str
    reason: str


def _session_phrase(session: int) -> str:
    return f"session {session}"


def track(measure: str, series: Series, curves: dict) -> Tracking:
    """Where the client's latest score sits against the expected curve for their intake band."""
    present = [(session, total) for session, total in series if total is not None]
    label = LABELS[measure]
    if len(present) < 2:
        return Tracking(measure, "", 0, None, None, "", None, None, None, "", f"{label}: not enough scores yet")
    (_, first), (session, latest) = present[0], present[-1]
    assert first is not None and latest is not None
    band = intake_band(measure, first)
    curve: Curve | None = (curves.get(measure) or {}).get(band)
    if curve is None:
        return Tracking(measure, "", session, latest, first, band, None, None, None, "", f"{label}: no expected curve")
    k = max(session, 1)
    expected, upper, red_line = curve.expected(k, 0.5), curve.expected(k, 0.75), curve.expected(k, RED_QUANTILE)
    change = latest - first
    described = (
        f"{label} {first} -> {latest} at {_session_phrase(k)}; clients starting {band} are expected at "
        f"{expected:.1f} by now (3 in 4 at or below {upper:.1f}; "
        f"{'synthetic prior' if curve.source == SOURCE_PRIOR else f'{curve.n_courses} finished courses'})"
    )
    if change >= RELIABLE[measure]:
        colour, verdict = "red", f"reliable deterioration (a rise of {change}, threshold {RELIABLE[measure]})"
    elif latest > red_line and k >= MIN_SESSION_FOR_CURVE_FLAG:
        colour, verdict = "red", "above the expected range: not on track"
    elif latest < CASENESS[measure]:
        colour, verdict = "white", "below caseness"
    elif latest <= expected:
        colour, verdict = "green", "on track"
    else:
        colour, verdict = "yellow", "slower than expected"
    return Tracking(
        measure, colour, k, latest, first, band, expected, upper, red_line, curve.source, f"{described}: {verdict}"
    )


def not_on_track_from_curves(phq9: Series, gad7: Series, curves: dict) -> dict[str, Any]:
    """{"flag", "reason", "tracking": [Tracking]}: flagged when any measure is red."""
    tracked = [track(measure, series, curves) for measure, series in (("phq9", phq9), ("gad7", gad7))]
    scored = [t for t in tracked if t.colour]
    if not scored:
        return {"flag": False, "reason": "Not enough scores yet", "tracking": tracked}
    red = [t for t in scored if t.colour == "red"]
    shown = red or scored
    return {"flag": bool(red), "reason": ". ".join(t.reason for t in shown), "tracking": tracked}


def first_flag_session(series: Series, curves: dict, measure: str) -> int | None:
    """The first session at which the curve rule flags the course (benchmark helper)."""
    for end in range(2, len(series) + 1):
        if track(measure, series[:end], curves).colour == "red":
            return series[end - 1][0]
    return None


# ---------------------------------------------------------------------------
# The practice's own courses (database)


def practice_courses(practice_id: int) -> dict[str, list[list[tuple[int, int | None]]]]:
    """PHQ-9 and GAD-7 series of the practice's finished courses (discharged, >= 2 attended)."""
    import bisect

    from clients.models import Assessment, Client
    from clients.selectors import SESSION_MATCH_WINDOW
    from sessions.models import Session

    clients = list(
        Client.objects.filter(practice_id=practice_id, status=Client.Status.DISCHARGED).values_list("pk", flat=True)
    )
    starts: dict[int, list] = {}
    for client_id, starts_at in (
        Session.objects.filter(client_id__in=clients, status=Session.Status.ATTENDED)
        .order_by("starts_at")
        .values_list("client_id", "starts_at")
    ):
        starts.setdefault(client_id, []).append(starts_at)
    courses: dict[str, dict[int, list[tuple[int, int | None]]]] = {measure: {} for measure in MEASURES}
    rows = (
        Assessment.objects.filter(client_id__in=[c for c in clients if len(starts.get(c, [])) >= 2])
        .filter(instrument__in=MEASURES)
        .order_by("administered_at", "id")
        .values_list("client_id", "instrument", "total", "administered_at")
    )
    for client_id, instrument, total, administered_at in rows:
        number = bisect.bisect_right(starts[client_id], administered_at + SESSION_MATCH_WINDOW)
        courses[instrument].setdefault(client_id, []).append((max(number, 1), total))
    return {measure: list(by_client.values()) for measure, by_client in courses.items()}


def curves_stamp_columns(practice_id: int) -> dict:
    """The expressions of the curves' cache stamp, to select in a query of the caller's
    (`practice_curves` alone, or the Measures tab's read of attended sessions): the
    practice's discharged clients (a course that finishes) and its latest administration
    (a score added to a course)."""
    from django.db.models import Count, IntegerField, Subquery, Value
    from django.db.models.functions import Coalesce

    from clients.models import Assessment, Client

    discharged = (
        Client.objects.filter(practice_id=practice_id, status=Client.Status.DISCHARGED)
        .order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(n=Count("pk"))
        .values("n")
    )
    latest = Assessment.objects.filter(client__practice_id=practice_id).order_by("-id").values("id")[:1]
    return {
        "curves_discharged": Coalesce(Subquery(discharged, output_field=IntegerField()), Value(0)),
        "curves_latest": Subquery(latest, output_field=IntegerField()),
    }


def curves_stamp(practice_id: int) -> tuple[int, int | None]:
    """(discharged clients, latest administration id) of the practice, in one query."""
    from practice.models import Practice

    row = Practice.objects.filter(pk=practice_id).values_list(*curves_stamp_columns(practice_id).values()).first()
    return (row[0], row[1]) if row else (0, None)


def practice_curves(practice_id: int, *, stamp: tuple[int, int | None] | None = None) -> dict:
    """The practice's fitted curves (prior where it has too few courses), cached by its data:
    `stamp` is `curves_stamp(practice_id)`, read here unless the caller read it already."""
    from django.core.cache import cache

    if stamp is None:
        stamp = curves_stamp(practice_id)
    key = f"alliance:recovery-curves:{practice_id}:{stamp[0]}:{stamp[1]}"
    # The cache is an optimisation: with Redis down the chart fits the curves itself (the
    # load test's Redis outage turned this into a 500 on the Measures tab).
    cache_up = True
    try:
        curves = cache.get(key)
    except Exception:  # any cache backend failure
        logger.warning("recovery curves: cache unavailable, computing without it", exc_info=True)
        curves, cache_up = None, False
    if curves is None:
        curves = fit_curves(practice_courses(practice_id))
        if cache_up:
            with contextlib.suppress(Exception):  # a failed write costs a refit next time, nothing else
                cache.set(key, curves, 3600)
    return curves

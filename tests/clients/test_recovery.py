"""Expected-recovery curves (clients/recovery.py): the fit, the fallback, the colours, the API."""

from __future__ import annotations

import math
import random

import pytest
from django.urls import reverse

from clients import recovery
from tests.conftest import as_user


def generated(intercept: float, slope: float, sigma: float, n: int = 4000, seed: int = 3):
    rng = random.Random(seed)
    xs, ys = [], []
    for _ in range(n):
        x = math.log(rng.randint(1, 20))
        xs.append(x)
        ys.append(intercept + slope * x + rng.gauss(0, sigma))
    return xs, ys


@pytest.mark.parametrize(("tau", "z"), [(0.25, -0.6745), (0.5, 0.0), (0.75, 0.6745), (0.9, 1.2816)])
def test_quantile_fit_reproduces_known_parameters(tau, z):
    # y = 16 - 3 log k + N(0, 2): the tau-quantile line is (16 + 2 z_tau) - 3 log k.
    xs, ys = generated(16.0, -3.0, 2.0)
    intercept, slope = recovery.quantile_fit(xs, ys, tau)
    assert intercept == pytest.approx(16.0 + 2.0 * z, abs=0.25)
    assert slope == pytest.approx(-3.0, abs=0.2)


def test_quantile_fit_needs_two_points():
    with pytest.raises(ValueError):
        recovery.quantile_fit([0.0], [1.0], 0.5)


def practice_like(seed: int, count: int, intake: int, remaining: float):
    """Courses starting at `intake` that end at `remaining` of it by session 12 (noise-free)."""
    return [
        [(k, round(intake * (1 + (remaining - 1) * math.log(k) / math.log(12)))) for k in range(1, 13)]
        for _ in range(count)
    ]


def test_a_band_with_enough_courses_is_fitted_on_them_and_the_rest_use_the_labelled_prior():
    courses = practice_like(1, recovery.MIN_COURSES_PER_BAND, 17, 0.5)  # moderately severe intakes
    curves = recovery.fit_curves({"phq9": courses})
    own = curves["phq9"]["moderately severe"]
    assert own.source == recovery.SOURCE_PRACTICE and own.n_courses == recovery.MIN_COURSES_PER_BAND
    assert own.expected(1) == pytest.approx(17, abs=0.5)
    assert own.expected(12) == pytest.approx(8.5, abs=0.6)
    assert curves["phq9"]["moderate"].source == recovery.SOURCE_PRIOR
    too_few = recovery.fit_curves({"phq9": courses[:-1]})
    assert too_few["phq9"]["moderately severe"].source == recovery.SOURCE_PRIOR


def test_colours_against_the_curve():
    curves = recovery.fit_curves({"phq9": practice_like(1, 12, 17, 0.5)})
    on_track = recovery.track("phq9", [(1, 17), (6, 10)], curves)
    assert on_track.colour == "green"
    stuck = recovery.track("phq9", [(1, 17), (6, 16)], curves)
    assert stuck.colour == "red"
    assert "PHQ-9 17 -> 16 at session 6" in stuck.reason and "not on track" in stuck.reason
    well = recovery.track("phq9", [(1, 17), (6, 4)], curves)
    assert well.colour == "white"
    worse = recovery.track("phq9", [(1, 17), (2, 23)], curves)
    assert worse.colour == "red" and "reliable deterioration" in worse.reason
    early = recovery.track("phq9", [(1, 17), (2, 17)], curves)
    assert early.colour in {"yellow", "green"}  # too early for the curve to flag


def test_not_on_track_from_curves_flags_in_words():
    curves = recovery.fit_curves({"phq9": practice_like(1, 12, 17, 0.5)})
    result = recovery.not_on_track_from_curves([(1, 17), (4, 17), (6, 17)], [], curves)
    assert result["flag"] is True and result["reason"].startswith("PHQ-9 17 -> 17 at session 6")
    assert recovery.not_on_track_from_curves([(1, 17)], [], curves)["flag"] is False


@pytest.mark.django_db
def test_outcomes_api_keeps_its_shape_and_adds_the_expected_band(therapist, client_record):
    from django.utils import timezone

    from clients.models import Assessment
    from tests.factories import SessionFactory

    now = timezone.now()
    for week, total in enumerate([17, 17, 17, 17, 17, 17]):
        when = now - timezone.timedelta(days=7 * (6 - week))
        SessionFactory(client=client_record, starts_at=when)
        Assessment.objects.create(
            client=client_record,
            instrument="phq9",
            version="phq9_v1",
            answers=[2] * 9,
            result={},
            total=total,
            administered_at=when + timezone.timedelta(minutes=5),
        )
    body = as_user(therapist).get(reverse("api-client-outcomes", kwargs={"pk": client_record.pk})).json()
    assert set(body["not_on_track"]) == {"flag", "reason"}
    assert body["not_on_track"]["flag"] is True
    assert "expected at" in body["not_on_track"]["reason"]
    [phq9] = body["expected_recovery"]
    assert phq9["colour"] == "red" and phq9["source"] == "synthetic prior"


def test_two_administrations_in_one_session_are_two_points_with_distinct_labels():
    import datetime as dt
    from types import SimpleNamespace

    from clients.charts import measure_panels
    from clients.instruments import BUILTIN_INSTRUMENTS

    session = dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.UTC)
    rows = [
        SimpleNamespace(
            instrument="phq9", total=total, answers=[1] * 9, result={}, administered_at=when, session_id=None
        )
        for total, when in ((14, session + dt.timedelta(minutes=5)), (12, session + dt.timedelta(minutes=55)))
    ]
    [panel] = measure_panels(rows, dict(BUILTIN_INSTRUMENTS), [session])
    assert panel.item_columns == ["S1 · 3 Nov 10:05", "S1 · 3 Nov 10:55"]
    # The chart is drawn twice (wide and narrow, CSS shows the one that fits): read the first.
    first_drawing = str(panel.chart).split("<svg")[1]
    circles = first_drawing.split("<circle")[1:]
    xs = {part.split('cx="')[1].split('"')[0] for part in circles}
    assert len(circles) == 2 and len(xs) == 2  # the x axis is time, not the session label


def test_jacobson_truax_is_shown_only_with_cited_norms_and_thresholds_cite_their_source():
    from clients.instruments import BUILTIN_INSTRUMENTS

    for code, points in (("phq9", 6), ("gad7", 4)):
        definition = BUILTIN_INSTRUMENTS[code]
        assert definition["reliable_change"] == {"reliable": points}
        assert "NHS Talking Therapies" in definition["reliable_change_source"]
        assert definition["norms"] is None  # no cited SD/r: no Jacobson-Truax category


@pytest.mark.django_db
def test_outcomes_carry_no_jacobson_truax_without_cited_norms(therapist, client_record):
    from clients.models import Assessment

    for total in (20, 8):
        Assessment.objects.create(
            client=client_record, instrument="phq9", version="phq9_v1", answers=[1] * 9, result={}, total=total
        )
    body = as_user(therapist).get(reverse("api-client-outcomes", kwargs={"pk": client_record.pk})).json()
    assert body["reliable_change_index"] == {}

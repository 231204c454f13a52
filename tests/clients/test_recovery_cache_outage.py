"""The chart's expected-recovery curves are cached, but a cache (Redis) outage must not fail the
chart: found by `make loadtest`'s Redis outage, where the Measures tab answered 500."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from clients.recovery import practice_curves
from tests.factories import PracticeFactory


@pytest.mark.django_db
def test_practice_curves_are_computed_when_the_cache_is_down(monkeypatch):
    practice = PracticeFactory()
    expected = practice_curves(practice.pk)
    cache.clear()

    calls = []

    def down(*args, **kwargs):
        calls.append(args)
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert practice_curves(practice.pk) == expected
    assert calls  # the cache was asked, failed, and the curves were fitted without it

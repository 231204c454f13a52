"""Real PostgreSQL + Redis + a `celery worker` subprocess, for the reliability tests.

Skipped unless ALLIANCE_INTEGRATION=1, DATABASE_URL is PostgreSQL and CELERY_BROKER_URL is
Redis. The worker is pointed at pytest-django's test database (`test_<NAME>`); tests use
`django_db(transaction=True)` so what they write is committed and visible to it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The project's virtualenv, else the one running pytest (a git worktree shares its parent's).
CELERY = next(
    (path for path in (ROOT / ".venv" / "bin" / "celery", Path(sys.executable).parent / "celery") if path.exists()),
    ROOT / ".venv" / "bin" / "celery",
)
READY_TIMEOUT = 60
# Nothing listens here: publishing to it fails the way it does while Redis is down.
DEAD_BROKER = "redis://127.0.0.1:6390/0"


def integration_skip_reason() -> str | None:
    if os.environ.get("ALLIANCE_INTEGRATION") != "1":
        return (
            "integration tests need ALLIANCE_INTEGRATION=1 (plus PostgreSQL DATABASE_URL and Redis CELERY_BROKER_URL)"
        )
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return "integration tests need DATABASE_URL pointing at PostgreSQL"
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        return "integration tests need CELERY_BROKER_URL pointing at Redis"
    if not CELERY.exists():
        return f"no celery executable at {CELERY}"
    return None


def pytest_collection_modifyitems(config, items) -> None:
    reason = integration_skip_reason()
    if reason is None:
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.skip(reason=reason))


def worker_database_url() -> str:
    """DATABASE_URL for the worker: pytest-django's test database, not the configured one."""
    from django.db import connection

    config = connection.settings_dict
    user = quote(config.get("USER") or "", safe="")
    password = quote(config.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = config.get("HOST") or "127.0.0.1"
    port = config.get("PORT") or "5432"
    return f"postgres://{auth}{host}:{port}/{config['NAME']}"


class Worker:
    """One `celery -A practice worker` process we started (and only we stop)."""

    def __init__(self, env: dict[str, str]) -> None:
        from django.conf import settings

        self.name = f"itest-{uuid.uuid4().hex[:8]}@%h"
        self.output: list[str] = []
        self.process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "practice",
                "worker",
                "--pool=solo",
                "-Q",
                ",".join(settings.TASK_QUEUES_ALL),  # every queue (practice/settings.py routes)
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                self.name,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + READY_TIMEOUT
        while not any(" ready." in line for line in self.output):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("celery worker did not start:\n" + "".join(self.output[-40:]))
            time.sleep(0.1)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def kill(self) -> None:
        """SIGKILL: the worker dies mid-task, without acknowledging anything."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_env(transactional_db) -> dict[str, str]:
    env = dict(os.environ)
    env["DATABASE_URL"] = worker_database_url()
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    env.setdefault("LOG_LEVEL", "INFO")
    return env


@pytest.fixture
def start_worker(worker_env) -> Iterator[Callable[..., Worker]]:
    """Start workers (extra env allowed); every one is stopped when the test ends."""
    from practice.celery import app

    app.control.purge()  # nothing left over from an earlier test
    started: list[Worker] = []

    def start(**extra_env: str) -> Worker:
        worker = Worker({**worker_env, **extra_env})
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()
    app.control.purge()


@pytest.fixture(autouse=True)
def no_phi_in_task_messages() -> Iterator[list]:
    """Every message published during an integration test carries only ids."""
    from celery.signals import before_task_publish

    published: list = []
    violations: list = []

    def check(sender=None, body=None, headers=None, **kwargs) -> None:
        args, task_kwargs = (body[0], body[1]) if isinstance(body, list | tuple) else ((), {})
        published.append((sender, list(args), dict(task_kwargs)))
        for value in [*args, *task_kwargs.values()]:
            if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.isdigit())):
                violations.append((sender, value))

    before_task_publish.connect(check, weak=False)
    yield published
    before_task_publish.disconnect(check)
    assert not violations, f"task messages must carry ids only, got {violations}"


def wait_for(condition: Callable[[], bool], *, timeout: float = 60, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextmanager
def broker_at(url: str, settings) -> Iterator[None]:
    """Point this process's Celery publisher at `url` (the worker keeps its own broker)."""
    from practice.celery import app

    previous = app.conf.broker_url
    settings.CELERY_BROKER_URL = url

    def switch(target: str) -> None:
        app.conf.broker_url = target
        # Drop cached connections/producers so the next publish uses the new URL.
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    switch(url)
    try:
        yield
    finally:
        switch(previous)
        settings.CELERY_BROKER_URL = previous

"""`make loadtest`: the production topology under a practice's load, on loopback only.

Seeds (once) a practice of 100 therapists and 3,000 clients into PostgreSQL
(benchmarks/loadtest_seed.py), starts its own Redis (a separate redis-server on its own port),
gunicorn (deploy/gunicorn.conf.py), one Celery worker for every queue and one beat, drives a
mix of therapists, clients and managers for a bounded time, and prints throughput, p50/p95/p99
per route, the error rate, Celery queue lag, and whether any write or alert was lost.

Scenarios (LOADTEST_SCENARIOS, comma-separated, or "all"):
- normal        the mix, nothing broken;
- redis-outage  Redis is stopped for LOADTEST_OUTAGE_SECONDS (30) a third of the way in, then
                started again: every 2xx write must be in the database, every risky check-in
                must have raised an alert, and the notification outbox must catch up;
- worker-kill   the Celery worker (master and children) gets SIGKILL 40% of the way in: nothing
                may be lost.
The Celery worker runs under a supervisor here as in deploy/ (systemd Restart=always, compose
restart: unless-stopped): whenever it exits it is started again 2 s later.

Environment (defaults): LOADTEST_DURATION=120 (seconds per scenario), LOADTEST_USERS=8
(concurrent virtual users, no think time: the figures are at saturation),
LOADTEST_WEB_WORKERS=2, LOADTEST_WORKER_CONCURRENCY=2, LOADTEST_PORT=8615,
LOADTEST_REDIS_PORT=8616, LOADTEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/loadtest
(its name must contain "loadtest": seeding empties the practice tables),
LOADTEST_DIR=/tmp/alliance-loadtest (logs, accounts, summaries), LOADTEST_RESEED=1 to reseed,
LOADTEST_CATCHUP_SECONDS=240 (how long to wait for the outbox afterwards),
LOADTEST_WEB_TIMEOUT=300 (gunicorn's worker timeout during the test).
The services start once; the web workers load the risk model and are warmed before the first
scenario, and the scenarios then run one after another against the same processes.

Every process it starts it stops (by pid); it never touches another Redis or PostgreSQL database.
No extra packages: the driver is the standard library (threads and http.client), so nothing
beyond requirements.txt is installed. Figures and their reading: docs/capacity.md.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"  # loopback only, always

DURATION = float(os.environ.get("LOADTEST_DURATION", "120"))
USERS = int(os.environ.get("LOADTEST_USERS", "8"))
WEB_WORKERS = int(os.environ.get("LOADTEST_WEB_WORKERS", "2"))
WORKER_CONCURRENCY = int(os.environ.get("LOADTEST_WORKER_CONCURRENCY", "2"))
PORT = int(os.environ.get("LOADTEST_PORT", "8615"))
REDIS_PORT = int(os.environ.get("LOADTEST_REDIS_PORT", "8616"))
DATABASE_URL = os.environ.get("LOADTEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/loadtest")
WORKDIR = Path(os.environ.get("LOADTEST_DIR") or Path(tempfile.gettempdir()) / "alliance-loadtest")
OUTAGE_SECONDS = float(os.environ.get("LOADTEST_OUTAGE_SECONDS", "30"))
CATCHUP_SECONDS = float(os.environ.get("LOADTEST_CATCHUP_SECONDS", "240"))
QUEUES = ("safety", "analytics", "ai", "celery")
SCENARIOS = ("normal", "redis-outage", "worker-kill")

HARMLESS = [
    "Had a calm walk with my sister after work.",
    "Slept better, still tired in the afternoon.",
    "Work was busy but I took my breaks.",
    "Cooked dinner with friends and laughed a lot.",
    "Felt anxious before the meeting, it went fine.",
    "Tried the breathing exercise twice today.",
]
RISKY = [
    "I want to kill myself tonight",
    "I have been thinking about ending my life",
    "I don't want to be alive anymore and I have a plan",
]
JOURNAL = [
    "Today I noticed the sun in the morning and called my mum.",
    "I went to the gym and felt proud afterwards.",
    "I wrote down three worries and one of them did not happen.",
]


def service_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("CELERY_TASK_ALWAYS_EAGER", "ALLIANCE_ENV", "PYTEST_ADDOPTS"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="practice.settings",
        DATABASE_URL=DATABASE_URL,
        DB_CONN_MAX_AGE="60",
        ALLIANCE_DATA_DIR=str(WORKDIR / "data"),
        CELERY_BROKER_URL=f"redis://{HOST}:{REDIS_PORT}/0",
        CACHE_URL=f"redis://{HOST}:{REDIS_PORT}/1",
        REQUIRE_MFA_FOR_STAFF="false",
        DEBUG="false",
        ALLOWED_HOSTS=f"{HOST},localhost",
        EMAIL_URL="consolemail://",
        LOG_LEVEL="INFO",
        WEB_BIND=f"{HOST}:{PORT}",
        WEB_WORKERS=str(WEB_WORKERS),
        WEB_MAX_REQUESTS="0",
        # A worker's first screened texts (the risk model's lazy set-up) took over 120 s on this
        # shared, 8x oversubscribed 2-core machine; production keeps deploy/gunicorn.conf.py's 120.
        WEB_TIMEOUT=os.environ.get("LOADTEST_WEB_TIMEOUT", "300"),
        PATH=f"{VENV_BIN}:{os.environ.get('PATH', '')}",
    )
    return env


# ---------------------------------------------------------------------------
# Processes we start (and only those we stop)


class Service:
    def __init__(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = WORKDIR / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        handle = self.log.open("a")
        self.process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def pids(self) -> list[int]:
        """The process and its descendants."""
        if self.process is None or self.process.poll() is not None:
            return []
        found, frontier = [self.process.pid], [self.process.pid]
        while frontier:
            parent = frontier.pop()
            try:
                children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
            except OSError:
                children = []
            for child in map(int, children):
                found.append(child)
                frontier.append(child)
        return found

    def kill9(self) -> None:
        for pid in reversed(self.pids()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill9()


def proc_cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def proc_rss_mb(pids: list[int]) -> list[float]:
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return sizes


def postgres_pids() -> list[int]:
    """PostgreSQL backends serving the load-test database."""
    name = urllib.parse.urlparse(DATABASE_URL).path.lstrip("/")
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cmdline.startswith("postgres: ") and f" {name} " in cmdline:
            pids.append(int(entry.name))
    return pids


class Topology:
    """redis-server, gunicorn, one Celery worker for all queues, one beat."""

    def __init__(self) -> None:
        self.env = service_env()
        self.restarts: list[str] = []
        self.stopping = threading.Event()
        redis_dir = WORKDIR / "redis"
        shutil.rmtree(redis_dir, ignore_errors=True)
        redis_dir.mkdir(parents=True)
        for stale in WORKDIR.glob("*.log"):
            stale.unlink()
        self.redis = Service(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                str(redis_dir),
            ],
            self.env,
        )
        self.web = Service(
            "gunicorn",
            [str(VENV_BIN / "gunicorn"), "practice.wsgi:application", "--config", "deploy/gunicorn.conf.py"],
            self.env,
        )
        self.worker = Service(
            "worker",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "practice",
                "worker",
                "-Q",
                ",".join(QUEUES),
                f"--concurrency={WORKER_CONCURRENCY}",
                "-n",
                f"loadtest-{os.getpid()}@%h",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
            ],
            self.env,
        )
        self.beat = Service(
            "beat",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "practice",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(WORKDIR / "celerybeat-schedule"),
            ],
            self.env,
        )
        for old in WORKDIR.glob("celerybeat-*"):
            old.unlink()

    def start(self) -> None:
        self.redis.start()
        wait_for(lambda: redis_ping(), 20, "Redis")
        self.web.start()
        self.worker.start()
        self.beat.start()
        threading.Thread(target=self.supervise, daemon=True).start()
        wait_for(lambda: http_status("/health/ready") == 200, 180, "gunicorn /health/ready")

    def supervise(self) -> None:
        """Restart the Celery worker 2 s after it exits, as systemd (Restart=always, RestartSec=2)
        and compose (restart: unless-stopped) do in deploy/. A Redis outage ends the worker
        process (kombu's Redis transport fails restoring unacknowledged messages)."""
        while not self.stopping.wait(1.0):
            process = self.worker.process
            if process is not None and process.poll() is not None:
                self.restarts.append(time.strftime("%H:%M:%S") + f" worker exited ({process.returncode}), restarted")
                time.sleep(2)
                if not self.stopping.is_set():
                    self.worker.start()

    def stop(self) -> None:
        self.stopping.set()
        for service in (self.beat, self.worker, self.web, self.redis):
            service.stop()


def wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):  # not up yet, whatever the reason
            if check():
                return
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def redis_client():
    import redis

    return redis.Redis(host=HOST, port=REDIS_PORT, socket_timeout=1, socket_connect_timeout=1)


def redis_ping() -> bool:
    return bool(redis_client().ping())


# ---------------------------------------------------------------------------
# HTTP


def request(method: str, path: str, *, token: str | None = None, body=None, cookie: str | None = None, form=None):
    """One request on a new loopback connection (gunicorn's sync workers close every connection)."""
    headers = {"Host": f"{HOST}:{PORT}"}
    payload = None
    if token:
        headers["Authorization"] = f"Token {token}"
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if form is not None:
        payload = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie:
        headers["Cookie"] = cookie
    connection = http.client.HTTPConnection(HOST, PORT, timeout=120)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, data, response.getheaders()
    finally:
        connection.close()


def http_status(path: str) -> int:
    return request("GET", path)[0]


def web_login(email: str, password: str) -> str:
    """Sign in through the login page (CSRF cookie + form); returns the Cookie header."""
    status, page, headers = request("GET", "/accounts/login/")
    cookies = cookies_from(headers)
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if status != 200 or match is None or "csrftoken" not in cookies:
        raise RuntimeError(f"login page: {status}")
    status, _, headers = request(
        "POST",
        "/accounts/login/",
        cookie=f"csrftoken={cookies['csrftoken']}",
        form={"username": email, "password": password, "csrfmiddlewaretoken": match.group(1).decode()},
    )
    cookies.update(cookies_from(headers))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login: {status}")
    return "; ".join(f"{key}={value}" for key, value in cookies.items())


def cookies_from(headers) -> dict[str, str]:
    found = {}
    for key, value in headers:
        if key.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
    return found


# ---------------------------------------------------------------------------
# The mix


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.written: dict[str, list[int]] = defaultdict(list)  # kind -> ids from 2xx responses
        self.risky_clients: set[int] = set()
        self.crisis_shown = 0
        self.timeline: list[tuple[float, str, int]] = []
        self.measuring = False
        self.started = time.monotonic()

    def record(self, route: str, status: int, seconds: float) -> None:
        if not self.measuring:
            return
        with self.lock:
            self.samples[route].append(seconds)
            self.statuses[route][status] += 1
            self.timeline.append((time.monotonic() - self.started, route, status))


class Mix:
    """Who does what. Weights per iteration: clients 60%, therapists 33%, managers 7%."""

    def __init__(self, accounts: dict, recorder: Recorder) -> None:
        self.accounts = accounts
        self.recorder = recorder
        self.password = accounts["password"]
        self.sessions: dict[str, str] = {}
        self.session_lock = threading.Lock()
        self.homework_lock = threading.Lock()
        self.submitted: dict[str, set[int]] = {}
        today = time.strftime("%Y-%m-%d")
        self.report_path = f"/api/v1/reports/practice/?start={int(today[:4]) - 1}{today[4:]}&end={today}"

    def call(self, route: str, method: str, path: str, **kwargs):
        started = time.monotonic()
        try:
            status, data, _ = request(method, path, **kwargs)
        except (OSError, http.client.HTTPException):
            status, data = 599, b""
        self.recorder.record(route, status, time.monotonic() - started)
        return status, data

    def written(self, kind: str, status: int, data: bytes) -> dict | None:
        if not 200 <= status < 300 or not self.recorder.measuring:
            return None
        try:
            body = json.loads(data)
        except ValueError:
            return None
        with self.recorder.lock:
            self.recorder.written[kind].append(int(body["id"]))
        return body

    def step(self, rng: random.Random) -> None:
        roll = rng.random()
        if roll < 0.60:
            self.client(rng, rng.choice(self.accounts["clients"]))
        elif roll < 0.93:
            self.therapist(rng, rng.choice(self.accounts["therapists"]))
        else:
            self.manager(rng, rng.choice(self.accounts["managers"]))

    def client(self, rng: random.Random, account: dict) -> None:
        token = account["token"]
        roll = rng.random()
        if roll < 0.30:
            status, data = self.call("POST /me/checkins/ (mood)", "POST", "/api/v1/me/checkins/", token=token,
                                     body={"mood": rng.randint(3, 9)})  # fmt: skip
            self.written("checkin", status, data)
        elif roll < 0.62:
            status, data = self.call("POST /me/checkins/ (note)", "POST", "/api/v1/me/checkins/", token=token,
                                     body={"mood": rng.randint(3, 9), "note": rng.choice(HARMLESS)})  # fmt: skip
            self.written("checkin", status, data)
        elif roll < 0.66:
            status, data = self.call("POST /me/checkins/ (risky)", "POST", "/api/v1/me/checkins/", token=token,
                                     body={"mood": rng.randint(0, 2), "note": rng.choice(RISKY)})  # fmt: skip
            body = self.written("checkin", status, data)
            if body is not None:
                with self.recorder.lock:
                    self.recorder.risky_clients.add(int(account["client"]))
                    self.recorder.crisis_shown += bool(body.get("crisis_resources"))
        else:
            status, data = self.call("GET /me/homework/", "GET", "/api/v1/me/homework/?status=assigned", token=token)
            try:  # what the client sees as still open (an earlier run may have done the seeded ones)
                listed = [item["id"] for item in json.loads(data)["results"]] if status == 200 else []
            except (ValueError, KeyError, TypeError):
                listed = []
            with self.homework_lock:
                done = self.submitted.setdefault(token, set())
                choices = [pk for pk in listed if pk not in done]
                assignment = rng.choice(choices) if choices else None
                if assignment is not None:
                    done.add(assignment)
            if assignment is not None:
                status, data = self.call(
                    "POST /me/homework/{id}/submissions/", "POST", f"/api/v1/me/homework/{assignment}/submissions/",
                    token=token, body={"responses": {"entry": rng.choice(JOURNAL)}},
                )  # fmt: skip
                self.written("submission", status, data)

    def session_for(self, account: dict) -> str | None:
        with self.session_lock:
            cookie = self.sessions.get(account["email"])
        if cookie is None:
            started = time.monotonic()
            try:
                cookie = web_login(account["email"], self.password)
                status = 302
            except (OSError, RuntimeError, http.client.HTTPException):
                cookie, status = None, 599
            self.recorder.record("POST /accounts/login/ (web)", status, time.monotonic() - started)
            if cookie:
                with self.session_lock:
                    self.sessions[account["email"]] = cookie
        return cookie

    def therapist(self, rng: random.Random, account: dict) -> None:
        token = account["token"]
        client_id = rng.choice(account["clients"])
        roll = rng.random()
        if roll < 0.15:
            self.call("GET /clients/ (caseload)", "GET", "/api/v1/clients/", token=token)
        elif roll < 0.45:
            cookie = self.session_for(account)
            if cookie:
                tab = rng.choice(["overview", "overview", "measures", "homework", "engagement", "documents"])
                self.call(f"GET /clients/{{id}}/?tab={tab} (web)", "GET", f"/clients/{client_id}/?tab={tab}",
                          cookie=cookie)  # fmt: skip
        elif roll < 0.65:
            self.call("GET /clients/{id}/", "GET", f"/api/v1/clients/{client_id}/", token=token)
            self.call("GET /clients/{id}/insights/", "GET", f"/api/v1/clients/{client_id}/insights/", token=token)
        elif roll < 0.88:
            sections = {
                "subjective": "Reports sleeping better; work stress continues.",
                "objective": "Calm, engaged, on time.",
                "assessment": "Improving; homework done most days.",
                "plan": "Continue behavioural activation; review in two weeks.",
            }
            status, data = self.call("POST /clients/{id}/notes/", "POST", f"/api/v1/clients/{client_id}/notes/",
                                     token=token, body={"format": "soap", "sections": sections})  # fmt: skip
            self.written("note", status, data)
        else:
            self.call("GET /alerts/?status=open", "GET", "/api/v1/alerts/?status=open", token=token)

    def manager(self, rng: random.Random, account: dict) -> None:
        token = account["token"]
        if rng.random() < 0.6:
            self.call("GET /reports/practice/", "GET", self.report_path, token=token)
        else:
            page = rng.randint(1, 60)
            self.call("GET /clients/ (roster)", "GET", f"/api/v1/clients/?page={page}", token=token)


# ---------------------------------------------------------------------------
# Database checks (psycopg, read-only)


def db():
    import psycopg

    return psycopg.connect(DATABASE_URL, autocommit=True)


def high_water() -> dict[str, int]:
    with db() as connection:
        row = connection.execute(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM clinical_sessions_checkin),"
            " (SELECT COALESCE(MAX(id), 0) FROM clinical_sessions_homeworksubmission),"
            " (SELECT COALESCE(MAX(id), 0) FROM clinical_sessions_progressnote),"
            " (SELECT COALESCE(MAX(id), 0) FROM insights_alert),"
            " (SELECT COALESCE(MAX(id), 0) FROM practice_notification)"
        ).fetchone()
    return dict(zip(("checkin", "submission", "note", "alert", "notification"), row, strict=True))


TABLES = {
    "checkin": "clinical_sessions_checkin",
    "submission": "clinical_sessions_homeworksubmission",
    "note": "clinical_sessions_progressnote",
}


def verify_writes(recorder: Recorder, before: dict[str, int]) -> dict:
    result = {}
    with db() as connection:
        for kind, table in TABLES.items():
            ids = recorder.written.get(kind, [])
            found = connection.execute(f"SELECT COUNT(*) FROM {table} WHERE id = ANY(%s)", [ids]).fetchone()[0]
            new_rows = connection.execute(f"SELECT COUNT(*) FROM {table} WHERE id > %s", [before[kind]]).fetchone()[0]
            result[kind] = {"2xx": len(ids), "found": found, "lost": len(ids) - found, "rows_written": new_rows}
        risky = sorted(recorder.risky_clients)
        alerted = connection.execute(
            "SELECT COUNT(DISTINCT client_id) FROM insights_alert WHERE id > %s AND client_id = ANY(%s)",
            [before["alert"], risky],
        ).fetchone()[0]
        open_before = connection.execute(
            "SELECT COUNT(DISTINCT client_id) FROM insights_alert WHERE id <= %s AND client_id = ANY(%s)"
            " AND acknowledged_at IS NULL",
            [before["alert"], risky],
        ).fetchone()[0]
        result["alerts"] = {
            "clients_with_risky_checkin": len(risky),
            "clients_alerted_during_test": alerted,
            "clients_with_alert_open_before": open_before,
            "crisis_resources_shown": recorder.crisis_shown,
        }
    return result


def outbox_state(before: dict[str, int]) -> dict:
    with db() as connection:
        total, sent, p50, p95, worst = connection.execute(
            "SELECT COUNT(*), COUNT(sent_at),"
            " percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM sent_at - created_at)),"
            " percentile_cont(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM sent_at - created_at)),"
            " MAX(EXTRACT(EPOCH FROM sent_at - created_at))"
            " FROM practice_notification WHERE id > %s",
            [before["notification"]],
        ).fetchone()
    return {
        "notifications": total,
        "sent": sent,
        "unsent": total - sent,
        "created_to_sent_s": {"p50": fmt(p50), "p95": fmt(p95), "max": fmt(worst)},
    }


def fmt(value) -> float | None:
    return None if value is None else round(float(value), 2)


# ---------------------------------------------------------------------------
# Running a scenario


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    return {pid: proc_cpu_seconds([pid]) for pid in pids}


class CpuTracker:
    """CPU seconds used by a changing set of processes (backends and workers come and go)."""

    def __init__(self, groups: dict) -> None:
        self.groups = groups  # name -> callable returning pids
        self.first = {name: cpu_by_pid(find()) for name, find in groups.items()}
        self.last = {name: dict(values) for name, values in self.first.items()}

    def sample(self) -> None:
        for name, find in self.groups.items():
            self.last[name].update(cpu_by_pid(find()))

    def used(self) -> dict[str, float]:
        return {
            name: sum(cpu - self.first[name].get(pid, 0.0) for pid, cpu in self.last[name].items())
            for name in self.groups
        }


def queue_sampler(stop: threading.Event, lengths: dict[str, list[int]], outage: list[float], cpu: CpuTracker) -> None:
    client = redis_client()
    while not stop.wait(1.0):
        cpu.sample()
        try:
            for queue in QUEUES:
                lengths[queue].append(int(client.llen(queue)))
        except Exception:  # noqa: BLE001 - the broker is down (the outage scenario): count it
            outage.append(time.monotonic())


def parse_lag(log: Path, offset: int = 0) -> dict[str, dict]:
    """Per-queue enqueue-to-start lag from the worker's log (practice/celery.py), from `offset`."""
    by_queue: dict[str, list[int]] = defaultdict(list)
    pattern = re.compile(r"task (\S+) queue=(\S+) lag_ms=(\d+)")
    if log.exists():
        with log.open("rb") as handle:
            handle.seek(offset)
            text = handle.read().decode(errors="replace")
        for match in pattern.finditer(text):
            by_queue[match.group(2)].append(int(match.group(3)))
    return {
        queue: {
            "tasks": len(values),
            "p50_ms": percentile(values, 0.5),
            "p95_ms": percentile(values, 0.95),
            "max_ms": max(values),
        }
        for queue, values in sorted(by_queue.items())
    }


def warm_up(mix: Mix, accounts: dict) -> float:
    """Wait until the web workers have loaded the risk model (wsgi.py loads it in the background;
    /health/ready reports it), then sign the therapists in. Not measured; returns the wait."""
    print(f"  waiting for {WEB_WORKERS} web workers to load the risk model...", flush=True)
    started = time.monotonic()
    in_a_row = 0
    while in_a_row < 3 * WEB_WORKERS and time.monotonic() - started < 600:
        try:
            status, body, _ = request("GET", "/health/ready")
            loaded = status == 200 and json.loads(body).get("risk_model", {}).get("loaded", True)
        except (OSError, ValueError, http.client.HTTPException):
            loaded = False
        in_a_row = in_a_row + 1 if loaded else 0
        time.sleep(0.3 if loaded else 2)
    waited = time.monotonic() - started
    print(f"  risk model loaded after {waited:.0f} s; first screened check-ins...", flush=True)
    # The first texts a worker screens are slower still (lazy set-up): rounds of concurrent
    # harmless check-ins, until one round finishes within a few seconds.
    for _ in range(5):
        times: list[float] = []

        def harmless(account: dict, times: list[float] = times) -> None:
            began = time.monotonic()
            try:
                request("POST", "/api/v1/me/checkins/", token=account["token"], body={"mood": 5, "note": HARMLESS[0]})
            except (OSError, http.client.HTTPException):
                times.append(999.0)
                return
            times.append(time.monotonic() - began)

        threads = [
            threading.Thread(target=harmless, args=(account,))
            for account in random.sample(accounts["clients"], 2 * WEB_WORKERS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if max(times) < 5:
            break
    waited = time.monotonic() - started
    print(f"  web workers warm after {waited:.0f} s", flush=True)
    print("  signing in the therapists through the login page...", flush=True)
    pool = list(accounts["therapists"])

    def sign_in() -> None:
        while pool:
            try:
                account = pool.pop()
            except IndexError:
                return
            mix.session_for(account)

    workers = [threading.Thread(target=sign_in) for _ in range(4)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return waited


def run_scenario(scenario: str, topology: Topology, mix: Mix, model_wait: float) -> dict:
    print(
        f"\n=== scenario: {scenario} ({DURATION:.0f} s, {USERS} virtual users, {WEB_WORKERS} web workers)", flush=True
    )
    events: list[str] = []
    restarts_before = len(topology.restarts)
    recorder = Recorder()
    mix.recorder = recorder
    log_offset = topology.worker.log.stat().st_size if topology.worker.log.exists() else 0
    before = high_water()
    lengths: dict[str, list[int]] = defaultdict(list)
    broker_down: list[float] = []
    stop = threading.Event()
    cpu_tracker = CpuTracker(
        {"web": topology.web.pids, "worker": lambda: topology.worker.pids(), "postgres": postgres_pids}
    )
    sampler = threading.Thread(target=queue_sampler, args=(stop, lengths, broker_down, cpu_tracker), daemon=True)
    load_before = os.getloadavg()[0]
    recorder.started = time.monotonic()
    recorder.measuring = True
    deadline = recorder.started + DURATION

    def user(number: int) -> None:
        rng = random.Random(number * 7919 + hash(scenario) % 1000)
        while time.monotonic() < deadline:
            mix.step(rng)

    users = [threading.Thread(target=user, args=(n,), daemon=True) for n in range(USERS)]
    sampler.start()
    for thread in users:
        thread.start()
    if scenario == "redis-outage":
        time.sleep(DURATION / 3)
        events.append(f"{time.monotonic() - recorder.started:.0f}s: Redis stopped (SHUTDOWN)")
        with contextlib.suppress(Exception):
            redis_client().shutdown()
        topology.redis.process.wait(timeout=15)
        time.sleep(OUTAGE_SECONDS)
        topology.redis.start()
        wait_for(redis_ping, 20, "Redis restart")
        events.append(f"{time.monotonic() - recorder.started:.0f}s: Redis started again")
    elif scenario == "worker-kill":
        time.sleep(DURATION * 0.4)
        cpu_tracker.sample()
        topology.worker.kill9()
        events.append(
            f"{time.monotonic() - recorder.started:.0f}s: Celery worker killed (SIGKILL, master and children)"
        )
        # The supervisor (Topology.supervise) starts it again, as systemd would.
    for thread in users:
        thread.join()
    recorder.measuring = False
    elapsed = time.monotonic() - recorder.started
    cpu_tracker.sample()
    cpu = cpu_tracker.used()
    rss = {
        "web_workers_mb": [round(v) for v in proc_rss_mb(topology.web.pids())],
        "celery_mb": [round(v) for v in proc_rss_mb(topology.worker.pids())],
    }
    load_after = os.getloadavg()[0]
    writes = verify_writes(recorder, before)
    # The outbox catches up: the on-commit task, else the beat sweeper (every minute, rows
    # older than a minute). Wait for it, bounded.
    catchup_started = time.monotonic()
    outbox = outbox_state(before)
    while outbox["unsent"] and time.monotonic() - catchup_started < CATCHUP_SECONDS:
        time.sleep(5)
        outbox = outbox_state(before)
    outbox["waited_after_test_s"] = round(time.monotonic() - catchup_started)
    stop.set()
    unacked = None
    with contextlib.suppress(Exception):
        unacked = int(redis_client().hlen("unacked"))
    summary = {
        "scenario": scenario,
        "duration_s": round(elapsed, 1),
        "users": USERS,
        "web_workers": WEB_WORKERS,
        "worker_concurrency": WORKER_CONCURRENCY,
        "events": events,
        "worker_restarts": topology.restarts[restarts_before:],
        "model_ready_after_s": round(model_wait),
        "routes": route_table(recorder, elapsed),
        "writes": writes,
        "outbox": outbox,
        "queues": {
            "max_length": {q: max(v) if v else None for q, v in lengths.items()},
            "broker_unreachable_samples": len(broker_down),
            "unacked_at_end": unacked,
            "lag": parse_lag(topology.worker.log, log_offset),
        },
        "cpu_cores_used": {k: round(v / elapsed, 2) for k, v in cpu.items()},
        # CPU per request served (2xx/3xx), by process kind: what capacity scales with.
        "cpu_ms_per_request": {k: round(1000 * v / max(1, served_count(recorder)), 1) for k, v in cpu.items()},
        "rss": rss,
        "load_average": [round(load_before, 1), round(load_after, 1)],
    }
    return summary


def served_count(recorder: Recorder) -> int:
    return sum(n for statuses in recorder.statuses.values() for status, n in statuses.items() if status < 400)


def route_table(recorder: Recorder, elapsed: float) -> dict:
    table = {}
    for route in sorted(recorder.samples):
        values = recorder.samples[route]
        statuses = recorder.statuses[route]
        errors = sum(count for status, count in statuses.items() if status >= 400 and status != 404)
        table[route] = {
            "count": len(values),
            "rps": round(len(values) / elapsed, 2),
            "p50_ms": round(percentile(values, 0.5) * 1000),
            "p95_ms": round(percentile(values, 0.95) * 1000),
            "p99_ms": round(percentile(values, 0.99) * 1000),
            "errors": errors,
            "statuses": dict(sorted(statuses.items())),
        }
    return table


def print_summary(summary: dict) -> None:
    routes = summary["routes"]
    total = sum(r["count"] for r in routes.values())
    errors = sum(r["errors"] for r in routes.values())
    print(f"\n--- {summary['scenario']}: {total} requests in {summary['duration_s']} s = "
          f"{total / summary['duration_s']:.1f} req/s; errors {errors} ({100 * errors / max(total, 1):.2f}%)")  # fmt: skip
    for event in summary["events"]:
        print(f"    {event}")
    for restart in summary["worker_restarts"]:
        print(f"    supervisor: {restart}")
    print(f"{'route':<44} {'n':>6} {'req/s':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'err':>5}  statuses")
    for route, row in routes.items():
        print(
            f"{route:<44} {row['count']:>6} {row['rps']:>6} {row['p50_ms']:>6}ms {row['p95_ms']:>6}ms "
            f"{row['p99_ms']:>6}ms {row['errors']:>5}  {row['statuses']}"
        )
    for kind, row in summary["writes"].items():
        if kind == "alerts":
            print(f"alerts: {row}")
        else:
            print(f"writes {kind}: 2xx {row['2xx']}, in the database {row['found']}, lost {row['lost']} "
                  f"(rows written {row['rows_written']})")  # fmt: skip
    print(f"outbox: {summary['outbox']}")
    print(f"queues: {summary['queues']}")
    print(f"cpu ms per request served: {summary['cpu_ms_per_request']}")
    print(f"cpu cores used: {summary['cpu_cores_used']}; rss MB: {summary['rss']}; "
          f"load average {summary['load_average'][0]} -> {summary['load_average'][1]} (2-core machine, shared)")  # fmt: skip


def ensure_seeded() -> dict:
    name = urllib.parse.urlparse(DATABASE_URL).path.lstrip("/")
    if "loadtest" not in name or name.startswith("test"):
        raise SystemExit(f"refusing database {name!r}: its name must contain 'loadtest' (seeding empties it)")
    accounts_path = WORKDIR / "accounts.json"
    env = service_env()
    subprocess.run(  # create the database if it is missing
        [sys.executable, "-c", "import sys, psycopg; u = sys.argv[1].rsplit('/', 1); "
         "c = psycopg.connect(u[0] + '/postgres', autocommit=True); "
         "c.execute('CREATE DATABASE ' + u[1]) if not c.execute('SELECT 1 FROM pg_database WHERE datname = %s', "
         "[u[1]]).fetchone() else None", DATABASE_URL],
        check=True,
    )  # fmt: skip
    reuse = accounts_path.exists() and os.environ.get("LOADTEST_RESEED") != "1"
    if reuse:
        accounts = json.loads(accounts_path.read_text())
        import hashlib

        probe = hashlib.sha256(accounts["managers"][0]["token"].encode()).hexdigest()
        try:
            with db() as connection:
                reuse = bool(
                    connection.execute("SELECT 1 FROM practice_apitoken WHERE key_hash = %s", [probe]).fetchone()
                )
        except Exception:  # noqa: BLE001 - no schema yet, or another database: seed
            reuse = False
    if not reuse:
        print("seeding the load-test practice (100 therapists, 3,000 clients)...", flush=True)
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [sys.executable, "benchmarks/loadtest_seed.py", "--out", str(accounts_path)], cwd=ROOT, env=env, check=True
        )
    else:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    return json.loads(accounts_path.read_text())


def main() -> int:
    wanted = os.environ.get("LOADTEST_SCENARIOS", "normal")
    scenarios = list(SCENARIOS) if wanted == "all" else [s.strip() for s in wanted.split(",") if s.strip()]
    unknown = set(scenarios) - set(SCENARIOS)
    if unknown:
        raise SystemExit(f"unknown scenarios {sorted(unknown)}; choose from {SCENARIOS} or 'all'")
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is missing (apt-get install redis-server)")
    WORKDIR.mkdir(parents=True, exist_ok=True)
    (WORKDIR / "data").mkdir(exist_ok=True)
    accounts = ensure_seeded()
    failed = False
    topology = Topology()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop what we started on SIGTERM too
    try:
        print(
            f"starting Redis :{REDIS_PORT}, gunicorn :{PORT} ({WEB_WORKERS} workers), a Celery worker, beat", flush=True
        )
        topology.start()
        mix = Mix(accounts, Recorder())
        model_wait = warm_up(mix, accounts)
        for scenario in scenarios:
            failed = run_one(scenario, topology, mix, model_wait) or failed
    finally:
        topology.stop()
    print(f"\nSummaries: {WORKDIR}/summary-<scenario>.json")
    return 1 if failed else 0


def run_one(scenario: str, topology: Topology, mix: Mix, model_wait: float) -> bool:
    """Run one scenario, print and save its summary; True when something was lost."""
    failed = False
    summary = run_scenario(scenario, topology, mix, model_wait)
    (WORKDIR / f"summary-{scenario}.json").write_text(json.dumps(summary, indent=2))
    print_summary(summary)
    lost = sum(row["lost"] for kind, row in summary["writes"].items() if kind != "alerts")
    alerts = summary["writes"]["alerts"]
    missed = (
        alerts["clients_with_risky_checkin"]
        - alerts["clients_alerted_during_test"]
        - alerts["clients_with_alert_open_before"]
    )
    if lost or summary["outbox"]["unsent"] or missed > 0:
        print(f"FAIL: {lost} lost writes, {summary['outbox']['unsent']} unsent notices, {missed} risky clients without an alert")  # fmt: skip
        failed = True
    else:
        print("PASS: every 2xx write is stored, every risky check-in has an alert, the outbox is empty")
    return failed


if __name__ == "__main__":
    sys.exit(main())

"""The cost of risk screening on the check-in write path (issue 20, goal 1), side by side.

    .venv/bin/python benchmarks/bench_risk_screening.py            # everything below
    .venv/bin/python benchmarks/bench_risk_screening.py --quick    # fewer rounds, shorter windows
    .venv/bin/python benchmarks/bench_risk_screening.py --no-http  # skip 4 (no PostgreSQL, no gunicorn)
    .venv/bin/python benchmarks/bench_risk_screening.py --variants # add 2b: each graph variant

Prints, from one run (every comparison interleaved, because the machine is shared):
1. model load time and resident memory, onnxruntime (the default) and numpy (goal load <= 5 s);
2. the time screening adds per check-in note at concurrency 1 (``screen_text``), onnxruntime
   against numpy in the same process, alternating: p50 and p95 (goal p95 <= 30 ms);
2b. with ``--variants``: the forward pass alone for each graph flavour (contrib fused kernels,
   standard operators), onnxruntime's optimiser off/on, fp32 and int8, against numpy;
3. ``POST /api/v1/me/checkins/`` in process (Django test client, SQLite in /tmp) without a note,
   with a harmless note screened by onnxruntime and with one screened by numpy, interleaved:
   medians and ratios (goal <= 1.5x);
4. check-in throughput over HTTP: ``POST /api/v1/me/checkins/`` with harmless notes at
   concurrency 8 against gunicorn (2 sync workers, --preload, BENCH_PORT, default 8101) on
   PostgreSQL (BENCH_DATABASE_URL, default database alliance_bench_ort, one schema per tree),
   for this tree (onnxruntime), this tree with ALLIANCE_RISK_RUNTIME=numpy, and the previous
   detector (commit 424a714: rules + sentence-transformers + logistic regression) from a
   temporary ``git worktree`` under /tmp run with the same virtualenv; rounds alternate between
   them and the medians give the ratio (goal >= 5x the previous detector). The previous tree
   needs torch and sentence-transformers (requirements-train.txt); without them it is skipped
   and said so. Celery tasks go to BENCH_BROKER_URL (default Redis db 3, flushed at the end).
Informational: printed, not failed (see issue 20 for the goals).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "--child-load" not in sys.argv and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OLD_COMMIT = "424a714"  # the last commit with detector 1.2.0
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8101"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/alliance_bench_ort")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/3")
CONCURRENCY = 8
NOTES = [
    "Slept ok, bit tired.",
    "Good day at work, went for a walk after.",
    "Feeling a bit flat today but had lunch with a friend.",
    "Anxious before the meeting, it went fine in the end.",
    "Kids were a handful this morning. Managed a run in the evening and cooked dinner.",
    "Busy week. Not much to report, mood about the same as last time.",
    "Tried the breathing exercise twice, it helped a little with the panic on the bus.",
    "My mum's birthday today, we went out for dinner and I actually enjoyed it.",
]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- 1. Load ------------------------------------------------------------------------------------


def child_load() -> None:
    """Load the detector as a web worker does (warm_up) and report time, runtime and RSS."""
    os.environ["ALLIANCE_RISK_EMBEDDINGS"] = "1"
    before = _rss_mb()
    started = time.perf_counter()
    from insights import risk

    status = risk.warm_up()
    seconds = time.perf_counter() - started
    risk.screen_text("Went for a walk, felt ok.")
    row = {"load_seconds": seconds, "rss_mb": _rss_mb(), "rss_before_mb": before, "loaded": status["loaded"]}
    print(json.dumps({**row, "runtime": status.get("runtime")}))


def load_in_child(runtime: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), ALLIANCE_RISK_EMBEDDINGS="1", ALLIANCE_RISK_RUNTIME=runtime)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child-load"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --- 2. Per text --------------------------------------------------------------------------------


def detectors() -> dict:
    """The process's detector (onnxruntime) and a numpy one sharing its weights."""
    os.environ["ALLIANCE_RISK_EMBEDDINGS"] = "1"
    from insights import risk
    from insights.risk import detector as risk_detector

    risk.warm_up()
    default = risk.load_detector()
    if default is None:
        raise RuntimeError(f"the risk model did not load: {risk.embedding_status()['error']}")
    numpy_detector = risk_detector.Detector.load(model=default.model, runtime="numpy")
    return {"onnxruntime": default, "numpy": numpy_detector}


def per_text_latency(rounds: int, by_runtime: dict) -> dict[str, tuple[float, float]]:
    from insights import risk

    timings: dict[str, list[float]] = {name: [] for name in by_runtime}
    for _ in range(rounds):
        for note in NOTES:
            for name, detector in by_runtime.items():
                started = time.perf_counter()
                risk.screen_text(note, detector=detector)
                timings[name].append((time.perf_counter() - started) * 1000)
    return {name: (statistics.median(values), _percentile(values, 0.95)) for name, values in timings.items()}


def graph_variants(rounds: int, detector) -> None:
    """The detector's forward pass per graph flavour, optimiser setting and precision, alternating."""
    from insights.risk import runtime as risk_runtime

    layers = [*detector.model.layers[: detector.first_tuned], *detector.tuned]
    head = (detector.head_w, detector.head_b)
    batches = [detector.model.batch([ids]) for ids in detector.model.token_ids(NOTES)]
    variants = {"numpy (reference)": detector.reference_probabilities}
    for flavour in risk_runtime.FLAVOURS:
        for precision, optimise in (("fp32", False), ("fp32", True), ("int8", True)):
            session = risk_runtime.session_for(
                detector.model, layers, head=head, precision=precision, flavour=flavour, optimise=optimise
            )
            label = f"{flavour}, {precision}, onnxruntime optimiser {'on' if optimise else 'off'}"
            variants[label] = session.run
    deviation = {
        name: max(float(abs(run(batch) - detector.reference_probabilities(batch)).max()) for batch in batches)
        for name, run in variants.items()
    }
    timings: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for batch in batches:
            for name, run in variants.items():
                started = time.perf_counter()
                run(batch)
                timings[name].append((time.perf_counter() - started) * 1000)
    base = statistics.median(timings["numpy (reference)"])
    for name, values in timings.items():
        median = statistics.median(values)
        print(
            f"  {name:<50} p50 {median:6.1f} ms  {base / median:4.2f}x numpy  "
            f"max |probability - numpy| {deviation[name]:.1e}"
        )


# --- 3. Check-in ratio in process ---------------------------------------------------------------


def checkin_ratio(rounds: int, by_runtime: dict) -> dict[str, float]:
    """Median ms of a check-in without a note and with a harmless note per runtime, interleaved."""
    database = Path(tempfile.gettempdir()) / f"risk-bench-{os.getpid()}.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
    os.environ.pop("CELERY_BROKER_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    call_command("migrate", verbosity=0, interactive=False)
    from insights import risk
    from practice.roles import Role
    from tests.conftest import _portal_user, as_user
    from tests.factories import ClientFactory, MembershipFactory, PracticeFactory

    practice = PracticeFactory(name="Bench Practice", slug=f"bench-{os.getpid()}")
    therapist = MembershipFactory(practice=practice, role=Role.THERAPIST, user__email="t@bench.example")
    client = ClientFactory(primary_therapist=therapist, practice=practice)
    api = as_user(_portal_user(client, "c@bench.example"))
    url = reverse("api-me-checkins")

    def post(note: str | None, detector=None) -> float:
        # The view screens with the process's detector: point it at the one being measured.
        risk._detector = detector or by_runtime["onnxruntime"]
        body = {"mood": 6} if note is None else {"mood": 6, "note": note}
        started = time.perf_counter()
        response = api.post(url, body, format="json")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            raise RuntimeError(f"check-in failed: {response.status_code} {response.content[:300]!r}")
        if note is not None and "risk_level" in response.json():
            raise RuntimeError(f"a harmless note was flagged: {note}")
        return elapsed

    for _ in range(5):
        post(None)
        for detector in by_runtime.values():
            post(NOTES[0], detector)
    timings: dict[str, list[float]] = {"without a note": [], **{name: [] for name in by_runtime}}
    for index in range(rounds):
        timings["without a note"].append(post(None))
        for name, detector in by_runtime.items():
            timings[name].append(post(NOTES[index % len(NOTES)], detector))
    risk._detector = by_runtime["onnxruntime"]
    database.unlink(missing_ok=True)
    return {name: statistics.median(values) for name, values in timings.items()}


# --- 4. HTTP throughput -------------------------------------------------------------------------

SEED = """
import json, os
from practice.roles import Role
from practice.services import token_issue
from tests.conftest import _portal_user
from tests.factories import ClientFactory, MembershipFactory, PracticeFactory
practice = PracticeFactory(name="Bench Practice", slug="bench-http")
therapist = MembershipFactory(practice=practice, role=Role.THERAPIST, user__email="t@bench.example")
tokens = []
for index in range({count}):
    client = ClientFactory(primary_therapist=therapist, practice=practice)
    tokens.append(token_issue(user=_portal_user(client, f"c{{index}}@bench.example"))[1])
print("TOKENS " + json.dumps(tokens))
"""


class Tree:
    """One server configuration: a source tree, its schema in the benchmark database, extra env."""

    def __init__(
        self,
        name: str,
        folder: Path,
        schema: str,
        extra: dict[str, str] | None = None,
        *,
        ceiling: bool = False,
        preload: bool = True,
    ) -> None:
        self.name, self.folder, self.schema, self.extra = name, folder, schema, extra or {}
        # The previous tree loaded its model in a thread per worker (practice/wsgi.py there), which
        # --preload would leave in the master: it ran without it, as its deploy config did.
        self.preload = preload
        self.data_dir = Path(tempfile.gettempdir()) / f"risk-bench-data-{schema}"
        self.tokens: list[str] = []
        self.rates: list[float] = []
        # Also check-ins without a note on the same server: the rate with no screening at all,
        # the most any screener could reach.
        self.ceiling = ceiling
        self.ceiling_rates: list[float] = []
        self.served_by = ""  # the runtime /health/ready reports

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("CELERY_TASK_ALWAYS_EAGER", "ALLIANCE_ENV", "PYTEST_ADDOPTS", "DJANGO_SETTINGS_MODULE"):
            env.pop(name, None)
        options = urllib.parse.quote(f"-c search_path={self.schema}")
        env.update(
            DJANGO_SETTINGS_MODULE="practice.settings",
            DATABASE_URL=f"{DATABASE_URL}?options={options}",
            DB_CONN_MAX_AGE="60",
            ALLIANCE_DATA_DIR=str(self.data_dir),
            CELERY_BROKER_URL=BROKER_URL,
            REQUIRE_MFA_FOR_STAFF="false",
            DEBUG="false",
            ALLOWED_HOSTS=f"{HOST},localhost",
            EMAIL_URL="consolemail://",
            LOG_LEVEL="WARNING",
            ALLIANCE_RISK_EMBEDDINGS="1",
            PYTHONPATH=str(self.folder),
        )
        env.update(self.extra)
        return env

    def prepare(self, clients: int) -> None:
        """A fresh schema, migrated by this tree, with `clients` portal clients and their tokens."""
        import psycopg

        _ensure_database()
        with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
            connection.execute(f'CREATE SCHEMA "{self.schema}"')
        manage = [sys.executable, "manage.py"]
        env = dict(self.env(), ALLIANCE_RISK_EMBEDDINGS="0")
        subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=self.folder, env=env, check=True)
        seeded = subprocess.run(
            [*manage, "shell", "-c", SEED.format(count=clients)],
            cwd=self.folder,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        line = next(line for line in seeded.stdout.splitlines() if line.startswith("TOKENS "))
        self.tokens = json.loads(line.removeprefix("TOKENS "))

    def measure(self, seconds: float) -> float:
        """Start gunicorn, wait until ready, warm up, then check-ins per second at CONCURRENCY."""
        log = (self.data_dir / "gunicorn.log").open("a")
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "practice.wsgi:application",
                *(["--preload"] if self.preload else []),
                "--workers",
                "2",
                "--bind",
                f"{HOST}:{PORT}",
                "--timeout",
                "300",
            ],
            cwd=self.folder,
            env=self.env(),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            # Ready in a row, so that both workers have their model (the previous tree loads it in
            # each worker after start, screening with rules alone meanwhile).
            deadline, ready = time.monotonic() + 300, 0
            while ready < 12:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name}: gunicorn did not get ready (see {log.name})")
                ready = ready + 1 if _status("GET", "/health/ready") == 200 else 0
                time.sleep(0.25 if ready else 0.5)
            self.served_by = _ready_runtime()
            for index in range(4 * CONCURRENCY):  # both workers' first requests
                _checkin(self.tokens[index % len(self.tokens)], NOTES[index % len(NOTES)])
            rate = _drive(self.tokens, seconds)
            if self.ceiling:
                self.ceiling_rates.append(_drive(self.tokens, seconds, with_note=False))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
            log.close()
        self.rates.append(rate)
        return rate


def _ensure_database() -> None:
    import psycopg

    parsed = urllib.parse.urlparse(DATABASE_URL)
    name = parsed.path.lstrip("/")
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def _status(method: str, path: str, body: dict | None = None, token: str | None = None) -> int:
    headers = {"Host": f"{HOST}:{PORT}"}
    payload = None
    if token:
        headers["Authorization"] = f"Token {token}"
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection(HOST, PORT, timeout=120)
    try:
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def _ready_runtime() -> str:
    connection = http.client.HTTPConnection(HOST, PORT, timeout=60)
    try:
        connection.request("GET", "/health/ready", headers={"Host": f"{HOST}:{PORT}"})
        status = json.loads(connection.getresponse().read()).get("risk_model", {})
    except (OSError, ValueError):
        return "unknown"
    finally:
        connection.close()
    return str(status.get("runtime") or status.get("model") or "unknown")


def _checkin(token: str, note: str | None) -> int:
    body = {"mood": 6} if note is None else {"mood": 6, "note": note}
    return _status("POST", "/api/v1/me/checkins/", body, token)


def _drive(tokens: list[str], seconds: float, *, with_note: bool = True) -> float:
    """CONCURRENCY loops posting check-ins (one client each) for `seconds`: 201s per second."""
    done = [0] * CONCURRENCY
    failed = [0] * CONCURRENCY
    stop = time.perf_counter() + seconds

    def loop(slot: int) -> None:
        index = slot
        while time.perf_counter() < stop:
            note = NOTES[index % len(NOTES)] if with_note else None
            if _checkin(tokens[slot % len(tokens)], note) == 201:
                done[slot] += 1
            else:
                failed[slot] += 1
            index += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(slot,)) for slot in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if sum(failed):
        print(f"    ({sum(failed)} check-ins failed)")
    return sum(done) / (time.perf_counter() - started)


def old_worktree() -> tuple[Path | None, str]:
    """A temporary worktree of the previous detector's commit, or None and why not."""
    try:
        import sentence_transformers  # noqa: F401
        import sklearn  # noqa: F401
        import torch  # noqa: F401
    except ImportError as error:
        return None, f"torch/sentence-transformers/scikit-learn not installed ({error})"
    folder = Path(tempfile.mkdtemp(prefix="alliance-old-detector-")) / "tree"
    added = subprocess.run(
        ["git", "worktree", "add", "--detach", str(folder), OLD_COMMIT], cwd=ROOT, capture_output=True, text=True
    )
    if added.returncode != 0:
        return None, f"git worktree add failed: {added.stderr.strip()}"
    return folder, ""


def remove_worktree(folder: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True)
    shutil.rmtree(folder.parent, ignore_errors=True)  # the mkdtemp folder around it


def http_throughput(rounds: int, seconds: float) -> None:
    trees = [
        Tree("this tree, onnxruntime", ROOT, "bench_ort", {"ALLIANCE_RISK_RUNTIME": "onnx"}, ceiling=True),
        Tree("this tree, numpy", ROOT, "bench_numpy", {"ALLIANCE_RISK_RUNTIME": "numpy"}),
    ]
    old, why = old_worktree()
    if old is None:
        print(f"  previous detector ({OLD_COMMIT}): not measured: {why}")
    else:
        trees.append(
            Tree(
                f"previous detector ({OLD_COMMIT})",
                old,
                "bench_old",
                {"ALLIANCE_RISK_TORCH_THREADS": "1"},
                preload=False,
            )
        )
    try:
        for tree in trees:
            tree.data_dir.mkdir(parents=True, exist_ok=True)
            tree.prepare(CONCURRENCY)
        for round_number in range(rounds):
            for tree in trees if round_number % 2 == 0 else list(reversed(trees)):
                try:
                    rate = tree.measure(seconds)
                except RuntimeError as error:
                    print(f"  round {round_number + 1}: {tree.name}: could not run ({error})")
                    continue
                ceiling = f"; without a note {tree.ceiling_rates[-1]:.1f}/s" if tree.ceiling else ""
                print(
                    f"  round {round_number + 1}: {tree.name} [{tree.served_by}]: {rate:.1f} check-ins/s{ceiling} "
                    f"(load {_load_average()})"
                )
    finally:
        if old is not None:
            remove_worktree(old)
        subprocess.run(["redis-cli", "-u", BROKER_URL, "flushdb"], capture_output=True)
    medians = {tree.name: statistics.median(tree.rates) for tree in trees if tree.rates}
    new = medians.get(trees[0].name)
    for name, rate in medians.items():
        ratio = f"; this tree (onnxruntime) / this = {new / rate:.2f}x" if new and name != trees[0].name else ""
        print(f"  median {name}: {rate:.1f} check-ins/s{ratio}")
    ceiling = statistics.median(trees[0].ceiling_rates) if trees[0].ceiling_rates else None
    if ceiling:
        print(f"  median without a note (no screening, same servers): {ceiling:.1f} check-ins/s")
    if old is not None and trees[-1].name in medians and new:
        previous = medians[trees[-1].name]
        print(f"  throughput vs the previous detector: {new / previous:.2f}x (goal >= 5x)")
        if ceiling:
            print(f"  (no screening at all would give {ceiling / previous:.2f}x: the rest of the request bounds it)")


# --- Main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn/PostgreSQL throughput")
    parser.add_argument(
        "--variants", action="store_true", help="also time each graph flavour, optimiser setting and precision"
    )
    parser.add_argument("--child-load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_load:
        child_load()
        return 0

    rounds = 20 if args.quick else 60
    print(f"machine: {os.cpu_count()} cores, load average {_load_average()} at start")
    print("1. model load (warm_up: detector + language identifier + priming), one process each:")
    for runtime in ("onnx", "numpy"):
        loaded = load_in_child(runtime)
        print(
            f"  {loaded['runtime']}: {loaded['load_seconds']:.2f} s (goal <= 5 s); "
            f"RSS {loaded['rss_mb']:.0f} MB (before {loaded['rss_before_mb']:.0f} MB)"
        )

    by_runtime = detectors()
    latency = per_text_latency(max(5, rounds // 4), by_runtime)
    print("2. screening added per check-in note, concurrency 1, alternating (goal p95 <= 30 ms):")
    for name, (p50, p95) in latency.items():
        print(f"  {name:<12} p50 {p50:.1f} ms  p95 {p95:.1f} ms")
    speedup = latency["numpy"][0] / latency["onnxruntime"][0]
    print(f"  onnxruntime / numpy: {speedup:.2f}x faster at p50")

    if args.variants:
        print("2b. the detector's forward pass alone per graph variant (one note per call, alternating):")
        graph_variants(max(5, rounds // 4), by_runtime["onnxruntime"])

    medians = checkin_ratio(rounds, by_runtime)
    base = medians["without a note"]
    print("3. POST /api/v1/me/checkins/ in process, medians of interleaved requests (goal <= 1.5x):")
    print(f"  without a note: {base:.1f} ms")
    for name in by_runtime:
        print(f"  with a harmless note, {name}: {medians[name]:.1f} ms; ratio {medians[name] / base:.2f}x")

    if not args.no_http:
        print(
            f"4. check-in throughput over HTTP, concurrency {CONCURRENCY}, gunicorn 2 workers on :{PORT}, PostgreSQL; "
            "rounds alternate:"
        )
        http_throughput(2 if args.quick else 3, 10.0 if args.quick else 20.0)
    print(f"machine load average at the end: {_load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

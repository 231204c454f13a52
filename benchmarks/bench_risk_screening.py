"""The cost of risk screening on the check-in write path (issue 20, goals 1-2).

    .venv/bin/python benchmarks/bench_risk_screening.py            # everything below
    .venv/bin/python benchmarks/bench_risk_screening.py --quick    # fewer rounds

Prints, from one run:
1. ``POST /api/v1/me/checkins/`` with a short harmless note against without a note (in process,
   Django test client, SQLite in /tmp): medians of interleaved requests and their ratio
   (goal <= 1.5x);
2. the time screening adds per text at concurrency 1 (``screen_text`` on check-in-like notes):
   p50 and p95 (goal p95 <= 30 ms);
3. screening throughput at concurrency 8 spread over 2 worker processes (4 threads each), and,
   when torch and sentence-transformers are installed (requirements-train.txt), the same for
   the previous detector (1.2.0, rules + sentence-transformers + logistic regression, taken
   from git) and the ratio;
4. model load time and resident memory of a process that has loaded the detector (and the old one).
Informational: printed, not failed (the machine is shared; see issue 20 for the goals).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if "--child-load" not in sys.argv and "--child-throughput" not in sys.argv and str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # children import from their own PYTHONPATH (new or old tree)
OLD_COMMIT = "424a714"  # the last commit with detector 1.2.0
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


# --- Child processes ----------------------------------------------------------------------------


def child_load() -> None:
    """Load the detector (new or, from the old tree, 1.2.0) and report time and RSS."""
    os.environ["ALLIANCE_RISK_EMBEDDINGS"] = "1"
    before = _rss_mb()
    started = time.perf_counter()
    from insights import risk

    status = risk.warm_up()
    seconds = time.perf_counter() - started
    risk.screen_text("Went for a walk, felt ok.")
    print(
        json.dumps({"load_seconds": seconds, "rss_mb": _rss_mb(), "rss_before_mb": before, "loaded": status["loaded"]})
    )


def child_throughput(threads: int, seconds: float) -> None:
    os.environ["ALLIANCE_RISK_EMBEDDINGS"] = "1"
    from insights import risk

    risk.warm_up()
    for note in NOTES:
        risk.screen_text(note)
    done = [0] * threads
    stop = time.perf_counter() + seconds

    def work(slot: int) -> None:
        index = slot
        while time.perf_counter() < stop:
            risk.screen_text(NOTES[index % len(NOTES)])
            done[slot] += 1
            index += threads

    workers = [threading.Thread(target=work, args=(slot,)) for slot in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps({"texts": sum(done), "seconds": time.perf_counter() - started}))


# --- Measurements -------------------------------------------------------------------------------


def old_tree() -> Path | None:
    """The previous detector's package, extracted from git into a temporary folder."""
    try:
        import sentence_transformers  # noqa: F401
        import sklearn  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return None
    folder = Path(tempfile.mkdtemp(prefix="risk-old-"))
    archive = subprocess.run(
        ["git", "archive", OLD_COMMIT, "insights/__init__.py", "insights/risk"], cwd=ROOT, capture_output=True
    )
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def run_child(args: list[str], pythonpath: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(pythonpath), ALLIANCE_RISK_EMBEDDINGS="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    completed = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), *args], cwd=pythonpath, env=env, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise RuntimeError(completed.stderr[-2000:])
    return json.loads(completed.stdout.strip().splitlines()[-1])


def throughput(pythonpath: Path, seconds: float) -> float:
    """Texts per second at concurrency 8: 2 processes x 4 threads, started together."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath), ALLIANCE_RISK_EMBEDDINGS="1")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    processes = [
        subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--child-throughput", "4", str(seconds)],
            cwd=pythonpath,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    total = 0.0
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(err[-2000:])
        row = json.loads(out.strip().splitlines()[-1])
        total += row["texts"] / row["seconds"]
    return total


def per_text_latency(rounds: int) -> tuple[float, float, float]:
    os.environ["ALLIANCE_RISK_EMBEDDINGS"] = "1"
    from insights import risk

    risk.warm_up()
    timings = []
    for _ in range(rounds):
        for note in NOTES:
            started = time.perf_counter()
            risk.screen_text(note)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), _percentile(timings, 0.95), max(timings)


def checkin_ratio(rounds: int) -> tuple[float, float, float]:
    """Median ms of a check-in with a harmless note and without one, interleaved, and the ratio."""
    database = Path(tempfile.gettempdir()) / f"risk-bench-{os.getpid()}.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["ALLIANCE_RISK_EMBEDDINGS"] = "1"
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

    risk.warm_up()
    practice = PracticeFactory(name="Bench Practice", slug=f"bench-{os.getpid()}")
    therapist = MembershipFactory(practice=practice, role=Role.THERAPIST, user__email="t@bench.example")
    client = ClientFactory(primary_therapist=therapist, practice=practice)
    api = as_user(_portal_user(client, "c@bench.example"))
    url = reverse("api-me-checkins")

    def post(note: str | None) -> float:
        body = {"mood": 6} if note is None else {"mood": 6, "note": note}
        started = time.perf_counter()
        response = api.post(url, body, format="json")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 201:
            raise RuntimeError(f"check-in failed: {response.status_code} {response.content[:300]!r}")
        return elapsed

    for _ in range(5):
        post(None)
        post(NOTES[0])
    with_note, without = [], []
    for index in range(rounds):
        without.append(post(None))
        with_note.append(post(NOTES[index % len(NOTES)]))
    database.unlink(missing_ok=True)
    a, b = statistics.median(with_note), statistics.median(without)
    return a, b, a / b


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child-load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-throughput", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_load:
        child_load()
        return 0
    if args.child_throughput:
        child_throughput(int(args.child_throughput[0]), float(args.child_throughput[1]))
        return 0

    rounds = 20 if args.quick else 60
    seconds = 5.0 if args.quick else 15.0
    loaded = run_child(["--child-load"], ROOT)
    print(
        f"model load (numpy runtime, detector + language identifier + priming): {loaded['load_seconds']:.2f} s; "
        f"process RSS after load {loaded['rss_mb']:.0f} MB (before {loaded['rss_before_mb']:.0f} MB)"
    )
    p50, p95, worst = per_text_latency(max(5, rounds // 4))
    print(
        f"screening per check-in note, concurrency 1: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {worst:.1f} ms (goal p95 <= 30 ms)"
    )
    new_rate = throughput(ROOT, seconds)
    print(f"screening throughput, concurrency 8 over 2 processes: {new_rate:.1f} texts/s")
    old = old_tree()
    if old is None:
        print("previous detector (sentence-transformers): not measured (torch/sentence-transformers not installed)")
    else:
        try:
            old_loaded = run_child(["--child-load"], old)
            print(
                f"previous detector 1.2.0: load {old_loaded['load_seconds']:.2f} s, RSS {old_loaded['rss_mb']:.0f} MB"
            )
            old_rate = throughput(old, seconds)
            print(f"previous detector throughput: {old_rate:.1f} texts/s; new/old ratio {new_rate / old_rate:.1f}x")
        except RuntimeError as error:
            print(f"previous detector: could not run ({str(error).splitlines()[-1] if str(error) else error})")
    with_note, without, ratio = checkin_ratio(rounds)
    print(
        f"POST /api/v1/me/checkins/: median {with_note:.1f} ms with a harmless note, {without:.1f} ms without; "
        f"ratio {ratio:.2f}x (goal <= 1.5x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

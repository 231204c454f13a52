"""Homework completion with reminders at a fixed 18:00 versus at a learned hour.

Synthetic clients with known habits; nothing here touches real data or the database.

Model (stated so the result can be judged, not because it is known to hold for people):
- each client has a habitual completion time (mostly morning, lunchtime, evening or late
  night) and a personal spread around it;
- each assignment is completed with the client's base probability, raised by BOOST when
  the reminder arrives within WINDOW_HOURS of the habitual time;
- a completed assignment is finished at the habitual time plus normal noise.

Procedure: HISTORY_WEEKS assignments under the fixed 18:00 reminder give each client a
completion history; ``insights.ai.nudges.learn_reminder_timing`` learns an hour from it
(falling back to 18:00 when it declines to learn); then EVALUATION_WEEKS assignments are
run under both policies with the same random draws (common random numbers), so the
difference is the policy, not the luck.

Run: ``.venv/bin/python benchmarks/nudge_simulation.py [--clients N] [--seed S]``.
The model rewards reminders that match the habit by construction: the result measures
how well the learner recovers habits from sparse, noisy histories, not a clinical effect.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from insights.ai.nudges import learn_reminder_timing

FIXED_HOUR = 18
BOOST = 0.25
WINDOW_HOURS = 1.0
MAX_PROBABILITY = 0.95
HISTORY_WEEKS = 8
EVALUATION_WEEKS = 12
# (centre hour, weight) of the habit groups clients are drawn from.
HABITS = [(7.5, 0.2), (12.5, 0.15), (18.5, 0.15), (20.5, 0.3), (22.5, 0.2)]
EPOCH = dt.datetime(2025, 1, 6)  # a Monday; only clock times matter


@dataclass(frozen=True)
class SyntheticClient:
    habit_hour: float
    spread_hours: float
    base_probability: float


@dataclass(frozen=True)
class SimulationResult:
    clients: int
    fixed_percent: float
    learned_percent: float
    learned_clients: int

    @property
    def difference_points(self) -> float:
        return self.learned_percent - self.fixed_percent


def clock_distance(a: float, b: float) -> float:
    difference = abs(a - b) % 24
    return min(difference, 24 - difference)


def completion_probability(client: SyntheticClient, reminder_hour: int) -> float:
    near = clock_distance(reminder_hour, client.habit_hour) <= WINDOW_HOURS
    return min(MAX_PROBABILITY, client.base_probability + (BOOST if near else 0.0))


def make_client(rng: random.Random) -> SyntheticClient:
    centre = rng.choices([hour for hour, _ in HABITS], weights=[weight for _, weight in HABITS])[0]
    return SyntheticClient(
        habit_hour=(centre + rng.uniform(-1.0, 1.0)) % 24,
        spread_hours=rng.uniform(0.25, 1.25),
        base_probability=rng.uniform(0.3, 0.6),
    )


def completion_time(client: SyntheticClient, week: int, rng: random.Random) -> dt.datetime:
    hour = (client.habit_hour + rng.gauss(0, client.spread_hours)) % 24
    return EPOCH + dt.timedelta(days=7 * week + rng.randrange(7), hours=hour)


def simulate(clients: int = 1000, seed: int = 20250601) -> SimulationResult:
    rng = random.Random(seed)
    fixed_done = learned_done = total = learned_clients = 0
    for _ in range(clients):
        client = make_client(rng)
        history = [
            completion_time(client, week, rng)
            for week in range(HISTORY_WEEKS)
            if rng.random() < completion_probability(client, FIXED_HOUR)
        ]
        timing = learn_reminder_timing(history)
        learned_hour = timing.hour if timing.hour is not None else FIXED_HOUR
        learned_clients += timing.hour is not None
        fixed_p = completion_probability(client, FIXED_HOUR)
        learned_p = completion_probability(client, learned_hour)
        for _ in range(EVALUATION_WEEKS):
            draw = rng.random()  # one draw per assignment, shared by both policies
            fixed_done += draw < fixed_p
            learned_done += draw < learned_p
            total += 1
    return SimulationResult(
        clients=clients,
        fixed_percent=round(100 * fixed_done / total, 1),
        learned_percent=round(100 * learned_done / total, 1),
        learned_clients=learned_clients,
    )


def main(argv: list[str] | None = None) -> SimulationResult:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20250601)
    args = parser.parse_args(argv)
    result = simulate(args.clients, args.seed)
    print(f"n clients: {result.clients} (seed {args.seed}; a learned hour for {result.learned_clients})")
    print(f"fixed 18:00 completion: {result.fixed_percent:.1f}%")
    print(f"learned-hour completion: {result.learned_percent:.1f}%")
    print(f"difference: {result.difference_points:+.1f} points")
    return result


if __name__ == "__main__":
    main()

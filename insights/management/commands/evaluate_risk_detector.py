"""``manage.py evaluate_risk_detector FILE.jsonl`` — measure the risk screener on labelled text.

Each line of the file is ``{"text": ..., "label": "none" | "concern" | "urgent"}``. The
command prints counts, flagged precision and recall (concern and urgent together against
none), the per-level confusion matrix, exact-level accuracy, every miss with its reason,
and the latency per text with and without the embedding layer. ``--min-recall`` and
``--min-precision`` make it exit non-zero below a threshold (for CI); they apply to the
mode production uses (embeddings when the model loads, rules otherwise).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights.risk import evaluation as risk_eval


class Command(BaseCommand):
    help = "Evaluate the client-text risk screener on a labelled JSON Lines file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="JSON Lines file with text and label (none, concern, urgent)")
        parser.add_argument("--min-recall", type=float, default=None, help="fail when flagged recall is lower")
        parser.add_argument("--min-precision", type=float, default=None, help="fail when flagged precision is lower")
        parser.add_argument(
            "--no-embeddings", action="store_true", help="evaluate the rules only, without loading the model"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = risk_eval.evaluate(options["path"], embeddings=not options["no_embeddings"])
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"cannot evaluate {options['path']}: {error}") from error
        self.stdout.write(risk_eval.format_report(report))

        primary = report.primary
        failures = []
        if options["min_recall"] is not None and primary.recall < options["min_recall"]:
            failures.append(f"recall {primary.recall:.3f} < {options['min_recall']}")
        if options["min_precision"] is not None and primary.precision < options["min_precision"]:
            failures.append(f"precision {primary.precision:.3f} < {options['min_precision']}")
        if failures:
            raise CommandError(f"{primary.mode}: " + "; ".join(failures))

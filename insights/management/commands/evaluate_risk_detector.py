"""``manage.py evaluate_risk_detector`` - the risk detector's figures.

For every held-out set (``insights/risk/data/heldout/*.jsonl``) and for the validation split of
the training data (``--validation``, on by default): precision and recall (concern + urgent
against none), urgent recall, the urgent texts scored none (listed), per-category recall, the
confusion matrix and latency p50/p95 per text. Extra files may be given as arguments.
``--min-recall`` / ``--min-precision`` / ``--max-urgent-none`` exit non-zero when a held-out set
falls below them. ``--rules-only`` evaluates the rules alone for comparison.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights import risk
from insights.risk import data as risk_data
from insights.risk import evaluation as risk_eval


class Command(BaseCommand):
    help = "Evaluate the client-text risk detector on the held-out sets and the validation split."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="*", help="more JSON Lines files (text, level or label, category)")
        parser.add_argument("--no-validation", action="store_true", help="skip the validation split")
        parser.add_argument("--rules-only", action="store_true", help="evaluate the rules alone (model off)")
        parser.add_argument("--misses", action="store_true", help="list every miss with its reason")
        parser.add_argument("--min-recall", type=float, default=None)
        parser.add_argument("--min-precision", type=float, default=None)
        parser.add_argument("--max-urgent-none", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        use_model = not options["rules_only"]
        if use_model:
            status = risk.warm_up()
            if not status["loaded"]:
                raise CommandError(f"the risk model did not load: {status['error']}")
            self.stdout.write(
                f"Risk detector {risk.RISK_DETECTOR_VERSION}: {status['model']}, loaded in {status['load_seconds']}s"
            )
            self.stdout.write(f"thresholds: {risk.load_detector().thresholds}")
        else:
            self.stdout.write(f"Risk detector {risk.RISK_DETECTOR_VERSION}: rules only")

        def screen(text: str) -> risk.RiskResult:
            return risk.screen_text(text, use_embeddings=use_model)

        sets: list[tuple[str, list[risk_data.Example]]] = []
        heldout = risk_data.heldout_files()
        if not heldout:
            self.stdout.write(f"No held-out sets in {risk_data.HELDOUT_DIR} yet (add *.jsonl files there).")
        named = [(f"held-out {path.stem}", path) for path in heldout]
        named += [(f"file {path}", path) for path in (Path(p) for p in options["paths"])]
        for name, path in named:
            try:
                sets.append((name, risk_data.load_file(path)))
            except (OSError, ValueError, KeyError) as error:
                raise CommandError(f"cannot read {path}: {error}") from error
        if not options["no_validation"]:
            sets.append(("validation split (training data)", risk_data.load_training().validation))

        failures = []
        for name, examples in sets:
            report = risk_eval.evaluate_examples(name, examples, screen)
            self.stdout.write("")
            self.stdout.write(risk_eval.format_report(report, show_misses=options["misses"]))
            if not name.startswith("held-out"):
                continue
            if options["min_recall"] is not None and report.recall < options["min_recall"]:
                failures.append(f"{name}: recall {report.recall:.3f} < {options['min_recall']}")
            if options["min_precision"] is not None and report.precision < options["min_precision"]:
                failures.append(f"{name}: precision {report.precision:.3f} < {options['min_precision']}")
            if options["max_urgent_none"] is not None and len(report.urgent_scored_none) > options["max_urgent_none"]:
                failures.append(f"{name}: {len(report.urgent_scored_none)} urgent texts scored none")
        if failures:
            raise CommandError("; ".join(failures))

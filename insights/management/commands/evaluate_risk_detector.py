"""``manage.py evaluate_risk_detector`` - the risk detector's figures.

For every held-out set (``insights/risk/data/heldout/*.jsonl``) and for the validation split of
the training data (``--validation``, on by default): precision and recall (concern + urgent
against none), urgent recall, the urgent texts scored none (listed), per-category recall, the
confusion matrix and latency p50/p95 per text. Extra files may be given as arguments.
``--min-recall`` / ``--min-precision`` / ``--max-urgent-none`` exit non-zero when a held-out set
falls below them. ``--rules-only`` evaluates the rules alone for comparison.
``--runtime numpy onnx-fp32 onnx-int8`` evaluates every set with each runtime and prints them
side by side: int8 may only become the default (ALLIANCE_RISK_PRECISION) where it is at least as
good as fp32 on every held-out set (precision, recall, urgent texts scored none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from insights import risk
from insights.risk import data as risk_data
from insights.risk import detector as risk_detector
from insights.risk import evaluation as risk_eval

# name -> (runtime, precision) for Detector.load
RUNTIMES = {"numpy": ("numpy", None), "onnx-fp32": ("onnx", "fp32"), "onnx-int8": ("onnx", "int8")}


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
        parser.add_argument(
            "--runtime",
            nargs="+",
            choices=sorted(RUNTIMES),
            default=None,
            help="evaluate with each of these runtimes, side by side (default: the configured one)",
        )

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

        detectors: dict[str, Any] = {"configured": None}
        if use_model and options["runtime"]:
            shared = risk.load_detector().model
            detectors = {}
            for name in options["runtime"]:
                runtime, precision = RUNTIMES[name]
                loaded = risk_detector.Detector.load(model=shared, runtime=runtime, precision=precision)
                if name != "numpy" and loaded.session is None:
                    raise CommandError(f"{name}: onnxruntime did not start ({loaded.runtime})")
                self.stdout.write(f"{name}: {loaded.runtime}")
                detectors[name] = loaded

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
        table: list[tuple[str, str, risk_eval.SetReport]] = []
        for name, examples in sets:
            for label, detector in detectors.items():

                def screen(text: str, detector: Any = detector) -> risk.RiskResult:
                    return risk.screen_text(text, use_embeddings=use_model, detector=detector)

                report = risk_eval.evaluate_examples(name, examples, screen)
                table.append((name, label, report))
                self.stdout.write("")
                if label != "configured":
                    self.stdout.write(f"[{label}]")
                self.stdout.write(risk_eval.format_report(report, show_misses=options["misses"]))
                if not name.startswith("held-out"):
                    continue
                where = name if label == "configured" else f"{name} ({label})"
                if options["min_recall"] is not None and report.recall < options["min_recall"]:
                    failures.append(f"{where}: recall {report.recall:.3f} < {options['min_recall']}")
                if options["min_precision"] is not None and report.precision < options["min_precision"]:
                    failures.append(f"{where}: precision {report.precision:.3f} < {options['min_precision']}")
                if (
                    options["max_urgent_none"] is not None
                    and len(report.urgent_scored_none) > options["max_urgent_none"]
                ):
                    failures.append(f"{where}: {len(report.urgent_scored_none)} urgent texts scored none")
        if len(detectors) > 1:
            self._side_by_side(table)
        if failures:
            raise CommandError("; ".join(failures))

    def _side_by_side(self, table: list[tuple[str, str, risk_eval.SetReport]]) -> None:
        self.stdout.write("")
        self.stdout.write("== side by side")
        self.stdout.write(
            f"  {'set':<36} {'runtime':<10} {'precision':>9} {'recall':>7} {'urgent-recall':>13} {'urgent-none':>11} {'p50 ms':>7}"
        )
        for name, label, report in table:
            self.stdout.write(
                f"  {name:<36} {label:<10} {report.precision:>9.3f} {report.recall:>7.3f} "
                f"{report.urgent_recall:>13.3f} {len(report.urgent_scored_none):>11} {report.latency_p50_ms:>7.1f}"
            )
        reports = {(name, label): report for name, label, report in table}
        if not {"onnx-fp32", "onnx-int8"} <= {label for _, label, _ in table}:
            return
        worse = [
            name
            for name, label, fp32 in table
            if label == "onnx-fp32"
            and name.startswith("held-out")
            and not risk_eval.at_least_as_good(reports[(name, "onnx-int8")], fp32)
        ]
        if worse:
            self.stdout.write("int8 is worse than fp32 on: " + "; ".join(worse) + " -> keep fp32 the default")
        else:
            self.stdout.write("int8 is at least as good as fp32 on every held-out set (may be the default)")

"""``manage.py train_risk_detector`` - fine-tune the risk detector from the repository's data.

Needs the training dependencies (``pip install -r requirements-train.txt``: torch). Writes
``insights/risk/model/detector.npz`` (the fine-tuned top layers and the head, float16) and
``detector.json`` (thresholds calibrated on the validation split, seeds, data fingerprints).
Reproducible: fixed seeds, deterministic torch, data only from ``insights/risk``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Train the client-text risk detector (needs torch from requirements-train.txt)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: the module's)")
        parser.add_argument(
            "--recalibrate",
            action="store_true",
            help="only recompute the thresholds of the trained weights on the validation split (no torch)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["recalibrate"]:
            from insights.risk import training

            try:
                training.recalibrate(log=lambda line: self.stdout.write(line))
            except ValueError as error:
                raise CommandError(str(error)) from error
            return
        try:
            import torch  # noqa: F401
        except ImportError as error:
            raise CommandError("training needs torch: pip install -r requirements-train.txt") from error
        from insights.risk import training

        kwargs: dict[str, Any] = {"log": lambda line: self.stdout.write(line)}
        if options["epochs"]:
            kwargs["epochs"] = options["epochs"]
        meta = training.train(**kwargs)
        self.stdout.write(self.style.SUCCESS(f"wrote {training.MODEL_DIR}/detector.npz and detector.json"))
        self.stdout.write(f"thresholds: {meta['thresholds']}")

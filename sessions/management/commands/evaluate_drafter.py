"""Evaluate the note drafters on the evaluation set (sessions/drafting/eval/*.json).

python manage.py evaluate_drafter                   # structured, plus openai if configured
python manage.py evaluate_drafter --backend openai --url http://127.0.0.1:8080/v1 --model qwen2.5-7b-instruct
python manage.py evaluate_drafter --json
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from sessions.drafting.backends import BACKENDS, drafting_settings, get_drafter
from sessions.drafting.evaluation import check_detection, evaluate, load_cases
from sessions.drafting.openai_compat import OpenAICompatibleDrafter


class Command(BaseCommand):
    help = "Faithfulness, bullet coverage and time per draft of each available drafting backend."

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=[*BACKENDS, "all"], default=None)
        parser.add_argument("--url", default="", help="OpenAI-compatible base URL (default ALLIANCE_DRAFTING_URL)")
        parser.add_argument("--model", default="", help="model name for the openai backend")
        parser.add_argument("--timeout", type=float, default=None)
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, **options):
        cases = load_cases()
        if not cases:
            raise CommandError("No evaluation cases found.")
        config = drafting_settings()
        url = options["url"] or config.get("url") or ""
        wanted = options["backend"]
        if wanted in (None, "all"):
            backends = ["structured"] + (["openai"] if url else [])
        else:
            backends = [wanted]
        results = []
        for name in backends:
            if name == "openai":
                if not url:
                    raise CommandError("The openai backend needs --url or ALLIANCE_DRAFTING_URL.")
                drafter = OpenAICompatibleDrafter(
                    base_url=url,
                    model=options["model"] or str(config.get("model") or ""),
                    api_key=str(config.get("api_key") or ""),
                    timeout=options["timeout"] or float(config.get("timeout") or 60),
                )
            else:
                drafter = get_drafter(name)
            results.append(evaluate(drafter, cases).as_dict())
        detection = check_detection(cases)
        if options["json"]:
            self.stdout.write(json.dumps({"cases": len(cases), "backends": results, "check": detection}, indent=2))
            return
        self.stdout.write(f"Evaluation set: {len(cases)} cases (sessions/drafting/eval/)")
        for result in results:
            self.stdout.write(
                f"\n{result['backend']} ({result['model'] or 'no model'}): {result['cases']} drafts, {result['failed']} failed\n"
                f"  faithfulness (supported sentences): {result['faithfulness']} ({result['supported']}/{result['sentences']}); "
                f"drafts passing whole: {result['drafts_passed']}/{result['cases']}\n"
                f"  bullet coverage: {result['bullet_coverage']}   fact coverage: {result['fact_coverage']}   "
                f"placement (bullet in the reference's section): {result['placement']}\n"
                f"  reference overlap (unigram F1): {result['reference_unigram_f1']}\n"
                f"  time per draft: mean {result['seconds_per_draft_mean']} s, max {result['seconds_per_draft_max']} s"
            )
            for error in result["errors"]:
                self.stdout.write(f"  error: {error}")
        self.stdout.write(
            f"\nFaithfulness check on deliberately unfaithful sentences: caught {detection['caught']}/"
            f"{detection['perturbed_sentences']} ({detection['share']})"
        )

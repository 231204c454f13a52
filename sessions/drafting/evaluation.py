"""The drafting evaluation: bullet lists with structured facts and reference notes (eval/*.json).

For each backend, every case is drafted and checked, and the figures are:
- faithfulness: supported sentences / sentences (the faithfulness check), and drafts that pass whole;
- bullet coverage: bullets cited by at least one supported sentence / bullets;
- fact coverage: facts cited by at least one supported sentence / facts;
- placement: bullets whose (first) supported sentence is in the section the reference puts them in;
- reference overlap: unigram F1 between the draft and the reference note (a rough ROUGE-1);
- time per draft (mean and slowest), drafting plus checking.
Plus the check's own figure, backend-independent: of sentences deliberately made unfaithful
(an invented "taking no medications", a changed score, an invented mental-status finding), the
share the check marks unsupported.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sessions.drafting.backends import Drafter, DraftInput
from sessions.drafting.faithfulness import check_draft, check_sentence
from sessions.drafting.layout import Section

EVAL_DIR = Path(__file__).resolve().parent / "eval"
_WORD = re.compile(r"[a-z0-9]+")


def load_cases(directory: Path = EVAL_DIR) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))]


def unigram_f1(candidate: str, reference: str) -> float:
    a, b = _WORD.findall(candidate.lower()), _WORD.findall(reference.lower())
    if not a or not b:
        return 0.0
    remaining: dict[str, int] = {}
    for word in b:
        remaining[word] = remaining.get(word, 0) + 1
    overlap = 0
    for word in a:
        if remaining.get(word, 0) > 0:
            overlap += 1
            remaining[word] -= 1
    if not overlap:
        return 0.0
    precision, recall = overlap / len(a), overlap / len(b)
    return 2 * precision * recall / (precision + recall)


@dataclass
class BackendFigures:
    backend: str
    model: str
    cases: int = 0
    failed: int = 0
    sentences: int = 0
    supported: int = 0
    drafts_passed: int = 0
    bullets: int = 0
    bullets_covered: int = 0
    facts: int = 0
    facts_covered: int = 0
    placed: int = 0
    overlap: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def share(numerator: int, denominator: int) -> float | None:
            return round(numerator / denominator, 3) if denominator else None

        return {
            "backend": self.backend,
            "model": self.model,
            "cases": self.cases,
            "failed": self.failed,
            "faithfulness": share(self.supported, self.sentences),
            "sentences": self.sentences,
            "supported": self.supported,
            "drafts_passed": self.drafts_passed,
            "bullet_coverage": share(self.bullets_covered, self.bullets),
            "fact_coverage": share(self.facts_covered, self.facts),
            "placement": share(self.placed, self.bullets),
            "reference_unigram_f1": round(statistics.mean(self.overlap), 3) if self.overlap else None,
            "seconds_per_draft_mean": round(statistics.mean(self.seconds), 4) if self.seconds else None,
            "seconds_per_draft_max": round(max(self.seconds), 4) if self.seconds else None,
            "errors": self.errors[:5],
        }


def evaluate(drafter: Drafter, cases: list[dict[str, Any]]) -> BackendFigures:
    figures = BackendFigures(backend=drafter.name, model=getattr(drafter, "model", ""))
    for case in cases:
        figures.cases += 1
        layout = [Section(item["key"], item["heading"]) for item in case["layout"]]
        sources = case["bullets"] + case["facts"]
        started = time.perf_counter()
        try:
            output = drafter.draft(DraftInput(format=case["format"], layout=layout, sources=sources))
        except Exception as error:  # noqa: BLE001 (one failing case must not stop the run)
            figures.failed += 1
            figures.errors.append(f"{case['id']}: {error}")
            continue
        checked = check_draft([sentence.as_dict() for sentence in output.sentences], sources)
        figures.seconds.append(time.perf_counter() - started)
        summary = checked.summary
        figures.sentences += summary["sentences"]
        figures.supported += summary["supported"]
        figures.drafts_passed += int(summary["passed"])
        figures.bullets += summary["bullets"]
        figures.bullets_covered += summary["bullets_covered"]
        supported = [sentence for sentence in checked.sentences if sentence["supported"]]
        cited = {key for sentence in supported for key in sentence["sources"]}
        figures.facts += len(case["facts"])
        figures.facts_covered += len({fact["key"] for fact in case["facts"]} & cited)
        for key, expected in case["placement"].items():
            first = next((sentence for sentence in supported if key in sentence["sources"]), None)
            figures.placed += int(first is not None and first["section"] == expected)
        draft_text = " ".join(sentence["text"] for sentence in supported)
        figures.overlap.append(unigram_f1(draft_text, " ".join(case["reference"].values())))
    return figures


def perturbations(case: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Unfaithful sentences built from a case: (text, cited keys)."""
    bullet = case["bullets"][0]["key"]
    made = [
        ("Client is taking no medications.", [bullet]),
        ("Client appeared euthymic with intact insight and judgment.", [bullet]),
        ("Client denies any change in sleep.", [bullet]),
    ]
    for fact in case["facts"]:
        numbers = re.findall(r"\b\d+\b", fact["text"].split(":")[0] if fact["kind"] == "attendance" else fact["text"])
        if fact["kind"] == "measure" and numbers:
            data = fact["data"]
            made.append((f"{data['instrument']} total {int(data['total']) + 3} on {data['date']}.", [fact["key"]]))
    return made


def check_detection(cases: list[dict[str, Any]]) -> dict[str, Any]:
    total = caught = 0
    for case in cases:
        texts = {source["key"]: source["text"] for source in case["bullets"] + case["facts"]}
        for text, cited in perturbations(case):
            total += 1
            caught += int(not check_sentence(text, cited, texts).supported)
    return {"perturbed_sentences": total, "caught": caught, "share": round(caught / total, 3) if total else None}

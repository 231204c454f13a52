"""A small learned layer on top of the sentence embeddings: logistic regression, flagged vs not.

Nearest-anchor similarity catches close paraphrases; a linear model over the same embeddings
generalises better to wording no anchor resembles ("won't be around to see spring"). It is
trained at start-up, in milliseconds, on Alliance's own labelled examples
(``anchors.jsonl`` and ``training.jsonl``, written for this purpose), never on the
evaluation sets in tests/. It can only *raise* a sentence the rules left unflagged, and never
one a rule guard has cleared (negation, figurative speech, reported speech): those stay
decisions of the rules. Its raises are "concern" unless the nearest anchor is urgent wording:
a person reviews either way. The detector (``insights.risk``) applies it (``_second_look``);
this module knows nothing of the detector.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TRAINING_PATH = Path(__file__).with_name("training.jsonl")
# Probability of "risk" above which an unflagged sentence is raised for a person to review.
RAISE_PROBABILITY = 0.65
REGULARISATION_C = 4.0


def load_labelled(paths: list[Path]) -> list[tuple[str, bool]]:
    examples = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                label = row.get("label", row.get("level"))
                examples.append((row["text"], label != "none"))
    return examples


@dataclass
class RiskClassifier:
    model: Any
    examples: int

    @classmethod
    def train(cls, encode, examples: list[tuple[str, bool]]) -> RiskClassifier:
        from sklearn.linear_model import LogisticRegression

        vectors = encode([text for text, _ in examples])
        labels = [int(flagged) for _, flagged in examples]
        model = LogisticRegression(C=REGULARISATION_C, max_iter=2000, class_weight="balanced")
        model.fit(vectors, labels)
        return cls(model=model, examples=len(examples))

    def probabilities(self, vectors) -> list[float]:
        return [float(row[1]) for row in self.model.predict_proba(vectors)]


_classifier: RiskClassifier | None = None
_classifier_failed = False


def classifier_for(embedder, anchors_path: Path) -> RiskClassifier | None:
    """Train once per process on first use (the embedder is already loaded then), on the
    detector's anchors and this module's training examples."""
    global _classifier, _classifier_failed
    if _classifier is None and not _classifier_failed:
        try:
            _classifier = RiskClassifier.train(embedder.encode, load_labelled([anchors_path, TRAINING_PATH]))
        except Exception:  # noqa: BLE001 - without it the rules and anchors still screen
            _classifier_failed = True
    return _classifier

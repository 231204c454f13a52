"""A small learned layer on top of the sentence embeddings: logistic regression, flagged vs not.

Nearest-anchor similarity catches close paraphrases; a linear model over the same embeddings
generalises better to wording no anchor resembles ("won't be around to see spring"). It is
trained at start-up, in milliseconds, on Alliance's own labelled examples
(``anchors.jsonl`` and ``training.jsonl``, written for this purpose), never on the
evaluation sets in tests/. It can only *raise* a sentence the rules left unflagged, and never
one a rule guard has cleared (negation, figurative speech, reported speech): those stay
decisions of the rules. Its raises are "concern" unless the nearest anchor is urgent wording:
a person reviews either way.
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


def classifier_for(embedder) -> RiskClassifier | None:
    """Train once per process on first use (the embedder is already loaded then)."""
    global _classifier, _classifier_failed
    if _classifier is None and not _classifier_failed:
        try:
            from insights.risk import ANCHORS_PATH

            _classifier = RiskClassifier.train(embedder.encode, load_labelled([ANCHORS_PATH, TRAINING_PATH]))
        except Exception:  # noqa: BLE001 - without it the rules and anchors still screen
            _classifier_failed = True
    return _classifier


def second_look(text: str, result, embedder):
    """For a text the rules and anchors left at "none": raise a sentence the classifier rates
    as risk, unless a guard cleared it. Returns a new RiskResult or the one given."""
    from insights import risk

    classifier = classifier_for(embedder)
    if classifier is None:
        return result
    normalised = risk._normalise(text)
    sentences = [risk._Sentence(normalised[start:end], start) for start, end in risk.split_sentences(normalised)]
    outcome = risk._run_rules(text, sentences)
    candidates = [
        index
        for index in risk._sentences_to_embed(sentences, set(outcome.blocked))
        if not risk._model_should_not_raise(sentences[index].text)
    ]
    if not candidates:
        return result
    texts = [sentences[index].text for index in candidates]
    vectors = embedder.encode(texts)
    probabilities = classifier.probabilities(vectors)
    best = max(range(len(candidates)), key=lambda position: probabilities[position])
    if probabilities[best] < RAISE_PROBABILITY:
        return result
    sentence = sentences[candidates[best]]
    near = embedder.neighbours([sentence.text])[0]
    if near.risk_similarity < near.none_similarity:
        # The model and the nearest labelled example disagree ("I'd love to sleep for a week"
        # sits next to harmless tiredness): leave it to the rules.
        return result
    urgent = near.risk_anchor.level == "urgent" and near.risk_similarity >= risk.URGENT_SIMILARITY
    return risk.RiskResult(
        "urgent" if urgent else "concern",
        text[sentence.start : sentence.start + len(sentence.text)],
        f"reads like risk language (model probability {probabilities[best]:.2f}; nearest example: "
        f"{near.risk_anchor.category.replace('_', ' ')})",
        near.risk_anchor.category,
        "rules+embedding+classifier",
        risk.RISK_DETECTOR_VERSION,
        sentence.start,
        sentence.start + len(sentence.text),
    )

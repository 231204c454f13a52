"""The learned second look: raises unflagged risk wording, never undoes a rule guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from insights import risk
from insights.risk.classifier import TRAINING_PATH, load_labelled

DATA = Path(__file__).parent / "data"


def texts_of(path: Path) -> set[str]:
    return {json.loads(line)["text"].strip().lower() for line in path.read_text().splitlines() if line.strip()}


def test_training_data_shares_no_sentence_with_the_evaluation_sets():
    training = {text.strip().lower() for text, _ in load_labelled([risk.ANCHORS_PATH, TRAINING_PATH])}
    for name in ("risk-dev.jsonl", "risk-extra.jsonl", "risk-holdout.jsonl"):
        assert not training & texts_of(DATA / name), name


@pytest.fixture(scope="module")
def embedder():
    loaded = risk.load_embedder()
    if loaded is None:
        pytest.skip(f"embedding model unavailable: {risk.embedding_status()['error']}")
    return loaded


@pytest.mark.embeddings
@pytest.mark.parametrize(
    "text",
    [
        "every night I lie there wishing I could just stop existing",
        pytest.param(
            "I keep picturing the note I'd leave on the kitchen table",
            marks=pytest.mark.xfail(
                reason="known gap: imagery of a goodbye note without the word goodbye", strict=False
            ),
        ),
        # Known gaps (kept visible rather than deleted): an indirect farewell whose only cue is
        # "won't be around", and method research phrased as an ordinary fact about bridges.
        pytest.param(
            "Honestly I don't think I'll be around to see the spring.",
            marks=pytest.mark.xfail(reason="known gap: indirect farewell (model probability ~0.47)", strict=False),
        ),
        pytest.param(
            "Been reading about which bridges don't have barriers.",
            marks=pytest.mark.xfail(reason="known gap: method research without risk words", strict=False),
        ),
    ],
)
def test_second_look_flags_unseen_risk_wording(embedder, text):
    assert risk.screen_text(text, use_embeddings=True).level in {"concern", "urgent"}


@pytest.mark.embeddings
@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just completely worn out by the move.",
        "This commute is slowly killing me, two hours each way.",
        "My cousin said he wanted to die after the breakup, so I stayed with him.",
        "Baked bread with my daughter and we laughed a lot.",
    ],
)
def test_second_look_respects_guards_and_ordinary_text(embedder, text):
    assert risk.screen_text(text, use_embeddings=True).level == "none"


@pytest.mark.embeddings
def test_the_classifier_raises_what_rules_and_anchors_miss(embedder):
    text = "part of me hopes the cancer comes back so it would all be over"
    assert risk.screen_text(text, use_embeddings=False).level == "none"  # no rule matches
    result = risk.screen_text(text, use_embeddings=True)
    assert result.level == "concern" and "classifier" in result.method
    assert result.span == text  # the sentence that was raised, verbatim

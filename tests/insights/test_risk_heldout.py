"""The risk detector on the blind held-out sets, and no leak from training into evaluation.

The held-out sets live in insights/risk/data/heldout/*.jsonl (written blind by separate writers,
never used for training or for choosing thresholds). Every file there is evaluated against the
floors below; the lead edits them. With no files yet the threshold test skips and says so.
"""

from __future__ import annotations

import pytest

from insights import risk
from insights.risk import data as risk_data
from insights.risk import evaluation as risk_eval

# --- Floors (edit here) ---------------------------------------------------------------------
# The goal (issue 18) is recall >= 0.95, precision >= 0.90 and no urgent text scored none on
# every held-out set. Detector 2.3.0 does not reach it everywhere yet (measured 2026-12-07:
# writer A's set P 0.887 R 0.930, 1 urgent text scored none; writer B's P 0.899 R 0.980, 0;
# writer C's P 0.882 R 0.994, 0; writer D's P 0.880 R 0.976, 1; writer E's P 0.896 R 1.000, 0),
# so these floors hold what it does reach, a little below the measured figures, so that a change
# that makes screening worse fails CI. Raise them as the detector improves.
MIN_RECALL = 0.93  # concern + urgent against none
MIN_PRECISION = 0.87
MAX_URGENT_SCORED_NONE = 1
# A different floor for one file: {"heldout_1": {"MIN_PRECISION": 0.85}}
PER_SET_FLOORS: dict[str, dict[str, float]] = {
    "heldout-1-writer-a": {"MIN_PRECISION": 0.88},
    # Writer B: the one floor ever lowered, 0.99 -> 0.975 with detector 2.3.0, which misses two
    # long concern entries 2.2.0 caught (R 1.000 -> 0.980) while its precision rose 0.855 -> 0.899
    # and no urgent text is missed; the trade was taken on the validation split, not on this set.
    "heldout-2-writer-b": {"MIN_RECALL": 0.975, "MIN_PRECISION": 0.89, "MAX_URGENT_SCORED_NONE": 0},
    # Writer C (session 5, 300 texts; 2.0.0 had P 0.749 R 0.994).
    "heldout-3-writer-c": {"MIN_RECALL": 0.99, "MAX_URGENT_SCORED_NONE": 0},
    # Writer D (session 6, 300 texts, written before 2.3.0 was trained; 2.2.0 had P 0.809 R 0.952, 2).
    "heldout-4-writer-d": {"MIN_RECALL": 0.97},
    # Writer E (session 7, written blind; 297 texts once three exact or near duplicates of
    # 2.3.0's training lines were taken out; 2.3.0 is the first detector measured on it).
    "heldout-5-writer-e": {"MIN_RECALL": 0.99, "MAX_URGENT_SCORED_NONE": 0},
}
# Embedding cosine at or above which two texts count as near duplicates (also: trigram Jaccard
# >= risk_data.NEAR_DUPLICATE_JACCARD, or equal after normalising case, space and punctuation).
NEAR_DUPLICATE_COSINE = 0.95
# ---------------------------------------------------------------------------------------------

HELDOUT = risk_data.heldout_files()


def _floor(name: str, key: str, default: float) -> float:
    return PER_SET_FLOORS.get(name, {}).get(key, default)


@pytest.fixture(scope="module")
def detector():
    loaded = risk.load_detector()
    if loaded is None:
        pytest.fail(f"the risk model did not load: {risk.embedding_status()['error']}")
    return loaded


def test_heldout_folder_is_there() -> None:
    assert risk_data.HELDOUT_DIR.is_dir()


@pytest.mark.parametrize("path", HELDOUT, ids=[path.stem for path in HELDOUT])
def test_detector_holds_its_floors_on_each_heldout_set(path, detector, monkeypatch) -> None:
    monkeypatch.setenv(risk.EMBEDDINGS_ENV_VAR, "1")
    report = risk_eval.evaluate_file(path)
    summary = risk_eval.format_report(report)
    assert report.recall >= _floor(path.stem, "MIN_RECALL", MIN_RECALL), summary
    assert report.precision >= _floor(path.stem, "MIN_PRECISION", MIN_PRECISION), summary
    assert len(report.urgent_scored_none) <= _floor(path.stem, "MAX_URGENT_SCORED_NONE", MAX_URGENT_SCORED_NONE), (
        summary
    )


def test_there_are_heldout_sets_to_evaluate() -> None:
    if not HELDOUT:
        pytest.skip(f"no held-out sets yet: add *.jsonl files to {risk_data.HELDOUT_DIR}")


def test_no_training_example_appears_in_an_evaluation_set() -> None:
    """Exact (after normalising case, space and punctuation) and near duplicates (trigram
    Jaccard >= 0.8): the training loader drops them, so none may remain."""
    if not HELDOUT:
        pytest.skip(f"no held-out sets yet: add *.jsonl files to {risk_data.HELDOUT_DIR}")
    training = risk_data.load_training()
    index = risk_data.NearDuplicateIndex(example.text for path in HELDOUT for example in risk_data.load_file(path))
    leaks = [
        (example.text, index.texts[match[0]], round(match[1], 2))
        for example in [*training.train, *training.validation]
        if (match := index.match(example.text)) is not None
    ]
    assert not leaks, leaks[:10]


def test_no_training_example_is_an_embedding_near_duplicate_of_an_evaluation_line(detector) -> None:
    if not HELDOUT:
        pytest.skip(f"no held-out sets yet: add *.jsonl files to {risk_data.HELDOUT_DIR}")
    training = risk_data.load_training()
    heldout_texts = [example.text for path in HELDOUT for example in risk_data.load_file(path)]
    training_texts = [example.text for example in [*training.train, *training.validation]]
    heldout_vectors = detector.model.encode(heldout_texts)
    training_vectors = detector.model.encode(training_texts)
    similarity = training_vectors @ heldout_vectors.T
    rows, columns = (similarity >= NEAR_DUPLICATE_COSINE).nonzero()
    pairs = [(training_texts[row], heldout_texts[column]) for row, column in zip(rows, columns, strict=True)]
    assert not pairs, pairs[:10]


def test_a_training_line_near_a_heldout_line_is_dropped(tmp_path) -> None:
    train = tmp_path / "train.jsonl"
    heldout = tmp_path / "heldout.jsonl"
    train.write_text(
        '{"text": "I want to  DIE tonight!!", "level": "urgent"}\n'
        '{"text": "i have been saving my pills for weeks now, so I can take them all", "level": "urgent"}\n'
        '{"text": "Walked the dog, felt fine.", "level": "none"}\n',
        encoding="utf-8",
    )
    heldout.write_text(
        '{"text": "i want to die tonight", "level": "urgent"}\n'
        '{"text": "I have been saving my pills for weeks now so I can take them all.", "level": "urgent"}\n',
        encoding="utf-8",
    )
    loaded = risk_data.load_training([train], [heldout])
    kept = [example.text for example in [*loaded.train, *loaded.validation]]
    assert kept == ["Walked the dog, felt fine."]
    assert len(loaded.dropped_as_heldout) == 2


def test_near_duplicate_index_ignores_different_texts() -> None:
    index = risk_data.NearDuplicateIndex(["I want to die tonight"])
    assert index.match("I want pizza tonight with my friends") is None
    assert index.match("I want to die tonight.")[1] == 1.0

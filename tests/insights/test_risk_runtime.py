"""The detector on onnxruntime (insights/risk/runtime.py) against the numpy reference.

Tolerance: both passes do the same float32 arithmetic in a different order (fused kernels, an
exact erf against the numpy pass's 1.5e-7 approximation); measured, they differ by about 1e-7 in
probability. The tests allow 1e-4: a thousand times that, and still small enough that a decision
could only change for a text scored within 1e-4 of a threshold. The decisions themselves are
compared too. The embeddings keep their own bound (1e-4 of sentence-transformers', as
test_risk_encoder.py holds the numpy pass to).
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

from insights import risk
from insights.risk import detector as risk_detector
from insights.risk import encoder as risk_encoder
from insights.risk import runtime as risk_runtime

PROBABILITY_TOLERANCE = 1e-4
TEXTS = [
    "ok",
    "Went for a run and felt better.",
    "Had a calm day, cooked dinner with my partner.",
    "Honestly I wish I could just not wake up tomorrow.",
    "I'm going to kill myself tonight, I have the pills ready.",
    "Got enough of them saved now. Tonight. Nobody will find me till morning.",
    "This homework is killing me lol",
    "Work was long and the bus was late again, then I made soup and watched a show. " * 12,
]

pytestmark = pytest.mark.skipif(not risk_runtime.available(), reason="onnxruntime is not installed")


@pytest.fixture(autouse=True)
def _model_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(risk.EMBEDDINGS_ENV_VAR, "1")


@pytest.fixture(scope="module")
def detector() -> risk_detector.Detector:
    loaded = risk.load_detector()
    if loaded is None:
        pytest.fail(f"the risk model did not load: {risk.embedding_status()['error']}")
    return loaded


def test_the_default_runtime_is_onnxruntime_fp32_on_one_thread(detector) -> None:
    assert detector.session is not None
    assert detector.model.embedding_forward() != detector.model.reference_embeddings  # encode too
    assert detector.runtime.startswith("onnxruntime fp32")
    assert detector.session.intra_op_threads == 1
    assert risk.embedding_status()["runtime"] == detector.runtime


def test_onnxruntime_probabilities_match_the_numpy_reference(detector) -> None:
    ids = detector.model.token_ids(TEXTS)
    batch = detector.model.batch(ids)  # one padded batch: the mask must hide the padding
    onnx = detector.session.run(batch)
    reference = detector.reference_probabilities(batch)
    assert onnx.shape == (len(TEXTS), 3)
    assert np.abs(onnx - reference).max() < PROBABILITY_TOLERANCE
    for row, tokens in enumerate(ids):  # and one text at a time
        alone = detector.session.run(detector.model.batch([tokens]))
        assert np.abs(alone[0] - reference[row]).max() < PROBABILITY_TOLERANCE


def test_onnxruntime_and_numpy_reach_the_same_decisions(detector) -> None:
    numpy_detector = risk_detector.Detector.load(model=detector.model, runtime="numpy")
    assert numpy_detector.session is None
    for text in TEXTS:
        onnx, reference = detector.score(text), numpy_detector.score(text)
        assert detector.level(onnx) == numpy_detector.level(reference), text
        assert abs(onnx.flag - reference.flag) < PROBABILITY_TOLERANCE
        assert (onnx.start, onnx.end, onnx.windows) == (reference.start, reference.end, reference.windows)
        screened = risk.screen_text(text, detector=detector), risk.screen_text(text, detector=numpy_detector)
        assert screened[0].level == screened[1].level and screened[0].span == screened[1].span, text


def test_the_graph_is_built_from_the_weights_file_so_retraining_needs_no_export(detector, tmp_path) -> None:
    """A changed detector.npz (as retraining writes) is what onnxruntime runs, with no other step."""
    with np.load(risk_detector.WEIGHTS_PATH) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["head.bias"] = arrays["head.bias"] + np.array([0.0, 0.0, 3.0], dtype=arrays["head.bias"].dtype)
    weights = tmp_path / "detector.npz"
    np.savez(weights, **arrays)
    retrained = risk_detector.Detector.load(model=detector.model, weights_path=weights, thresholds=None)
    assert retrained.session is not None
    batch = detector.model.batch(detector.model.token_ids(TEXTS[:3]))
    changed = retrained.session.run(batch)
    assert np.abs(changed - retrained.reference_probabilities(batch)).max() < PROBABILITY_TOLERANCE
    before = detector.session.run(batch)
    # The new head, not the old: urgent's log-odds against none moved by exactly the +3 given.
    shift = np.log(changed[:, 2] / changed[:, 0]) - np.log(before[:, 2] / before[:, 0])
    assert np.allclose(shift, 3.0, atol=1e-3)


def test_without_onnxruntime_the_detector_runs_in_numpy(detector, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` raises ImportError
    assert not risk_runtime.available()
    fallback = risk_detector.Detector.load(model=detector.model)
    assert fallback.session is None
    assert fallback.runtime == "numpy (onnxruntime is not installed)"
    ids = detector.model.token_ids(TEXTS[:4])
    assert np.abs(fallback.probabilities(ids) - detector.probabilities(ids)).max() < PROBABILITY_TOLERANCE
    result = risk.screen_text("I'm going to kill myself tonight, I have the pills ready.", detector=fallback)
    assert result.level == "urgent" and result.method in risk.MODEL_METHODS


def test_without_onnxruntime_embeddings_come_from_numpy(detector, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    model = risk_encoder.MiniLM(embedding_session=risk_runtime.embedding_session)
    assert model.embedding_forward() == model.reference_embeddings
    assert model.encode(["a calm day"]).shape == (1, risk_encoder.HIDDEN)


def test_a_session_that_fails_to_build_falls_back_to_numpy(detector, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("no kernel")

    monkeypatch.setattr(risk_runtime, "session_for", broken)
    fallback = risk_detector.Detector.load(model=detector.model)
    assert fallback.session is None and "onnxruntime failed" in fallback.runtime
    assert risk.screen_text("Went for a run and felt better.", detector=fallback).level == "none"


def test_runtime_numpy_is_chosen_by_the_environment(detector, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(risk_runtime.RUNTIME_ENV_VAR, "numpy")
    assert risk_detector.Detector.load(model=detector.model).session is None
    monkeypatch.setenv(risk_runtime.RUNTIME_ENV_VAR, "tensorflow")
    with pytest.raises(ValueError, match="ALLIANCE_RISK_RUNTIME"):
        risk_detector.Detector.load(model=detector.model)


@pytest.mark.parametrize(("value", "expected"), [(None, 1), ("1", 1), ("2", 2), ("0", 1), ("many", 1)])
def test_threads_come_from_alliance_risk_threads(monkeypatch: pytest.MonkeyPatch, value, expected) -> None:
    if value is None:
        monkeypatch.delenv(risk_encoder.THREADS_ENV_VAR, raising=False)
    else:
        monkeypatch.setenv(risk_encoder.THREADS_ENV_VAR, value)
    assert risk_runtime.threads() == expected


def test_a_session_uses_the_configured_threads(detector, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(risk_encoder.THREADS_ENV_VAR, "2")
    two = risk_runtime.session_for(detector.model, detector.model.layers[:1])
    assert two.intra_op_threads == 2
    assert two._session.get_session_options().intra_op_num_threads == 2
    monkeypatch.delenv(risk_encoder.THREADS_ENV_VAR)
    assert risk_runtime.session_for(detector.model, detector.model.layers[:1]).intra_op_threads == 1


def test_the_standard_operator_graph_matches_too(detector) -> None:
    layers = [*detector.model.layers[: detector.first_tuned], *detector.tuned]
    standard = risk_runtime.session_for(
        detector.model, layers, head=(detector.head_w, detector.head_b), flavour="standard", precision="fp32"
    )
    batch = detector.model.batch(detector.model.token_ids(TEXTS))
    assert np.abs(standard.run(batch) - detector.reference_probabilities(batch)).max() < PROBABILITY_TOLERANCE


def test_int8_is_close_but_only_chosen_by_its_figures(detector, monkeypatch: pytest.MonkeyPatch) -> None:
    """int8 moves probabilities by a few hundredths (measured up to 0.04): too much to be the
    default without the held-out figures (manage.py evaluate_risk_detector --runtime ...)."""
    monkeypatch.setenv(risk_runtime.PRECISION_ENV_VAR, "int8")
    quantised = risk_detector.Detector.load(model=detector.model)
    assert quantised.runtime.startswith("onnxruntime int8")
    batch = detector.model.batch(detector.model.token_ids(TEXTS))
    probabilities = quantised.session.run(batch)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(probabilities - detector.reference_probabilities(batch)).max() < 0.15
    monkeypatch.setenv(risk_runtime.PRECISION_ENV_VAR, "fp16")
    with pytest.raises(ValueError, match="ALLIANCE_RISK_PRECISION"):
        risk_runtime.wanted_precision()

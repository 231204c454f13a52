"""The forward pass of all-MiniLM-L6-v2 (numpy, and onnxruntime built from the same weights)
gives sentence-transformers' embeddings.

The reference vectors (tests/insights/data/risk_encoder_reference.json) were produced once by
sentence-transformers 6.2.0 (torch) from the same packaged weights; this test needs no torch.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

REFERENCE = Path(__file__).parent / "data" / "risk_encoder_reference.json"


@pytest.fixture(scope="module", params=["onnx", "numpy"])
def encoder(request):
    """The encoder on onnxruntime (the default, when installed) and on the numpy reference pass."""
    from insights.risk import encoder as risk_encoder
    from insights.risk import runtime as risk_runtime

    if request.param == "onnx" and not risk_runtime.available():
        pytest.skip("onnxruntime is not installed")
    factory = risk_runtime.embedding_session if request.param == "onnx" else None
    try:
        model = risk_encoder.MiniLM(embedding_session=factory)
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"packaged model unavailable: {error}")
    uses_session = model.embedding_forward() != model.reference_embeddings
    assert uses_session == (request.param == "onnx")
    return model


def test_encoder_matches_the_reference_embeddings(encoder) -> None:
    rows = json.loads(REFERENCE.read_text(encoding="utf-8"))["rows"]
    texts = [row["text"] for row in rows]
    expected = np.array([row["vector"] for row in rows], dtype=np.float32)
    batched = encoder.encode(texts)
    one_by_one = np.vstack([encoder.encode([text]) for text in texts])
    assert batched.shape == (len(texts), 384)
    assert np.abs(batched - expected).max() < 1e-4
    assert np.abs(one_by_one - expected).max() < 1e-4  # padding in a batch changes nothing
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_long_text_is_truncated_like_sentence_transformers(encoder) -> None:
    ids = encoder.token_ids(["word " * 600])[0]
    assert len(ids) == 256
    assert ids[0] == 101 and ids[-1] == 102


def test_empty_list_encodes_to_no_rows(encoder) -> None:
    assert encoder.encode([]).shape == (0, 384)

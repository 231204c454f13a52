"""Training the risk detector (needs torch: ``pip install -r requirements-train.txt``).

``python manage.py train_risk_detector`` calls :func:`train`. What it does, reproducibly (fixed
seeds, one thread, data only from the repository):
1. loads the training data (:mod:`insights.risk.data`): deduplicated, near duplicates of held-out
   lines dropped, a fixed fifth kept apart as the validation split;
2. runs the packaged MiniLM's lower layers (frozen) once per text with the numpy runtime;
3. fine-tunes the top ``TUNED_LAYERS`` transformer layers, starting from the packaged weights,
   plus a 3-way head (none, concern, urgent) over the mean-pooled tokens, with a cost-weighted
   loss (a missed urgent text costs far more than a false alarm);
4. keeps the epoch with the lowest validation cost, writes the tuned layers and the head as
   float16 to ``insights/risk/model/detector.npz``;
5. loads that file with the runtime production uses and calibrates the thresholds on the
   validation split: flag when P(concern)+P(urgent) reaches the threshold with the lowest
   expected cost (a false alarm costs FALSE_ALARM_COST, a missed concern MISSED_CONCERN_COST, an
   urgent text scored none MISSED_URGENT_COST) among those that keep precision >= PRECISION_FLOOR;
   urgent when P(urgent) passes the threshold with the best F2 for urgent; written to
   ``insights/risk/model/detector.json`` with the figures (:func:`recalibrate` redoes only this).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from insights.risk import data as risk_data
from insights.risk import encoder as risk_encoder

TUNED_LAYERS = 4
SEED = 20261207
EPOCHS = 6
BATCH_SIZE = 32
LAYER_LR = 6e-5
HEAD_LR = 1e-3
WEIGHT_DECAY = 0.01
DROPOUT = 0.1
# Misclassification costs in the loss, by true level (none, concern, urgent).
CLASS_WEIGHTS = (1.0, 1.6, 3.0)
# Threshold costs: a missed urgent text is far worse than a missed concern, which is worse
# than a false alarm (a person reads a harmless text).
FALSE_ALARM_COST = 1.0
MISSED_CONCERN_COST = 4.0
MISSED_URGENT_COST = 20.0
PRECISION_FLOOR = 0.80
MODEL_DIR = Path(__file__).with_name("model")


def _torch_modules(torch: Any) -> tuple[Any, Any]:
    nn: Any = torch.nn
    functional: Any = torch.nn.functional

    class TunedLayer(nn.Module):
        """One BERT layer, the same arithmetic as insights.risk.encoder.Layer."""

        def __init__(self, weights: dict[str, np.ndarray], prefix: str) -> None:
            super().__init__()
            self.names = {}
            for short, name in (
                ("query", "attention.self.query"),
                ("key", "attention.self.key"),
                ("value", "attention.self.value"),
                ("out", "attention.output.dense"),
                ("up", "intermediate.dense"),
                ("down", "output.dense"),
            ):
                weight = torch.tensor(weights[f"{prefix}{name}.weight"])
                linear = nn.Linear(weight.shape[1], weight.shape[0])
                with torch.no_grad():
                    linear.weight.copy_(weight)
                    linear.bias.copy_(torch.tensor(weights[f"{prefix}{name}.bias"]))
                setattr(self, short, linear)
                self.names[short] = prefix + name
            for short, name in (("ln1", "attention.output.LayerNorm"), ("ln2", "output.LayerNorm")):
                norm = nn.LayerNorm(risk_encoder.HIDDEN, eps=risk_encoder.LAYER_NORM_EPS)
                with torch.no_grad():
                    norm.weight.copy_(torch.tensor(weights[f"{prefix}{name}.weight"]))
                    norm.bias.copy_(torch.tensor(weights[f"{prefix}{name}.bias"]))
                setattr(self, short, norm)
                self.names[short] = prefix + name
            self.dropout = nn.Dropout(DROPOUT)

        def forward(self, x: Any, mask_bias: Any) -> Any:
            batch, length, _ = x.shape

            def heads(t: Any) -> Any:
                return t.view(batch, length, risk_encoder.HEADS, risk_encoder.HEAD_DIM).transpose(1, 2)

            query, key, value = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
            scores = query @ key.transpose(-1, -2) / math.sqrt(risk_encoder.HEAD_DIM) + mask_bias
            probabilities = self.dropout(torch.softmax(scores, dim=-1))
            context = (probabilities @ value).transpose(1, 2).reshape(batch, length, risk_encoder.HIDDEN)
            x = self.ln1(self.dropout(self.out(context)) + x)
            up = functional.gelu(self.up(x))
            return self.ln2(self.dropout(self.down(up)) + x)

        def export(self) -> dict[str, np.ndarray]:
            out = {}
            for short, name in self.names.items():
                module = getattr(self, short)
                out[f"{name}.weight"] = module.weight.detach().numpy().astype(np.float16)
                out[f"{name}.bias"] = module.bias.detach().numpy().astype(np.float16)
            return out

    class Detector(nn.Module):
        def __init__(self, weights: dict[str, np.ndarray], first: int) -> None:
            super().__init__()
            self.layers = nn.ModuleList(
                [TunedLayer(weights, f"encoder.layer.{index}.") for index in range(first, risk_encoder.LAYERS)]
            )
            self.dropout = nn.Dropout(DROPOUT)
            self.head = nn.Linear(risk_encoder.HIDDEN, len(risk_data.LEVELS))

        def forward(self, x: Any, mask: Any) -> Any:
            bias = ((1.0 - mask) * -1e9)[:, None, None, :]
            for layer in self.layers:
                x = layer(x, bias)
            pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1e-9)
            return self.head(self.dropout(pooled))

    return TunedLayer, Detector


def _frozen_states(model: risk_encoder.MiniLM, texts: list[str], upto: int) -> list[np.ndarray]:
    """Hidden states after the frozen layers, one (tokens, 384) array per text."""
    ids = model.token_ids(texts)
    out: list[np.ndarray] = [np.zeros(0)] * len(texts)
    order = sorted(range(len(texts)), key=lambda index: len(ids[index]))
    for start in range(0, len(order), 32):
        chunk = order[start : start + 32]
        batch = model.batch([ids[index] for index in chunk])
        hidden = model.hidden(batch, upto=upto)
        for row, index in enumerate(chunk):
            out[index] = hidden[row, : len(ids[index])].astype(np.float32)
    return out


def _pad(torch: Any, states: list[np.ndarray]) -> tuple[Any, Any]:
    length = max(state.shape[0] for state in states)
    x = np.zeros((len(states), length, risk_encoder.HIDDEN), dtype=np.float32)
    mask = np.zeros((len(states), length), dtype=np.float32)
    for row, state in enumerate(states):
        x[row, : state.shape[0]] = state
        mask[row, : state.shape[0]] = 1.0
    return torch.from_numpy(x), torch.from_numpy(mask)


def _bucketed_batches(order: np.ndarray, states: list[np.ndarray], generator: Any) -> list[np.ndarray]:
    """Batches of similar lengths (little padding), in a shuffled order."""
    batches: list[np.ndarray] = []
    span = BATCH_SIZE * 16
    for start in range(0, len(order), span):
        pool = sorted(order[start : start + span], key=lambda index: states[index].shape[0])
        batches.extend(np.array(pool[i : i + BATCH_SIZE]) for i in range(0, len(pool), BATCH_SIZE))
    return [batches[index] for index in generator.permutation(len(batches))]


def _validation_cost(probabilities: np.ndarray, labels: np.ndarray) -> float:
    weights = np.asarray(CLASS_WEIGHTS)[labels]
    picked = probabilities[np.arange(len(labels)), labels]
    return float(-(weights * np.log(np.clip(picked, 1e-7, 1.0))).sum() / weights.sum())


def calibrate(flag_scores: np.ndarray, urgent_scores: np.ndarray, levels: list[str]) -> dict[str, Any]:
    """Thresholds from validation scores (see the module docstring)."""
    flagged = np.array([level != "none" for level in levels])
    urgent = np.array([level == "urgent" for level in levels])
    concern = flagged & ~urgent
    flag_threshold, best_cost = 0.5, float("inf")
    for threshold in np.unique(np.concatenate([flag_scores, [1.0]])):
        predicted = flag_scores >= threshold
        precision = (predicted & flagged).sum() / max(predicted.sum(), 1)
        if precision < PRECISION_FLOOR:
            continue
        cost = (
            FALSE_ALARM_COST * (predicted & ~flagged).sum()
            + MISSED_CONCERN_COST * (concern & ~predicted).sum()
            + MISSED_URGENT_COST * (urgent & ~predicted).sum()
        )
        if cost < best_cost:  # ascending thresholds: a tie keeps the lower one (more recall)
            best_cost, flag_threshold = float(cost), float(threshold)
    # A hair below the score reached, so float16 rounding never moves a text across it.
    flag_threshold = max(0.0, flag_threshold - 1e-4)
    best_f2, urgent_threshold = -1.0, 0.5
    for threshold in np.unique(urgent_scores):
        predicted = (urgent_scores >= threshold) & (flag_scores >= flag_threshold)
        true_positive = (predicted & urgent).sum()
        precision = true_positive / max(predicted.sum(), 1)
        recall = true_positive / max(urgent.sum(), 1)
        f2 = 5 * precision * recall / max(4 * precision + recall, 1e-9)
        if f2 > best_f2:
            best_f2, urgent_threshold = float(f2), float(threshold)
    return {"flag": flag_threshold, "urgent": max(0.0, urgent_threshold - 1e-4), "urgent_f2": best_f2}


def _validation_thresholds(
    weights_path: Path, validation: list[risk_data.Example], model: risk_encoder.MiniLM | None = None
) -> dict[str, Any]:
    """Thresholds from what production runs (the float16 file, the default runtime)."""
    from insights.risk.detector import Detector as RuntimeDetector

    runtime = RuntimeDetector.load(model=model, weights_path=weights_path, thresholds=None)
    scores = [runtime.score(example.text) for example in validation]
    flag_scores = np.array([score.flag for score in scores])
    urgent_scores = np.array([score.urgent for score in scores])
    return calibrate(flag_scores, urgent_scores, [example.level for example in validation])


def recalibrate(*, out_dir: Path = MODEL_DIR, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Only step 5: new thresholds for the trained weights in ``out_dir`` (no torch needed).
    Refuses when the training data changed since the weights were trained (fingerprints)."""
    meta_path = out_dir / "detector.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    data = risk_data.load_training()
    fingerprints = (risk_data.fingerprint(data.train), risk_data.fingerprint(data.validation))
    if fingerprints != (meta.get("train_fingerprint"), meta.get("validation_fingerprint")):
        raise ValueError("the training data changed since these weights were trained: train again")
    meta["thresholds"] = _validation_thresholds(out_dir / "detector.npz", data.validation)
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"thresholds: {meta['thresholds']}")
    return meta


def train(
    *,
    epochs: int = EPOCHS,
    tuned_layers: int = TUNED_LAYERS,
    out_dir: Path = MODEL_DIR,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    import torch

    started = time.perf_counter()
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    torch.use_deterministic_algorithms(True)

    data = risk_data.load_training()
    log(
        f"training examples: {len(data.train)} train, {len(data.validation)} validation; "
        f"{data.duplicates} duplicates merged, {len(data.dropped_as_heldout)} dropped as near held-out lines"
    )
    model = risk_encoder.MiniLM()
    first_tuned = risk_encoder.LAYERS - tuned_layers
    from safetensors.numpy import load_file

    weights = load_file(str(risk_encoder.model_dir() / "model.safetensors"))
    train_states = _frozen_states(model, [example.text for example in data.train], first_tuned)
    validation_states = _frozen_states(model, [example.text for example in data.validation], first_tuned)
    train_labels = np.array([risk_data.LEVELS.index(example.level) for example in data.train])
    validation_labels = np.array([risk_data.LEVELS.index(example.level) for example in data.validation])
    log(f"frozen layers computed in {time.perf_counter() - started:.1f}s")

    _, Detector = _torch_modules(torch)
    detector = Detector(weights, first_tuned)
    optimiser = torch.optim.AdamW(
        [
            {"params": detector.layers.parameters(), "lr": LAYER_LR},
            {"params": detector.head.parameters(), "lr": HEAD_LR},
        ],
        weight_decay=WEIGHT_DECAY,
    )
    steps = epochs * math.ceil(len(train_states) / BATCH_SIZE)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min(1.0, (step + 1) / max(1, steps // 10)) * max(0.0, 1 - step / steps)
    )
    loss_function = torch.nn.CrossEntropyLoss(weight=torch.tensor(CLASS_WEIGHTS, dtype=torch.float32))
    generator = np.random.default_rng(SEED)

    def predict(states: list[np.ndarray]) -> np.ndarray:
        detector.eval()
        out = []
        with torch.no_grad():
            order = sorted(range(len(states)), key=lambda index: states[index].shape[0])
            probabilities = np.zeros((len(states), len(risk_data.LEVELS)), dtype=np.float32)
            for start in range(0, len(order), 64):
                chunk = order[start : start + 64]
                x, mask = _pad(torch, [states[index] for index in chunk])
                probabilities[chunk] = torch.softmax(detector(x, mask), dim=-1).numpy()
            out.append(probabilities)
        return out[0]

    best_cost, best_state, best_epoch = float("inf"), None, -1
    for epoch in range(epochs):
        detector.train()
        order = generator.permutation(len(train_states))
        total = 0.0
        for chunk in _bucketed_batches(order, train_states, generator):
            x, mask = _pad(torch, [train_states[index] for index in chunk])
            labels = torch.from_numpy(train_labels[chunk])
            loss = loss_function(detector(x, mask), labels)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(detector.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            total += loss.item() * len(chunk)
        cost = _validation_cost(predict(validation_states), validation_labels)
        log(f"epoch {epoch + 1}: train loss {total / len(order):.4f}, validation cost {cost:.4f}")
        if cost < best_cost:
            best_cost, best_epoch = cost, epoch + 1
            best_state = {key: value.clone() for key, value in detector.state_dict().items()}
    assert best_state is not None
    detector.load_state_dict(best_state)

    out_dir.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for layer in detector.layers:
        arrays.update(layer.export())
    arrays["head.weight"] = detector.head.weight.detach().numpy().astype(np.float16)
    arrays["head.bias"] = detector.head.bias.detach().numpy().astype(np.float16)
    np.savez_compressed(out_dir / "detector.npz", **arrays)  # type: ignore[arg-type]

    thresholds = _validation_thresholds(out_dir / "detector.npz", data.validation, model)
    meta = {
        "tuned_layers": tuned_layers,
        "first_tuned_layer": first_tuned,
        "thresholds": thresholds,
        "seed": SEED,
        "epochs": epochs,
        "best_epoch": best_epoch,
        "validation_cost": best_cost,
        "class_weights": CLASS_WEIGHTS,
        "train_examples": len(data.train),
        "validation_examples": len(data.validation),
        "train_fingerprint": risk_data.fingerprint(data.train),
        "validation_fingerprint": risk_data.fingerprint(data.validation),
        "training_files": [str(path.relative_to(risk_data.HERE.parent.parent)) for path in risk_data.training_files()],
        "dropped_as_heldout": len(data.dropped_as_heldout),
        "train_seconds": round(time.perf_counter() - started, 1),
        "torch": torch.__version__,
    }
    (out_dir / "detector.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    log(f"thresholds: {thresholds}; best epoch {best_epoch}; {meta['train_seconds']}s")
    return meta

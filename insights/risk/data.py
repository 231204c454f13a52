"""The detector's labelled data: where it lives, how it is split, and what may not leak.

Training data (every file is JSON Lines with ``text`` and ``level`` or ``label``, optional
``category``):
    ``insights/risk/training.jsonl`` and ``insights/risk/anchors.jsonl`` (the first detector's),
    ``insights/risk/data/train/*.jsonl`` (independent batches, and the old test sets that are now
    training data).
Evaluation data: ``insights/risk/data/heldout/*.jsonl``, written blind by writers who never saw
the training data, never used for training or for choosing thresholds.

The validation split is a fixed fifth of the training data chosen by a hash of the normalised
text (stable when files are added), used for early stopping and for the thresholds.
A training line that equals or nearly equals (character-trigram Jaccard >= 0.8) a held-out line
is dropped from training: the held-out sets win.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("none", "concern", "urgent")
HERE = Path(__file__).parent
TRAIN_DIR = HERE / "data" / "train"
HELDOUT_DIR = HERE / "data" / "heldout"
LEGACY_FILES = (HERE / "training.jsonl", HERE / "anchors.jsonl")
VALIDATION_FRACTION_BUCKETS = 5  # one bucket in five
NEAR_DUPLICATE_JACCARD = 0.8


@dataclass(frozen=True)
class Example:
    text: str
    level: str
    category: str
    source: str  # file stem

    @property
    def flagged(self) -> bool:
        return self.level != "none"


def normalise(text: str) -> str:
    """Lower case, accents folded, punctuation dropped, whitespace collapsed."""
    folded = unicodedata.normalize("NFKD", text).lower()
    words = re.findall(r"\w+", folded)
    return " ".join(words)


def trigrams(text: str) -> frozenset[str]:
    normal = normalise(text)
    if len(normal) < 3:
        return frozenset({normal})
    return frozenset(normal[index : index + 3] for index in range(len(normal) - 2))


def jaccard(left: frozenset[str], right: frozenset[str]) -> float:
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def load_file(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        level = str(row.get("level", row.get("label", ""))).strip().lower()
        if level not in LEVELS:
            raise ValueError(f"{path}:{number}: level must be one of {LEVELS}, got {level!r}")
        text = str(row["text"])
        if text.strip():
            examples.append(Example(text, level, str(row.get("category") or "uncategorised"), path.stem))
    return examples


def training_files() -> list[Path]:
    return [*LEGACY_FILES, *sorted(TRAIN_DIR.glob("*.jsonl"))]


def heldout_files() -> list[Path]:
    return sorted(HELDOUT_DIR.glob("*.jsonl")) if HELDOUT_DIR.is_dir() else []


def is_validation(text: str) -> bool:
    digest = hashlib.sha1(normalise(text).encode("utf-8"), usedforsecurity=False).digest()
    return digest[0] % VALIDATION_FRACTION_BUCKETS == 0


class NearDuplicateIndex:
    """Character-trigram sets of a collection, with an inverted index so a lookup touches only
    texts that share a trigram."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = list(texts)
        self.exact = {normalise(text): index for index, text in enumerate(self.texts)}
        self.grams = [trigrams(text) for text in self.texts]
        self.postings: dict[str, list[int]] = {}
        for index, grams in enumerate(self.grams):
            for gram in grams:
                self.postings.setdefault(gram, []).append(index)

    def match(self, text: str, threshold: float = NEAR_DUPLICATE_JACCARD) -> tuple[int, float] | None:
        """The index of an exact or near duplicate of ``text`` and its similarity, or None."""
        exact = self.exact.get(normalise(text))
        if exact is not None:
            return exact, 1.0
        grams = trigrams(text)
        shared: dict[int, int] = {}
        for gram in grams:
            for index in self.postings.get(gram, ()):
                shared[index] = shared.get(index, 0) + 1
        best: tuple[int, float] | None = None
        for index, count in shared.items():
            # |A & B| / |A | B| >= t needs |A & B| >= t * max(|A|, |B|).
            if count < threshold * max(len(grams), len(self.grams[index])):
                continue
            similarity = count / (len(grams) + len(self.grams[index]) - count)
            if similarity >= threshold and (best is None or similarity > best[1]):
                best = (index, similarity)
        return best


@dataclass
class TrainingData:
    train: list[Example]
    validation: list[Example]
    dropped_as_heldout: list[tuple[Example, str]]  # (training example, held-out text it resembles)
    duplicates: int


def load_training(files: Sequence[Path] | None = None, heldout: Sequence[Path] | None = None) -> TrainingData:
    """All training examples, deduplicated (first label wins, urgent over others on conflict),
    minus near duplicates of any held-out line, split into train and validation."""
    files = list(files) if files is not None else training_files()
    heldout = list(heldout) if heldout is not None else heldout_files()
    index = NearDuplicateIndex(example.text for path in heldout for example in load_file(path))
    seen: dict[str, Example] = {}
    dropped: list[tuple[Example, str]] = []
    duplicates = 0
    for path in files:
        for example in load_file(path):
            key = normalise(example.text)
            if not key:
                continue
            if key in seen:
                duplicates += 1
                previous = seen[key]
                if LEVELS.index(example.level) > LEVELS.index(previous.level):
                    seen[key] = example
                continue
            match = index.match(example.text) if index.texts else None
            if match is not None:
                dropped.append((example, index.texts[match[0]]))
                continue
            seen[key] = example
    examples = list(seen.values())
    train = [example for example in examples if not is_validation(example.text)]
    validation = [example for example in examples if is_validation(example.text)]
    return TrainingData(train, validation, dropped, duplicates)


def fingerprint(examples: Sequence[Example]) -> str:
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.level}\t{normalise(example.text)}\n".encode())
    return digest.hexdigest()[:16]

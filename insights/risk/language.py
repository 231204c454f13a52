"""Is a text written in a language other than English? (The detector reads English only.)

``py3langid`` (numpy only, ships its model) names the language with a normalised probability;
short English texts come out as anything ("ok" -> Serbian), so a text counts as non-English only
when it has at least MIN_WORDS words, the identifier is confident it is not English, and almost
none of its words are common English words. Code-switched text with enough English stays with
the model.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

MIN_WORDS = 3
MIN_PROBABILITY = 0.6
MAX_ENGLISH_SHARE = 0.25
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Frequent English words; "no", "me", "a", "is", "die" and the like are left out: they are also
# words in the languages this is meant to notice.
ENGLISH = frozenset(
    [
        "i",
        "i'm",
        "im",
        "my",
        "myself",
        "you",
        "your",
        "he",
        "she",
        "it",
        "its",
        "we",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "am",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "do",
        "does",
        "did",
        "doing",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "the",
        "an",
        "and",
        "but",
        "or",
        "because",
        "as",
        "until",
        "while",
        "of",
        "at",
        "by",
        "for",
        "with",
        "about",
        "against",
        "between",
        "into",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "to",
        "from",
        "up",
        "down",
        "in",
        "out",
        "on",
        "off",
        "over",
        "under",
        "again",
        "then",
        "once",
        "here",
        "there",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "only",
        "own",
        "same",
        "so",
        "than",
        "too",
        "very",
        "just",
        "dont",
        "don't",
        "cant",
        "can't",
        "wont",
        "won't",
        "not",
        "feel",
        "feeling",
        "felt",
        "today",
        "day",
        "week",
        "work",
        "want",
        "wanna",
        "gonna",
        "think",
        "know",
        "like",
        "really",
        "got",
        "get",
        "going",
        "im",
        "ive",
        "i've",
        "ill",
        "i'll",
        "id",
        "i'd",
        "life",
        "people",
        "everyone",
        "anyone",
        "nothing",
        "something",
        "everything",
        "anymore",
        "tired",
        "sad",
        "good",
        "bad",
        "better",
        "worse",
        "time",
        "night",
        "tonight",
        "tomorrow",
        "sleep",
        "home",
        "family",
        "mum",
        "mom",
        "dad",
        "friend",
        "friends",
        "kids",
        "job",
        "school",
    ]
)

LANGUAGE_NAMES = {
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "pt": "Portuguese",
    "it": "Italian",
    "nl": "Dutch",
    "tl": "Tagalog",
    "hi": "Hindi",
    "ar": "Arabic",
    "zh": "Chinese",
    "ru": "Russian",
    "pl": "Polish",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "ro": "Romanian",
    "vi": "Vietnamese",
    "ja": "Japanese",
    "ko": "Korean",
    "fa": "Persian",
    "ur": "Urdu",
    "bn": "Bengali",
    "sv": "Swedish",
    "da": "Danish",
    "no": "Norwegian",
    "fi": "Finnish",
    "el": "Greek",
    "he": "Hebrew",
    "id": "Indonesian",
    "ms": "Malay",
    "sw": "Swahili",
}


@dataclass(frozen=True)
class Language:
    code: str
    probability: float
    english_share: float

    @property
    def name(self) -> str:
        return LANGUAGE_NAMES.get(self.code, f"language code {self.code!r}")


_identifier: Any = None
_lock = threading.Lock()


def load() -> Any:
    """The identifier (loaded once; about 0.5 s). Raises ImportError without py3langid."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def non_english(text: str) -> Language | None:
    """The language of ``text`` when it is confidently not English, else None."""
    words = [word.lower() for word in _WORD.findall(text)]
    if len(words) < MIN_WORDS:
        return None
    english_share = sum(word in ENGLISH for word in words) / len(words)
    if english_share > MAX_ENGLISH_SHARE:
        return None
    try:
        code, probability = load().classify(text)
    except Exception:  # noqa: BLE001 - without the identifier, non-ASCII letters are the hint
        letters = [character for character in text if character.isalpha()]
        non_ascii = sum(not character.isascii() for character in letters) / max(len(letters), 1)
        return Language("unknown", 0.0, english_share) if non_ascii > 0.3 or english_share == 0 else None
    if code == "en" or probability < MIN_PROBABILITY:
        return None
    return Language(str(code), float(probability), english_share)

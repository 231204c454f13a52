"""The learned risk detector (insights.risk 2.0): numpy runtime, whole messages, thought records,
non-English text, and what happens when the model cannot load.

The model runs without torch; these tests need only the packaged weights and
insights/risk/model/detector.npz. Figures (precision, recall) are held on the blind held-out sets
in test_risk_heldout.py, not here: the texts below are behaviour, chosen far from the thresholds.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from insights import risk
from insights.risk import detector as risk_detector
from insights.risk import language


@pytest.fixture(autouse=True)
def _model_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(risk.EMBEDDINGS_ENV_VAR, "1")


@pytest.fixture(scope="module")
def detector():
    loaded = risk.load_detector()
    if loaded is None:
        pytest.fail(f"the risk model did not load: {risk.embedding_status()['error']}")
    return loaded


def test_the_model_decides_and_says_so(detector) -> None:
    result = risk.screen_text("I'm going to kill myself tonight, I have the pills ready.")
    assert result.level == "urgent"
    assert result.method in risk.MODEL_METHODS and result.model_output
    assert result.version == risk.RISK_DETECTOR_VERSION == "2.3.0"
    assert result.span and result.span in "I'm going to kill myself tonight, I have the pills ready."


@pytest.mark.parametrize(
    "text",
    [
        "Went for a run and felt better.",
        "Had a calm day, cooked dinner with my partner.",
    ],
)
def test_ordinary_days_are_not_flagged(detector, text: str) -> None:
    result = risk.screen_text(text)
    assert result.level == "none", result.reason
    assert result.method == "model"


def test_a_wish_to_die_is_flagged(detector) -> None:
    assert risk.screen_text("Honestly I wish I could just not wake up tomorrow.").flagged


def test_a_plan_spread_over_short_sentences_is_read_as_one_message(detector) -> None:
    text = "Got enough of them saved now. Tonight. Nobody will find me till morning."
    assert risk.screen_text(text).level == "urgent"


def test_long_entries_are_screened_in_windows_to_the_end(detector) -> None:
    filler = "Work was long and the bus was late again, then I made soup and watched a show. " * 40
    text = filler + "I have decided to end my life this weekend and I have the rope."
    windows = detector.windows(text)
    assert len(windows) > 1
    assert all(len(ids) <= 256 for ids, _, _ in windows)
    assert windows[-1][2] == len(text.rstrip()) or windows[-1][2] == len(text)
    result = risk.screen_text(text)
    assert result.level == "urgent"
    assert result.span and result.start is not None and result.start >= len(filler) - 1  # the last sentence


def test_a_sentence_longer_than_a_window_is_chunked(detector) -> None:
    text = "and then " * 400 + "I want to die"
    windows = detector.windows(text)
    assert len(windows) > 1 and all(len(ids) <= 256 for ids, _, _ in windows)


def test_an_automatic_thought_is_reviewable_but_never_urgent_by_itself(detector) -> None:
    thought = "I should just kill myself tonight, I'm worthless."
    assert risk.screen_text(thought).level == "urgent"
    quoted = risk.screen_text(thought, quoted_thought=True)
    assert quoted.level == "concern"
    assert "automatic thought" in quoted.reason


def test_non_english_text_goes_to_a_person(detector) -> None:
    for text in ("Ich will nicht mehr leben, alles ist sinnlos.", "Ya no quiero vivir, estoy muy cansada de todo."):
        result = risk.screen_text(text)
        assert result.level in {"concern", "urgent"}, text
    calm = risk.screen_text("Hoy fui al mercado con mi hermana y comimos juntas.")
    assert calm.level == "concern"
    assert "Spanish" in calm.reason and "human review" in calm.reason


@pytest.mark.parametrize("text", ["ok", "lol", "feeling ok today", "work was meh, slept badly"])
def test_short_english_is_not_taken_for_another_language(text: str) -> None:
    assert language.non_english(text) is None


def test_text_without_words_is_not_screened(detector) -> None:
    assert risk.screen_text("12345").level == "none"
    assert risk.screen_text("   ").level == "none"


def test_the_embedder_for_insights_ai_gives_unit_rows(detector) -> None:
    embedder = risk.load_embedder()
    vectors = embedder.encode(["a calm day", "a hard day", "walked the dog"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_model_is_loaded_once_and_screens_from_many_threads(detector) -> None:
    seen = []
    texts = ["Had a calm day.", "I want to die.", "Dinner with friends."] * 3
    results: list[risk.RiskResult] = []

    def work(text: str) -> None:
        seen.append(risk.load_detector())
        results.append(risk.screen_text(text))

    threads = [threading.Thread(target=work, args=(text,)) for text in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(item is detector for item in seen)
    assert len(results) == len(texts)
    assert {result.method for result in results} <= risk.MODEL_METHODS
    status = risk.warm_up()
    assert status["loaded"] and status["error"] is None and status["load_seconds"] is not None


def test_thresholds_come_from_the_calibration_file(detector) -> None:
    assert set(detector.thresholds) >= {"flag", "urgent"}
    assert 0.0 < detector.thresholds["flag"] < 1.0
    assert detector.meta["train_fingerprint"] and detector.meta["validation_examples"] > 0
    # Four fine-tuned layers and the head in float16 (13 MB): the repository carries no more.
    assert risk_detector.WEIGHTS_PATH.stat().st_size < 16 * 1024 * 1024


# --- Model unavailable ------------------------------------------------------------------------


@pytest.fixture
def broken_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(risk, "_load_attempted", True)
    monkeypatch.setattr(risk, "_detector", None)
    monkeypatch.setattr(risk, "_load_error", "FileNotFoundError: detector.npz")


def test_without_the_model_every_text_goes_to_a_person(broken_model) -> None:
    result = risk.screen_text("Went for a run and felt better.")
    assert result.level == "concern"
    assert result.method == "unavailable"
    assert "unavailable" in result.reason and "human review" in result.reason
    assert not result.model_output
    status = risk.embedding_status()
    assert status["loaded"] is False and "detector.npz" in status["error"]


def test_without_the_model_explicit_rules_still_say_urgent(broken_model) -> None:
    result = risk.screen_text("I'm going to end it all tonight.")
    assert result.level == "urgent" and result.method == "unavailable"


def test_a_load_failure_is_recorded_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(**kwargs):
        raise FileNotFoundError("no weights")

    monkeypatch.setattr(risk_detector.Detector, "load", fail)
    monkeypatch.setattr(risk, "_load_attempted", False)
    monkeypatch.setattr(risk, "_detector", None)
    monkeypatch.setattr(risk, "_load_error", None)
    assert risk.load_detector() is None
    assert "no weights" in risk.embedding_status()["error"]
    assert risk.screen_text("A calm day.").method == "unavailable"

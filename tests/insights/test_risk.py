"""Tests for the rules layer of the risk screener (insights.risk.rules), screened with the model
turned off (``use_embeddings=False``). Pure Python: no Django needed.

Since detector 2.0 the learned model decides (tests/insights/test_risk_model.py); the rules are
kept where they are safer than the model (an explicit method with intent makes a text urgent) and
screen alone when the operator turns the model off. These tests pin the rules' own behaviour.
Run alone with ``.venv/bin/pytest -p no:django --noconftest -q tests/insights/test_risk.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:  # without pytest-django nothing puts the project on the path
    sys.path.insert(0, str(PROJECT_ROOT))

from insights import risk  # noqa: E402
from insights.risk import data as risk_data  # noqa: E402


@pytest.fixture(autouse=True)
def _rules_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests pin the rules: the model is off, as the operator's switch turns it off."""
    monkeypatch.setenv(risk.EMBEDDINGS_ENV_VAR, "0")


def rules(text: str) -> risk.RiskResult:
    return risk.screen_text(text, use_embeddings=False)


# --- Levels and categories ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I'm going to end it all tonight.", "intent"),
        ("My plan is to hang myself in the garage.", "plan"),
        ("I have decided when I'm going to kill myself.", "plan"),
        ("I'm going to throw myself off the roof of my building.", "plan"),
        ("I've been stockpiling my sleeping pills.", "preparation"),
        ("I left a suicide note on the kitchen table.", "preparation"),
        ("I tied a noose in the shed.", "preparation"),
        ("I overdosed on my antidepressants last night.", "suicide_attempt"),
        ("I'm standing on the railing of the overpass.", "suicide_attempt"),
        ("This will be my final message. Goodbye everyone.", "goodbye"),
        ("When you read this I'll already be gone.", "goodbye"),
        ("I'm going to stab my neighbour when he gets back.", "threat_to_others"),
    ],
)
def test_urgent_statements(text: str, category: str) -> None:
    result = rules(text)
    assert result.level == "urgent", result
    assert result.category == category


@pytest.mark.parametrize(
    "text",
    [
        "I want to die.",
        "honestly I'd rather be dead",
        "Sometimes I hope I never wake up.",
        "I'm such a burden to everyone.",
        "They'd all be better off without me.",
        "I've been having suicidal thoughts since the breakup.",
        "I'm not sure I want to live anymore.",
        "Nobody would miss me.",
        "I should just die.",
        "I've been self-harming again.",
        "I have the urge to cut again.",
        "I burned myself with a lighter after the argument.",
        "I dont want to be alive anymore",
    ],
)
def test_concern_statements(text: str) -> None:
    assert rules(text).level == "concern"


@pytest.mark.parametrize(
    "text",
    [
        "I don't see the point in going on anymore",  # "anymore" once read as the exclusion "a ..."
        "I don't want to go on anymore",  # likewise in another rule
        "There's no point in living without her",  # "without" once read as the exclusion "with"
    ],
)
def test_exclusions_match_whole_words_only(text: str) -> None:
    assert rules(text).level != "none"


@pytest.mark.parametrize(
    "text",
    [
        "I tied the rope to the beam in the garage",
        "tied my belt around the banister upstairs",
        "I put my papers in order. This weekend it ends.",
        "Wrote a letter to each of the kids. It will all be over soon.",
        "I want to die. It'll all be over on Friday.",
    ],
)
def test_preparation_and_endings_are_urgent(text: str) -> None:
    assert rules(text).level == "urgent"


@pytest.mark.parametrize(
    "text",
    [
        "We tied the rope to the beam for the climbing wall",
        "hung the punching bag from the ceiling hook with a rope",
        "I hung some lights from the beam for the party",
        "The sale ends this weekend and I got new shoes",
        "It all ends at 9 so I'll be home late",
        "This weekend it ends: the series finale, finally",
    ],
)
def test_everyday_ropes_and_endings_are_not_flagged(text: str) -> None:
    assert rules(text).level == "none"


@pytest.mark.parametrize(
    "text",
    [
        "kys is what they told me and maybe they're right",
        "my ex texted me to go die",
        "I don't want to come back up",
        "I just want to sink and never come up again",
    ],
)
def test_being_told_to_die_and_not_wanting_to_resurface_are_concerns(text: str) -> None:
    assert rules(text).level == "concern"


@pytest.mark.parametrize(
    "text",
    [
        "I never came up with a good answer",
        "I don't want to come up with excuses",
        "the topic never came up in group",
        "I dont want to come up to the office tomorrow",
    ],
)
def test_coming_up_in_everyday_speech_is_not_flagged(text: str) -> None:
    assert rules(text).level == "none"


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("I'm scared of what I might do to myself", "concern"),
        ("scared I'll do something drastic tonight", "urgent"),
        ("I've been looking up the tallest buildings near me", "urgent"),
        ("Planning to crash the car on the motorway tomorrow", "urgent"),
        ("Tomorrow I'm going to jump off the multi-storey by the station", "urgent"),
        ("I want to die and I'll make it look like an accident", "urgent"),
    ],
)
def test_fear_of_oneself_research_and_staged_accidents(text: str, level: str) -> None:
    assert rules(text).level == level


@pytest.mark.parametrize(
    "text",
    [
        "I'm worried I might do something stupid at the party",
        "I'm scared of what I might do if I fail this exam",
        "Looked up the tallest buildings in the world for my son's project",
        "I'm so tired I nearly crashed the car on the motorway",
        "I spilled coffee and tried to make it look like an accident haha",
        "A boy at school died by suicide and we had an assembly about it",
        "I hit my head on the cupboard, ouch",
    ],
)
def test_their_everyday_look_alikes_are_not_flagged(text: str) -> None:
    assert rules(text).level == "none"


def test_every_negative_lookahead_in_the_rules_ends_at_a_word_boundary() -> None:
    """`(?!\\s+(?:a|the|to))` must not refuse "anymore", "then", "tomorrow": the exclusion
    words of a rule are whole words. Checked on every compiled rule and guard pattern."""
    from insights.risk import context as risk_context
    from insights.risk import lexicon as risk_lexicon

    patterns = [rule.pattern.pattern for rule in risk_lexicon.RULES]
    for module in (risk_lexicon, risk_context):
        patterns += [
            value.pattern for value in vars(module).values() if hasattr(value, "pattern") and hasattr(value, "flags")
        ]
    opener = "(?!\\s+(?:"
    unbounded = []
    for pattern in patterns:
        start = pattern.find(opener)
        while start >= 0:
            index, depth = start + len(opener), 1
            while depth:
                if pattern[index] == "\\":
                    index += 2
                    continue
                depth += {"(": 1, ")": -1}.get(pattern[index], 0)
                index += 1
            if pattern[index] == ")" and pattern[index - 3 : index - 1] != "\\b":
                unbounded.append(pattern[start : index + 1])
            start = pattern.find(opener, index)
    assert unbounded == []


def test_time_frame_escalates_a_wish_to_die() -> None:
    assert rules("I want to die tonight.").level == "urgent"
    # A past thought next to a time word is not a time frame for acting.
    assert rules("I thought about suicide a couple of times this week.").level == "concern"


def test_escalating_self_harm_is_urgent() -> None:
    assert rules("I cut myself and couldn't stop the bleeding.").level == "urgent"
    assert rules("I scratched my wrists until they bled.").level == "concern"


def test_preparation_combines_with_other_signals() -> None:
    assert rules("I gave away my guitar because I won't need it anymore.").level == "urgent"
    assert rules("I bought some rope. I just want to die.").level == "urgent"
    assert rules("I bought a rope for the tent.").level == "none"


# --- Guards --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal, just worn out by the move.",
        "No thoughts of hurting myself this week.",
        "I would never, ever hurt myself.",
        "I don't want to die, I want things to change.",
        "I'm not going to kill myself, I promise.",
        "I have zero thoughts of harming myself or anyone else.",
        "I denied any suicidal thoughts when the GP asked.",
        "no self harm this week",
        "I don\u2019t want to hurt myself, I just needed to vent.",
    ],
)
def test_negated_statements_are_not_flagged(text: str) -> None:
    assert rules(text).level == "none", rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "These shoes are killing me.",
        "I'd kill for a burrito right now.",
        "I'm dying to try that new restaurant.",
        "I'm dead tired after the late shift.",
        "The commute was murder today.",
        "I nearly died of embarrassment at the party.",
        "Mum is going to kill me for breaking the vase.",
        "I could kill him for eating my leftovers.",
        "I absolutely killed it at the audition.",
        "I'd rather die than sing karaoke.",
        "I've been killing myself at work all week.",
        "I want to end it with my boyfriend.",
        "I'm going to beat them at chess tomorrow.",
        "I cut myself shaving this morning.",
        "I cut my hair short and love it.",
        "My phone died during the call.",
        "I want to die my hair purple.",
        "I would die for my kids.",
        "I ran 5 kms this morning.",
        "There is no point in going on the trip now.",
        "I burned my arm on the oven.",
        "I wrote my last email before the holiday.",
        "Saving my pills in the weekly organiser helps me remember them.",
        "I gave away my old sofa since I won't need it anymore.",
    ],
)
def test_figurative_and_everyday_speech_is_not_flagged(text: str) -> None:
    assert rules(text).level == "none", rules(text)


@pytest.mark.parametrize(
    "text",
    [
        # Reported speech and third parties are not the client's own risk (see module docstring).
        "My friend said she wanted to die and I sat with her.",
        'My brother told me "I want to kill myself" and I called our dad.',
        "My cousin overdosed last year.",
        "My sister has been suicidal and I'm scared for her.",
        # Educational or media context.
        "We learned about suicide prevention in my psychology class.",
        "I read an article about self-harm in teenagers.",
        # Past grief.
        "My grandfather died in March and I miss him.",
        # Safety planning.
        "My safety plan says to call my sister if I ever feel suicidal.",
    ],
)
def test_reported_educational_and_grief_context_is_not_flagged(text: str) -> None:
    assert rules(text).level == "none", rules(text)


def test_self_report_in_a_media_context_is_still_flagged() -> None:
    assert rules("I watched the documentary and felt suicidal afterwards.").level == "concern"


def test_threats_to_others() -> None:
    assert rules("If she touches my kid again I'll hurt her, I keep a knife in my bag.").level == "urgent"
    assert rules("I'm going to shoot up the office on Monday.").level == "urgent"
    assert rules("I'm so angry I want to hurt him.").level == "concern"
    assert rules("My boss is going to kill me if I'm late.").level == "none"
    result = rules("I will hurt him badly, I've got a knife.")
    assert result.category == "threat_to_others"
    assert "knife" in result.reason


# --- Result shape --------------------------------------------------------------------------


def test_flagged_dev_examples_have_verbatim_spans() -> None:
    for example in risk_data.load_file(risk_data.TRAIN_DIR / "legacy-dev.jsonl"):
        result = rules(example.text)
        assert result.version == risk.RISK_DETECTOR_VERSION
        assert result.method == "rules"
        if result.flagged:
            assert result.span, example.text
            assert result.start is not None
            assert result.end is not None
            assert example.text[result.start : result.end] == result.span
            assert result.reason
            assert result.category


def test_span_keeps_curly_apostrophes_verbatim() -> None:
    text = "Honestly I don\u2019t want to exist anymore."
    result = rules(text)
    assert result.level == "concern"
    assert result.span in text
    assert "\u2019" in result.span


def test_reason_names_the_method() -> None:
    result = rules("I'm planning to drive my car into a tree on the motorway.")
    assert result.level == "urgent"
    assert "car" in result.reason or "tree" in result.reason


def test_highest_level_sentence_wins() -> None:
    text = "Had a nice walk. I feel like a burden. I've written goodbye letters to everyone."
    assert rules(text).level == "urgent"


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01", "🙂🙂🙂", "....!!!???", "\n\n\n", "a" * 10_000, "ß" * 50])
def test_odd_inputs_do_not_raise(text: str) -> None:
    result = rules(text)
    assert result.level in risk.LEVELS


def test_non_string_input_is_coerced() -> None:
    assert risk.screen_text(None).level == "none"  # type: ignore[arg-type]
    assert risk.screen_text(12345).level == "none"  # type: ignore[arg-type]


def test_very_long_text_is_screened_to_the_end() -> None:
    filler = "Today was an ordinary day and I went to work and came home. " * 4000
    text = filler + "I'm going to kill myself tonight." + filler[:2000]
    result = rules(text)
    assert result.level == "urgent"
    assert text[result.start : result.end] == result.span


def test_long_run_without_punctuation_is_windowed() -> None:
    text = "blah " * 3000 + "i want to die " + "blah " * 3000
    assert rules(text).level == "concern"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_any_text_gives_a_valid_result(text: str) -> None:
    result = rules(text)
    assert result.level in risk.LEVELS
    if result.flagged and result.span is not None:
        assert text[result.start : result.end] == result.span


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "I want to die",
                "not",
                "never",
                "killing me",
                "my friend said",
                "I'm going to",
                "kill myself",
                "pills",
                "tonight",
                "!",
                ".",
                ",",
                "\u2019",
                "\U0001f480",
                "\n",
                "self-harm",
                "goodbye",
            ]
        ),
        max_size=40,
    ).map(" ".join)
)
def test_risky_word_soup_gives_a_valid_result(text: str) -> None:
    result = rules(text)
    assert result.level in risk.LEVELS
    if result.flagged:
        assert result.span is not None
        assert text[result.start : result.end] == result.span


# --- Categories of language (sentences that appear in no data file) -------------------------

# Each category is screened by rules alone and, in the embeddings test below, with the model.
CATEGORY_CASES = {
    # The subject is left out: "Gonna end it", "Won't be here".
    "subject_ellipsis": [
        ("Going to end things this Friday.", "urgent"),
        ("Not going to be around much longer, I can feel it.", "concern"),
        ("Not gonna be here after tonight.", "urgent"),
        ("Will be gone by morning, sorry.", "urgent"),
    ],
    # A means in one sentence, the time or the intent in the next.
    "cross_sentence": [
        ("Got a whole box of sleeping pills now. Tonight's when I take them.", "urgent"),
        ("The rifle is in the cupboard. I'm going to use it this weekend.", "urgent"),
        ("I've saved up loads of them. Tomorrow I'm taking them all.", "urgent"),
        ("I want to die. Tonight.", "urgent"),
        ("I want to die. Tomorrow I have an exam.", "concern"),
        ("I collected my prescription. Tomorrow I'm seeing my GP about the side effects.", "none"),
    ],
    "end_it_and_slang": [
        ("Honestly I might just finish it all this week.", "urgent"),
        ("Thinking of checking out of life for good.", "concern"),
        ("planning to unalive myself on friday", "urgent"),
        ("I'm ending it tonight.", "urgent"),
        ("Checking out of the hostel early and heading to the airport.", "none"),
        ("I'm ending things with my flatmate, we're moving out.", "none"),
    ],
    "means_with_readiness_or_time": [
        ("The pills are counted out next to my bed and I'm ready.", "urgent"),
        ("I keep staring at the razor blades in the bathroom thinking about tonight.", "urgent"),
        ("My knife is sharpened and I'm making a curry for my guests tonight.", "none"),
        ("Rope's coiled in the tent bag, ready for tomorrow's climb.", "none"),
    ],
    "preparation_and_goodbye": [
        ("I've rehomed my rabbit and written letters to my brothers.", "urgent"),
        ("When my husband finds me I want him to know it wasn't his fault.", "urgent"),
        ("Put my affairs in order and I'm ready now.", "urgent"),
        ("Waved goodbye to my nan today, she won't see me again.", "urgent"),
        ("I wrote my will after we got married, it was on our to-do list.", "none"),
    ],
    "conditional_deadline": [
        ("If the debt collectors call again by Thursday, I'm ending my life.", "urgent"),
        ("If she hasn't replied by Sunday I'm going to kill myself.", "urgent"),
        ("If nothing's better by the weekend I'm ending it.", "urgent"),
        # The negation in the condition does not reach the consequence.
        ("If it doesn't stop by Sunday I'm ending it.", "urgent"),
        ("If he won't leave me alone I'll kill myself.", "urgent"),
        ("If the landlord hasn't fixed the boiler by Friday I'm ending the contract.", "none"),
    ],
    "method_research": [
        ("I've been googling how many codeine tablets would kill me.", "urgent"),
        ("Looked up which cliffs near here are high enough.", "urgent"),
        ("I googled how to end a presentation with impact.", "none"),
        ("Searched how many paracetamol I can take safely for toothache.", "none"),
    ],
    "threats_to_others": [
        ("He'll regret laying a finger on my sister, I've got a crowbar in the car.", "urgent"),
        ("I know where my ex works and I've got a knife.", "urgent"),
        ("I want to hurt him so badly after what he did.", "concern"),
        # Hyperbole about a trivial grievance.
        ("I'm going to kill the idiot who scratched my car lol", "none"),
    ],
    "guards": [
        ("I have no intention of ending my life.", "none"),
        ("I used to want to die, but now I'm really enjoying life.", "none"),
        ("My previous suicide attempt was five years ago.", "concern"),
        ("My sister texted that she'd taken all her pills, so I rang an ambulance.", "none"),
        ("The surgeon said I'll be ready to go home tomorrow.", "none"),
    ],
}
CATEGORY_PARAMS = [
    pytest.param(text, level, id=f"{category}-{number}")
    for category, cases in CATEGORY_CASES.items()
    for number, (text, level) in enumerate(cases)
]


@pytest.mark.parametrize(("text", "level"), CATEGORY_PARAMS)
def test_category_levels_with_rules(text: str, level: str) -> None:
    assert rules(text).level == level, rules(text)


def test_cross_sentence_plan_reports_a_verbatim_span_over_both_sentences() -> None:
    text = "The noose\u2019s not done but the pills are. They\u2019re lined up and I\u2019m ready."
    result = rules(text)
    assert result.level == "urgent"
    assert result.category == "plan"
    assert text[result.start : result.end] == result.span
    assert "pills" in result.span
    assert "ready" in result.span


def test_a_negated_means_does_not_combine_with_the_next_sentence() -> None:
    assert rules("I don't have any pills left. Tonight I'm going to use it.").level == "none"


def test_a_time_word_in_an_unrelated_next_sentence_does_not_escalate() -> None:
    assert rules("I want to die. Tomorrow I'm going to the dentist.").level == "concern"
    assert rules("I want to die. This weekend.").level == "urgent"


def test_hyperbole_only_softens_threats_to_others() -> None:
    assert rules("I could strangle my cousin for hogging the remote lol").level == "none"
    assert rules("I want to die lol").level == "concern"
    assert rules("honestly I'm going to kill myself lol").level == "urgent"


def test_a_weapon_still_makes_a_vengeful_remark_urgent() -> None:
    assert rules("They'll be sorry, I've bought a machete.").level == "urgent"
    assert rules("They'll be sorry they missed the gig.").level == "none"


def test_past_attempts_are_history_not_an_emergency() -> None:
    assert rules("I overdosed years ago when I was at school.").level == "concern"
    assert rules("I overdosed an hour ago.").level == "urgent"

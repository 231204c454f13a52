"""Built-in measurement instruments, held as plain data.

Each definition is a JSON-serialisable dict so the same shape can be stored for a practice's
own instruments. Scoring reads only these keys (see `clients.scoring`); a named
`scoring_function` is used only where a rule cannot be expressed as data (PHQ-4 subscales,
PCL-5 clusters and DSM-5 pattern, WAI-SR subscales, C-SSRS triage).

Definition keys:
    code, name, version, licence, source, instructions
    answer_format           "list" (answers in item order) or "cssrs_object"
    items                   [{"number", "text"}] (C-SSRS items also carry "key")
    options                 [{"value", "label"}] shown for every item
    min_item_value, max_item_value
    scoring                 "sum" or "triage"
    reverse_scored_items    item numbers scored as (min + max - value) before summing
    bands                   [{"min", "max", "code"}] over the total, or [] for none
    caseness_threshold      total >= threshold is "at caseness", or None
    max_missing_to_prorate  how many unanswered items still allow a prorated total
    short_forms             [{"code", "items", "positive_at"}] e.g. PHQ-2 inside PHQ-9
    safety_item             {"item", "min"}: per-item flag that is never imputed, or None
    flags                   [{"kind", "item", "min", "severity", "reason"}] alert rules
    reliable_change         named change thresholds in total points, e.g. {"reliable": 6}
    reliable_change_source  who published those thresholds (shown with every reliable-change
                            marker), or absent
    norms                   Jacobson-Truax norms with their "source", or None
    scoring_function        a registered function name, or None
    difficulty              PHQ-9 item 10 (recorded and validated, never added), or None

Item wording is paraphrased faithfully to the published item meaning; response labels keep the
published anchors because changing an anchor changes what the number means.
"""

from __future__ import annotations

import copy
from typing import Any

from clients.instrument_validation import (
    SCORING_FUNCTION_REQUIREMENTS,
    total_range,
    validate_definition,
)

__all__ = [
    "BUILTIN_INSTRUMENTS",
    "SCORING_FUNCTION_REQUIREMENTS",
    "get_builtin",
    "total_range",
    "validate_definition",
]

PFIZER_LICENCE = (
    "Developed by Drs Robert L. Spitzer, Janet B. W. Williams, Kurt Kroenke and colleagues "
    "with an educational grant from Pfizer Inc. No permission is required to reproduce, "
    "translate, display or distribute."
)

FREQUENCY_OPTIONS = [
    {"value": 0, "label": "Not at all"},
    {"value": 1, "label": "Several days"},
    {"value": 2, "label": "More than half the days"},
    {"value": 3, "label": "Nearly every day"},
]

TWO_WEEKS = "Over the last 2 weeks, how often have you been bothered by the following problems?"


def _numbered(texts: list[str]) -> list[dict[str, Any]]:
    return [{"number": number, "text": text} for number, text in enumerate(texts, start=1)]


PHQ9_ITEM_TEXTS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed or hopeless",
    "Trouble falling asleep or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or eating too much",
    ("Feeling bad about yourself, or that you are a failure or have let yourself or your family down"),
    "Trouble concentrating on things such as reading or watching television",
    (
        "Moving or speaking so slowly that others could notice, or the opposite: being so "
        "fidgety or restless that you move around much more than usual"
    ),
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
]

GAD7_ITEM_TEXTS = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
]

PHQ9 = {
    "code": "phq9",
    "name": "Patient Health Questionnaire-9 (PHQ-9)",
    "version": "phq9_v1",
    "licence": PFIZER_LICENCE,
    "source": "Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606",
    "instructions": TWO_WEEKS,
    "answer_format": "list",
    "items": _numbered(PHQ9_ITEM_TEXTS),
    "options": FREQUENCY_OPTIONS,
    "min_item_value": 0,
    "max_item_value": 3,
    "scoring": "sum",
    "reverse_scored_items": [],
    "bands": [
        {"min": 0, "max": 4, "code": "minimal"},
        {"min": 5, "max": 9, "code": "mild"},
        {"min": 10, "max": 14, "code": "moderate"},
        {"min": 15, "max": 19, "code": "moderately_severe"},
        {"min": 20, "max": 27, "code": "severe"},
    ],
    # NHS Talking Therapies caseness.
    "caseness_threshold": 10,
    # NHS Data Dictionary: up to 2 missing items are prorated.
    "max_missing_to_prorate": 2,
    "short_forms": [{"code": "phq2", "items": [1, 2], "positive_at": 3}],
    "safety_item": {"item": 9, "min": 1},
    # Two rules on the same kind: the most severe one that matches wins (see safety_flags).
    "flags": [
        {
            "kind": "phq9_item9",
            "item": 9,
            "min": 1,
            "severity": "concern",
            "reason": "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered {value} ({label})",
        },
        {
            "kind": "phq9_item9",
            "item": 9,
            "min": 2,
            "severity": "urgent",
            "reason": "PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered {value} ({label})",
        },
    ],
    "reliable_change": {"reliable": 6},
    "reliable_change_source": (
        "NHS Talking Therapies for anxiety and depression Manual (NHS England): reliable change on "
        "the PHQ-9 is a change of 6 points or more"
    ),
    # Jacobson-Truax needs a cited SD and test-retest r; no such norm set is cited here, so
    # no Jacobson-Truax category is shown (never invented).
    "norms": None,
    "scoring_function": None,
    "difficulty": {
        "number": 10,
        "text": "If you ticked any problems, how difficult have they made it for you to do "
        "your work, look after things at home or get along with other people?",
        "options": [
            {"value": 0, "label": "Not difficult at all"},
            {"value": 1, "label": "Somewhat difficult"},
            {"value": 2, "label": "Very difficult"},
            {"value": 3, "label": "Extremely difficult"},
        ],
        "min_value": 0,
        "max_value": 3,
    },
}

GAD7 = {
    "code": "gad7",
    "name": "Generalised Anxiety Disorder-7 (GAD-7)",
    "version": "gad7_v1",
    "licence": PFIZER_LICENCE,
    "source": "Spitzer, Kroenke, Williams & Lowe 2006, Arch Intern Med 166:1092",
    "instructions": TWO_WEEKS,
    "answer_format": "list",
    "items": _numbered(GAD7_ITEM_TEXTS),
    "options": FREQUENCY_OPTIONS,
    "min_item_value": 0,
    "max_item_value": 3,
    "scoring": "sum",
    "reverse_scored_items": [],
    "bands": [
        {"min": 0, "max": 4, "code": "minimal"},
        {"min": 5, "max": 9, "code": "mild"},
        {"min": 10, "max": 14, "code": "moderate"},
        {"min": 15, "max": 21, "code": "severe"},
    ],
    "caseness_threshold": 8,
    # Policy: prorate only when exactly one item is missing.
    "max_missing_to_prorate": 1,
    "short_forms": [{"code": "gad2", "items": [1, 2], "positive_at": 3}],
    "safety_item": None,
    "flags": [],
    "reliable_change": {"reliable": 4},
    "reliable_change_source": (
        "NHS Talking Therapies for anxiety and depression Manual (NHS England): reliable change on "
        "the GAD-7 is a change of 4 points or more"
    ),
    # See PHQ-9: no cited Jacobson-Truax norm set, so none is shown.
    "norms": None,
    "scoring_function": None,
    "difficulty": None,
}

PHQ4 = {
    "code": "phq4",
    "name": "Patient Health Questionnaire-4 (PHQ-4)",
    "version": "phq4_v1",
    "licence": PFIZER_LICENCE,
    "source": "Kroenke, Spitzer, Williams & Lowe 2009, Psychosomatics 50:613",
    "instructions": TWO_WEEKS,
    "answer_format": "list",
    # Order is fixed by the instrument: the two GAD-2 items, then the two PHQ-2 items.
    "items": _numbered(GAD7_ITEM_TEXTS[:2] + PHQ9_ITEM_TEXTS[:2]),
    "options": FREQUENCY_OPTIONS,
    "min_item_value": 0,
    "max_item_value": 3,
    "scoring": "sum",
    "reverse_scored_items": [],
    "bands": [
        {"min": 0, "max": 2, "code": "none"},
        {"min": 3, "max": 5, "code": "mild"},
        {"min": 6, "max": 8, "code": "moderate"},
        {"min": 9, "max": 12, "code": "severe"},
    ],
    "caseness_threshold": None,
    # Policy: four items leave nothing to prorate from; any missing item -> not scorable.
    "max_missing_to_prorate": 0,
    "short_forms": [],
    "safety_item": None,
    "flags": [],
    "reliable_change": {},
    "norms": None,
    "scoring_function": "phq4_subscales",
    "difficulty": None,
}

PCL5_ITEM_TEXTS = [
    "Repeated, disturbing and unwanted memories of the stressful experience",
    "Repeated, disturbing dreams of the stressful experience",
    (
        "Suddenly feeling or acting as if the stressful experience were happening again, as if "
        "you were back there reliving it"
    ),
    "Feeling very upset when something reminded you of the stressful experience",
    (
        "Strong physical reactions when something reminded you of the stressful experience "
        "(for example a pounding heart, trouble breathing or sweating)"
    ),
    "Avoiding memories, thoughts or feelings related to the stressful experience",
    (
        "Avoiding external reminders of the stressful experience (people, places, "
        "conversations, activities, objects or situations)"
    ),
    "Trouble remembering important parts of the stressful experience",
    "Strong negative beliefs about yourself, other people or the world",
    "Blaming yourself or someone else for the stressful experience or what happened after it",
    "Strong negative feelings such as fear, horror, anger, guilt or shame",
    "Loss of interest in activities you used to enjoy",
    "Feeling distant or cut off from other people",
    (
        "Trouble having positive feelings, such as being unable to feel happy or to have loving "
        "feelings for people close to you"
    ),
    "Irritable behaviour, angry outbursts or acting aggressively",
    "Taking too many risks or doing things that could cause you harm",
    'Being "super alert", watchful or on guard',
    "Feeling jumpy or easily startled",
    "Difficulty concentrating",
    "Trouble falling or staying asleep",
]

PCL5 = {
    "code": "pcl5",
    "name": "PTSD Checklist for DSM-5 (PCL-5)",
    "version": "pcl5_v1",
    "licence": "Public domain; developed by the National Center for PTSD.",
    "source": "Weathers et al. 2013; Blevins et al. 2015; Bovin et al. 2016",
    "instructions": "In the past month, how much were you bothered by the following problems?",
    "answer_format": "list",
    "items": _numbered(PCL5_ITEM_TEXTS),
    "options": [
        {"value": 0, "label": "Not at all"},
        {"value": 1, "label": "A little bit"},
        {"value": 2, "label": "Moderately"},
        {"value": 3, "label": "Quite a bit"},
        {"value": 4, "label": "Extremely"},
    ],
    "min_item_value": 0,
    "max_item_value": 4,
    "scoring": "sum",
    "reverse_scored_items": [],
    # No published severity bands: none are invented.
    "bands": [],
    # The cut-off result is reported as provisional_ptsd_cutoff; "caseness" stays null.
    "caseness_threshold": None,
    "max_missing_to_prorate": 0,
    "short_forms": [],
    "safety_item": None,
    "flags": [],
    "reliable_change": {"response": 5, "clinically_meaningful": 10},
    "norms": None,
    "scoring_function": "pcl5_clusters",
    "difficulty": None,
    # Instrument-specific parameters read by the pcl5_clusters function.
    "parameters": {
        "default_cutoff": 33,
        "clusters": {
            "B": [1, 2, 3, 4, 5],
            "C": [6, 7],
            "D": [8, 9, 10, 11, 12, 13, 14],
            "E": [15, 16, 17, 18, 19, 20],
        },
        "symptom_min": 2,
        "dsm5_required": {"B": 1, "C": 1, "D": 2, "E": 2},
    },
}

WAI_SR_ITEM_TEXTS = [
    "Because of these sessions I am clearer about how I might be able to change",
    "What I do in therapy gives me new ways of looking at my problem",
    "I believe my therapist likes me",
    "My therapist and I work together on setting goals for my therapy",
    "My therapist and I respect each other",
    "My therapist and I are working towards goals we both agree on",
    "I feel my therapist appreciates me",
    "My therapist and I agree on what is important for me to work on",
    "I feel my therapist cares about me even when I do things they do not approve of",
    "I feel the things I do in therapy will help me make the changes I want",
    ("My therapist and I have a good shared understanding of the changes that would be good for me"),
    "I believe the way we are working on my problem is right",
]

WAI_SR = {
    "code": "wai_sr",
    "name": "Working Alliance Inventory, Short Revised (WAI-SR)",
    "version": "wai_sr_v1",
    "licence": "Free for clinical use per its authors (Hatcher & Gillaspy).",
    "source": "Hatcher & Gillaspy 2006, Psychother Res 16:12",
    "instructions": "Thinking about your therapy, how often does each statement apply?",
    "answer_format": "list",
    "items": _numbered(WAI_SR_ITEM_TEXTS),
    "options": [
        {"value": 1, "label": "Seldom"},
        {"value": 2, "label": "Sometimes"},
        {"value": 3, "label": "Fairly often"},
        {"value": 4, "label": "Very often"},
        {"value": 5, "label": "Always"},
    ],
    "min_item_value": 1,
    "max_item_value": 5,
    "scoring": "sum",
    "reverse_scored_items": [],
    # No cut-off exists: the signal is a within-client drop (clients.outcomes.alliance_drop).
    "bands": [],
    "caseness_threshold": None,
    "max_missing_to_prorate": 0,
    "short_forms": [],
    "safety_item": None,
    "flags": [],
    "reliable_change": {},
    "norms": None,
    "scoring_function": "wai_sr_subscales",
    "difficulty": None,
    "parameters": {
        "subscales": {
            "goal": [4, 6, 8, 11],
            "task": [1, 2, 10, 12],
            "bond": [3, 5, 7, 9],
        },
    },
}

CSSRS_QUESTIONS = [
    (
        "q1",
        "Have you wished you were dead, or wished you could go to sleep and not wake up?",
    ),
    ("q2", "Have you actually had any thoughts about killing yourself?"),
    ("q3", "Have you been thinking about how you might do this?"),
    ("q4", "Have you had these thoughts and had some intention of acting on them?"),
    (
        "q5",
        (
            "Have you started to work out, or worked out, the details of how to kill yourself, "
            "and do you intend to carry out this plan?"
        ),
    ),
    (
        "q6",
        ("Have you ever done anything, started to do anything or prepared to do anything to end your life?"),
    ),
    ("q6_past_3_months", "If yes: was that within the past 3 months?"),
]

CSSRS_SCREENER = {
    "code": "cssrs_screener",
    "name": "Columbia Suicide Severity Rating Scale, screener (recent)",
    "version": "cssrs_screener_v1",
    "licence": "Columbia Lighthouse Project; free for clinical use.",
    "source": "Posner et al. 2011; Columbia triage guidance",
    "instructions": "Questions 1 and 2 ask about the past month. Ask questions 3 to 5 only if "
    "the answer to question 2 is yes. Always ask question 6.",
    "answer_format": "cssrs_object",
    "items": [
        {"number": number, "key": key, "text": text} for number, (key, text) in enumerate(CSSRS_QUESTIONS, start=1)
    ],
    # Yes/no answers; the numeric range describes them as 0 (no) and 1 (yes).
    "options": [{"value": True, "label": "Yes"}, {"value": False, "label": "No"}],
    "min_item_value": 0,
    "max_item_value": 1,
    "scoring": "triage",
    "reverse_scored_items": [],
    "bands": [],
    "caseness_threshold": None,
    "max_missing_to_prorate": 0,
    "short_forms": [],
    "safety_item": None,
    # Alerts come from the triage level, not from single items (see clients.cssrs).
    "flags": [],
    "reliable_change": {},
    "norms": None,
    "scoring_function": "cssrs_triage",
    "difficulty": None,
}

BUILTIN_INSTRUMENTS: dict[str, dict[str, Any]] = {
    str(definition["code"]): definition for definition in (PHQ9, GAD7, PHQ4, PCL5, WAI_SR, CSSRS_SCREENER)
}


def get_builtin(code: str) -> dict[str, Any]:
    """Return a deep copy of a built-in definition, so callers cannot alter the shared one.

    Raises KeyError for an unknown code.
    """
    return copy.deepcopy(BUILTIN_INSTRUMENTS[code])

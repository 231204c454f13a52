"""Built-in starter library of homework templates, written for Alliance.

Therapists can assign these as they are or copy and adapt them. Each entry's
``description`` and ``tags`` are also embedded and compared with a client's
presenting concerns to suggest homework, so descriptions say plainly what the
exercise is for and whom it tends to help rather than just naming it.

Fixed kinds (thought_record, activity_log, exposure_log, journal) take their
fields from ``homework_schema.KIND_SCHEMAS``; only worksheets and checklists
carry ``fields`` here.
"""

from __future__ import annotations

from typing import TypedDict

from sessions.homework_schema import FieldSpec, checklist_schema


class LibraryTemplate(TypedDict):
    slug: str  # stable identifier so seeding can be re-run without duplicates
    title: str
    kind: str
    description: str
    instructions: str
    fields: list[FieldSpec]
    tags: list[str]


BUILTIN_TEMPLATES: list[LibraryTemplate] = [
    {
        "slug": "thought-record-5-column",
        "title": "Thought record (5-column)",
        "kind": "thought_record",
        "description": (
            "A cognitive behavioural exercise for catching and questioning upsetting "
            "automatic thoughts. Helpful for low mood, depression, anxiety, guilt, "
            "shame, self-criticism and irritability: the client notes a situation, "
            "the thought and emotion it triggered, weighs the evidence and builds a "
            "more balanced thought, then re-rates how strong the emotion feels."
        ),
        "instructions": (
            "When you notice a shift in your mood, write down what was happening and "
            "the thought that went through your mind. Rate how strong the emotion "
            "was. Then look at the evidence for and against the thought as a fair "
            "friend would, write a more balanced thought, and rate the emotion again. "
            "It is fine to fill in only the first columns at first."
        ),
        "fields": [],
        "tags": ["depression", "anxiety", "cbt", "negative thoughts", "self-criticism"],
    },
    {
        "slug": "weekly-activity-schedule",
        "title": "Weekly activity schedule",
        "kind": "activity_log",
        "description": (
            "Behavioural activation log for depression, low motivation, withdrawal "
            "and loss of interest or enjoyment. The client plans and records daily "
            "activities and rates the sense of achievement and pleasure each gave, "
            "so that together we can see which activities lift mood and build more "
            "of them into the week."
        ),
        "instructions": (
            "Each day, log what you did or planned to do, including small things "
            "like getting dressed or a short walk. Tick whether it was planned and "
            "whether you did it, then rate achievement and enjoyment from 0 to 10. "
            "Do not wait to feel motivated: action often comes before motivation."
        ),
        "fields": [],
        "tags": ["depression", "behavioural activation", "low mood", "motivation"],
    },
    {
        "slug": "exposure-practice-log",
        "title": "Exposure practice log",
        "kind": "exposure_log",
        "description": (
            "Records graded exposure practice for anxiety that keeps going because "
            "of avoidance: phobias, panic attacks and agoraphobia, social anxiety, "
            "health anxiety, obsessive-compulsive fears and trauma reminders in "
            "PTSD. Distress ratings before, at the peak and after show how anxiety "
            "rises and falls when the client stays with a feared situation."
        ),
        "instructions": (
            "Practise only the steps you agreed with your therapist. Before you "
            "start, rate your distress from 0 to 100. Stay in the situation without "
            "escaping or using safety behaviours if you can, note your highest "
            "distress and your distress at the end, and write down what you learned "
            "about what you feared."
        ),
        "fields": [],
        "tags": [
            "anxiety",
            "panic",
            "ptsd",
            "phobia",
            "ocd",
            "social anxiety",
            "avoidance",
        ],
    },
    {
        "slug": "gratitude-journal",
        "title": "Gratitude journal",
        "kind": "journal",
        "description": (
            "A short daily writing practice that trains attention toward what is "
            "going well. Useful for low mood, depression, stress and a negative or "
            "hopeless outlook, and as a gentle maintenance habit once symptoms "
            "improve."
        ),
        "instructions": (
            "Towards the end of the day, write about three things you are grateful "
            "for, however small, and why each one mattered to you. Try to notice "
            "something new each day rather than repeating the same list."
        ),
        "fields": [],
        "tags": [
            "depression",
            "low mood",
            "stress",
            "wellbeing",
            "positive psychology",
        ],
    },
    {
        "slug": "worry-time-worksheet",
        "title": "Worry time worksheet",
        "kind": "worksheet",
        "description": (
            "For generalised anxiety and excessive worry or rumination that takes "
            "over the day or keeps the client awake. The client postpones worries "
            "to a short scheduled worry time, sorts them into practical problems "
            "they can act on and hypothetical what-ifs they cannot, and plans a "
            "first step for the practical ones."
        ),
        "instructions": (
            "When a worry shows up during the day, jot it down and postpone it to "
            "your worry time: the same 15 to 20 minutes each day, not close to "
            "bedtime. In worry time, decide whether each worry is practical or "
            "hypothetical. Plan a first step for practical worries and let the "
            "hypothetical ones go for today."
        ),
        "fields": [
            {
                "name": "worry",
                "label": "What is the worry?",
                "type": "long_text",
                "required": True,
            },
            {
                "name": "worry_type",
                "label": "What kind of worry is it?",
                "type": "choice",
                "required": True,
                "choices": [
                    "Practical: something I can act on now",
                    "Hypothetical: a 'what if' I cannot act on now",
                ],
            },
            {
                "name": "postponed",
                "label": "I postponed it until my worry time",
                "type": "checkbox",
                "required": False,
            },
            {
                "name": "distress_before",
                "label": "Distress when the worry started (0-10)",
                "type": "scale",
                "required": True,
                "min": 0,
                "max": 10,
                "step": 1,
            },
            {
                "name": "worry_time_minutes",
                "label": "Minutes spent in worry time",
                "type": "number",
                "required": False,
                "min": 0,
                "max": 60,
                "step": 1,
            },
            {
                "name": "action_plan",
                "label": "If it is practical, what is a first step?",
                "type": "long_text",
                "required": False,
            },
            {
                "name": "distress_after",
                "label": "Distress after worry time (0-10)",
                "type": "scale",
                "required": False,
                "min": 0,
                "max": 10,
                "step": 1,
            },
        ],
        "tags": ["worry", "anxiety", "generalised anxiety", "rumination", "sleep"],
    },
    {
        "slug": "sleep-diary-checklist",
        "title": "Sleep diary checklist",
        "kind": "checklist",
        "description": (
            "A nightly checklist of sleep habits drawn from cognitive behavioural "
            "therapy for insomnia. For trouble falling or staying asleep, early "
            "waking, irregular sleep, and poor sleep linked to depression, anxiety, "
            "worry or trauma: a steady wake-up time and using the bed only for sleep "
            "help rebuild a strong link between bed and sleeping."
        ),
        "instructions": (
            "Each morning, tick the habits you managed the day and night before. "
            "Aim for consistency rather than perfection; bring the week's checklist "
            "to your next session so we can look for patterns."
        ),
        "fields": checklist_schema(
            [
                "Got up at my set wake-up time, even after a poor night",
                "Went to bed only when sleepy",
                "Got up if I could not sleep for about 20 minutes",
                "Used my bed only for sleep and intimacy",
                "Avoided naps during the day",
                "No caffeine after midday",
                "Avoided alcohol in the three hours before bed",
                "Had a screen-free wind-down in the hour before bed",
            ]
        ),
        "tags": ["sleep", "insomnia", "depression", "anxiety", "routine"],
    },
    {
        "slug": "values-worksheet",
        "title": "Values worksheet",
        "kind": "worksheet",
        "description": (
            "An acceptance and commitment therapy exercise for clarifying what "
            "matters most in different areas of life and turning it into small, "
            "concrete actions. Helps with feeling stuck, directionless or empty, "
            "depression, low motivation, life transitions, and anxiety that has "
            "narrowed life through avoidance."
        ),
        "instructions": (
            "Pick one area of life. Describe the kind of person you want to be "
            "there, in your own words, not what you think you should want. Rate how "
            "important it is and how closely you have lived by it lately, then "
            "choose one small step you could take this week."
        ),
        "fields": [
            {
                "name": "life_area",
                "label": "Area of life",
                "type": "choice",
                "required": True,
                "choices": [
                    "Relationships",
                    "Family",
                    "Work or study",
                    "Health and body",
                    "Leisure and play",
                    "Community",
                    "Personal growth",
                    "Spirituality",
                ],
            },
            {
                "name": "what_matters",
                "label": "What matters to you in this area?",
                "type": "long_text",
                "required": True,
            },
            {
                "name": "importance",
                "label": "How important is this to you? (0-10)",
                "type": "scale",
                "required": True,
                "min": 0,
                "max": 10,
                "step": 1,
            },
            {
                "name": "living_by_it",
                "label": "How closely have you lived by it lately? (0-10)",
                "type": "scale",
                "required": True,
                "min": 0,
                "max": 10,
                "step": 1,
            },
            {
                "name": "barriers",
                "label": "What gets in the way?",
                "type": "long_text",
                "required": False,
            },
            {
                "name": "small_step",
                "label": "One small step you could take this week",
                "type": "text",
                "required": True,
            },
            {
                "name": "planned_date",
                "label": "When will you take it?",
                "type": "date",
                "required": False,
            },
        ],
        "tags": ["values", "act", "depression", "motivation", "behavioural activation"],
    },
    {
        "slug": "grounding-5-4-3-2-1-checklist",
        "title": "Grounding (5-4-3-2-1) checklist",
        "kind": "checklist",
        "description": (
            "A sensory grounding exercise that brings attention back to the present "
            "moment. Useful during panic attacks, flashbacks and dissociation in "
            "PTSD, overwhelming anxiety, and intense emotions or urges, by naming "
            "things the client can see, feel, hear, smell and taste."
        ),
        "instructions": (
            "When you feel overwhelmed, spaced out or pulled back into a memory, "
            "slowly work through the list and tick each step as you finish it. Say "
            "the things you notice out loud or in your head. Repeat the whole list "
            "if you need to."
        ),
        "fields": checklist_schema(
            [
                "Named 5 things I can see",
                "Noticed 4 things I can feel",
                "Listened for 3 things I can hear",
                "Noticed 2 things I can smell",
                "Noticed 1 thing I can taste",
                "Took three slow breaths, breathing out longer than in",
            ]
        ),
        "tags": ["ptsd", "panic", "anxiety", "grounding", "dissociation", "trauma"],
    },
    {
        "slug": "self-compassion-letter",
        "title": "Self-compassion letter journal",
        "kind": "journal",
        "description": (
            "A compassion-focused writing exercise for harsh self-criticism, shame, "
            "guilt, perfectionism and low self-esteem. The client writes to "
            "themselves about a struggle in the voice of a kind, understanding "
            "friend, practising warmth instead of blame."
        ),
        "instructions": (
            "Think of something about yourself or a recent situation that you feel "
            "bad about. Write a letter to yourself as a caring friend would: "
            "acknowledge how hard it is, remember that struggling is part of being "
            "human, and offer the encouragement you would give someone you love."
        ),
        "fields": [],
        "tags": [
            "self-compassion",
            "shame",
            "self-criticism",
            "perfectionism",
            "depression",
        ],
    },
    {
        "slug": "behavioural-experiment-worksheet",
        "title": "Behavioural experiment worksheet",
        "kind": "worksheet",
        "description": (
            "A planned real-world test of a worrying or negative belief, used in "
            "cognitive behavioural therapy for anxiety, panic, social anxiety, "
            "health anxiety and depression. The client writes a specific "
            "prediction, tests it, compares the outcome and re-rates how strongly "
            "they believe the original thought."
        ),
        "instructions": (
            "Choose a belief to test with your therapist and rate how much you "
            "believe it. Write exactly what you predict will happen and how you will "
            "test it, ideally without your usual safety behaviours. Afterwards, "
            "record what actually happened, what you learned, and rate the belief "
            "again."
        ),
        "fields": [
            {
                "name": "belief",
                "label": "Belief to test",
                "type": "long_text",
                "required": True,
            },
            {
                "name": "belief_rating_before",
                "label": "How much do you believe it? (0-100)",
                "type": "scale",
                "required": True,
                "min": 0,
                "max": 100,
                "step": 1,
            },
            {
                "name": "prediction",
                "label": "What exactly do you predict will happen?",
                "type": "long_text",
                "required": True,
            },
            {
                "name": "experiment",
                "label": "What will you do to test it?",
                "type": "long_text",
                "required": True,
            },
            {
                "name": "planned_date",
                "label": "When will you do it?",
                "type": "date",
                "required": False,
            },
            {
                "name": "outcome",
                "label": "What actually happened?",
                "type": "long_text",
                "required": False,
            },
            {
                "name": "prediction_came_true",
                "label": "Did the prediction come true?",
                "type": "choice",
                "required": False,
                "choices": ["Yes", "Partly", "No"],
            },
            {
                "name": "learning",
                "label": "What did you learn?",
                "type": "long_text",
                "required": False,
            },
            {
                "name": "belief_rating_after",
                "label": "How much do you believe it now? (0-100)",
                "type": "scale",
                "required": False,
                "min": 0,
                "max": 100,
                "step": 1,
            },
        ],
        "tags": ["anxiety", "panic", "social anxiety", "depression", "cbt"],
    },
]


def builtin_template(slug: str) -> LibraryTemplate:
    """Look up a built-in template by slug; raises KeyError for unknown slugs."""
    for template in BUILTIN_TEMPLATES:
        if template["slug"] == slug:
            return template
    raise KeyError(slug)


def recommendation_text(template: LibraryTemplate) -> str:
    """The text embedded for matching against a client's presenting concerns."""
    return f"{template['title']}. {template['description']} Tags: {', '.join(template['tags'])}."

"""Context for the risk screener (see ``insights.risk``): the guards that change what a
matched phrase means, and the cross-sentence window that joins cues split over sentences.

Guards answer "does this match still mean risk here?": negation in the same clause (but not
from the condition of an ``if`` clause: "if things don't get better by Monday I'm ending it"
is not negated), figurative speech, reported speech, a third-party subject, an educational
context, accidents, explicit jokes, hypotheticals, past ideation the client contrasts with
the present ("I used to want to die but now...") and, for threats to others only, hyperbole
("lol", a parking spot or the last slice of pizza as the grievance).

The window looks at each sentence together with its neighbours, because people split one
thought over several short sentences: "I've got enough of them now. tonight i'm taking all
of them", "The rope is in the car. I'm going to use it when everyone's at work." A means of
suicide (pills, a rope, a gun, a high place) in one sentence plus readiness, an intent to
use it or a time in the next is a plan, and urgent. Each cue passes the same guards as a
rule match, so "I don't have any pills. Tonight I'm going to use it" does not combine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from insights.risk import lexicon

NEGATION_WINDOW_WORDS = 5
ATTRIBUTION_WINDOW_WORDS = 12
EDUCATIONAL_FIRST_PERSON_WORDS = 3
# How far after "if I ever feel" a matched phrase still belongs to the hypothetical.
HYPOTHETICAL_REACH_CHARS = 40
# How far before a match "used to" still puts it in the past ("I used to think everyone would ...").
REMISSION_WINDOW_WORDS = 6
# Sentences either side of a sentence that can complete its thought.
WINDOW_SENTENCES = 1
# A time word in a neighbouring sentence times a thought only when that sentence is a bare
# fragment ("Tonight.") or itself describes an act ("Doing it on Friday.").
SHORT_SENTENCE_WORDS = 3
# Points a means cue needs from its window to count as a plan: a strong cue (readiness, an
# armed state, an intent to use) is worth 2, a supporting one (a quantity, a time) 1.
PLAN_POINTS = 2

_WORD = re.compile(r"[\w']+")
_CLAUSE_BOUNDARY = re.compile(
    r"[,;:\u2014\u2013()]|\s-\s|\b(?:but|and|so|because|though|although|yet|however|except|while|whereas)\b",
    re.IGNORECASE,
)
# The condition of a conditional sentence: its negation ("if she doesn't call") does not reach
# the consequence, which starts at the next first-person subject or "then".
_CONDITION = re.compile(r"\b(?:if|unless)\b", re.IGNORECASE)
_CONSEQUENCE_SUBJECT = re.compile(
    r"\b(?:then|that'?s\s+it|i'?m|im|i\s+am|i'?ll|i\s+will|i'?d|i\s+would)\b", re.IGNORECASE
)
_SUBJECTS = frozenset({"i", "i'm", "im", "i've", "i'll", "i'd", "we", "he", "she", "they", "you"})
_REMISSION_PAST = re.compile(r"\bused\s+to\b", re.IGNORECASE)
_REMISSION_NOW = re.compile(
    r"\b(?:but|now|nowadays|these\s+days|not\s+anymore|no\s+longer|any\s+more|anymore|clean|stopped)\b", re.IGNORECASE
)


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Hyperbole that turns "I want to kill the guy who parked in my spot" into venting. Only for
# threats to others at concern level: "I want to die lol" is still screened.
HYPERBOLE = _compile(
    r"\b(?:lol+|lmao+|lmfao|rofl|haha\w*|hehe\w*|jk|xd|smh)\b"
    r"|[\U0001f602\U0001f923\U0001f606\U0001f605\U0001f644\U0001f643]"
)
TRIVIAL_GRIEVANCE = _compile(
    r"\b(?:park(?:s|ed|ing)?\b|my\s+(?:parking\s+)?(?:spot|space)|traffic|cut\s+me\s+off|queue|late\s+again"
    r"|being\s+late"
    r"|leftovers|last\s+(?:slice|biscuit|cookie|piece|bite)|(?:oat\s+)?milk|snor\w+|the\s+remote|wi-?fi|spoil\w*"
    r"|lawn|mow\w*|loud\s+music|chewing|the\s+printer|homework|chores|dishes|washing\s+up)\b"
)

# --- Window cues ------------------------------------------------------------------------------

MEANS = _compile(
    r"\b(?P<method>(?:sleeping\s+)?(?:pills|tablets|meds|capsules)|medications?|painkillers|paracetamol|acetaminophen"
    r"|tylenol|codeine|tramadol|insulin|amitriptyline|antidepressants|opioids|fentanyl|sertraline|fluoxetine|citalopram"
    r"|escitalopram|mirtazapine|quetiapine|diazepam|lorazepam|zopiclone|propranolol|lithium|ibuprofen|aspirin|oxycodone"
    r"|morphine|methadone|benzos|rope|noose|shotgun|rifle"
    r"|pistol|handgun|revolver|firearm|gun|charcoal|razor\s*blades?|razors?|blades?|knife|knives)\b"
)
HIGH_PLACE = _compile(
    r"\b(?P<method>roof(?:top)?|ledge|bridge|cliffs?|(?:train\s+|railway\s+)?tracks|top\s+floor|car\s+park"
    r"|multi-?storey|parking\s+(?:garage|deck)|balcony|overpass|viaduct|railing)\b"
)
# Strong cues: readiness, an armed or laid-out state, fixation on the means.
READY = _compile(
    r"\b(?:loaded|cocked|sharpened|counted(?:\s+(?:them|it))?(?:\s+out)?|lined\s+up|laid\s+out|set\s+out"
    r"|(?:i'?m|i\s+am)\s+(?:\w+\s+)?ready(?=\s*(?:[.!?;,]|$|now|to\s+(?:do|die|go|end|use)|for\s+(?:it|this|when)))"
    r"|(?:(?:is|are)\s+(?:all\s+)?|,\s*(?:all\s+)?)(?:ready|set)(?=\s*(?:[.!?;]|$|now|and))"
    r"|all\s+set|"
    + lexicon.COUNT
    + r"\s+(?:of\s+(?:my|the|them|these|those)\s+)?(?:\w+\s+)?(?:pills|tablets|paracetamol|capsules"
    r"|painkillers)"
    r"|ready\s+(?:for\s+when|to\s+(?:go|use)|now)|(?:staring|stare|stared)\s+at|(?:keep|kept|been)\s+(?:looking"
    r"|staring)"
    r"\s+at|can'?t\s+stop\s+(?:looking|staring)\s+at|just\s+waiting|it'?s\s+time|tonight'?s\s+the\s+night"
    r"|(?:is|'s)\s+(?:the\s+(?:night|day)|when)(?=\s*(?:[.,!?;]|$))|in\s+my\s+(?:lap|hands?|mouth)|to\s+my\s+(?:head"
    r"|temple"
    r"|throat|wrist)|(?:the\s+)?door\s+is\s+locked|locked\s+the\s+door|(?:not|never)\s+(?:getting|coming)\s+out"
    r"|in\s+the\s+(?:bath|tub)\s+with|" + lexicon.ALONE + r"|(?:holding|held|clutching|stroking)\s+(?:it|them)\b"
    r"|\b(?:have|got|found|picked|chosen)\s+the\s+(?:place|spot|date|time|method)\b"
    r"|\bi\s+know\s+(?:exactly\s+)?(?:where|when|how)(?=\s*(?:[.,!?;]|$))|\bmy\s+plan\s+is\s+(?:set|ready|made)"
    r"|\bi\s+have\s+a\s+plan)"
)
# Supporting cues: a lethal quantity, alcohol with it, hiding it.
QUANTITY = _compile(
    r"\b(?:enough|saved\s+up|stockpiled|all\s+(?:of\s+)?my|(?:a\s+)?(?:full|whole|entire)\s+(?:box|bottle|packet|pack"
    r"|strip)|all\s+of\s+them"
    r"|vodka|whisky|whiskey|gin|alcohol|hid(?:den)?|stash(?:ed)?)\b"
    r"|\bknow\s+(?:the|where\s+(?:the|he|she|they)\s+keeps?\s+the)\s+(?:combination|code|key|keys|pin)\b|\bsoon\b"
    r"|\b(?:i'?m|im|i\s+am|going\s+to|gonna|i'?ll)\s+(?:\w+\s+)?(?:tak(?:e|ing)|swallow(?:ing)?|us(?:e|ing))\s+(?:the|my|those"
    r"|these)\s+(?:\w+\s+)?(?:pills|tablets|meds|rope|gun|knife|blade)\b"
    # Despair next to a means: "Tonight I'm done with all of it."
    r"|\bi'?m\s+done(?:\s+with\s+(?:all\s+of\s+)?(?:it|this|everything|life))?(?=\s*(?:[.,!?;]|$|tonight|now))"
    r"|\bcan'?t\s+(?:do|take)\s+(?:this|it)\s+any\s*more\b|\b(?:had|have\s+had)\s+enough\b"
)
# An intention to use or take an object named elsewhere ("I'm going to use it", "doing it on Friday").
USE_INTENT = _compile(
    r"\b(?:(?:going\s+to|gonna|i'?ll|i\s+will|ready\s+to|about\s+to|plan(?:ning)?\s+to|want\s+to|i'?m\s+finally)\s+"
    r"(?:\w+\s+)?(?:use|take|swallow)|(?:i'?m|im|i\s+am)\s+(?:\w+\s+)?(?:using|taking|swallowing))\s+(?:it|them|those"
    r"|that"
    r"|all\s+of\s+them|them\s+all)\b"
    r"(?!\s+(?:to|for|back|out|off|with|home|in|apart|easy|seriously|personally)\b)"
    r"|\b(?:doing|do)\s+it\s+(?:tonight|tomorrow|today|on\s+\w+day|this\s+\w+|when|after|before|soon|then)\b"
)
# "Taking all of them", with no object after it: the pronoun is the pills named before.
TAKE_ALL = _compile(
    r"\b(?:tak|swallow|down)(?:e|ing)\s+(?:them\s+all|all\s+of\s+them|every\s+(?:last\s+)?one(?:\s+of\s+them)?"
    r"|the\s+(?:whole\s+)?lot)(?=\s*(?:[.,!?;]|$|tonight|tomorrow|at\s+once|now|when|after|before|on\b|this))"
)
# A high place plus looking over, stepping off or not coming back down.
PLACE_ACT = _compile(
    r"\b(?:look(?:ing|ed)?|star(?:e|ing|ed)|peer(?:ing|ed)?|lean(?:ing|ed)?)\s+(?:over|down)\b"
    r"|\bclimb(?:ing|ed)?\s+over\b|\bover\s+the\s+(?:edge|railing|side)\b"
    r"|\b(?:won'?t|not\s+going\s+to|never)\s+(?:be\s+)?com(?:e|ing)\s+(?:back\s+)?down\b"
    r"|\b(?:water|ground|drop|river|road|street|sea|rocks)\s+(?:is|looks|seems)\s+(?:\w+\s+)?(?:far|a\s+long\s+way)\s+down\b"
    r"|\blong\s+way\s+down\b"
    r"|\b(?:going\s+to|gonna|i'?ll|i\s+will|ready\s+to|about\s+to|want\s+to)\s+(?:just\s+)?(?:step|jump|leap|let\s+go)"
    r"(?:\s+off)?(?=\s*(?:[.,!?;]|$|tonight|tomorrow|now|when|soon))"
)
# Ordinary uses of the same objects.
BENIGN_MEANS = _compile(
    r"\b(?:prescriptions?|prescribed|dose|dosage|as\s+directed|pharmacist|side\s+effects?|first\s+(?:tablet|pill|dose)"
    r"|weekly\s+box|for\s+the\s+week|safe(?:ly)?|toothache|headaches?|migraines?|fever|flu|period\s+pains?"
    r"|pain\s+relief|chef|cooking|kitchen|recipe|roast|chopping|carving|sushi|vegetables|barbecue|bbq"
    r"|grill|steak|butcher"
    r"|shaving|craft\w*|whittl\w*|target|range|clay|club|shoot|competition|licen[cs]e|hunting|hunt|deer|climbing"
    r"|camping"
    r"|sailing|boat|tent|garden|swing|kids'?|children|dog\s+lead|tow\w*|nails|diy|fence|tarp|washing\s+line"
    r"|dinner\s+party|knife\s+set|cook\w*|meal|guests|vitamins?|supplements?"
    r"|clothes\s*line|moving\s+boxes)\b"
)
# Ordinary reasons to be up high or to look over an edge.
BENIGN_PLACE = _compile(
    r"\b(?:plants?|watering|water\s+the|views?|fireworks|photos?|pictures?|sunset|sunrise|skyline|ducks|boats?|scenery"
    r"|tourists?"
    r"|sightseeing|hik\w+|walk(?:ing)?\s+the\s+dog|washing|laundry|painting|repair\w*|gutters?|roofer|builders?)\b"
)
# "I keep thinking about taking all my pills, but I won't": the client rules the act out.
DISAVOWAL = _compile(
    r"\b(?:but|though)\s+i\s+(?:won'?t|wouldn'?t|will\s+not|would\s+never|'?d\s+never|never\s+would"
    r"|am\s+not\s+going\s+to"
    r"|'?m\s+not\s+going\s+to|don'?t\s+want\s+to)\b"
)
# A sentence that describes an act, so a time word in it can time the thought next to it.
ACT_SENTENCE = _compile(
    r"\b(?:(?:going\s+to|gonna|i'?ll|i\s+will|about\s+to)\s+(?:do\s+it|go\s+through\s+with\s+it|end\s+it)|doing\s+it"
    r"|do\s+it|it'?s\s+happening|the\s+night|the\s+day|taking\s+(?:them|it|all)|that'?s\s+when|is\s+when)\b"
)


# --- Data passed between the rules and the window ------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    text: str  # normalised text, same length as the original slice
    start: int


@dataclass(frozen=True)
class Signal:
    level: str
    category: str
    reason: str
    start: int
    end: int
    sentence: int
    borderline: bool = False
    timeable: bool = True


@dataclass(frozen=True)
class Context:
    kind: str
    reason: str
    sentence: int
    # How many sentences away this context still applies (time words only, see time_reach).
    reach: int = 0


# --- Guards ------------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return [token.casefold().removesuffix("'s") for token in _WORD.findall(text)]


def clause_prefix(sentence: str, position: int) -> str:
    """Text from the start of the clause containing ``position`` up to it."""
    prefix = sentence[:position]
    cut = 0
    for boundary in _CLAUSE_BOUNDARY.finditer(prefix):
        # "I would never, ever hurt myself": a comma followed by one word does not end the clause,
        # unless that word is a new subject ("I won't need it, I'm at peace").
        following = _WORD.findall(prefix[boundary.end() :])
        if boundary.group() == "," and len(following) == 1 and following[0].lower() not in _SUBJECTS:
            continue
        cut = boundary.end()
    conditions = list(_CONDITION.finditer(prefix, cut))
    if conditions:
        subjects = list(_CONSEQUENCE_SUBJECT.finditer(prefix, conditions[-1].end()))
        # The last subject after "if" starts the consequence, unless it is the condition's own
        # subject right after "if" ("if I'm not ...").
        if subjects and subjects[-1].start() > conditions[-1].end() + 1:
            cut = subjects[-1].start()
    return prefix[cut:]


def is_negated(sentence: str, position: int, words: int = NEGATION_WINDOW_WORDS) -> bool:
    window = clause_prefix(sentence, position)
    recent = tokens(window)[-words:]
    if not any(word in lexicon.NEGATORS or word in lexicon.NEGATING_CONTRACTIONS for word in recent):
        return False
    return not lexicon.NEGATION_CANCELLERS.search(window)


def subject_is_someone_else(sentence: str, match: re.Match[str]) -> bool:
    """True when the nearest person before the match is a third party ("my friend", "she")."""
    words = tokens(match.group())
    if any(token in lexicon.FIRST_PERSON for token in words):
        return False
    if words and words[0].endswith("ing") and not _sentence_subject_is_someone_else(sentence):
        # A participle ("..., knowing it's the last time") shares the sentence's subject.
        return False
    for token in reversed(tokens(sentence[: match.start()])[-ATTRIBUTION_WINDOW_WORDS:]):
        if token in lexicon.FIRST_PERSON:
            return False
        if token in lexicon.THIRD_PERSON:
            return True
    return False


def _sentence_subject_is_someone_else(sentence: str) -> bool:
    """Whether the sentence opens with a third party ("My friend said ..."), not the client
    or a dropped subject ("Said goodbye to ...")."""
    opening = tokens(sentence)[:2]
    if not opening:
        return False
    if opening[0] in {"my", "his", "her", "their", "our", "the", "a"} and len(opening) > 1:
        return opening[1] in lexicon.THIRD_PERSON
    return opening[0] in lexicon.THIRD_PERSON


def is_quoted_speech(sentence: str, position: int) -> bool:
    for speech in lexicon.REPORTED_SPEECH.finditer(sentence[:position]):
        if '"' in sentence[speech.end() : position]:
            return True
    return False


def core_start(match: re.Match[str]) -> int:
    for group in ("core", "core2"):
        if group in match.re.groupindex and match.group(group) is not None:
            return match.start(group)
    return match.start()


def is_educational(sentence: str, match: re.Match[str]) -> bool:
    """A topic word in a media or teaching context, unless it is a self-report ("I felt suicidal")."""
    if not lexicon.EDUCATIONAL.search(sentence):
        return False
    nearby = tokens(sentence[: core_start(match)])[-EDUCATIONAL_FIRST_PERSON_WORDS:]
    if nearby and nearby[-1] in lexicon.SELF_REPORT_VERBS:
        return False
    return not any(token in lexicon.FIRST_PERSON for token in nearby)


def overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(span_start < end and start < span_end for span_start, span_end in spans)


def is_remitted(sentence: str, match: re.Match[str] | None = None) -> bool:
    """Past ideation or self-harm set against the present: "I used to want to die but these days
    I'm glad", "I used to cut but I've been clean for two years". Without a match: anywhere."""
    if match is None:
        found = _REMISSION_PAST.search(sentence)
        return found is not None and bool(_REMISSION_NOW.search(sentence, found.end()))
    before = " ".join(tokens(sentence[: match.start()])[-REMISSION_WINDOW_WORDS:])
    return bool(_REMISSION_PAST.search(before)) and bool(_REMISSION_NOW.search(sentence, match.end()))


def is_hyperbole(sentence: str) -> bool:
    return bool(HYPERBOLE.search(sentence) or TRIVIAL_GRIEVANCE.search(sentence))


def _is_past_attempt(sentence: str, match: re.Match[str]) -> bool:
    """ "My old suicide attempt", "I overdosed years ago": history (the past_attempt rule
    scores it concern), not an attempt happening now."""
    return any(
        found.start() <= match.end() and match.start() <= found.end()
        for found in lexicon.PAST_ATTEMPT_PATTERN.finditer(sentence)
    )


def _victim_is_subject(rule: lexicon.RiskRule, match: re.Match[str]) -> bool:
    """ "He'll be sorry": in a threat the third person can be the target, not the speaker."""
    words = tokens(match.group())
    return rule.category == "threat_to_others" and bool(words) and words[0].split("'")[0] in lexicon.THIRD_PERSON


def guard(rule: lexicon.RiskRule, sentence: str, match: re.Match[str], figurative: list[tuple[int, int]]) -> str | None:
    """Name of the guard that neutralises this match, or None if the match stands."""
    if not rule.literal and overlaps(figurative, match.start(), match.end()):
        return "figurative"
    if is_negated(sentence, core_start(match)):
        return "negated"
    if is_quoted_speech(sentence, match.start()):
        return "reported_speech"
    if subject_is_someone_else(sentence, match) and not _victim_is_subject(rule, match):
        return "third_party"
    if rule.topic and is_educational(sentence, match):
        return "educational"
    if rule.benign is not None and rule.benign.search(sentence):
        return "benign_context"
    if rule.category == "self_harm" and lexicon.ACCIDENT.search(sentence) and not lexicon.DELIBERATE.search(sentence):
        return "accident"
    if rule.level == lexicon.URGENT and rule.category == "suicide_attempt" and _is_past_attempt(sentence, match):
        return "past_attempt"
    if rule.level != lexicon.URGENT:
        if lexicon.JOKING.search(sentence):
            return "joking"
        if any(
            0 <= match.start() - condition.end() <= HYPOTHETICAL_REACH_CHARS
            for condition in lexicon.HYPOTHETICAL.finditer(sentence)
        ):
            return "hypothetical"
        if rule.category == "threat_to_others" and is_hyperbole(sentence):
            return "hyperbole"
        if is_remitted(sentence, match):
            return "remitted"
    return None


def time_stands(sentence: str, match: re.Match[str]) -> bool:
    """A time word is cancelled only by a negation right before it ("but not tonight"): the
    condition of "if things don't get better by Monday" does not negate Monday."""
    return not is_negated(sentence, match.start(), words=2)


def time_reach(sentence: str) -> int:
    """How many sentences away a time word in ``sentence`` still times a thought."""
    if len(tokens(sentence)) <= SHORT_SENTENCE_WORDS or ACT_SENTENCE.search(sentence):
        return WINDOW_SENTENCES
    return 0


# --- Window -------------------------------------------------------------------------------------


def _cue_stands(sentence: str, match: re.Match[str], figurative: list[tuple[int, int]], *, personal: bool) -> bool:
    """The guards a window cue must pass; ``personal`` cues (acts, readiness) also need the
    client as their subject, while a means may belong to someone else ("my dad's gun")."""
    if overlaps(figurative, match.start(), match.end()) or is_negated(sentence, match.start()):
        return False
    if is_quoted_speech(sentence, match.start()):
        return False
    return not (personal and subject_is_someone_else(sentence, match))


@dataclass
class _Cues:
    means: list[tuple[int, int, str]]
    places: list[tuple[int, int, str]]
    strong: list[tuple[int, int, str]]
    support: list[tuple[int, int, str]]
    take_all: list[tuple[int, int, str]]
    times: list[tuple[int, int, str]]


def _find(pattern: re.Pattern[str], sentence: Sentence, figurative: list[tuple[int, int]], *, personal: bool):
    found = []
    for match in pattern.finditer(sentence.text):
        if _cue_stands(sentence.text, match, figurative, personal=personal):
            name = match.groupdict().get("method") or match.group()
            found.append((sentence.start + match.start(), sentence.start + match.end(), name.lower()))
    return found


def _sentence_cues(sentence: Sentence) -> _Cues | None:
    text = sentence.text
    if lexicon.EDUCATIONAL.search(text) and not any(token in lexicon.FIRST_PERSON for token in tokens(text)):
        return None
    figurative = [found.span() for found in lexicon.FIGURATIVE.finditer(text)]
    times = [
        (sentence.start + match.start(), sentence.start + match.end(), "time")
        for match in lexicon.TIME.finditer(text)
        if time_stands(text, match)
    ]
    return _Cues(
        means=_find(MEANS, sentence, figurative, personal=False),
        places=_find(HIGH_PLACE, sentence, figurative, personal=False),
        strong=_find(READY, sentence, figurative, personal=True)
        + _find(USE_INTENT, sentence, figurative, personal=True),
        support=_find(QUANTITY, sentence, figurative, personal=False),
        take_all=_find(TAKE_ALL, sentence, figurative, personal=True),
        times=times,
    )


def _signal(reason: str, spans: list[tuple[int, int, str]], index: int, category: str = "plan") -> Signal:
    start = min(span[0] for span in spans)
    end = max(span[1] for span in spans)
    return Signal(lexicon.URGENT, category, reason, start, end, index)


def window_signals(sentences: list[Sentence], flagged: set[int]) -> list[Signal]:
    """Urgent plan signals from cues spread over a sentence and its neighbours.

    ``flagged`` holds the sentences where the rules already found self-directed risk, which
    counts as a supporting cue next to a means ("I want to die. I have the pills here.")."""
    cues = [_sentence_cues(sentence) for sentence in sentences]
    signals: list[Signal] = []
    for index, own in enumerate(cues):
        if own is None:
            continue
        window = [
            (other, found)
            for other in range(max(0, index - WINDOW_SENTENCES), min(len(cues), index + WINDOW_SENTENCES + 1))
            if (found := cues[other]) is not None
        ]
        window_text = " ".join(sentences[other].text for other, _ in window)
        if DISAVOWAL.search(window_text):
            continue
        strong = [cue for _, found in window for cue in found.strong]
        support = [cue for _, found in window for cue in found.support]
        times = [cue for _, found in window for cue in found.times]
        if own.means and not BENIGN_MEANS.search(window_text):
            # Different supporting cues add up ("I know the combination. Soon."), to at most a plan's worth.
            kinds = min(PLAN_POINTS, len({cue[2] for cue in support}))
            points = PLAN_POINTS * bool(strong) + kinds + bool(times) + any(other in flagged for other, _ in window)
            if points >= PLAN_POINTS:
                used = own.means[:1] + strong[:1] + support[:1] + times[:1]
                reason = f"has a means ({own.means[0][2]}) " + (
                    "and says they are ready or intend to use it" if strong else "with a quantity or a time frame"
                )
                signals.append(_signal(reason, used, index))
                continue
        place_acts = [cue for other, _ in window for cue in _find(PLACE_ACT, sentences[other], [], personal=True)]
        if own.places and place_acts and not BENIGN_PLACE.search(window_text):
            reason = (
                f"is at or plans to go to a high place ({own.places[0][2]}) and describes stepping off or looking over"
            )
            signals.append(_signal(reason, own.places[:1] + place_acts[:1], index))
            continue
        own_times = own.times or [cue for other, found in window if other != index for cue in found.times]
        if own.take_all and (own_times or support or any(found.means for _, found in window)):
            used = own.take_all[:1] + (own_times or support)[:1]
            signals.append(_signal("says they will take all of a medication, with a time or a quantity", used, index))
    return signals

"""Patterns used by the rules layer of the risk screener (see ``insights.risk``).

Everything here is data: compiled regular expressions with the level, category and
human-readable reason that a match implies, plus the guard patterns (figurative speech,
educational context, grief) and word lists used for negation and attribution.

Conventions that keep the patterns fast and safe on hostile input:
- every gap between words is bounded (``{0,n}``), so matching stays linear in the text;
- patterns are applied to text whose curly apostrophes were already replaced by ``'``;
- apostrophes are optional (``don'?t``, ``i'?m``) because clients type quickly on phones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

URGENT = "urgent"
CONCERN = "concern"
# A weak signal never flags a text on its own; it only escalates another signal
# (for example "I bought a rope" is ordinary alone but not next to a wish to die).
WEAK = "weak"


@dataclass(frozen=True)
class RiskRule:
    name: str
    level: str
    category: str
    reason: str
    pattern: re.Pattern[str]
    # A bare topic word ("suicide", "self-harm") that educational or media context
    # ("a documentary about suicide prevention") neutralises.
    topic: bool = False
    # False for reflective mentions ("I thought about suicide this week"): a time word next
    # to a past thought is not a time frame for acting.
    timeable: bool = True
    # Sentence context that makes a match harmless (a pill organiser, decluttering, camping).
    benign: re.Pattern[str] | None = None
    # Known to be ambiguous; the embedding layer may downgrade it when the sentence is
    # clearly closer to harmless examples than to risk examples.
    borderline: bool = False
    # Research into lethality is never a figure of speech, even when it contains one
    # ("how many tablets would kill me" contains "would kill me").
    literal: bool = False


@dataclass(frozen=True)
class Escalator:
    """Context that turns a concern into an urgent signal (means, timing, readiness)."""

    name: str
    kind: str
    reason: str
    pattern: re.Pattern[str]


def _compile(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts), re.IGNORECASE)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _gap(words: int) -> str:
    """Up to ``words`` arbitrary words, lazily, so frames may have fillers ("just", "really")."""
    return rf"(?:[\w'-]+\s+){{0,{words}}}?"


# --- Shared fragments -----------------------------------------------------------------

SELF_KILL = (
    r"(?:kill?(?:ing|ed|s)?\s*my\s*self|(?<![\d.]\s)(?<![\d.])kms(?!\s+(?:away|from|to|of|run|walk|ride)\b)"
    r"|off(?:ing)?\s+myself|unaliv(?:e|ing)\s+myself"
    r"|end(?:ing)?\s+(?:my\s+(?:own\s+)?life|it\s+all|my\s+existence|everything)"
    r"|end(?:ing)?\s+it(?!\s+(?:with|between|off|for\s+(?:him|her|them))\b)\b"
    # "ending things" and "finish it all" mean the same; "ending things with him" is a breakup.
    r"|end(?:ing|ed)?\s+things(?!\s+(?:with|between|off|on\s+a|up|there|here|properly|well|nicely)\b)\b"
    r"|finish(?:ing)?\s+(?:it\s+all|myself\s+off|my\s+(?:own\s+)?life)"
    r"|check(?:ing)?\s+out\s+(?:for\s+good|permanently|of\s+(?:this\s+)?(?:life|this\s+world|existence))"
    r"|tak(?:e|ing)\s+my\s+(?:own\s+)?life|commit(?:ting)?\s+suicide"
    r"|hang(?:ing)?\s+myself|shoot(?:ing)?\s+myself|drown(?:ing)?\s+myself"
    r"|slit(?:ting)?\s+my\s+(?:wrists?|throat))"
)

DIE_OBJECT = (
    r"(?:die(?!\s+(?:of|from|laughing|for|than|down|out|hard|my\s+hair|your\s+hair|her\s+hair|it\b))\b|be\s+dead"
    r"|stop\s+existing"
    r"|not\s+(?:to\s+)?(?:be\s+)?(?:exist|alive|here|around)\b|cease\s+to\s+exist"
    r"|disappear(?:\s+(?:forever|for\s+good|permanently))?(?=\s*(?:[.,!?;]|$|and\s+never|forever))"
    r"|sleep\s+forever|go\s+to\s+sleep\s+forever|be\s+gone\s+(?:forever|for\s+good))"
)

METHOD_ACT = (
    r"(?:(?:jump(?:ing)?|leap(?:ing)?|throw(?:ing)?\s+myself)\s+"
    r"(?:off|from|in\s+front\s+of|under|out\s+of)\s+" + _gap(3) + r"(?:bridge|roof|rooftop|building"
    r"|balcony|ledge|cliff|window|train|bus|truck|lorry|car|tracks|traffic|overpass|tower"
    r"|parking\s+(?:garage|deck)|car\s+park|multi-?stor(?:e)?y(?:\s+car\s+park)?|highway|motorway|platform)"
    # Stepping is ordinary off a bus; it is a method only off a height or in front of a train.
    r"|step(?:ping)?\s+(?:off|from|in\s+front\s+of|out\s+of|over)\s+" + _gap(3) + r"(?:bridge|roof|rooftop"
    r"|building|balcony|ledge|cliff|window|train|tracks|traffic|overpass|tower|edge|platform|railing"
    r"|car\s+park|parking\s+(?:garage|deck))"
    r"|(?:step(?:ping)?|jump(?:ing)?|throw(?:ing)?\s+myself)\s+in\s+front\s+of\s+(?:the|an?)\s+(?:next\s+one|oncoming\s+\w+"
    r"|\d{1,2}[:.]\d{2}(?:\s+\w+)?|express|(?:north|south|east|west)bound\s+\w+)"
    r"|(?:drive|driving|crash(?:ing)?|steer(?:ing)?|swerv(?:e|ing))\s+"
    + _gap(3)
    + r"(?:into|off)\s+"
    + _gap(3)
    + r"(?:wall|tree|traffic|truck|lorry|river|lake|cliff|bridge|pole|oncoming|barrier|median|road|embankment|edge"
    r"|motorway|highway)"
    r"|crash(?:ing)?\s+(?:the|my)\s+car\s+(?:on\s+purpose|deliberately|so\s+(?:it|that\s+it)\s+looks|"
    + _gap(3)
    + r"(?:motorway|highway|freeway|bridge))"
    r"|walk(?:ing)?\s+(?:out\s+)?into\s+(?:the\s+)?(?:traffic|sea|ocean|river|lake|road)"
    r"|hang(?:ing)?\s+myself|slit(?:ting)?\s+my\s+(?:wrists?|throat)|shoot(?:ing)?\s+myself"
    r"|drown(?:ing)?\s+myself|overdos(?:e|ing)|gas(?:sing)?\s+myself|suffocat(?:e|ing)\s+myself"
    r"|set(?:ting)?\s+myself\s+on\s+fire|poison(?:ing)?\s+myself"
    r"|(?:tak(?:e|ing)|swallow(?:ing)?|down(?:ing)?)\s+(?:all|every|the\s+whole|a\s+whole|a\s+bottle"
    r"|the\s+rest|a\s+handful|all\s+of)\s+" + _gap(2) + r"(?:pills?|meds|tablets?|medications?|bottle"
    r"|painkillers|packets?|box(?:es)?|packs?|strips?|them\s+at\s+once))"
)

# A count large enough to be an overdose ("thirty of my tablets", "40 paracetamol").
COUNT = (
    r"(?:\d{2,}|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|a\s+hundred|hundreds|dozens"
    r"|a\s+dozen)"
)

PILLS = (
    r"(?:pills|meds|medications?|medicines?|tablets|capsules|painkillers|sleeping\s+pills"
    r"|tylenol|paracetamol|acetaminophen|ibuprofen|xanax|antidepressants|insulin|prescriptions?)"
)

# A suicide attempt placed in the past: history worth knowing, not an emergency now.
PAST_ATTEMPT = (
    r"\b(?:old|previous|past|prior|earlier|former|first|last\s+year'?s)\s+(?:suicide\s+)?attempts?\b"
    r"|\b(?:tried\s+to\s+(?:kill\s+myself|end\s+my\s+life|take\s+my\s+(?:own\s+)?life)|attempted\s+suicide|overdosed"
    r"|suicide\s+attempt)\s+(?:\w+\s+){0,3}?(?:years?\s+ago|as\s+a\s+teen\w*|when\s+i\s+was\s+(?:younger|\d+"
    r"|a\s+teen\w*"
    r"|at\s+school|in\s+school|a\s+kid))\b|\bhistory\s+of\s+(?:suicide\s+)?attempts?\b"
)

PAST_ATTEMPT_PATTERN = re.compile(PAST_ATTEMPT, re.IGNORECASE)

# Waiting for the house to be empty or everyone to be asleep.
ALONE = (
    r"\b(?:once|when|while|after|as\s+soon\s+as)\s+(?:the\s+)?(?:house\s+is\s+(?:quiet|empty)|(?:everyone|everybody"
    r"|they"
    r"|the\s+kids|my\s+\w+|the\s+\w+)(?:'s|'re|\s+(?:is|are|goes|go|leaves?))\s+(?:\w+\s+)?(?:asleep|out|gone|away|at)"
    r"|no\s*one'?s?\s+(?:is\s+)?(?:home|around|here))"
)

INTENT_FRAME = (
    r"\b(?:going\s+to|gonna|about\s+to|ready\s+to|planning\s+(?:to|on)|plan\s+to|decided\s+to"
    r"|made\s+up\s+my\s+mind\s+to|intend\s+to|i'?ll|i\s+will|will\s+finally|want\s+to|wanna"
    r"|need\s+to|should\s+just|could\s+just|might\s+just|i'?m\s+finally|plan\s+is\s+to|have\s+a\s+plan\s+to)\s+"
    + _gap(2)
)

THOUGHT_FRAME = (
    r"\b(?:(?:thoughts?|thinking|thought|think|imagin(?:e|ed|ing)|pictur(?:e|ed|ing)"
    r"|fantasi[sz](?:e|ed|ing)|daydream(?:ed|ing)?|obsess(?:ed|ing)|consider(?:ed|ing)"
    r"|contemplat(?:e|ed|ing))\s+"
    + _gap(3)
    + r"(?:about|of)\s+"
    + _gap(1)
    # "I keep picturing myself stepping off the platform": the image, not a plan.
    + r"|(?:imagin(?:e|ed|ing)|pictur(?:e|ed|ing)|see(?:ing)?|visuali[sz](?:e|ed|ing))\s+myself\s+)"
)

RELATIONS = (
    "friend|friends|mom|mum|mother|dad|father|brother|sister|partner|boyfriend|girlfriend|"
    "husband|wife|son|daughter|cousin|aunt|uncle|grandma|grandmother|grandpa|grandfather|"
    "nan|nana|granny|coworker|colleague|roommate|flatmate|neighbour|neighbor|boss|teacher|"
    "classmate|ex|stepdad|stepmom|stepfather|stepmother|stepbrother|stepsister|kid|kids|child|children|baby"
)

PERSON_TARGET = (
    r"(?:him|her|them|you|everyone|everybody|somebody|someone|people|anyone|anybody"
    r"|that\s+(?:guy|man|woman|girl|boy|bitch|bastard|asshole|prick|idiot|kid)"
    r"|(?:the|those|these|that)\s+(?:girls?|boys?|guys?|lads|people|kids|men|women|ones|bullies|idiots?|bastards?"
    r"|morons?|jerks?|twats?|dickheads?|bitch(?:es)?)"
    r"|(?:my|his|her|the|our|that|this)\s+(?:(?:abusive|old|former|new|stupid|violent|toxic|cheating|lying|little|big"
    r"|older|younger|bloody|fucking)\s+)?(?:" + RELATIONS + r"|teacher|class|school|office|coworkers|manager)"
    r"|the\s+(?:guy|man|woman|kids))\b"
)

WEAPON = (
    r"(?:knife|knives|gun|guns|pistol|rifle|shotgun|firearm|handgun|machete|blade|bat|axe"
    r"|ammo|bullets|revolver|crowbar|hammer|petrol|gasoline|lighter\s+fluid|acid)"
)

# A time frame for acting; also read by the cross-sentence window (insights.risk.context).
TIME = re.compile(
    r"\b(?:tonight|tomorrow|by\s+(?:morning|tomorrow|tonight|the\s+(?:weekend|end\s+of\s+the\s+(?:week|month))"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|(?:until|till)\s+the\s+end\s+of\s+the\s+(?:week"
    r"|month)|this\s+(?:weekend|evening|afternoon|morning|friday|saturday|sunday|monday|tuesday|wednesday|thursday)"
    r"|that\s+night|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|my\s+birthday)|right\s+now"
    r"|in\s+an?\s+(?:hour|few\s+(?:hours|days))|before\s+(?:morning|dawn|sunrise|the\s+weekend)"
    r"|(?:one|a|just\s+one)\s+more\s+(?:day|night|week)s?\s+(?:like\s+this|of\s+this)"
    r"|(?:till|until)\s+(?:christmas|new\s+year|my\s+birthday|(?:monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday))"
    r"|after\s+(?:dinner|my\s+shift|everyone'?s\s+asleep|(?:everyone|they|my\s+\w+)\s+" + _gap(1) + r"(?:asleep|leaves?"
    r"|left|goes?|gone))|when\s+(?:everyone|they|my\s+\w+)(?:'s|'re|\s+(?:is|are|goes|go|leaves?))\b)",
    re.IGNORECASE,
)

# "Not an accident": self-harm words next to an accident word still count when this is said.
DELIBERATE = re.compile(
    r"\b(?:not|wasn'?t|no)\s+(?:an\s+)?accident|on\s+purpose|deliberately|intentionally", re.IGNORECASE
)

# Harmless contexts for otherwise worrying preparation phrases.
MEDICATION_ROUTINE = _compile(
    r"\b(?:organi[sz]er|pill\s*box|dosette|blister\s+packs?|remind(?:er)?|remember|routine|refills?|pharmacy"
    r"|prescribed|from\s+(?:my|the)\s+(?:kids?|children|toddler|dog|cat|baby|puppy)"
    # British "collect a prescription" is picking it up from the chemist.
    r"|(?:collect\w*|pick\w*\s+up)\s+(?:my|the|a|her|his)\s+(?:repeat\s+)?prescriptions?)\b"
)
MEDICATION_TAKING = _compile(
    r"\b(?:as\s+prescribed|as\s+directed|every\s+(?:day|morning|night|evening)|regularly|on\s+time|properly"
    r"|like\s+(?:i'?m|i\s+was)\s+(?:supposed|told)|doctor|gp|daily|each\s+day|with\s+food|routine|organi[sz]er"
    r"|pill\s*box)\b"
)
DECLUTTERING = _compile(
    r"\b(?:old|spare|extra|unused|outgrown|broken|moving|move|moved|declutter\w*|charity|donat\w+|clear(?:ing)?\s+out"
    r"|too\s+small|upgrad\w+|new\s+one|sold\s+on|ebay|vinted|marketplace)\b"
)
# An ordinary absence: "I'll be gone by the time you're up, early flight".
TRAVEL = _compile(
    r"\b(?:flights?|plane|trip|holiday|vacation|work|shift|office|airport|train|gym|school|uni|class|appointment"
    r"|meeting"
    r"|conference|visiting|visit|away|abroad|spending|staying\s+(?:at|with)|in-laws|back\s+(?:on|by|at|in|next)|return\w*"
    r"|business|festival|camp\w*)\b"
)
# The client's own travel, not "by the time you get back from holiday" (someone else's).
OWN_TRAVEL = _compile(
    r"^(?!.*\b(?:you|they|he|she|we|everyone)(?:'re|\s+(?:get|gets|come|comes|are|is))\s+back\b).*" + TRAVEL.pattern
)
LEAVING_PLACE = _compile(
    r"\b(?:moving|moved|move|abroad|emigrat\w*|new\s+job|travel\w*|holiday|trip|visit\w*|gym|class|course|school|uni"
    r"|college|office|church|group|club|team|shop|store|restaurant|this\s+place|that\s+place|job|work|quit\w*|until"
    r"|till)\b"
)
OUTDOOR_USE = _compile(
    r"\b(?:camping|tent|climbing|boat|sailing|hammock|garden|gardening|swing|hunting|range|dog\s+lead|clothesline|nails"
    r"|diy"
    r"|shed|fence|tarp|tie\s+down|washing\s+line"
    r"|moving\s+boxes|tow(?:ing)?|crafts?|gym)\b"
)

# --- Rules ------------------------------------------------------------------------------


def _rule(
    name: str,
    level: str,
    category: str,
    reason: str,
    *parts: str,
    topic: bool = False,
    timeable: bool = True,
    benign: re.Pattern[str] | None = None,
    borderline: bool = False,
    literal: bool = False,
) -> RiskRule:
    return RiskRule(name, level, category, reason, _compile(*parts), topic, timeable, benign, borderline, literal)


RULES: tuple[RiskRule, ...] = (
    # Intent: a decision or a stated future act against oneself.
    _rule(
        "intent_self_kill",
        URGENT,
        "intent",
        "states an intention or wish to kill themself",
        INTENT_FRAME,
        r"(?P<core>",
        SELF_KILL,
        r")",
    ),
    _rule(
        "method_intent",
        URGENT,
        "plan",
        "describes a plan with a specific method",
        INTENT_FRAME,
        r"(?P<core>",
        METHOD_ACT,
        r")",
    ),
    _rule(
        "method_thought",
        CONCERN,
        "suicidal_ideation",
        "thinks about a specific method of suicide",
        THOUGHT_FRAME,
        r"(?P<core>",
        METHOD_ACT,
        r")",
        timeable=False,
    ),
    _rule(
        "self_kill_mention",
        CONCERN,
        "suicidal_ideation",
        "mentions killing themself",
        r"\b(?P<core>",
        SELF_KILL,
        r")",
    ),
    # Present progressive as future: "I'm ending it", "I'm taking all my pills".
    _rule(
        "progressive_intent",
        URGENT,
        "intent",
        "states an intention to end their life",
        r"\b(?:i'?m|im|i\s+am)\s+(?:\w+\s+)?(?P<core>(?:ending\s+(?:it(?:\s+all)?|things|my\s+(?:own\s+)?life)"
        r"|finishing\s+"
        r"(?:it\s+all|my\s+(?:own\s+)?life|myself\s+off))(?!\s+(?:with|between|off|on\s+a|up|here|there|for\s+(?:today"
        r"|now"
        r"|him|her|them)|now\s+for)\b)"
        r"|taking\s+my\s+(?:own\s+)?life|checking\s+out\s+(?:for\s+good|of\s+(?:this\s+)?life|permanently)"
        r"|going\s+through\s+with\s+it|killing\s+myself(?=\s*(?:[.,!?;]|$|tonight|tomorrow|today|on\s+\w+day|this\s+\w+"
        r"|when|after|before|once|if)))\b",
    ),
    _rule(
        "progressive_method",
        URGENT,
        "plan",
        "describes a plan with a specific method",
        r"\b(?:i'?m|im|i\s+am)\s+(?:(?:just|finally|definitely|really|seriously)\s+)?(?P<core>",
        METHOD_ACT,
        r")",
        benign=MEDICATION_TAKING,
    ),
    # Subject left out: "Taking the whole packet tonight." Timed, it is urgent.
    _rule(
        "elliptical_method",
        CONCERN,
        "plan",
        "describes a specific method",
        r"^\s*(?:(?:just|finally|definitely)\s+)?(?P<core>",
        METHOD_ACT,
        r")",
        benign=MEDICATION_TAKING,
    ),
    _rule(
        "check_out_intent",
        URGENT,
        "intent",
        "states an intention to end their life",
        INTENT_FRAME,
        r"(?P<core>check\s+out)(?=\s*(?:[.,!?;]|$|tonight|tomorrow|soon|now|this\s+\w+|for\s+good))",
        benign=_compile(
            r"\b(?:hotel|room|airbnb|hostel|cabin|conference|library|books?|shop|store|cart|basket|rental)\b"
        ),
    ),
    # "I'm using it on myself": an object named anywhere, turned on oneself.
    _rule(
        "use_on_self",
        URGENT,
        "plan",
        "intends to use an object on themself",
        r"\b(?:going\s+to|gonna|i'?ll|i\s+will|i'?m|im|i\s+am|ready\s+to|about\s+to|want\s+to|plan\s+to)\s+(?:\w+\s+)?"
        r"(?P<core>(?:use|using|turn|turning)\s+(?:it|them|this|that|the\s+\w+|my\s+\w+)\s+on\s+(?:myself"
        r"|my\s+(?:wrists?"
        r"|throat|neck|self)))\b",
    ),
    _rule(
        "bare_method_intent",
        CONCERN,
        "plan",
        "says they are going to jump or pull the trigger",
        INTENT_FRAME,
        r"(?P<core>jump|pull\s+the\s+trigger|step\s+off)(?=\s*(?:[.,!?;]|$|tonight|tomorrow|now|soon|when|this|after))",
        benign=_compile(
            r"\b(?:trampoline|skydiv\w*|parachut\w*|bungee|pool|queue|hurdles?|horse|rope|ship|shark|start"
            r"|car\s+battery"
            r"|rope|gun\s+on|into\s+(?:the\s+)?(?:pool|lake|sea|conversation))\b"
        ),
        borderline=True,
    ),
    # "I'm going to do it once the house is empty": waiting to be alone is part of a plan.
    _rule(
        "do_it_when_alone",
        URGENT,
        "intent",
        "intends to do it once they are alone",
        r"\b(?:going\s+to|gonna|i'?ll|i\s+will|planning\s+to|plan\s+to)\s+(?:finally\s+|just\s+)?(?P<core>do\s+it)\b"
        r"[^.!?]{0,40}?"
        + ALONE
        + r"|"
        + ALONE
        + r"[^.!?]{0,40}?\b(?:going\s+to|gonna|i'?ll|i\s+will|planning\s+to|plan\s+to)"
        r"\s+(?:finally\s+|just\s+)?(?P<core2>do\s+it)\b",
    ),
    _rule(
        "will_hold_me",
        URGENT,
        "plan",
        "has worked out where they could hang themself",
        r"\b(?:beam|branch|tree|hook|rafter|banister|bannister|door\s+frame|pipe|railing)\s+(?:\w+\s+){0,2}(?:will"
        r"|would"
        r"|could|can|'ll)\s+(?:hold|take|support)\s+(?:me|my\s+weight)\b",
    ),
    _rule(
        "found_anchor_point",
        WEAK,
        "preparation",
        "found somewhere to hang from",
        r"\b(?:found|picked|chosen|chose|scouted|checked)\s+(?:out\s+)?(?:a|the)\s+(?:sturdy\s+|strong\s+|good\s+|tall\s+"
        r"|right\s+|solid\s+)?(?:tree|beam|branch|hook|rafter|banister|bannister)\b",
        benign=OUTDOOR_USE,
    ),
    _rule(
        "writing_from_the_edge",
        URGENT,
        "suicide_attempt",
        "is writing from a high place",
        r"\b(?:writing|typing|texting|sending)\s+(?:this|you)\s+from\s+(?:the|a|on\s+top\s+of\s+the)\s+(?:bridge|roof"
        r"|rooftop|ledge|edge|cliffs?|tracks|top\s+floor|car\s+park|balcony|railway)\b",
    ),
    _rule(
        "exhaust_method",
        URGENT,
        "preparation",
        "describes preparing or using car exhaust",
        r"\b(?:hose|pipe|tube|tubing)\s+(?:\w+\s+){0,3}?(?:car\s+)?exhaust\b|\bexhaust\s+(?:hose|pipe)\s+(?:into"
        r"|through)"
        r"|\b(?:sitting|sat|lying|in)\s+(?:\w+\s+){0,2}?(?:the|my)\s+(?:closed\s+|locked\s+)?garage\s+with\s+the\s+"
        r"(?:engine|car)\s+running\b|\brunning\s+the\s+(?:engine|car)\s+in\s+(?:the|a)\s+(?:closed\s+"
        r"|locked\s+)?garage\b",
    ),
    _rule(
        "kys_intent",
        URGENT,
        "intent",
        "states an intention to kill themself",
        r"\bi(?:'?m|\s+am)?\s*(?:gonna|going\s+to|about\s+to|ready\s+to|will|'ll)\s+(?:just\s+)?(?P<core>kys)\b",
    ),
    _rule(
        "kys_wish",
        CONCERN,
        "suicidal_ideation",
        "mentions killing themself",
        r"\bi\s+(?:should|might|could|wanna|want\s+to|need\s+to"
        r"|feel\s+like\s+i\s+should)\s+(?:just\s+)?(?P<core>kys)\b",
    ),
    # Method research: looking up how, where or how much.
    _rule(
        "method_research",
        URGENT,
        "plan",
        "has been researching a way to die",
        r"\b(?:look(?:ed|ing)?\s+up|googl(?:e|ed|ing)|search(?:ed|ing)?(?:\s+(?:for|online|up))?|research(?:ed|ing)?"
        r"|read(?:ing)?\s+(?:up\s+on|about|forums?|threads?|posts?|sites?)|watch(?:ed|ing)\s+videos|asked\s+(?:chatgpt"
        r"|google|the\s+internet|ai|an?\s+ai)|check(?:ed|ing)\s+online|ask(?:ed|ing)|post(?:ed|ing)|on\s+forums)\s+"
        + _gap(4)
        + r"(?P<core>(?:ways?|methods?|how)\s+to\s+(?:die|end\s+it(?:\s+all)?|end\s+my\s+life|kill\s+myself|take\s+my"
        r"\s+(?:own\s+)?life|commit\s+suicide|not\s+wake\s+up|unalive\s+myself|go\s+(?:peacefully|painlessly|quickly))"
        r"|how\s+(?:long|much|many)\s+"
        + _gap(6)
        + r"(?:takes?|would\s+take)\s+to\s+(?:kill\s+(?:you|me|someone|a\s+person)|die)"
        r"|how\s+(?:much|many)\s+" + _gap(5) + r"(?:would|will|could|it\s+would\s+take|it\s+takes|does\s+it\s+take)\s+"
        r"(?:to\s+)?(?:kill|die|stop\s+(?:my|your|a|the)\s+heart|be\s+(?:lethal|fatal|enough)|not\s+wake|overdose)"
        r"|how\s+long\s+(?:it\s+takes|does\s+it\s+take|it\s+would\s+take|would\s+it\s+take|before)\s+(?:to\s+|you\s+)?"
        r"(?:bleed\s+out|die|drown|suffocate|pass\s+out|lose\s+consciousness)"
        r"|(?:which|what|the)\s+(?:bridges?|buildings?|cliffs?|car\s+parks?|towers?)\s+"
        + _gap(4)
        + r"(?:the\s+)?(?:highest|tallest|high\s+enough|tall\s+enough|deadliest)"
        r"|(?:highest|tallest)\s+(?:bridges?|buildings?|cliffs?|car\s+parks?|towers?|multi-?stor(?:e)?ys?)\s+(?:near|around"
        r"|close\s+to)\s+(?:me|here|us|my\s+(?:house|home|flat|place))\b"
        r"|(?:suicide|overdose)\s+(?:methods?|forums?|sites?|notes?)"
        r"|(?:ways?\s+|how\s+)to\s+make\s+(?:it|my\s+death|a\s+suicide)\s+look\s+like\s+an\s+accident"
        r"|(?:which|what)\s+(?:\w+\s+){0,3}?(?:you|people|someone|i|a\s+person)\s+(?:can'?t|cannot|couldn'?t|won'?t"
        r"|wouldn'?t)\s+"
        r"survive)",
        topic=True,
        literal=True,
    ),
    _rule(
        "nerve_to_act",
        URGENT,
        "plan",
        "is working up the nerve to act",
        r"\b(?:work(?:ing|ed)?\s+up|build(?:ing)?\s+up|summon(?:ing|ed)?|get(?:ting)?|find(?:ing)?|found)\s+(?:the\s+)?"
        r"(?:nerve|courage|guts|balls)\s+to\s+(?P<core>jump|step\s+off|pull\s+the\s+trigger|end\s+it|kill\s+myself"
        r"|end\s+my\s+life|take\s+them\s+all|swallow\s+them|let\s+go\s+of\s+the)\b",
    ),
    _rule(
        "chosen_place_or_date",
        URGENT,
        "plan",
        "has chosen a place or a date",
        r"\b(?:picked|chosen|chose|scouted|settled\s+on|decided\s+on)\s+(?:out\s+)?(?:the|a|my)\s+(?:exact\s+"
        r"|perfect\s+"
        r"|right\s+)?(?:spot|place|location)\s+(?:by|near|at|on|off|under|over)\s+(?:the\s+)?(?:reservoir|river|bridge"
        r"|lake"
        r"|cliffs?|tracks|railway|woods|forest|quarry|canal|sea|pier|motorway|viaduct|dam|water)\b"
        r"|\b(?:picked|chosen|chose|set|settled\s+on|decided\s+on)\s+(?:a|the|my)\s+(?:date|day|method)\b"
        r"(?!\s+(?:for|to|of|with|when\s+we)\b)",
        benign=_compile(
            r"\b(?:we|we'?ve|our|us|wedding|picnic|holiday|party|meet\w*|birthday|move|launch|exam|trip)\b"
        ),
    ),
    # Medication already taken in quantity.
    _rule(
        "pills_taken",
        URGENT,
        "suicide_attempt",
        "says they have just taken a large amount of medication",
        r"\b(?:just|already)\s+(?:taken|took|swallowed|downed|had)\s+(?:(?:"
        + COUNT
        + r"|all|most|a\s+lot|loads|a\s+bunch"
        r"|(?:a\s+)?handfuls?)\s+(?:\w+\s+)?(?:of\s+)?(?:my\s+|the\s+"
        r"|those\s+|these\s+)?(?:[\w']+\s+)?"
        + PILLS
        + r"|them\s+all|all\s+of\s+them|the\s+(?:whole\s+)?lot|the\s+whole\s+"
        r"(?:bottle|packet|box|pack))\b|\b(?:swallowed|downed)\s+(?:them\s+all|all\s+of\s+them"
        r"|the\s+(?:whole\s+)?lot)\b",
    ),
    # Preparation and goodbye: one of these alone is ordinary; two together, or one with
    # thoughts of death or readiness, are preparation.
    _rule(
        "letters_for_family",
        WEAK,
        "preparation",
        "wrote letters to the people close to them",
        r"\b(?:wrote|written|writing|write|left|leaving|finished(?:\s+writing)?|drafted|sealed)\s+(?:a\s+|the\s+"
        r"|some\s+)?"
        r"(?:notes?|letters?|cards?)\s+(?:to|for)\s+(?:each\s+of\s+|all\s+(?:of\s+)?)?(?:my|mum|mom|dad|mam|everyone"
        r"|everybody|the\s+"
        r"(?:kids|children|family))\b"
        r"|\b(?:wrote|written|writing|write)\s+(?:each\s+of\s+|all\s+(?:of\s+)?)?(?:my\s+\w+|everyone"
        r"|everybody)\s+(?:a\s+)?"
        r"(?:notes?|letters?|cards?)\b"
        r"|\b(?:the|my|all\s+the|all\s+my)\s+(?:notes|letters|goodbye\s+\w+)\s+(?:are|have\s+been)\s+(?:written|done"
        r"|ready"
        r"|finished|sealed)\b|\b(?:wrote|written|left|finished|sealed)\s+(?:the|all\s+the|all\s+my)\s+(?:notes"
        r"|letters)\b"
        r"(?=\s*(?:[.,!?;]|$|and|for\s+(?:my|everyone)))",
        benign=_compile(
            r"\b(?:therapist|future\s+self|homework|thank[- ]you|christmas|birthday|valentine|school|teacher|babysitter"
            r"|team"
            r"|colleagues|work|leave|office|cover|handover|shift|manager|boss|carer|remind\w*|practice|football|lunchbox"
            r"|sitter|cleaner|lunch|shopping|reminder|holiday|trip|exercise|assignment)\b"
        ),
    ),
    _rule(
        "handing_over",
        WEAK,
        "preparation",
        "is handing over their belongings or accounts",
        r"\b(?:gave|given|giving|give|left|handed|told\s+\w+)\s+(?:\w+\s+){0,3}?(?:my\s+)?(?:passwords?|pin\s+numbers?"
        r"|bank\s+details|log-?ins?)\b"
        r"|\bwant\s+(?:my\s+\w+|you|him|her|them)\s+to\s+have\s+(?:all\s+)?my\s+\w+"
        r"|\b(?:gave|given|giving|rehomed|rehoming)\s+(?:away\s+)?(?:my|the)\s+(?:cat|dog|pets?|puppy|kitten|rabbit"
        r"|hamster|bird"
        r"|guitar|records|stuff|things|belongings|jewell?ery|collection)\s+(?:away\s+)?to\b"
        r"|\b(?:she|he|they|you)\s+can\s+(?:have|keep)\s+(?:all\s+)?my\s+\w+"
        r"|\b(?:gave|given|giving)\s+(?:my|his|her)\s+\w+\s+my\s+\w+"
        r"|\b(?:look\s+after|take\s+care\s+of|rehome)\s+my\s+(?:dog|cat|pets?|kids|children|babies)\b"
        r"|\b(?:cat|dog|pets?|puppy|kitten|rabbit|hamster)\s+(?:rehomed|given\s+away|sorted)\b"
        r"|\b(?:rehomed|rehoming|found\s+(?:a\s+)?new\s+homes?\s+for)\s+(?:my|the)\s+(?:cat|dog|pets?|puppy|kitten|rabbit"
        r"|hamster|bird|fish)\b"
        r"|\bmy\s+(?:cat|dog|pets?|puppy|kitten|rabbit|hamster)\s+(?:has|have|'s\s+got)\s+(?:a\s+)?new\s+(?:home"
        r"|owners?)\b"
        r"|\b(?:insurance|finances|paperwork|accounts)\s+(?:is|are|'s)\s+(?:all\s+)?(?:sorted|in\s+order|paid\s+up)\b"
        r"|\b(?:you'?ll|they'?ll|you\s+will|they\s+will)\s+find\s+(?:everything|all)\s+(?:you|they)\s+need\b"
        r"|\b(?:cancel(?:l?ed|l?ing)|closed|closing|deleted|deleting)\s+(?:all\s+)?my\s+(?:accounts?|subscriptions?"
        r"|phone\s+(?:contract|plan)|bank\s+accounts?|social\s+media)\b"
        r"|\b(?:life\s+)?insurance\s+(?:will|would|'ll)\s+pay\s+out\b|\bmade\s+sure\s+(?:the\s+)?(?:insurance"
        r"|policy)\b",
        benign=DECLUTTERING,
    ),
    _rule(
        "sealed_room",
        WEAK,
        "preparation",
        "sealed a room",
        r"\b(?:taped|tape|sealed|seal|blocked|block|stuffed)\s+(?:up\s+)?(?:the\s+)?(?:vents?"
        r"|windows?\s+and\s+(?:the\s+)?doors?"
        r"|gaps?\s+(?:under|around)\s+the\s+door|door\s+gaps?)\b",
    ),
    _rule(
        "said_goodbye",
        WEAK,
        "goodbye",
        "says goodbye to people",
        r"\b(?:said|saying|say|waved|waving|kissed|whispered)\s+(?:a\s+)?goodbye\s+to\s+(?:everyone|everybody|them|him|her|people|the\s+(?:kids"
        r"|family)"
        r"|my\s+(?:\w+\s+)?(?:(?:"
        + RELATIONS
        + r"|friends|family|loved\s+ones|pets?|dog|cat)\b))|\bone\s+(?:last|final)\s+time\b"
        r"|\b(?:please\s+)?(?:don'?t|do\s+not)\s+(?:come\s+)?(?:look(?:ing)?\s+for|try\s+to\s+find|search\s+for)\s+me\b",
        benign=_compile(
            r"\b(?:airport|station|leaving\s+(?:do|party|drinks)|new\s+job|moving|abroad|holiday|trip|visit\w*"
            r"|care\s+home"
            r"|funeral|hospice|school|uni|term)\b"
        ),
    ),
    _rule(
        "thanks_and_sorry",
        WEAK,
        "goodbye",
        "thanks people or apologises for everything",
        r"\b(?:thank\s+you|thanks|sorry)\s+for\s+(?:everything|trying|putting\s+up\s+with\s+me|all\s+you'?ve\s+done"
        r"|all\s+(?:the|your|of\s+your)\s+(?:sessions|help|support|time|care))\b",
    ),
    _rule(
        "bare_goodbye",
        WEAK,
        "goodbye",
        "ends with a bare goodbye",
        r"^\s*(?:goodbye|good-bye|farewell|bye)(?:\s+(?:all|everyone|everybody|x+))?\s*[.!]*\s*$",
    ),
    _rule(
        "messages_of_love",
        WEAK,
        "goodbye",
        "asks someone to pass on love or an apology",
        r"\b(?:tell|let)\s+(?:my\s+\w+|everyone|everybody|them|her|him|mum|mom|dad)\s+(?:know\s+)?(?:that\s+)?"
        r"(?:i'?m\s+sorry|i\s+love|i\s+loved)\b|\b(?:i\s+)?love\s+you\s+(?:all|guys|both)\b"
        r"|\bi\s+love\s+you(?:\s+so\s+much)?(?=\s*(?:[.!?]|$))",
    ),
    _rule(
        "absence_notice",
        WEAK,
        "goodbye",
        "says they will not be at their next session",
        r"\b(?:won'?t|will\s+not|not\s+going\s+to)\s+see\s+me\s+(?:at|in|for)\s+(?:the\s+)?(?:next|my)\s+(?:session"
        r"|appointment|class|group)",
        benign=_compile(r"\b(?:holiday|sick|ill|away|travel\w*|busy|work|trip|visiting|dentist|doctor)\b"),
    ),
    _rule(
        "explaining_why",
        WEAK,
        "goodbye",
        "writes so that others will know why",
        r"\bso\s+(?:that\s+)?(?:someone|somebody|everyone|you|they|people)\s+(?:knows?|understands?"
        r"|will\s+know)\s+why\b"
        r"|\b(?:they|he|she|someone|you|my\s+\w+)(?:'ll|\s+will)\s+find\s+(?:it|them)\s+after(?:wards)?\b",
    ),
    _rule(
        "found_after",
        URGENT,
        "goodbye",
        "talks about being found",
        r"\b(?:when|after|before|once|until|by\s+the\s+time)\s+(?:they|someone|somebody|anyone|he|she|you|people"
        r"|my\s+\w+"
        r"|the\s+\w+)\s+finds?\s+me\b(?!\s+(?:a|an|the|some|any|another|at|on|online|attractive|funny|annoying"
        r"|interesting"
        r"|boring|weird|useful|cute|there|here\s+at|in\s+the\s+(?:office|library|queue|crowd))\b)"
        r"|\b(?:(?:isn'?t|is\s+not|aren'?t|won'?t\s+be|not)\s+)?(?:the\s+one|first\s+one|person)\s+(?:who|that"
        r"|to)\s+finds?"
        r"\s+me\b|\bfind(?:s|ing)?\s+my\s+body\b"
        r"|\b(?:they|he|she|someone|you|my\s+\w+)(?:'ll|\s+will)\s+find\s+(?:the|my)\s+(?:notes?|letters?)\s+"
        + _gap(4)
        + r"(?:in\s+the\s+morning|tomorrow|after|when)\b",
    ),
    _rule(
        "note_to_be_found",
        CONCERN,
        "goodbye",
        "mentions a note for others to find",
        r"\b(?:they|he|she|someone|you|my\s+\w+)(?:'ll|\s+will)\s+find\s+(?:the|my)\s+(?:notes?|letters?)\b",
    ),
    _rule(
        "finality",
        CONCERN,
        "goodbye",
        "speaks as if they will not be seen again",
        r"\b(?:won'?t|will\s+not|never\s+going\s+to|not\s+going\s+to|never)\s+(?:ever\s+)?(?:see|hear\s+from|talk\s+to"
        r"|hear)\s+me\s+(?:again\b(?!\s+(?:until|till|for|before|after|this|next|in|at|unless)\b)|after(?:wards)?(?:\s+(?:this"
        r"|tonight|today))?(?=\s*(?:[.,!?;]|$)))"
        r"|\b(?:won'?t|will\s+not|not\s+going\s+to|never)\s+(?:be\s+)?com(?:e|ing)\s+back(?:\s+(?:home|from\s+this))?"
        r"(?=\s*(?:[.,!?;]|$))|\b(?:before|after|when|once)\s+i\s+(?:go|leave|die)\s+(?:for\s+good|forever"
        r"|permanently)\b"
        r"|\b(?:told|tell|asked|ask)\s+(?:her|him|them|you|everyone|my\s+\w+)\s+to\s+remember\s+me\b(?!\s+(?:to"
        r"|for\s+the|at)\b)"
        r"|\bremember\s+me\s+(?:by|when\s+i'?m\s+gone|fondly)\b"
        r"|\b(?:knowing|know|knew)\s+(?:that\s+)?(?:it'?s|it\s+was|it\s+will\s+be|this\s+is)\s+the\s+last\s+time\b"
        r"|\b(?:i'?m|im|i\s+am)\s+not\s+coming\s+(?:back|home)(?:\s+(?:tonight|again|ever))?(?=\s*(?:[.,!?;]|$))",
        benign=LEAVING_PLACE,
    ),
    _rule(
        "last_time_seen",
        URGENT,
        "goodbye",
        "says someone is seeing them for the last time",
        r"\blast\s+time\s+(?:she|he|they|you|anyone|everyone|my\s+\w+)\s*(?:'ll|will|would|'d|is\s+going\s+to"
        r"|gets?\s+to)?"
        r"\s+(?:ever\s+)?(?:see|hear\s+from|talk\s+to|hug)\s+me\b(?!\s+(?:before|until|till|for\s+a|this|in\s+a)\b)",
        benign=LEAVING_PLACE,
    ),
    _rule(
        "wont_wake_up",
        CONCERN,
        "hopelessness_wish_to_die",
        "says they will not wake up",
        r"(?:^\s*|\bi'?m\s+|\bi\s+am\s+|\bim\s+)not\s+waking\s+up\b(?!\s+(?:early|late|at|for|until|till|before"
        r"|in\s+time)\b)"
        r"|(?:^\s*|\bi\s+)(?:won'?t|will\s+not|wont)\s+(?:be\s+)?wak(?:e|ing)\s+up\s+(?:tomorrow|again|this\s+time)\b"
        r"(?!\s+(?:early|late|at|for|until|till|before|in\s+time)\b)",
    ),
    _rule(
        "gone_by_a_time",
        URGENT,
        "goodbye",
        "says they will be gone by a stated time",
        r"(?:^\s*|\bi\s+|\bi'?m\s+|\bi\s+am\s+)(?:won'?t|will\s+not|wont|not\s+(?:going\s+to|gonna))\s+be\s+(?:here"
        r"|around"
        r"|alive)\s+(?:by\s+the\s+time|after\s+(?:tonight|today|tomorrow|this\s+week(?:end)?)|by\s+(?:next\s+\w+"
        r"|the\s+weekend"
        r"|the\s+end\s+of|then|christmas|morning|tomorrow|tonight|\w+day))\b"
        r"|(?:^\s*|\bi'?(?:ll|\s+will)\s+)(?:will\s+)?(?:already\s+)?be\s+(?:gone|dead)\s+(?:by|before)\s+(?:morning"
        r"|tomorrow"
        r"|tonight|the\s+time\s+(?:you|anyone|they|someone|my\s+\w+)\s+(?:read|see|find|wake|get))",
        benign=OWN_TRAVEL,
    ),
    _rule(
        "suicide_attempt",
        URGENT,
        "suicide_attempt",
        "describes a suicide attempt",
        r"\b(?:tried|attempted|try|trying|almost\s+managed)\s+to\s+(?P<core>kill\s+myself|end\s+(?:my\s+life|it)"
        r"|take\s+my\s+(?:own\s+)?life|overdose|hang\s+myself|commit\s+suicide)|\b(?P<core2>attempted\s+suicide"
        r"|suicide\s+attempt|overdosed|od'?d)\b",
    ),
    _rule(
        "interrupted_attempt",
        URGENT,
        "suicide_attempt",
        "describes an attempt that was interrupted",
        r"\b(?:jumped|tried|was\s+about\s+to|almost\s+did\s+it|nearly\s+did\s+it"
        r"|went\s+to\s+jump)\b[^.!?]{0,40}?\b(?:pulled"
        r"|dragged|grabbed|talked|stopped)\s+me\s+(?:back|off|down|away|in\s+time)\b",
    ),
    _rule(
        "past_attempt",
        CONCERN,
        "suicide_attempt",
        "mentions a past suicide attempt",
        PAST_ATTEMPT,
        timeable=False,
    ),
    _rule(
        "deliberate_overdose",
        URGENT,
        "suicide_attempt",
        "describes taking an overdose of medication",
        r"\b(?:took|taken|swallowed|downed|popped|ate|chugged)\s+" + _gap(2) + r"(?:a\s+whole|the\s+whole"
        r"|an\s+entire|a\s+bottle|a\s+handful|handfuls|too\s+many|way\s+too\s+many|way\s+more|more"
        r"|extra|double|triple|dozens|all|a\s+load\s+of|loads\s+of|a\s+lot\s+of|a\s+bunch\s+of|"
        + COUNT
        + r")\s+"
        + _gap(3),
        PILLS,
        r"(?=[^.!?]{0,80}(?:on\s+purpose|intentional|deliberate|to\s+(?:die|end|sleep\s+forever|not\s+wake)"
        r"|than\s+(?:i'?m|i\s+am|i\s+was|prescribed|i\s+should|allowed)|at\s+once|hours?\s+ago|minutes\s+ago"
        r"|drunk|drank|with\s+(?:alcohol|vodka|whisky|whiskey|wine|booze|gin)|bottle\s+of))",
    ),
    _rule(
        "bottle_swallowed",
        URGENT,
        "suicide_attempt",
        "describes swallowing a large amount of medication",
        r"\b(?:took|swallowed|downed|ate)\s+(?:a|the|an)\s+(?:whole|entire|full)\s+(?:bottle|box|pack|packet|strip)",
    ),
    # Plans and research into lethality.
    _rule(
        "lethality_research",
        URGENT,
        "plan",
        "researched a lethal method or dose",
        r"\b(?:lethal|fatal|deadly)\s+(?:dose|amount|overdose|quantity)|\bdose\s+that\s+(?:would|could|will)\s+"
        r"(?:be\s+)?(?:lethal|fatal|kill)|\bhow\s+(?:many|much)\s+"
        + _gap(5)
        + r"(?:it\s+takes\s+to|it\s+would\s+take\s+to|to"
        r"|would|will|"
        r"i'?d\s+need\s+to)\s+(?:die|kill|be\s+lethal|not\s+wake|end\s+it|overdose|be\s+enough\s+to)"
        r"|\bhow\s+(?:many|much)\s+"
        + _gap(3)
        + PILLS
        + r"\s+(?:would|will|is|are|it\s+takes\s+to)\s+(?:be\s+)?enough\b"
        r"|\bhow\s+(?:many|much)\s+"
        + _gap(3)
        + r"(?:is|are|would\s+be|will\s+be|counts\s+as)\s+(?:a\s+|an\s+)?(?:lethal|fatal"
        r"|deadly|overdose)\b"
        r"|\b(?:painless|quick|quickest|easiest|best|surest|fastest|(?:least|less|most)\s+(?:painful|painless|peaceful"
        r"|reliable|effective))\s+ways?\s+to\s+(?:die|kill\s+myself|end\s+it|do\s+it|go(?=\s*(?:[.,!?;]|$"
        r"|without\s+pain"
        r"|painlessly|peacefully|quietly|in\s+my\s+sleep)))"
        r"|\bhow\s+to\s+(?:kill\s+myself|tie\s+a\s+noose|hang\s+myself|overdose|end\s+my\s+life)",
        topic=True,
        literal=True,
    ),
    _rule(
        "knows_how",
        CONCERN,
        "plan",
        "says they know how or where they would do it",
        r"\b(?:know|knew|figured\s+out|worked\s+out|planned|planning|thinking\s+about|thought\s+about"
        r"|decided|picked|chosen|chose|imagining)\s+(?:out\s+)?(?:exactly\s+|just\s+)?(?:how|where|when|what)\s+"
        r"(?:i'?d|i\s+would|i'?ll|i\s+will|i'?m\s+going\s+to|i\s+am\s+going\s+to|i'?m\s+gonna|i\s+could|to)\s+"
        r"(?:do\s+it|use\s+it|do\s+with\s+it|end\s+it|do\s+this)\b"
        r"(?!\s+(?:differently|better|again|next|right|properly|correctly|well|for\s+(?:work|class))\b)",
        borderline=True,
    ),
    _rule(
        "decided_how_to_die",
        URGENT,
        "plan",
        "has decided how or when they will die",
        r"\b(?:know|knew|figured\s+out|worked\s+out|planned|decided|picked|chosen|chose|set)\s+(?:out\s+)?"
        r"(?:exactly\s+)?(?:how|where|when|the\s+(?:date|day|time|place))(?:\s+and\s+(?:how|where|when))?\s+"
        r"(?:i'?d|i\s+would|i'?ll|i\s+will|i'?m\s+going\s+to|i\s+am\s+going\s+to|i'?m\s+gonna|to)\s+"
        r"(?:die|kill\s+myself|end\s+(?:it|my\s+life)|take\s+my\s+(?:own\s+)?life)\b",
    ),
    _rule(
        "pills_intent",
        URGENT,
        "plan",
        "intends to take a quantity of medication",
        r"\b" + PILLS + r"[^.!?]{0,60}?\b(?:going\s+to|gonna|i'?ll|i\s+will|about\s+to|plan\s+to|ready\s+to)\s+"
        r"(?:take|swallow|down)\s+(?:them|it|those|these|all)\b"
        r"|\b(?:already|just)\s+(?:taken|took|swallowed)\s+(?:the|all\s+(?:of\s+)?(?:the|my)|my|a\s+lot\s+of)\s+"
        + _gap(1)
        + PILLS,
    ),
    _rule(
        "noose",
        URGENT,
        "preparation",
        "mentions preparing a noose",
        r"\b(?:tied|tying|made|making|tie|make|hung|set\s+up|put\s+up)\s+(?:up\s+)?(?:a|the|my)\s+noose\b"
        r"|\b(?:a|the|my)\s+noose\s+(?:is\s+|'s\s+)?(?:hanging|tied|up|ready|set\s+up|waiting)\b",
    ),
    _rule(
        "ligature_fixed",
        URGENT,
        "preparation",
        "has fixed a rope or cord to something to hang from",
        # A ligature fixed to an anchor point is preparation whoever says it; climbing, swings,
        # boats, punch bags and the like are the OUTDOOR_USE/benign contexts.
        r"\b(?:tied|tying|hung|hanging|fixed|attached|secured|looped|knotted|put\s+up)\s+(?:up\s+)?(?:a|the|my|some"
        r"|this)\s+(?:rope|cord|belt|cable|flex|scarf|sheet)\s+(?:up\s+)?(?:to|from|on|onto|around|round|over)\s+"
        r"(?:the|a|my)\s+(?:\w+\s+)?(?:beam|rafter|ceiling|banister|bannister|loft\s+hatch|door\s*frame|door|hook"
        r"|light\s+fitting|pipe|railing|branch|tree)\b",
        benign=_compile(
            OUTDOOR_USE.pattern + r"|\b(?:punch(?:ing)?\s+bag|pulley|tyre|tire|bunting|decorations?|lights"
            r"|plants?|pinata|piñata|rope\s+swing|curtains?|christmas|halloween|party)\b"
        ),
    ),
    _rule(
        "on_the_edge",
        URGENT,
        "suicide_attempt",
        "is at a high place right now",
        r"\b(?:sitting|standing|sat|stood|perched|climbed|i'?m|i\s+am)\s+" + _gap(2) + r"(?:on|onto|over|at)\s+"
        r"(?:the\s+|a\s+|my\s+)?(?:ledge|railing|edge\s+of\s+(?:the\s+|a\s+|my\s+)?(?:roof|bridge|building|balcony"
        r"|cliff|platform|tracks)|train\s+tracks|railway\s+tracks)"
        r"|\b(?:standing|sitting|waiting|stood|sat|lying|laying)\s+(?:\w+\s+){0,2}?(?:on|by|at|near|next\s+to"
        r"|beside)\s+"
        r"(?:the\s+)?(?:train\s+|railway\s+|rail\s+)?tracks\b"
        r"|\bi'?m\s+(?:on|at|up\s+on|standing\s+on|sitting\s+on)\s+(?:the|a|this|top\s+of\s+the)\s+(?:bridge|roof"
        r"|rooftop|ledge|edge|tracks|cliff|overpass)\s+(?:right\s+)?now\b",
    ),
    # Preparation.
    _rule(
        "saving_pills",
        URGENT,
        "preparation",
        "is stockpiling medication",
        r"\b(?:sav(?:e|ed|ing)|stockpil(?:e|ed|ing)|hoard(?:ed|ing)?|collect(?:ed|ing)|stash(?:ed|ing)?"
        r"|hid(?:den|ing)?|squirrel(?:ed|ing)?\s+away)\s+(?:up\s+)?" + _gap(2),
        PILLS,
        benign=MEDICATION_ROUTINE,
    ),
    _rule(
        "goodbye_letters",
        URGENT,
        "preparation",
        "wrote goodbye or suicide notes",
        r"\b(?:wrote|written|writing|write|left|leaving|finished|drafted|started|recorded)\s+"
        + _gap(2)
        + r"(?:(?:goodbye|good-bye|farewell|suicide)\s+(?:letters?|notes?|messages?|texts?|emails?|videos?)"
        r"|(?:final|last)\s+(?:letters?|notes?)\s+(?:to|for)\s+(?:my|everyone|everybody|the\s+people))"
        r"|\b(?:letters?|notes?|cards?|messages?|texts?|emails?|videos?)\s+(?:saying|to\s+say)\s+(?:goodbye|farewell)\b"
        r"|\b(?:wrote|written|writing|left|leaving)\s+(?:a|the|my)\s+(?:notes?|letters?)\s+(?:for|to)\s+"
        + _gap(3)
        + r"(?:explaining\s+(?:why|everything)|saying\s+(?:goodbye|sorry)|to\s+say\s+(?:goodbye|sorry)|telling\s+"
        r"(?:them|her|him|everyone)\s+(?:why|i'?m\s+sorry))",
    ),
    _rule(
        "wont_need_anymore",
        CONCERN,
        "preparation",
        "says they will not need their belongings anymore",
        r"\b(?:won'?t|will\s+not|wont)\s+(?:be\s+)?(?:need(?:ing)?|using|have\s+(?:any\s+)?use\s+for)\s+"
        r"(?:them|it|this|these|those|him|her|anything|any\s+of\s+(?:it|this|them)|my\s+\w+)\s+"
        r"(?:anymore|any\s+more|where\s+i'?m\s+going|much\s+longer)(?=\s*(?:[.,!?;]|$))"
        r"|\b(?:won'?t|will\s+not|wont)\s+(?:be\s+)?need(?:ing)?\s+any\s+of\s+(?:it|this|them|my\s+\w+)(?=\s*(?:[.,!?;]"
        r"|$))"
        r"|\b(?:need|use)\s+(?:it|them|this|these)\s+more\s+than\s+(?:me|i\s+(?:will|do|would"
        r"|ever))\b(?=[^.!?]{0,15}soon)"
        r"|\bsomething\s+to\s+remember\s+me\s+by\b",
        benign=DECLUTTERING,
    ),
    _rule(
        "giving_away",
        WEAK,
        "preparation",
        "gave away belongings",
        r"\b(?:gave|giving|give|given)\s+(?:away\s+)?" + _gap(5) + r"away\b|\bgiv(?:e|ing|en)\s+away\b",
        benign=DECLUTTERING,
    ),
    _rule(
        "acquired_means",
        WEAK,
        "preparation",
        "acquired a possible means",
        r"\b(?:bought|buy|buying|got|ordered|purchased|picked\s+up|found|stole)\s+(?:myself\s+)?(?:a\s+|some\s+"
        r"|the\s+|more\s+|a\s+length\s+of\s+)?(?:\w+\s+)?(?P<method>rope|noose|gun|pistol|rifle|shotgun|firearm"
        r"|handgun|bullets|ammo|razor\s+blades|razors|blades|charcoal)\b",
        benign=OUTDOOR_USE,
    ),
    _rule(
        "loaded_weapon",
        WEAK,
        "preparation",
        "has a loaded gun",
        r"\b(?:gun|pistol|rifle|shotgun|revolver)\s+(?:is\s+)?loaded\b|\bloaded\s+(?:the\s+|my\s+)?(?:gun|pistol"
        r"|rifle|shotgun|revolver)\b",
    ),
    _rule(
        "will_written",
        WEAK,
        "preparation",
        "put their affairs in order",
        r"\b(?:wrote|writing|made|making|updated|finished|sorted|signed|did|done)\s+(?:out\s+)?my\s+will\b"
        r"|\b(?:put|putting|getting|got|sorted|have)\s+(?:all\s+)?my\s+(?:affairs|papers|paperwork|finances)\s+in\s+order",
        benign=_compile(
            r"\b(?:solicitor|lawyer|notary|estate\s+plan\w*|mortgage|house|flat|baby|born|married|wedding|life\s+admin"
            r"|retire\w*|pension|divorce|kids\s+are\s+grown)\b"
        ),
    ),
    # Goodbye and final messages.
    _rule(
        "it_will_be_over",
        WEAK,
        "goodbye",
        "says it will all be over",
        # Weak: "it all ends Friday" is as often a series, a sale or a contract; it counts only
        # beside another sign (letters, a will, a wish to die).
        r"\b(?:it|this|everything|it\s+all|all\s+of\s+(?:it|this))(?:\s+all)?(?:\s+ends|\s+will\s+(?:all\s+)?(?:end"
        r"|be\s+over)|\s*'ll\s+(?:all\s+)?(?:end|be\s+over)|\s+is\s+(?:all\s+)?(?:ending|going\s+to\s+(?:end"
        r"|be\s+over)))\b"
        r"(?!\s+(?:at|with|in\s+a|when\s+the|for\s+(?:the|this))\b)",
    ),
    _rule(
        "last_entry",
        URGENT,
        "goodbye",
        "writes what sounds like a final message",
        r"\b(?:this\s+is|this'?ll\s+be|this\s+will\s+be|it'?s|these\s+are|here'?s)\s+(?:my|the)\s+(?:very\s+)?"
        r"(?:last|final)\s+(?:entry|entries|message|post|note|words|check-?in|journal|time\s+(?:i\s+)?"
        r"(?:write|writing|talk|post|log))\b(?!\s+(?:for|before|of\s+the|in\s+this|until|till|today|this)\b)",
    ),
    _rule(
        "farewell",
        URGENT,
        "goodbye",
        "says goodbye in a way that sounds final",
        r"\b(?:goodbye|good-bye|farewell)\s+(?:everyone|everybody|all|world|forever|for\s+good|cruel)\b"
        r"|\bthis\s+is\s+goodbye\b"
        r"|\bwhen\s+(?:you|anyone|someone|they)\s+(?:read|see|find|get)\s+this,?\s+i'?(?:ll|\s+will)\s+"
        r"(?:already\s+)?(?:be\s+)?(?:gone|dead|not\s+be\s+(?:here|alive)|no\s+longer)",
    ),
    _rule(
        "said_goodbyes",
        URGENT,
        "goodbye",
        "says goodbye in a way that sounds final",
        r"\b(?:said|saying|say)\s+(?:my\s+)?(?:final\s+|last\s+)?goodbyes\b",
        benign=_compile(
            r"\b(?:leaving\s+(?:do|party|drinks)|airport|station|new\s+job|last\s+day|moving|move|abroad|holiday|trip"
            r"|visit\w*|funeral|care\s+home|hospice|graduat\w*|school|uni|team|colleagues|flat|house)\b"
        ),
    ),
    _rule(
        "goodbye_media_ready",
        URGENT,
        "goodbye",
        "has a goodbye message ready",
        r"\b(?:my|the|a)\s+(?:goodbye|farewell|suicide)\s+(?:letters?|notes?|videos?|messages?|posts?|texts?"
        r"|emails?)\s+"
        r"(?:is|are|'s|has\s+been|have\s+been)\s+(?:all\s+)?(?:written|recorded|done|ready|scheduled|finished|sealed"
        r"|drafted)\b",
    ),
    _rule(
        "at_peace_soon",
        CONCERN,
        "goodbye",
        "speaks of being at peace soon",
        r"\bi'?(?:ll|\s+will)\s+(?:finally\s+|soon\s+)?be\s+(?:at\s+peace|out\s+of\s+(?:pain|your\s+way"
        r"|everyone'?s\s+way))"
        r"(?=\s*(?:[.,!?;]|$|soon|tonight|tomorrow|after))|\bdon'?t\s+worry\s+about\s+me\s+after\s+(?:this|tonight"
        r"|today)\b",
    ),
    _rule(
        "not_around_much_longer",
        CONCERN,
        "goodbye",
        "hints that they will not be around",
        r"(?:^\s*|\bi\s+|\bi'?m\s+|\bi\s+am\s+)(?:won'?t|will\s+not|wont|not\s+(?:going\s+to|gonna))\s+be\s+(?:here"
        r"|around|alive)\s+(?:much\s+longer|for\s+(?:much\s+)?long|anymore|any\s+more|to\s+see\s+(?:christmas|another"
        r"|next|the\s+end|my\s+birthday|spring|summer)|for\s+(?:christmas|new\s+year|my\s+birthday|your\s+birthday|the\s+holidays"
        r"|summer|spring|the\s+wedding))"
        r"|\b(?:after|when|once)\s+i'?m\s+(?:gone|dead|not\s+here)\b(?!\s+(?:for\s+the|on|to|at|from)\b)"
        r"|(?:^\s*|\bi'?(?:ll|\s+will)\s+)(?:will\s+)?(?:already\s+)?be\s+(?:gone|dead)\s+(?:by|before|soon|tonight"
        r"|tomorrow)\b",
        benign=OWN_TRAVEL,
    ),
    _rule(
        "done_for_good",
        CONCERN,
        "hopelessness_wish_to_die",
        "wants everything to end for good",
        r"\b(?:done|finished|through)\s+with\s+(?:all\s+of\s+)?(?:this|it|everything|life|living|it\s+all)\s+"
        r"(?:for\s+good|forever|permanently)"
        r"|\b(?:want|need|wish|wanting)\s+" + _gap(2) + r"(?:it\s+all|everything|all\s+of\s+(?:it|this)|my\s+life"
        r"|life|it|this)\s+to\s+(?:stop|end|be\s+over)(?=\s*(?:[.,!?;]|$|for\s+good|forever|permanently))"
        r"(?:\s*,?\s*(?:for\s+good|forever|permanently))?"
        r"|\bwish(?:es|ed|ing)?\s+(?:that\s+)?(?:it|my\s+life|everything|it\s+all|life)\s+(?:would"
        r"|could)\s+(?:just\s+)?"
        r"(?:all\s+)?(?:end|stop|be\s+over|finish)(?=\s*(?:[.,!?;]|$|for\s+good|forever|permanently|already))"
        r"|\b(?:want|need)\s+(?:it|this|my\s+life|everything|it\s+all)\s+(?:all\s+)?(?:to\s+be\s+)?over(?=\s*(?:[.,!?;]"
        r"|$"
        r"|for\s+good|forever|already|now))"
        r"|\b(?:my\s+)?(?:life|existence)\s+(?:is|feels|seems)\s+(?:so\s+|completely\s+|totally\s+|utterly\s+)?"
        r"(?:pointless|meaningless|worthless|not\s+worth\s+(?:it|living))\b"
        r"|\b(?:my\s+)?(?:life|existence)\s+(?:has\s+no|doesn'?t\s+have\s+(?:any|a)"
        r"|has\s+lost\s+(?:all\s+)?(?:its\s+)?)\s*"
        r"(?:meaning|purpose|point)\b"
        r"|\bwant\s+out\s+of\s+(?:this\s+)?(?:life|living|existence|this\s+world)\b"
        r"|\b(?:shouldn'?t|should\s+not|don'?t\s+deserve\s+to|do\s+not\s+deserve\s+to)\s+(?:even\s+)?(?:exist"
        r"|be\s+alive|live"
        r"|be\s+here)\b|\bnot\s+(?:have\s+to\s+)?(?:deal\s+with|face|do)\s+(?:life|living|anything|any\s+of\s+it)\s+"
        r"(?:ever\s+again|anymore|any\s+more)\b",
        borderline=True,
    ),
    # Self-harm.
    _rule(
        "self_harm_act",
        CONCERN,
        "self_harm",
        "describes hurting themself",
        r"\b(?:cut|cutting|cuts|burn(?:ed|t|ing)?|scratch(?:ed|ing)?|hit(?:ting)?|punch(?:ed|ing)?|bang(?:ed|ing)?"
        r"|harm(?:ed|ing)?|hurt(?:ing)?|stab(?:bed|bing)?|bruis(?:ed|ing)|carv(?:ed|ing)|starv(?:ed|ing)"
        r"|whipp?(?:ed|ing))\s+my\s*self\b"
        r"|\b(?:bit|bite|biting|bitten|pinch(?:ed|ing)?)\s+(?:into\s+)?my\s+(?:arms?|wrists?|hands?|skin|thighs?"
        r"|legs?)\b"
        r"|\bslap(?:ped|ping)?\s+myself\s+(?:\w+\s+){0,4}?(?:hard|till|until|repeatedly|again|over\s+and\s+over)\b"
        # "I've been cutting again": self-harm jargon without an object.
        r"|\b(?:been|started|start|keep|kept|back\s+to|relapsed\s+into)\s+cutting\b(?!\s+(?:the|my|your|back|down|out|it"
        r"|costs|corners|class(?:es)?|vegetables|onions|wood|paper|grass|hair|fabric|coupons|sugar|carbs|ties)\b)"
        r"|\b(?:hit|hitting|bang(?:ed|ing)?|smash(?:ed|ing)?|slam(?:med|ming)?)\s+my\s+head\s+(?:on|against|into)\b"
        r"|\b(?:scratch(?:ed|ing)?|pick(?:ed|ing)?|scrub(?:bed|bing)?|rub(?:bed|bing)?)\s+(?:at\s+)?my\s+(?:skin|arms?"
        r"|legs?)\s+raw\b"
        r"|\b(?:cut|cutting|slash(?:ed|ing)?|slit|carv(?:ed|ing)|burn(?:ed|t|ing)?)\s+(?:into\s+)?my\s+"
        r"(?:wrists?|arms?|thighs?|legs?|skin|stomach|hips?|forearms?)\b"
        r"|\b(?:cut|cutting|sliced|slashed)\s+(?:so\s+|too\s+|really\s+|way\s+too\s+|pretty\s+)?deep(?:er|ly)?\b"
        r"|\buntil\s+(?:it|they|i|my\s+\w+)\s+(?:bled|bleed|bleeds|was\s+bleeding|were\s+bleeding|started\s+bleeding"
        r"|bruised|blistered)\b|\brelapsed\b(?=[^.!?]{0,40}(?:cut|self[- ]?harm|burn))",
    ),
    _rule(
        "self_harm_urge",
        CONCERN,
        "self_harm",
        "describes urges to self-harm",
        r"\b(?:urges?|urging|itching|craving|tempted|temptation|want(?:ed|ing)?\s+to|wanna|feel\s+like"
        r"|thinking\s+about|thought\s+about)\s+" + _gap(2) + r"(?:to\s+)?(?:(?:cut|cutting)(?=\s*(?:[.,!?;]|$"
        r"|again|myself|my\s+(?:arms?|wrists?|legs?|thighs?|skin)|deeper|has|have|is|are|was|were|but|and))"
        r"|(?:hurt|harm|burn|punish)(?:ing)?\s+my\s*self|self[- ]?harm(?:ing)?|relaps(?:e|ing))",
    ),
    _rule(
        "self_harm_topic",
        CONCERN,
        "self_harm",
        "mentions self-harm",
        r"\bself[- ]?harm(?:ing|ed)?\b|\bself[- ]?injur(?:y|ing|ed)\b",
        topic=True,
        timeable=False,
    ),
    # Passive ideation, wish to die, hopelessness, burden.
    _rule(
        "suicide_topic",
        CONCERN,
        "suicidal_ideation",
        "mentions suicide or suicidal feelings",
        r"\bsuicid(?:e|al|ality)\b",
        topic=True,
        timeable=False,
    ),
    _rule(
        "thoughts_of_death",
        CONCERN,
        "suicidal_ideation",
        "thinks about dying or their own death",
        THOUGHT_FRAME,
        r"(?P<core>suicide|killing\s+myself|ending\s+(?:my\s+life|it\s+all|things|everything|it)(?!\s+with)|dying"
        r"|death\b(?!\s+of\s+(?:my|a|an))"
        r"|being\s+dead|not\s+being\s+(?:here|alive|around)|not\s+existing|no\s+longer\s+existing|my\s+(?:own\s+)?death"
        r"|taking\s+my\s+(?:own\s+)?life)",
        timeable=False,
        topic=True,
    ),
    _rule(
        "wish_to_die",
        CONCERN,
        "hopelessness_wish_to_die",
        "expresses a wish to die or not exist",
        r"\b(?:want(?:ed|s)?|wanna|wish(?:ed)?|need|long|yearn|wanting|should|might\s+as\s+well"
        r"|ready\s+to)\s+(?:to\s+)?"
        r"(?:just\s+|really\s+|go\s+and\s+)?(?P<core>",
        DIE_OBJECT,
        r")|\bso\s+(?:that\s+)?i\s+(?:could|can|would|might)\s+(?:just\s+)?die\b",
    ),
    _rule(
        "not_come_back_up",
        CONCERN,
        "hopelessness_wish_to_die",
        "does not want to resurface (a wish not to survive)",
        # Drowning and sinking images: "I don't want to come back up", "go under and never come up".
        r"\b(?:don'?t|do\s+not|dont|never|not)\s+(?:really\s+|even\s+)?(?:want(?:\s+to)?|wanna|going\s+to)?\s*"
        r"(?:to\s+)?(?:come|coming)\s+(?:back\s+)?up(?:\s+again)?\b(?!\s+(?:with|for|to|on|at|here|there)\b)"
        r"|\b(?:go|going|sink|sinking|slip|slipping)\s+under\s+(?:and|&)\s+(?:not|never)\s+(?:come|coming)\s+"
        r"(?:back|up)\b",
    ),
    _rule(
        "afraid_of_self",
        CONCERN,
        "suicidal_ideation",
        "is afraid of what they might do to themself",
        r"\b(?:scared|afraid|frightened|terrified|worried)\s+(?:of\s+)?(?:what\s+i(?:\s+(?:might|could|will|would|may)|'ll)"
        r"\s+do\s+(?:to\s+myself|tonight|if\s+i'?m\s+alone)|(?:that\s+)?i(?:\s+(?:might|could|will|may)|'ll)\s+"
        r"(?:do\s+something\s+(?:to\s+myself|(?:stupid|drastic)(?=\s*(?:[.,!?;]|$|(?:to\s+myself|tonight|again)\b)))"
        r"|hurt\s+myself|not\s+(?:be\s+able\s+to\s+)?(?:stop|keep)"
        r"\s+myself\s+safe))",
    ),
    _rule(
        "staged_accident",
        WEAK,
        "preparation",
        "wants it to look like an accident",
        # Weak: a broken mug can be made to look like an accident too; beside a wish to die or a
        # method it is concealment of a plan.
        r"\b(?:make|making|so)\s+(?:it|that\s+it|it\s+all)\s+(?:look|looks|seem|seems)\s+like\s+(?:an\s+)?accident\b",
    ),
    _rule(
        "told_to_kill_self",
        CONCERN,
        "hopelessness_wish_to_die",
        "says they were told to kill themself",
        # Being told to die is a risk in itself (bullying, abuse), and clients often half agree.
        r"\bkys\b|\b(?:told|tell|tells|telling|texted|messaged|said|says)\s+(?:me\s+)?(?:that\s+)?(?:i\s+should\s+"
        r"(?:just\s+)?(?:die|kill\s+myself)|to\s+(?:go\s+)?(?:die|kill\s+myself))\b",
    ),
    _rule(
        "wish_dead",
        CONCERN,
        "hopelessness_wish_to_die",
        "wishes they were dead or never born",
        r"\bwish(?:es|ed|ing)?\s+(?:that\s+)?i\s+(?:was|were|'?d\s+been|had\s+been)\s+(?:dead|never\s+born|gone|not\s+"
        r"(?:alive|here|born))|\bwish(?:es|ed|ing)?\s+(?:that\s+)?i\s+(?:wasn'?t|weren'?t|was\s+not"
        r"|were\s+not)\s+(?:here|alive"
        r"|around|born)\b|\bwish(?:es|ed|ing)?\s+(?:that\s+)?i(?:\s+had|'?d)\s+never\s+(?:been\s+born|existed"
        r"|woken\s+up)|\bwish(?:es|ed|ing)?\s+(?:that\s+)?i\s+(?:could|would|can|did|didn'?t|wouldn'?t)\s+(?:just\s+)?"
        r"(?:die|disappear|not\s+wake\s+up|never\s+wake\s+up|sleep\s+forever|go\s+to\s+sleep\s+(?:and|&)\s+"
        r"(?:not|never)\s+wake\s+up|stop\s+existing|not\s+exist|cease\s+to\s+exist|vanish)"
        r"|\b(?:rather|happier|better)\s+(?:off\s+)?(?:for\s+(?:everyone|everybody|them)\s+)?(?:if\s+i(?:\s+had"
        r"|'?d)\s+)?"
        r"never\s+(?:been\s+born|existed)"
        r"|\b(?:wish(?:es|ed|ing)?|hope|hoping|pray|praying)\s+(?:that\s+)?(?:a|the|some|someone"
        r"|something)\s*(?:\w+\s+){0,2}"
        r"(?:would|will|'d)\s+(?:just\s+)?(?:hit|kill|run\s+over|crash\s+into|take)\s+me\b"
        r"|\b(?:disappointed|annoyed|angry|upset|sad|gutted|devastated|furious)\s+(?:that\s+|when\s+|to\s+find\s+)?"
        r"(?:i\s+)?(?:woke\s+up|wake\s+up|(?:am|'m|was)\s+still\s+(?:alive|here)|survived)(?!\s+(?:late|early|at\s+\d"
        r"|so|with"
        r"|to\s+the|the\s+exam|the\s+week)\b)",
        # "I wish I'd never woken up this morning" wishes about the past: no time frame for acting.
        timeable=False,
    ),
    _rule(
        "not_wake_up",
        CONCERN,
        "hopelessness_wish_to_die",
        "hopes not to wake up",
        r"\b(?:go\s+to\s+sleep|fall\s+asleep|sleep)\s+"
        + _gap(2)
        + r"(?:and|&)\s+(?:just\s+)?(?:not|never)\s+(?:have\s+to\s+)?"
        r"wake\s+up|\b(?:i'?d|i\s+would)\s+(?:honestly\s+|really\s+)?rather\s+not\s+wake\s+up\b"
        r"|\b(?:ok|okay|fine|alright|happy|at\s+peace|content)\s+with\s+(?:not\s+waking\s+up|never\s+waking\s+up|dying"
        r"|being\s+dead|not\s+being\s+(?:here|alive))\b|\b(?:hope|hoping|wish"
        r"|want|pray|praying)\s+" + _gap(2) + r"(?:i\s+)?(?:just\s+)?(?:don'?t|do\s+not"
        r"|never|won'?t|wouldn'?t|not\s+to)\s+wake\s+up(?!\s+(?:early|late|at|before|for|so)\b)"
        r"|\b(?:nice|easier|better|peaceful|good|lovely|a\s+relief)\s+to\s+(?:just\s+)?(?:never|not)\s+wake\s+up\b",
        timeable=False,
    ),
    _rule(
        "dont_want_to_live",
        CONCERN,
        "hopelessness_wish_to_die",
        "does not want to live or exist",
        r"\b(?:don'?t|do\s+not|dont|no\s+longer|never|didn'?t)\s+(?:really\s+|even\s+)?(?:want|wanna|wish)\s+"
        r"(?:to\s+)?(?:exist|be\s+alive|be\s+here|keep\s+living|be\s+around|continue\s+living|wake\s+up"
        r"(?!\s+(?:early|at|so|for|before|tomorrow\s+(?:for|at))\b)|go\s+on(?!\s+(?:a|the|my|with|to|holiday"
        r"|vacation|trips?|dates?)\b)|live(?!\s+(?:with|in|at|near|there|here|together|alone|abroad|on|like\s+"
        r"(?:a|that|them))\b)|be\s+alive)\b",
    ),
    _rule(
        "unsure_about_living",
        CONCERN,
        "hopelessness_wish_to_die",
        "is unsure they want to live",
        r"\b(?:not\s+sure|don'?t\s+know\s+if|unsure|no\s+longer\s+sure|questioning)\s+(?:if\s+|whether\s+)?i\s+"
        + _gap(1)
        + r"(?:want|wanna)\s+to\s+(?:live|be\s+alive|keep\s+going|go\s+on|be\s+here|stay\s+alive)\b",
    ),
    _rule(
        "tired_of_living",
        CONCERN,
        "hopelessness_wish_to_die",
        "is tired of being alive",
        r"\bdone\s+(?:with\s+)?(?:existing|living|life|being\s+alive)\b(?!\s+(?:in|with|at|here|there|like\s+a)\b)"
        r"|\b(?:tired|sick|exhausted|weary)\s+of\s+(?:fighting|trying|struggling)\s+to\s+(?:stay\s+alive|keep\s+living"
        r"|live|keep\s+going)\b"
        r"|\b(?:tired|sick|exhausted|weary)\s+of\s+(?:being\s+alive|living(?!\s+(?:in|with|at|near|paycheck|here"
        r"|there|alone)\b)|life\b|existing|being\s+here|waking\s+up|breathing|being\s+me)",
    ),
    _rule(
        "no_point_living",
        CONCERN,
        "hopelessness_wish_to_die",
        "sees no point in living",
        r"\b(?:no|not\s+any|not\s+a|don'?t\s+see\s+(?:the|a|any)|can'?t\s+see\s+(?:the|a|any)|what'?s\s+(?:even\s+)?"
        r"the|what\s+is\s+(?:even\s+)?the|there'?s\s+no|is\s+there\s+(?:even\s+)?(?:a|any)|lost\s+the)\s+point\s+"
        r"(?:in|of|to)\s+" + _gap(1) + r"(?:living(?!\s+(?:here|there|in|with|at|near)\b)|life"
        r"|going\s+on(?!\s+(?:a|the|with|about|holiday|vacation|trips?|dates?)\b)|being\s+alive|existing|carrying\s+on"
        r"|continuing"
        r"|staying\s+alive|being\s+here|keep(?:ing)?\s+going|live|go\s+on|exist|my\s+life|it\s+all|waking\s+up|anything"
        r"(?:\s+anymore)?)\b"
        r"|\bnothing\s+(?:left\s+)?(?:to\s+live\s+for|worth\s+living\s+for)|\bno\s+one\s+to\s+live\s+for"
        r"|\b(?:not|isn'?t|no\s+longer)\s+worth\s+(?:living|it\s+anymore|being\s+alive)\b"
        r"|\bwhy\s+(?:am\s+i|do\s+i\s+(?:even\s+)?(?:bother\s+)?(?:stay|keep))\s+(?:even\s+)?(?:still\s+)?"
        r"(?:here|alive|living|going|breathing)\b(?=\s*(?:[.,!?;]|$))"
        r"|\b(?:no|not\s+(?:a|any)|zero|don'?t\s+have\s+(?:a|any)|lost\s+(?:my|all|every)|without\s+(?:a|any)"
        r"|can'?t\s+find\s+(?:a|any))\s+" + _gap(1) + r"reasons?\s+(?:left\s+)?(?:for\s+me\s+)?to\s+(?:live|go\s+on"
        r"|keep\s+going|stay\s+alive|be\s+alive|exist|keep\s+living|wake\s+up|carry\s+on|stay\s+here|be\s+here)",
        # "What's the point of waking up tomorrow": tomorrow is what they see no point in, not a date.
        timeable=False,
    ),
    _rule(
        "burden",
        CONCERN,
        "burden",
        "feels like a burden",
        r"\b(?:i'?m|i\s+am|i\s+feel|feel(?:ing)?\s+like|i'?ve\s+been|i\s+have\s+been|i\s+become|i'?ve\s+become"
        r"|i\s+was|being)\s+" + _gap(4) + r"burden\b(?!\s+of\s+proof)"
        r"|\b(?:waste\s+of\s+(?:space|oxygen|air|a\s+life)|taking\s+up\s+(?:space|oxygen|air)|(?:a|such\s+a)\s+drain\s+"
        r"on\s+(?:everyone|everybody|my\s+family|them|people))\b",
    ),
    _rule(
        "better_off_without_me",
        CONCERN,
        "burden",
        "believes others would be better off without them",
        r"\b(?:better\s+off|happier|easier|better|simpler|relieved|glad|lighter)\s+"
        + _gap(2)
        + r"(?:without\s+me|if\s+i\s+(?:(?:wasn'?t|weren'?t|was\s+not|were\s+not|wasnt|werent)\s+(?:here|around"
        r"|alive)|(?:was|were|'?d|had|just)?\s*(?:dead|died|disappeared|gone|never\s+(?:existed|been\s+born)"
        r"|didn'?t\s+exist)))|\bbetter\s+off\s+dead\b"
        r"|\b(?:better\s+off|happier|easier|better|lighter)\s+" + _gap(3) + r"with\s+me\s+(?:gone|dead|out\s+of\s+the"
        r"\s+(?:way|picture))\b"
        r"|\b(?:better|easier|simpler|best)\s+(?:for\s+(?:everyone|everybody|them|us)\s+)?(?:if\s+i\s+(?:just\s+)?"
        r"|to\s+"
        r"(?:just\s+)?)(?:not\s+exist|die|died|be\s+dead|not\s+be\s+(?:here|around|alive)|disappear(?:ed)?|was\s+dead"
        r"|wasn'?t\s+alive|stopped\s+existing|never\s+wake\s+up|didn'?t\s+wake\s+up)\b"
        r"|\bif\s+i\s+(?:wasn'?t|weren'?t|was\s+not|were\s+not|wasnt|werent)\s+(?:here|around|alive|in\s+the\s+"
        r"picture)\b",
    ),
    _rule(
        "nobody_would_notice",
        CONCERN,
        "hopelessness_wish_to_die",
        "believes nobody would notice or care if they were gone",
        r"\b(?:no\s*one|nobody|noone|no\s+body|anyone|anybody|people|they|everyone|the\s+world)\s+"
        + _gap(2)
        + r"(?:notice|care|miss\s+me|realize|realise|mind)\w*\s+"
        + _gap(1)
        + r"if\s+i\s+"
        + _gap(1)
        + r"(?:disappeared|died|was\s+gone|were\s+gone|vanished|left|wasn'?t\s+(?:here|around)|weren'?t\s+"
        r"(?:here|around)|was\s+dead|were\s+dead|killed\s+myself|ended\s+it|didn'?t\s+wake\s+up|stopped\s+existing)"
        r"|\b(?:no\s*one|nobody|noone)\s+(?:would|will|'?d)\s+(?:even\s+)?miss\s+me\b"
        r"|\bif\s+i\s+(?:just\s+)?(?:died|disappeared|was\s+gone|vanished|killed\s+myself"
        r"|wasn'?t\s+here)\b[^.!?]{0,30}?"
        r"\b(?:no\s*one|nobody|anyone|anybody)\s+(?:\w+\s+){0,2}?(?:notice|care|miss\s+me)",
        # "If I died tomorrow nobody would notice": tomorrow is part of the hypothetical.
        timeable=False,
    ),
    _rule(
        "disappear_for_good",
        CONCERN,
        "hopelessness_wish_to_die",
        "wants to disappear permanently",
        r"\b(?:disappear(?:ed|ing)?|vanish(?:ed|ing)?|be\s+gone|fade\s+away)\s+(?:\w+\s+)?(?:for\s+good|forever"
        r"|permanently|and\s+never\s+come\s+back)",
    ),
    _rule(
        "own_funeral",
        CONCERN,
        "hopelessness_wish_to_die",
        "imagines their own funeral",
        r"\bmy\s+(?:own\s+)?funeral\b",
    ),
    _rule(
        "indifferent_to_death",
        CONCERN,
        "hopelessness_wish_to_die",
        "would not mind dying",
        r"\b(?:don'?t|do\s+not|dont|wouldn'?t|would\s+not|doesn'?t|won'?t)\s+(?:even\s+|really\s+)?(?:care|mind"
        r"|matter)\s+" + _gap(1) + r"(?:if|whether)\s+i\s+" + _gap(1) + r"(?:die|died|live|lived|wake\s+up"
        r"|woke\s+up|don'?t\s+wake|didn'?t\s+wake|got\s+hit|get\s+hit|crashed|was\s+dead|were\s+dead|never\s+woke)"
        r"|\bwouldn'?t\s+mind\s+(?:dying|being\s+dead|not\s+waking|not\s+being\s+(?:here|alive)|not\s+existing"
        r"|if\s+i\s+(?:died|didn'?t\s+wake|got\s+hit|was\s+gone|never\s+woke))"
        r"|\bif\s+i\s+(?:just\s+)?(?:\w+\s+(?:\w+\s+)?(?:and|&)\s+)?(?:died|was\s+dead|were\s+dead|didn'?t\s+wake\s+up"
        r"|never\s+woke\s+up)\b[^.!?]{0,30}?\b(?:relieved|a\s+relief|glad|fine|okay|peaceful|wouldn'?t\s+mind"
        r"|a\s+blessing)\b"
        r"|\b(?:i'?d|i\s+would)\s+(?:honestly\s+|really\s+)?rather\s+not\s+(?:continue|go\s+on|carry\s+on|keep\s+living"
        r"|be\s+alive|exist)\b|\bhate\s+(?:being\s+alive|existing|living(?!\s+(?:in|with|at|near|here|there|so)\b))\b"
        r"|\b(?:hope|hoping|pray|praying)\s+(?:that\s+)?(?:i\s+)?(?:just\s+)?(?:die|get\s+hit\s+by|crash|never\s+"
        r"wake)\b|\b(?:i'?d|i\s+would)\s+(?:honestly\s+|rather\s+)?(?:rather\s+)?(?:be\s+dead|die)\b(?!\s+(?:than|for"
        r"|of|if|without|laughing|from|to|on)\b)",
    ),
    _rule(
        "only_way_out",
        CONCERN,
        "hopelessness_wish_to_die",
        "sees death as the only way out",
        r"\b(?:death|dying|suicide|killing\s+myself|ending\s+it)\s+(?:is|seems|feels|looks)\s+(?:like\s+)?(?:the|my)"
        r"\s+only\s+(?:way\s+out|option|answer|escape|solution|choice)|\bonly\s+way\s+out\b(?!\s+is\s+through)"
        r"|\b(?:death|dying|suicide|killing\s+myself|ending\s+it)\s+(?:is|seems|feels|might\s+be|would\s+be"
        r"|could\s+be)\s+"
        r"(?:like\s+)?(?:the|my)\s+(?:best\s+|real\s+)?(?:answer|solution|way\s+out|escape|option)\b"
        r"|\b(?:dying|death|suicide|killing\s+myself|ending\s+it|being\s+dead)\s+(?:would|could|will"
        r"|might)\s+(?:\w+\s+)?"
        r"(?:solve|fix|end)\s+(?:everything|it\s+all|all\s+(?:of\s+)?my\s+problems|my\s+problems)\b"
        r"|\b(?:no|only)\s+(?:other\s+)?way\s+out\s+"
        + _gap(3)
        + r"(?:except|but|other\s+than|apart\s+from|than)\s+(?:by\s+)?"
        r"(?:dying|death|suicide|killing\s+myself|ending\s+it|ending\s+my\s+life)\b",
    ),
    _rule(
        "cannot_go_on",
        CONCERN,
        "hopelessness_wish_to_die",
        "says they cannot go on",
        r"\b(?:can'?t|cannot|can\s+not)\s+(?:go\s+on|keep\s+going|carry\s+on)(?:\s+(?:like\s+this|anymore"
        r"|any\s+more|living))?(?=\s*(?:[.,!?;]|$|like|anymore))|\bgive\s+up\s+on\s+(?:life|living)"
        r"|\b(?:don'?t\s+know|not\s+sure|no\s+idea)\s+how\s+(?:much\s+)?long(?:er)?\s+i\s+can\s+(?:keep\s+going|go\s+on"
        r"|carry\s+on|hold\s+on|keep\s+doing\s+this|do\s+this|take\s+(?:this|it)|survive|last)\b"
        r"|\b(?:can'?t|cannot|can\s+not)\s+keep\s+(?:living|doing\s+(?:this|life|it))(?:\s+like\s+this)?"
        r"(?=\s*(?:[.,!?;]|$|like|anymore|any\s+more))"
        r"|\bgiving\s+up\s+on\s+(?:life|living)|\bgave\s+up\s+on\s+(?:life|living)",
        borderline=True,
    ),
    _rule(
        "not_be_here_anymore",
        CONCERN,
        "hopelessness_wish_to_die",
        "wants to not be here anymore",
        r"\bnot\s+(?:be|being)\s+(?:here|around|alive)\s+(?:anymore|any\s+more|any\s+longer)\b"
        r"|\bnot\s+exist(?:ing)?\s+(?:anymore|any\s+more)\b|\bstop\s+existing\b",
    ),
    # Threats to others.
    _rule(
        "threat_to_others",
        CONCERN,
        "threat_to_others",
        "expresses wanting or intending to hurt someone",
        r"\b(?:i'?m\s+going\s+to|i'?m\s+gonna|i\s+am\s+going\s+to|i'?ll|i\s+will"
        r"|i\s+(?:sometimes\s+|really\s+|just\s+|honestly\s+|actually\s+|seriously\s+|still\s+|often\s+)?(?:want\s+to|wanna)"
        r"|i'?d\s+(?:like|love)\s+to|i\s+could|i'?m\s+about\s+to|i\s+swear\s+i'?ll|i'?m\s+planning\s+to|i\s+plan\s+to"
        r"|gonna|going\s+to)\s+(?:\w+\s+)?(?P<core>kill|murder|hurt|stab|shoot|strangle|choke|beat|punch|attack"
        r"|slit|poison|run\s+over|batter|smash|beat\s+the\s+(?:crap|shit|hell|life|living\s+daylights)\s+out\s+of)\s+"
        + PERSON_TARGET
        # "beat them at chess", but "punch him in the face".
        + r"(?!\s+(?:at|on)\b|\s+in\s+(?!the\s+(?:face|head|stomach|gut|throat|neck|back|chest)))"
        r"|\b(?:i'?m|im|i\s+am)\s+(?:\w+\s+)?(?P<core3>stabbing|shooting|killing|strangling|attacking)\s+"
        + PERSON_TARGET
        + r"(?=\s*(?:[.,!?;]|$|when|if|tonight|tomorrow|next))"
        r"|\b(?:going\s+to|gonna|i'?ll|i\s+will|want\s+to|planning\s+to)\s+(?P<core4>burn\s+(?:their|his|her|the"
        r"|my\s+\w+'?s?)\s+"
        r"(?:\w+\s+)?(?:house|flat|home|car|place)\s+down|set\s+fire\s+to\s+(?:their|his|her|the)\s+(?:\w+\s+)?(?:house"
        r"|flat|home"
        r"|car|place))"
        r"|\b(?:going\s+to|gonna|i'?ll|i\s+will|want\s+to)\s+[^.!?]{0,40}?\b(?:and|then)\s+(?:then\s+)?(?P<core5>stab|shoot"
        r"|kill|hurt|attack|strangle)\s+"
        + PERSON_TARGET
        + r"|\b(?:angry|furious|mad|enraged|livid)\s+enough\s+to\s+(?P<core6>hurt|kill|attack|stab|punch|strangle)\s+"
        + PERSON_TARGET
        + r"|\b(?:fantasi[sz](?:e|ed|ing)|dream(?:ing)?|daydream(?:ing)?|think(?:ing)?|imagin(?:e|ing)|thoughts?"
        r"|urges?)\s+"
        r"(?:a\s+lot\s+)?(?:about\s+|of\s+)?"
        r"(?P<core2>hurting|killing|stabbing|beating\s+up|shooting|strangling|attacking|punching)\s+" + PERSON_TARGET,
    ),
    _rule(
        "vengeance",
        CONCERN,
        "threat_to_others",
        "talks about making someone pay or suffer",
        r"\b(?P<core>make|making|made)\s+(?:him|her|them|that\s+\w+|the\s+\w+|those\s+\w+|my\s+\w+|everyone"
        r"|everybody)\s+"
        + _gap(4)
        + r"(?:pay|suffer|bleed)\b(?!\s+(?:back|the\s+bill|rent|attention|tax|off|up|for\s+(?:the|a|an|my|our|his|her"
        r"|their|dinner|lunch|breakfast|drinks?|food|pizza|coffee|petrol|gas|tickets?|half|it\s+(?:all\s+)?(?:myself"
        r"|himself"
        r"|herself))\b))"
        r"|\b(?:he|she|they|you)(?:'ll|\s+will|'re\s+going\s+to|\s+are\s+going\s+to|'s\s+going\s+to"
        r"|\s+is\s+going\s+to)\s+"
        r"(?:\w+\s+)?(?P<core2>regret\s+(?:it|this|what|ever|the\s+day|\w+ing\s+(?:me|my|us|a\s+finger|with\s+me))"
        r"|be\s+sorry\b(?!\s+(?:he|she|they|that|to|for|about)\b))",
        borderline=True,
    ),
    _rule(
        "knows_where_they_are",
        WEAK,
        "threat_to_others",
        "knows where or when to find someone",
        r"\bknow\s+(?:exactly\s+)?(?:where|what\s+time|when)\s+(?:he|she|they|my\s+\w+|the\s+\w+)\s+(?:lives?|works?"
        r"|finishes|gets\s+(?:home|off|out)|leaves?|parks?|sleeps?|walks?|goes|will\s+be|is\s+going\s+to\s+be"
        r"|hangs\s+out"
        r"|stays?)\b",
    ),
    _rule(
        "armed_threat",
        URGENT,
        "threat_to_others",
        "threatens to use a weapon against others",
        r"\b(?:going\s+to|gonna|i'?ll|i\s+will|want\s+to|plan\s+to|planning\s+to)\s+(?:\w+\s+)?(?:stab|shoot"
        r"|slit\s+the\s+throat\s+of)\s+" + PERSON_TARGET + r"|\bshoot\s+up\s+(?:the|my|our|a)\s+(?:school|office"
        r"|work|workplace|mall|church|class|party|place)\b"
        r"|\b(?:going\s+to|gonna|i'?ll|i\s+will)\s+shoot\s+(?:\w+\s+)?(?:everyone|everybody|people|them\s+all)",
    ),
)

# --- Escalators ---------------------------------------------------------------------------

ESCALATORS: tuple[Escalator, ...] = (
    Escalator("time", "time", "with a time frame", TIME),
    Escalator(
        "readiness",
        "readiness",
        "and says they are ready",
        _compile(
            r"\b(?:i\s+think\s+)?(?:i'?m|i\s+am)\s+(?:finally\s+|really\s+)?ready\b"
            r"(?!\s+(?:for\s+(?:the|my|a|an|our|some|bed|work|school|class|summer|christmas|holiday|dinner|lunch"
            r"|breakfast"
            r"|tomorrow|this|next|change)|to\s+(?:start|learn|move|try|work|talk|see|meet|leave\s+for|go\s+(?:out|home"
            r"|to|back)"
            r"|finish|stop|graduate|be\s+discharged|end\s+(?:therapy|treatment|sessions)))\b)"
            r"|\b(?:tonight|today|tomorrow)(?:'s|\s+is)"
            r"\s+the\s+(?:night|day)\b|\bit'?s\s+time\b|\bmade\s+(?:up\s+)?my\s+(?:mind|decision)\b"
            r"|\bno\s+going\s+back\b|\bi'?ve\s+decided\b|\bmy\s+mind\s+is\s+made\s+up|\bmade\s+sure\s+of\s+(?:it"
            r"|that)\b"
            r"|\bmade\s+my\s+(?:choice|peace)\b|\bat\s+peace\s+with\s+(?:my\s+)?(?:decision|choice|it|this)\b"
            r"|\bmy\s+plan\s+is\s+(?:set|ready|made|in\s+place|sorted)\b|\b(?:it'?s|it\s+is)\s+(?:nearly|almost"
            r"|finally)\s+time\b"
            r"|\b(?:everything|it'?s\s+all|it\s+is\s+all)\s+(?:is\s+)?(?:ready|set|planned|sorted)(?=\s*(?:[.,!?;]|$))"
            r"|\bi\s+(?:have|'ve\s+got|got|made)\s+a\s+plan\b(?!\s+(?:for|to\s+(?:go|see|meet|visit|get|stop|stay"
            r"|cope))\b)"
            r"|\b(?:have|got)\s+(?:a\s+plan\s+and\s+)?the\s+means\b"
        ),
    ),
    Escalator(
        "means",
        "means",
        "with access to means",
        _compile(
            r"\bi\s+(?:have|'ve\s+got|got|own|keep|kept)\s+" + _gap(3) + r"(?P<method>pills|meds|tablets|rope"
            r"|noose|gun|pistol|rifle|blades?|razors?)\b|\bi'?ve\s+got\s+"
            + _gap(3)
            + r"(?P<method2>pills|meds|tablets|rope|gun|blades?|razors?)\b|\benough\s+(?:pills|meds|tablets|at\s+home"
            r"|to\s+(?:die|do\s+it|kill\s+me|end\s+it|not\s+wake\s+up))\b"
        ),
    ),
    Escalator(
        "weapon",
        "weapon",
        "and has a weapon",
        _compile(
            r"\b(?:i'?ve\s+(?:already\s+|now\s+)?got|i\s+(?:already\s+)?have|i\s+got|i\s+own|bought|brought"
            r"|carry(?:ing)?"
            r"|keeps?|kept|grabbed|sharpened"
            r"|loaded|holding|hid|hidden|took)\s+" + _gap(3) + r"(?P<method>" + WEAPON + r")\b"
            r"|\b(?:the|my|a)\s+(?P<method2>"
            + WEAPON
            + r")\s+(?:is\s+|'s\s+)?(?:already\s+|all\s+)?(?:ready|loaded|in\s+my)"
            r"|\b(?:the|a|my)\s+(?P<method3>"
            + WEAPON
            + r")\s+(?:i|i'?ve)\s+(?:just\s+|already\s+)?(?:bought|got|found|stole"
            r"|brought|sharpened|hid|hidden)\b|\b(?:get|getting|take|taking|bring|bringing|grab|grabbing)\s+"
            + _gap(2)
            + r"(?P<method4>knife|gun|rifle|shotgun|pistol|machete|hammer|bat|axe)\b"
        ),
    ),
    Escalator(
        "severity",
        "severity",
        "with signs of escalating severity",
        _compile(
            r"\b(?:deeper|worse)\s+than\s+(?:usual|before|ever|last\s+time)|\bdeeper\b|\bstitches\b|\bhospital\b"
            r"|\b(?:won'?t|will\s+not|doesn'?t|does\s+not|can'?t|isn'?t)\s+stop(?:ping)?\s+bleed"
            r"|\b(?:emergency\s+room|a&e)\b|\b(?:couldn'?t|could\s+not|wouldn'?t|would\s+not)\s+stop\s+(?:the\s+)?"
            r"bleed|\b(?:so\s+much|a\s+lot\s+of|lots\s+of)\s+blood\b|\bblistered\b|\bevery\s+(?:day|night)\b"
            r"|\bmore\s+than\s+(?:usual|ever|before)\b|\bto\s+the\s+bone\b"
        ),
    ),
)

# Categories each escalator kind may raise, so pills do not escalate a threat to others
# and a time word does not escalate past self-harm.
ESCALATES: dict[str, frozenset[str]] = {
    "time": frozenset(
        {
            "suicidal_ideation",
            "hopelessness_wish_to_die",
            "goodbye",
            "plan",
            "threat_to_others",
        }
    ),
    "readiness": frozenset({"suicidal_ideation", "hopelessness_wish_to_die", "goodbye", "plan", "burden"}),
    "means": frozenset({"suicidal_ideation", "hopelessness_wish_to_die", "goodbye", "plan", "burden"}),
    "weapon": frozenset({"suicidal_ideation", "hopelessness_wish_to_die", "plan", "threat_to_others"}),
    "severity": frozenset({"self_harm"}),
    "preparation": frozenset(
        {"suicidal_ideation", "hopelessness_wish_to_die", "goodbye", "plan", "burden", "preparation"}
    ),
}

# --- Guards -------------------------------------------------------------------------------

FIGURATIVE = _compile(
    # "X is killing me" ("killing myself" does not match: no word boundary after "me").
    r"\bkilling\s+me\b|\bkill(?:ed|ing)?\s+(?:it|time)\b|\b(?:kill|die|murder)\s+for\s+(?:a|an|some|the|my)\b"
    r"|\bi'?d\s+(?:kill|murder|die)\s+for\b|\bdying\s+(?:to|for)\b"
    r"|\b(?:die|died|dying|dead)\s+(?:of|from)\s+(?:laughter|laughing|embarrassment|shame|boredom|cuteness"
    r"|thirst|hunger|the\s+heat|cringe)\b|\bdead\s+(?:tired|serious|on|set|end|beat|last|broke|wrong|right"
    r"|centre|center|heat|weight|giveaway|ringer|inside\s+lol)\b|\b(?:could|would|nearly|almost)\s+(?:have\s+)?"
    r"died\b|\b(?:bored|scared|worried|frightened|tickled|loved?)\s+to\s+death\b|\bmurder(?:ed)?\s+(?:a|the|some"
    r"|this|that)\s+(?:pizza|burger|beer|coffee|drink|song|sandwich|meal|cake|curry)|\b(?:was|is|'s|be)\s+"
    r"(?:absolute\s+|pure\s+)?murder\b|\b(?:going\s+to|gonna|gon\s+na|will|would|'ll)\s+(?:literally\s+)?kill\s+"
    r"me\b|\bkilled\s+me\b|\b(?:ground|earth|floor)\s+(?:to\s+)?(?:swallow|open\s+up)|\bcrawl\s+(?:into|under)\s+"
    r"(?:a\s+)?(?:hole|rock)|\bdrop\s+dead\b|\b(?:phone|battery|laptop|car|plants?|flowers)\s+"
    + _gap(2)
    + r"(?:dead|dying|died)\b|\bdeadlines?\b|\brather\s+die\s+than\b|\bdying\s+(?:here|inside)\s+(?:lol|haha)"
    r"|\b(?:kill|killing|murder)\s+(?:the|this|that|a)\s+(?:spider|bug|fly|flies|mosquito|wasp|vibe|mood"
    r"|lights|weeds?|game|exam|test|presentation|interview)\b|\bshoot(?:ing)?\s+(?:a\s+)?(?:photo|video|film"
    r"|hoops|pictures?|the\s+breeze)|\bshot\s+(?:a\s+)?(?:great\s+|nice\s+)?(?:photo|video|pictures?)"
    r"|\b(?:kill|killing|murder)\s+\w+\s+for\s+(?:eating|taking|using|being|not|doing|borrowing|stealing|losing)"
    r"|\b(?:end|ending|ended|close|closing|closed)\s+(?:this|that|a|the)\s+chapter\b"
    r"|\b(?:end|ending|ended|break|breaking|call|calling)\s+(?:it|things)\s+(?:off\s+)?(?:with|between)\s+"
    r"(?:him|her|them|us|my|me)\b"
    r"|\bkill(?:ing|ed|s)?\s+(?:myself|me)\s+(?:laughing|with\s+laughter|slowly)|\boverdos\w*\s+on\s+(?:caffeine|coffee|sugar"
    r"|chocolate|netflix|tv|sweets|candy|carbs)|\bon\s+a\s+(?:good|high|positive)\s+note\b"
    r"|\bkill(?:ing|ed)?\s+myself\s+(?:at\s+(?:work|the\s+gym)|over\s+(?:this|work)|with\s+(?:work|overtime)"
    r"|trying\s+to"
    r"|to\s+(?:get|finish|make|meet|please))"
)

EDUCATIONAL = _compile(
    r"\b(?:documentary|film|movie|book|article|podcast|class|course|lecture|training|workshop|seminar|research"
    r"|study|essay|paper|news|series|episode|novel|poem|song|lesson|campaign|awareness|prevention|hotline"
    r"|helpline|crisis\s+line|statistics|rates?|presentation|module|textbook|webinar|history|nursing|charity"
    r"|fundraiser|volunteer(?:ing)?|screening|questionnaire|assessment|asked\s+(?:me\s+)?(?:if|whether|about)|watched"
    r"|watching|tv|netflix|show|documentaries|affects?|survivors?|loss|assembly|memorial|vigil)\b"
)

GRIEF = _compile(
    r"\b(?:my|our|his|her|their)\s+(?:late\s+|best\s+|old\s+)?(?:" + RELATIONS + r"|dog|cat|pet)(?:'s)?\s+"
    r"(?:\w+\s+){0,3}?(?:died|passed\s+away|passed|death|funeral|was\s+killed|lost|suicide)"
    r"|\b(?:died|passed\s+away)\s+(?:last|this|in|a\s+few|two|three|\d|years?|months?|weeks?|when|after|from)"
)

# A third person reported as the speaker ("my friend said", "she told me").
REPORTED_SPEECH = _compile(
    r"\b(?:he|she|they|someone|somebody|(?:my|a|his|her|their)\s+(?:" + RELATIONS + r"))\s+(?:\w+\s+)?"
    r"(?:said|says|told|tells|texted|posted|wrote|mentioned|admitted|confided|screamed|yelled|shouted|asked)\b"
)

# An explicit retraction: "makes me want to die lol, just kidding". Only neutralises concern-level
# matches; nothing urgent is waved through as a joke.
JOKING = _compile(r"\b(?:just\s+kidding|only\s+joking|just\s+joking|jk|j/k|kidding\s+aside)\b")

# Safety planning and hypotheticals: "what I'd do if I felt suicidal", "in case I get the urge".
HYPOTHETICAL = _compile(
    r"\b(?:if|in\s+case|whenever|should)\s+i\s+(?:ever\s+|start\s+to\s+|begin\s+to\s+|do\s+)?(?:feel|felt|notice|experience"
    r"|start\s+feeling|(?:get|have|had)\s+(?:the\s+|an?\s+|any\s+|those\s+|these\s+|that\s+)?(?:urges?|suicidal|thoughts?|low"
    r"|bad|overwhelmed|triggered|dark|crisis|episode|impulses?|feelings?|like\s+(?:that|this)|to\s+that\s+point))\b"
)

NEGATORS = _words("not no never without nor neither deny denies denied zero none")
# Contractions that negate. "can't" and "couldn't" are left out on purpose: "I can't stop
# thinking about killing myself" and "I couldn't do that to my kids" both still reveal ideation.
NEGATING_CONTRACTIONS = _words(
    "don't dont didn't didnt doesn't doesnt won't wont wouldn't wouldnt isn't isnt aren't arent wasn't wasnt weren't werent haven't havent hasn't hasnt hadn't hadnt shouldn't shouldnt ain't aint am't"
)
# Phrases in the negation window that do not negate (hedges, intensifiers, idioms).
NEGATION_CANCELLERS = _compile(
    r"\b(?:not\s+sure|not\s+certain|don'?t\s+know|dont\s+know|can'?t\s+promise|not\s+(?:gonna|going\s+to)\s+lie"
    r"|no\s+lie|not\s+joking|no\s+joke|not\s+kidding|wouldn'?t\s+mind|don'?t\s+mind|not\s+only|not\s+just"
    r"|never\s+(?:thought|imagined|expected)|no\s+one|no\s+body|no\s+matter|not\s+even\s+sure|no\s+idea)\b"
)

# Verbs that make a bare topic word a self-report ("felt suicidal") even in a media context.
SELF_REPORT_VERBS = _words("feel felt feeling am was been get got getting became become 'm im")

FIRST_PERSON = _words("i i'm im i've ive i'd i'll me my myself mine")
THIRD_PERSON = _words(
    "he she they him her them his their he's she's they're himself herself themselves someone somebody people character characters patient patients client clients guy girl man woman teen teens student students celebrity singer actor"
    " boy boys girls men women kid kids child children pupil pupils classmate classmates teenager teenagers"
    " neighbour neighbours neighbor neighbors"
) | _words(RELATIONS.replace("|", " "))

ACCIDENT = _compile(
    r"\b(?:accident(?:ally)?|by\s+accident|tripped|fell|slipped|sprained|twisted|at\s+the\s+gym|playing|lifting"
    r"|workout|skiing|running|cooking|chopping|shaving|gardening|while\s+\w+ing|on\s+(?:a|the)\s+(?:rock|nail|glass"
    r"|oven|stove|iron|kettle|pan|hob|grill|cupboard|cabinet|shelf|door(?:\s*frame)?|ceiling|car\s+door|table|desk"
    r"|bed\s+frame)|sunburn\w*|ouch|oops)\b"
)

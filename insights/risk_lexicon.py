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
    r"(?:kill?(?:ing|ed|s)?\s*my\s*self|(?<![\d.]\s)(?<![\d.])kms(?!\s+(?:away|from|to|of|run|walk|ride)\b)|off(?:ing)?\s+myself|unaliv(?:e|ing)\s+myself"
    r"|end(?:ing)?\s+(?:my\s+(?:own\s+)?life|it\s+all|my\s+existence|everything)"
    r"|end(?:ing)?\s+it(?!\s+(?:with|between|off|for\s+(?:him|her|them)))\b"
    r"|tak(?:e|ing)\s+my\s+(?:own\s+)?life|commit(?:ting)?\s+suicide"
    r"|hang(?:ing)?\s+myself|shoot(?:ing)?\s+myself|drown(?:ing)?\s+myself"
    r"|slit(?:ting)?\s+my\s+(?:wrists?|throat))"
)

DIE_OBJECT = (
    r"(?:die(?!\s+(?:of|from|laughing|for|than|down|out|hard|my\s+hair|your\s+hair|her\s+hair|it\b))\b|be\s+dead|stop\s+existing"
    r"|not\s+(?:to\s+)?(?:be\s+)?(?:exist|alive|here|around)\b|cease\s+to\s+exist"
    r"|disappear(?:\s+(?:forever|for\s+good|permanently))?(?=\s*(?:[.,!?;]|$|and\s+never|forever))"
    r"|sleep\s+forever|go\s+to\s+sleep\s+forever|be\s+gone\s+(?:forever|for\s+good))"
)

METHOD_ACT = (
    r"(?:(?:jump(?:ing)?|leap(?:ing)?|throw(?:ing)?\s+myself|step(?:ping)?)\s+"
    r"(?:off|from|in\s+front\s+of|under|out\s+of)\s+" + _gap(3) + r"(?:bridge|roof|rooftop|building"
    r"|balcony|ledge|cliff|window|train|bus|truck|lorry|car|tracks|traffic|overpass|tower"
    r"|parking\s+(?:garage|deck)|highway|motorway)"
    r"|(?:drive|driving|crash(?:ing)?|steer(?:ing)?|swerv(?:e|ing))\s+"
    + _gap(3)
    + r"(?:into|off)\s+"
    + _gap(3)
    + r"(?:wall|tree|traffic|truck|lorry|river|lake|cliff|bridge|pole|oncoming|barrier|median)"
    r"|walk(?:ing)?\s+(?:out\s+)?into\s+(?:the\s+)?(?:traffic|sea|ocean|river|lake|road)"
    r"|hang(?:ing)?\s+myself|slit(?:ting)?\s+my\s+(?:wrists?|throat)|shoot(?:ing)?\s+myself"
    r"|drown(?:ing)?\s+myself|overdos(?:e|ing)|gas(?:sing)?\s+myself|suffocat(?:e|ing)\s+myself"
    r"|set(?:ting)?\s+myself\s+on\s+fire|poison(?:ing)?\s+myself"
    r"|(?:tak(?:e|ing)|swallow(?:ing)?|down(?:ing)?)\s+(?:all|every|the\s+whole|a\s+whole|a\s+bottle"
    r"|the\s+rest|a\s+handful|all\s+of)\s+" + _gap(2) + r"(?:pills|meds|tablets|medications?|bottle"
    r"|painkillers|them\s+at\s+once))"
)

PILLS = (
    r"(?:pills|meds|medications?|medicines?|tablets|capsules|painkillers|sleeping\s+pills"
    r"|tylenol|paracetamol|acetaminophen|ibuprofen|xanax|antidepressants|insulin|prescriptions?)"
)

INTENT_FRAME = (
    r"\b(?:going\s+to|gonna|about\s+to|ready\s+to|planning\s+(?:to|on)|plan\s+to|decided\s+to"
    r"|made\s+up\s+my\s+mind\s+to|intend\s+to|i'?ll|i\s+will|will\s+finally|want\s+to|wanna"
    r"|need\s+to|should\s+just|could\s+just|might\s+just|i'?m\s+finally|plan\s+is\s+to|have\s+a\s+plan\s+to)\s+"
    + _gap(2)
)

THOUGHT_FRAME = (
    r"\b(?:thoughts?|thinking|thought|think|imagin(?:e|ed|ing)|pictur(?:e|ed|ing)"
    r"|fantasi[sz](?:e|ed|ing)|daydream(?:ed|ing)?|obsess(?:ed|ing)|consider(?:ed|ing)"
    r"|contemplat(?:e|ed|ing))\s+" + _gap(3) + r"(?:about|of)\s+" + _gap(1)
)

RELATIONS = (
    "friend|friends|mom|mum|mother|dad|father|brother|sister|partner|boyfriend|girlfriend|"
    "husband|wife|son|daughter|cousin|aunt|uncle|grandma|grandmother|grandpa|grandfather|"
    "nan|nana|granny|coworker|colleague|roommate|flatmate|neighbour|neighbor|boss|teacher|"
    "classmate|ex|stepdad|stepmom|stepfather|stepmother|kid|kids|child|children|baby"
)

PERSON_TARGET = (
    r"(?:him|her|them|you|everyone|everybody|somebody|someone|people|anyone|anybody"
    r"|that\s+(?:guy|man|woman|girl|boy|bitch|bastard|asshole|prick|idiot|kid)"
    r"|(?:my|his|her|the|our)\s+(?:" + RELATIONS + r"|teacher|class|school|office|coworkers|manager)"
    r"|the\s+(?:guy|man|woman|kids))\b"
)

WEAPON = (
    r"(?:knife|knives|gun|guns|pistol|rifle|shotgun|firearm|handgun|machete|blade|bat|axe"
    r"|ammo|bullets|revolver)"
)

# Harmless contexts for otherwise worrying preparation phrases.
MEDICATION_ROUTINE = _compile(
    r"\b(?:organi[sz]er|pill\s*box|dosette|blister\s+packs?|remind(?:er)?|remember|routine|refills?|pharmacy"
    r"|prescribed|from\s+(?:my|the)\s+(?:kids?|children|toddler|dog|cat|baby|puppy))\b"
)
DECLUTTERING = _compile(
    r"\b(?:old|spare|extra|unused|outgrown|broken|moving|move|moved|declutter\w*|charity|donat\w+|clear(?:ing)?\s+out"
    r"|too\s+small|upgrad\w+|new\s+one|sold\s+on|ebay|vinted|marketplace)\b"
)
OUTDOOR_USE = _compile(
    r"\b(?:camping|tent|climbing|boat|sailing|hammock|garden|gardening|swing|hunting|range|dog\s+lead|clothesline"
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
) -> RiskRule:
    return RiskRule(name, level, category, reason, _compile(*parts), topic, timeable, benign, borderline)


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
        "deliberate_overdose",
        URGENT,
        "suicide_attempt",
        "describes taking an overdose of medication",
        r"\b(?:took|taken|swallowed|downed|popped|ate|chugged)\s+" + _gap(2) + r"(?:a\s+whole|the\s+whole"
        r"|an\s+entire|a\s+bottle|a\s+handful|handfuls|too\s+many|way\s+too\s+many|way\s+more|more"
        r"|extra|double|triple|dozens|all|\d{2,})\s+" + _gap(3),
        PILLS,
        r"(?=[^.!?]{0,80}(?:on\s+purpose|intentional|deliberate|to\s+(?:die|end|sleep\s+forever|not\s+wake)"
        r"|than\s+(?:i'?m|i\s+am|i\s+was|prescribed|i\s+should|allowed)|at\s+once|hours?\s+ago|minutes\s+ago))",
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
        r"(?:be\s+)?(?:lethal|fatal|kill)|\bhow\s+(?:many|much)\s+" + _gap(3) + r"(?:it\s+takes\s+to|to|would|will|"
        r"i'?d\s+need\s+to)\s+(?:die|kill|be\s+lethal|not\s+wake|end\s+it|overdose|be\s+enough\s+to)"
        r"|\b(?:painless|quick|quickest|easiest|best|surest)\s+ways?\s+to\s+(?:die|kill\s+myself|end\s+it|go(?=\s*(?:[.,!?;]|$)))"
        r"|\bhow\s+to\s+(?:kill\s+myself|tie\s+a\s+noose|hang\s+myself|overdose|end\s+my\s+life)",
        topic=True,
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
        r"(?!\s+(?:differently|better|again|next|right|properly|correctly|well|for\s+(?:work|class)))",
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
        r"\b(?:tied|tying|made|making|tie|make|hung|set\s+up|put\s+up)\s+(?:up\s+)?(?:a|the|my)\s+noose\b",
    ),
    _rule(
        "on_the_edge",
        URGENT,
        "suicide_attempt",
        "is at a high place right now",
        r"\b(?:sitting|standing|sat|stood|perched|climbed|i'?m|i\s+am)\s+" + _gap(2) + r"(?:on|onto|over|at)\s+"
        r"(?:the\s+|a\s+|my\s+)?(?:ledge|railing|edge\s+of\s+(?:the\s+|a\s+|my\s+)?(?:roof|bridge|building|balcony"
        r"|cliff|platform|tracks)|train\s+tracks|railway\s+tracks)"
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
        r"\b(?:wrote|writing|made|making|updated|finished|sorted)\s+(?:out\s+)?my\s+will\b"
        r"|\b(?:put|putting|getting)\s+my\s+affairs\s+in\s+order",
    ),
    # Goodbye and final messages.
    _rule(
        "last_entry",
        URGENT,
        "goodbye",
        "writes what sounds like a final message",
        r"\b(?:this\s+is|this'?ll\s+be|this\s+will\s+be|it'?s|these\s+are|here'?s)\s+(?:my|the)\s+(?:very\s+)?"
        r"(?:last|final)\s+(?:entry|entries|message|post|note|words|check-?in|journal|time\s+(?:i\s+)?"
        r"(?:write|writing|talk|post|log))\b(?!\s+(?:for|before|of\s+the|in\s+this|until|till|today|this))",
    ),
    _rule(
        "farewell",
        URGENT,
        "goodbye",
        "says goodbye in a way that sounds final",
        r"\b(?:goodbye|good-bye|farewell)\s+(?:everyone|everybody|all|world|forever|for\s+good|cruel)\b"
        r"|\b(?:said|saying|say)\s+(?:my\s+)?(?:final\s+|last\s+)?goodbyes\b|\bthis\s+is\s+goodbye\b"
        r"|\bwhen\s+(?:you|anyone|someone|they)\s+(?:read|see|find|get)\s+this,?\s+i'?(?:ll|\s+will)\s+"
        r"(?:already\s+)?(?:be\s+)?(?:gone|dead|not\s+be\s+(?:here|alive)|no\s+longer)",
    ),
    _rule(
        "not_around_much_longer",
        CONCERN,
        "goodbye",
        "hints that they will not be around",
        r"\bi\s+won'?t\s+be\s+(?:here|around|alive)\s+(?:much\s+longer|for\s+(?:much\s+)?long|anymore|any\s+more)"
        r"|\b(?:after|when|once)\s+i'?m\s+(?:gone|dead|not\s+here)\b"
        r"|\bi'?(?:ll|\s+will)\s+(?:already\s+)?be\s+(?:gone|dead)\s+(?:by|before|soon|tonight|tomorrow)\b",
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
        r"(?:\s*,?\s*(?:for\s+good|forever|permanently))?",
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
        r"(?P<core>suicide|killing\s+myself|ending\s+(?:my\s+life|it\s+all|things|everything|it)(?!\s+with)|dying|death\b(?!\s+of\s+(?:my|a|an))"
        r"|being\s+dead|not\s+being\s+(?:here|alive|around)|not\s+existing|no\s+longer\s+existing|my\s+(?:own\s+)?death|taking\s+my\s+(?:own\s+)?life)",
        timeable=False,
        topic=True,
    ),
    _rule(
        "wish_to_die",
        CONCERN,
        "hopelessness_wish_to_die",
        "expresses a wish to die or not exist",
        r"\b(?:want(?:ed|s)?|wanna|wish(?:ed)?|need|long|yearn|wanting|should|might\s+as\s+well|ready\s+to)\s+(?:to\s+)?"
        r"(?:just\s+|really\s+|go\s+and\s+)?(?P<core>",
        DIE_OBJECT,
        r")",
    ),
    _rule(
        "wish_dead",
        CONCERN,
        "hopelessness_wish_to_die",
        "wishes they were dead or never born",
        r"\bwish(?:ed|ing)?\s+(?:that\s+)?i\s+(?:was|were|'?d\s+been|had\s+been)\s+(?:dead|never\s+born|gone|not\s+"
        r"(?:alive|here|born))|\bwish(?:ed|ing)?\s+(?:that\s+)?i\s+(?:had|'?d)\s+never\s+(?:been\s+born|existed"
        r"|woken\s+up)|\bwish(?:ed|ing)?\s+(?:that\s+)?i\s+(?:could|would|can|did|didn'?t|wouldn'?t)\s+(?:just\s+)?"
        r"(?:die|disappear|not\s+wake\s+up|never\s+wake\s+up|sleep\s+forever|go\s+to\s+sleep\s+(?:and|&)\s+"
        r"(?:not|never)\s+wake\s+up|stop\s+existing|not\s+exist|cease\s+to\s+exist|vanish)"
        r"|\b(?:rather|happier)\s+(?:if\s+i\s+(?:had|'?d)\s+)?never\s+(?:been\s+born|existed)",
    ),
    _rule(
        "not_wake_up",
        CONCERN,
        "hopelessness_wish_to_die",
        "hopes not to wake up",
        r"\b(?:go\s+to\s+sleep|fall\s+asleep|sleep)\s+" + _gap(2) + r"(?:and|&)\s+(?:just\s+)?(?:not|never)\s+wake"
        r"\s+up|\b(?:hope|hoping|wish|want|pray|praying)\s+" + _gap(2) + r"(?:i\s+)?(?:just\s+)?(?:don'?t|do\s+not"
        r"|never|won'?t|wouldn'?t|not\s+to)\s+wake\s+up(?!\s+(?:early|late|at|before|for|so))"
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
        r"(?!\s+(?:early|at|so|for|before|tomorrow\s+(?:for|at)))|go\s+on(?!\s+(?:a|the|my|with|to|holiday"
        r"|vacation|trips?|dates?))|live(?!\s+(?:with|in|at|near|there|here|together|alone|abroad|on|like\s+"
        r"(?:a|that|them)))|be\s+alive)\b",
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
        r"\bdone\s+with\s+(?:existing|living|life|being\s+alive)\b(?!\s+(?:in|with|at))"
        r"|\b(?:tired|sick|exhausted|weary)\s+of\s+(?:being\s+alive|living(?!\s+(?:in|with|at|near|paycheck|here"
        r"|there|alone))|life\b|existing|being\s+here|waking\s+up|breathing|being\s+me)",
    ),
    _rule(
        "no_point_living",
        CONCERN,
        "hopelessness_wish_to_die",
        "sees no point in living",
        r"\b(?:no|not\s+any|not\s+a|don'?t\s+see\s+(?:the|a|any)|can'?t\s+see\s+(?:the|a|any)|what'?s\s+(?:even\s+)?"
        r"the|what\s+is\s+(?:even\s+)?the|there'?s\s+no|is\s+there\s+(?:even\s+)?(?:a|any)|lost\s+the)\s+point\s+"
        r"(?:in|of|to)\s+" + _gap(1) + r"(?:living(?!\s+(?:here|there|in|with|at|near))|life"
        r"|going\s+on(?!\s+(?:a|the|with|about|holiday|vacation|trips?|dates?))|being\s+alive|existing|carrying\s+on|continuing"
        r"|staying\s+alive|being\s+here|keep(?:ing)?\s+going|live|go\s+on|exist|my\s+life|it\s+all|anything"
        r"(?:\s+anymore)?)\b"
        r"|\bnothing\s+(?:left\s+)?(?:to\s+live\s+for|worth\s+living\s+for)|\bno\s+one\s+to\s+live\s+for"
        r"|\b(?:not|isn'?t|no\s+longer)\s+worth\s+(?:living|it\s+anymore|being\s+alive)\b"
        r"|\bwhy\s+(?:am\s+i|do\s+i\s+(?:even\s+)?(?:bother\s+)?(?:stay|keep))\s+(?:even\s+)?(?:still\s+)?"
        r"(?:here|alive|living|going|breathing)\b(?=\s*(?:[.,!?;]|$))"
        r"|\b(?:no|not\s+(?:a|any)|zero|don'?t\s+have\s+(?:a|any)|lost\s+(?:my|all|every)|without\s+(?:a|any)"
        r"|can'?t\s+find\s+(?:a|any))\s+" + _gap(1) + r"reasons?\s+(?:left\s+)?(?:for\s+me\s+)?to\s+(?:live|go\s+on"
        r"|keep\s+going|stay\s+alive|be\s+alive|exist|keep\s+living|wake\s+up|carry\s+on|stay\s+here|be\s+here)",
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
        r"|\b(?:better|easier|simpler|best)\s+(?:for\s+(?:everyone|everybody|them|us)\s+)?(?:if\s+i\s+(?:just\s+)?|to\s+"
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
        r"|\b(?:no\s*one|nobody|noone)\s+(?:would|will|'?d)\s+(?:even\s+)?miss\s+me\b",
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
        r"|\b(?:hope|hoping|pray|praying)\s+(?:that\s+)?(?:i\s+)?(?:just\s+)?(?:die|get\s+hit\s+by|crash|never\s+"
        r"wake)\b|\b(?:i'?d|i\s+would)\s+(?:honestly\s+|rather\s+)?(?:rather\s+)?(?:be\s+dead|die)\b(?!\s+(?:than|for|of|if|without|laughing|from|to|on))",
    ),
    _rule(
        "only_way_out",
        CONCERN,
        "hopelessness_wish_to_die",
        "sees death as the only way out",
        r"\b(?:death|dying|suicide|killing\s+myself|ending\s+it)\s+(?:is|seems|feels|looks)\s+(?:like\s+)?(?:the|my)"
        r"\s+only\s+(?:way\s+out|option|answer|escape|solution|choice)|\bonly\s+way\s+out\b(?!\s+is\s+through)",
    ),
    _rule(
        "cannot_go_on",
        CONCERN,
        "hopelessness_wish_to_die",
        "says they cannot go on",
        r"\b(?:can'?t|cannot|can\s+not)\s+(?:go\s+on|keep\s+going|carry\s+on)(?:\s+(?:like\s+this|anymore"
        r"|any\s+more|living))?(?=\s*(?:[.,!?;]|$|like|anymore))|\bgive\s+up\s+on\s+(?:life|living)"
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
        r"\b(?:i'?m\s+going\s+to|i'?m\s+gonna|i\s+am\s+going\s+to|i'?ll|i\s+will|i\s+want\s+to|i\s+wanna"
        r"|i'?d\s+like\s+to|i\s+could|i'?m\s+about\s+to|i\s+swear\s+i'?ll|i'?m\s+planning\s+to|i\s+plan\s+to"
        r"|gonna|going\s+to)\s+(?:\w+\s+)?(?P<core>kill|murder|hurt|stab|shoot|strangle|choke|beat|punch|attack"
        r"|slit|poison|run\s+over)\s+" + PERSON_TARGET + r"(?!\s+(?:at|in|on)\b)",
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
    Escalator(
        "time",
        "time",
        "with a time frame",
        _compile(
            r"\b(?:tonight|tomorrow|by\s+(?:morning|tomorrow|tonight|the\s+weekend|friday|monday)"
            r"|this\s+(?:weekend|evening|afternoon|morning|friday|saturday|sunday"
            r"|monday|tuesday|wednesday|thursday)|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday"
            r"|my\s+birthday)|right\s+now|in\s+an?\s+(?:hour|few\s+(?:hours|days))|after\s+(?:everyone|they|my\s+\w+)"
            r"\s+" + _gap(1) + r"(?:asleep|leaves?|left|goes?|gone)|when\s+(?:everyone|they|my\s+\w+)\s+(?:is|are"
            r"|goes|go|leaves?)\b)"
        ),
    ),
    Escalator(
        "readiness",
        "readiness",
        "and says they are ready",
        _compile(
            r"\b(?:i\s+think\s+)?i'?m\s+(?:finally\s+|really\s+)?ready\b|\bi\s+am\s+ready\b|\b(?:tonight|today)\s+is"
            r"\s+the\s+(?:night|day)\b|\bit'?s\s+time\b|\bmade\s+(?:up\s+)?my\s+(?:mind|decision)\b"
            r"|\bno\s+going\s+back\b|\bi'?ve\s+decided\b|\bmy\s+mind\s+is\s+made\s+up"
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
            r"\b(?:i'?ve\s+got|i\s+have|i\s+got|i\s+own|bought|brought|carry(?:ing)?|keep|kept|grabbed|sharpened"
            r"|loaded|holding|hid|hidden|took)\s+" + _gap(3) + r"(?P<method>" + WEAPON + r")\b"
        ),
    ),
    Escalator(
        "severity",
        "severity",
        "with signs of escalating severity",
        _compile(
            r"\b(?:deeper|worse)\s+than\s+(?:usual|before|ever|last\s+time)|\bdeeper\b|\bstitches\b|\bhospital\b"
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
    r"|\bkill(?:ing|ed)?\s+myself\s+(?:at\s+(?:work|the\s+gym)|over\s+(?:this|work)|with\s+(?:work|overtime)|trying\s+to"
    r"|to\s+(?:get|finish|make|meet|please))"
)

EDUCATIONAL = _compile(
    r"\b(?:documentary|film|movie|book|article|podcast|class|course|lecture|training|workshop|seminar|research"
    r"|study|essay|paper|news|series|episode|novel|poem|song|lesson|campaign|awareness|prevention|hotline"
    r"|helpline|crisis\s+line|statistics|rates?|presentation|module|textbook|webinar|history|nursing|charity"
    r"|fundraiser|volunteer(?:ing)?|screening|questionnaire|assessment|asked\s+(?:me\s+)?(?:if|whether|about)|watched"
    r"|watching|tv|netflix|show|documentaries|affects?|survivors?|loss)\b"
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
    r"\b(?:if|in\s+case|whenever|should)\s+i\s+(?:ever\s+|start\s+to\s+|begin\s+to\s+|do\s+)?(?:feel|felt|get|have"
    r"|had|notice|experience|start\s+feeling)\b"
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
) | _words(RELATIONS.replace("|", " "))

ACCIDENT = _compile(
    r"\b(?:accident(?:ally)?|by\s+accident|tripped|fell|slipped|sprained|twisted|at\s+the\s+gym|playing|lifting"
    r"|workout|skiing|running|cooking|chopping|shaving|gardening|while\s+\w+ing|on\s+(?:a|the)\s+(?:rock|nail|glass"
    r"|oven|stove|iron|kettle|pan|hob|grill)|sunburn\w*)\b"
)

# Words that make a sentence worth embedding first when a text is too long to embed whole.
HINT_WORDS = _compile(
    r"\b(?:die|dying|dead|death|kill|suicid\w*|life|live|living|alive|exist\w*|end|ending|hurt|harm|cut|cutting"
    r"|pills?|meds|burden|point|gone|goodbye|last|wake|bleed|bled|blood|rope|bridge|knife|gun|hopeless|disappear"
    r"|anymore|forever|permanently|better\s+off|tired\s+of|funeral|jump|overdose|stop)\b"
)

"""The written notice of a practice's AI policy, kept inside its AI consent text.

Illinois (Public Act 104-0054) asks for written notice of AI used for supplementary support
and the client's consent to it, so the notice is part of the text the client signs: switching
the profile publishes a new version of the practice's ``ai_processing`` consent text whose
body is the practice's own wording followed by the notice section below (``with_notice``).
The section starts with ``NOTICE_HEADING``, so a later switch replaces it rather than
stacking notices. Pure Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from insights.ai.policy import FEATURES, FeatureClass, Profile, effective_states

NOTICE_HEADING = "How this practice uses AI (notice)"
SAFETY_SENTENCE = (
    "The safety check of what you write always runs, whatever you choose about AI: it looks for signs that "
    "you may be at risk so that your therapist is told and you see help numbers straight away. It is part of "
    "your care, not an optional AI feature, and no setting turns it off."
)
ILLINOIS_LAW = "the Illinois Wellness and Oversight for Psychological Resources Act (Public Act 104-0054)"


def _listed(keys: list[str]) -> str:
    return "\n".join(f"- {FEATURES[key].label}: {FEATURES[key].description}" for key in keys)


def notice_text(profile: str, toggles: Mapping[str, Any]) -> str:
    """The notice section for a profile: which AI features run, which are off, and safety."""
    states = effective_states(profile, toggles)
    on = [key for key, state in states.items() if state and not FEATURES[key].safety]
    off = [key for key, state in states.items() if not state]
    lines = [NOTICE_HEADING, ""]
    if profile == Profile.ILLINOIS:
        lines += [
            f"This practice follows {ILLINOIS_LAW}. AI is never used to detect your emotions or mental "
            "states, to make decisions about your therapy, or to talk with you in place of your therapist.",
            "",
            "With your written consent, AI tools may help your therapist with administrative and "
            "supplementary support only:",
            _listed(on),
        ]
    else:
        lines += ["With your consent, AI tools may help your therapist with:", _listed(on) if on else "- nothing"]
    if off:
        lines += ["", "This practice has switched these AI features off:", _listed(off)]
    lines += [
        "",
        "Your therapist reviews everything these tools produce and decides what to do with it. "
        + (
            "Supplementary tools run only after you have read this notice and signed this consent."
            if profile == Profile.ILLINOIS
            else "The tools run only while you consent."
        ),
        "",
        SAFETY_SENTENCE,
    ]
    return "\n".join(lines).strip()


def without_notice(body: str) -> str:
    """The practice's own wording: the body with any earlier notice section removed."""
    index = body.find(NOTICE_HEADING)
    return (body[:index] if index >= 0 else body).rstrip()


def with_notice(body: str, profile: str, toggles: Mapping[str, Any]) -> str:
    return f"{without_notice(body)}\n\n{notice_text(profile, toggles)}"


def supplementary_keys() -> list[str]:
    return [key for key, feature in FEATURES.items() if feature.feature_class == FeatureClass.SUPPLEMENTARY]

"""The written notice of a practice's AI policy, kept inside its AI consent text.

Illinois (Public Act 104-0054) asks for written notice of AI used for supplementary support
and the client's consent to it, so the notice is part of the text the client signs: switching
the profile publishes a new version of the practice's ``ai_processing`` consent text whose
body is the practice's own wording followed by the notice section below (``with_notice``).
The section starts with ``NOTICE_HEADING``, so a later switch replaces it rather than
stacking notices. Pure Python.
"""

from __future__ import annotations

# The notice's wording lives in insights/ai/policy.py (the policy decides with it, and a module
# the policy imported back would be an import cycle); this module names it for its callers.
from insights.ai.policy import (
    ILLINOIS_LAW,
    NOTICE_HEADING,
    SAFETY_SENTENCE,
    notice_text,
    supplementary_keys,
    with_notice,
    without_notice,
)

__all__ = [
    "ILLINOIS_LAW",
    "NOTICE_HEADING",
    "SAFETY_SENTENCE",
    "notice_text",
    "supplementary_keys",
    "with_notice",
    "without_notice",
]

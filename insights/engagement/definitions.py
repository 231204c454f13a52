"""The published engagement definitions both recompute routes share: the snapshot version,
the low-engagement threshold and the disengagement-risk factors and weights.

``insights.engagement`` computes with them in Python, ``insights.engagement.sql`` in one
PostgreSQL statement; keeping them here lets each route import them without the other
(no import cycle). Change VERSION whenever a definition changes: readers treat a snapshot
of another version as outdated.
"""

from __future__ import annotations

from decimal import Decimal

VERSION = "engagement_v1"
LOW_ENGAGEMENT_BELOW_PERCENT = 50

# Disengagement risk: weighted factors in [0, 1]; the weights sum to 1.
INACTIVE_FROM_DAYS = 3
INACTIVE_FULL_DAYS = 21
MOOD_DECLINE_PER_DAY = -0.1  # 1.4 points over 14 days on the 0-10 scale
# Decimal: the score is exact decimal arithmetic, rounded half up, like the SQL path's numeric.
RISK_WEIGHTS = {
    "inactivity": Decimal("0.35"),
    "missed_in_a_row": Decimal("0.25"),
    "low_completion": Decimal("0.15"),
    "no_shows": Decimal("0.15"),
    "mood": Decimal("0.10"),
}

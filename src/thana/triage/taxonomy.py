"""The triage contract of ../shared/TAXONOMY.md, in one place.

Every module that needs a category, a priority, a default service level or the precedence between
categories reads it from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    label: str
    default_priority: str | None
    handled_by: str  # "station", "control_room", "women_desk", "cyber", "above_station", "agency", "nobody"
    sensitive: bool = False  # identity protected; public replies move the citizen to a private channel
    opens_case: bool = True


# Order is precedence: when two categories fit, the one earlier in this tuple wins.
CATEGORIES: tuple[Category, ...] = (
    Category("emergency", "Emergency", "P1", "control_room"),
    Category("child_safety", "Child safety", "P1", "station", sensitive=True),
    Category("women_safety", "Women's safety", "P1", "women_desk", sensitive=True),
    Category("missing_person", "Missing person", "P2", "station", sensitive=True),
    Category("senior_citizen", "Senior citizen", "P2", "station"),
    Category("cyber_fraud", "Cyber fraud", "P2", "cyber"),
    Category("theft", "Theft", "P3", "station"),
    Category("drugs_illegal", "Drugs and illegal activity", "P3", "station", sensitive=True),
    Category("police_conduct", "Police conduct", "P2", "above_station", sensitive=True),
    Category("nuisance", "Nuisance", "P3", "station"),
    Category("other", "Other crime or police matter", "P3", "station"),
    Category("railway", "Railway", "P3", "agency"),
    Category("traffic", "Traffic", "P4", "agency"),
    Category("civic", "Civic", "P4", "agency"),
    Category("information", "Information", "P4", "station"),
    Category("appreciation", "Appreciation", "P4", "station"),
    Category("spam", "Spam", None, "nobody", opens_case=False),
)

BY_CODE: dict[str, Category] = {c.code: c for c in CATEGORIES}
CODES: tuple[str, ...] = tuple(c.code for c in CATEGORIES)
PRECEDENCE: dict[str, int] = {c.code: i for i, c in enumerate(CATEGORIES)}

# Categories that must never be read as harmless (TAXONOMY.md, safety bias).
SAFETY_CRITICAL: frozenset[str] = frozenset({"emergency", "child_safety", "women_safety"})
HARMLESS: frozenset[str] = frozenset({"spam", "appreciation", "information"})

PRIORITIES: tuple[str, ...] = ("P1", "P2", "P3", "P4")


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    priority: str
    acknowledge_minutes: int
    first_action_minutes: int


DEFAULT_SERVICE_LEVELS: dict[str, ServiceLevel] = {
    "P1": ServiceLevel("P1", 5, 15),
    "P2": ServiceLevel("P2", 15, 120),
    "P3": ServiceLevel("P3", 60, 72 * 60),
    "P4": ServiceLevel("P4", 24 * 60, 7 * 24 * 60),
}

# A breach climbs one step each time (TAXONOMY.md): the unit kinds in order.
ESCALATION_LADDER: tuple[str, ...] = ("station_incharge", "acp", "dcp", "addl_cp", "hq")


def category(code: str) -> Category:
    try:
        return BY_CODE[code]
    except KeyError:
        raise ValueError(f"unknown category {code!r}; expected one of {', '.join(CODES)}") from None


def more_urgent(a: str | None, b: str | None) -> str | None:
    """The more urgent of two priorities (P1 beats P2); None counts as no priority."""
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)

"""Priority from the category and the urgency in the words (TAXONOMY.md's rules, with its safety bias)."""

from __future__ import annotations

from thana.triage.taxonomy import BY_CODE


def decide(category: str, cues: set[str]) -> tuple[str | None, str]:
    """(priority, the reason in words). Where TAXONOMY allows two levels, doubt goes to the higher."""
    now, recent, today = "NOW" in cues, "RECENT" in cues, "TODAY" in cues
    if category == "emergency":
        return "P1", "danger to life or limb: always P1"
    calm = "CALM" in cues and not (now or recent)
    if category == "child_safety":
        if "MISSING_NOW" in cues or now or recent or "emergency" in cues:
            return "P1", "a child missing or in danger now"
        if calm:
            return "P2", "child at risk, not in danger this moment"
        return "P1", "a child at risk, and nothing says it is not now: P1"
    if category == "women_safety":
        if now or recent or "emergency" in cues:
            return "P1", "happening now, or she is afraid right now"
        if calm:
            return "P2", "harassment that is not happening this moment"
        return "P1", "nothing says she is safe right now: P1"
    if category == "missing_person":
        if "VULNERABLE" in cues:
            return "P1", "missing person is vulnerable"
        return "P2", "missing adult"
    if category == "cyber_fraud":
        if "MONEY_LOST" in cues and (recent or today or now or "CALM" not in cues):
            return "P2", "money lost, and nothing says it was more than a day ago: the golden hour matters"
        return "P3", "no money lost, or lost more than a day ago"
    if category == "theft":
        if recent or now:
            return "P2", "within the last hour: the thieves can still be traced"
        return "P3", "theft, not recent"
    default = BY_CODE[category].default_priority
    return default, f"{category}: default {default}" if default else "spam: no case"

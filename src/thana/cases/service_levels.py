"""Service levels: when a case is overdue, and who it rises to when it is.

TAXONOMY.md: a breach escalates one step up each time — station in-charge (Senior PI) → ACP of the
division → DCP of the zone → Additional CP of the region → headquarters. A step whose unit the
force does not have (no ACP division recorded) is passed over to the next that exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from thana.force.model import Force
from thana.triage.taxonomy import ESCALATION_LADDER

LADDER_UNIT_KIND = {
    "station_incharge": "station",
    "acp": "division",
    "dcp": "zone",
    "addl_cp": "region",
    "hq": "headquarters",
}
LADDER_LABEL = {
    "station_incharge": "the station in-charge (Senior PI)",
    "acp": "the ACP of the division",
    "dcp": "the DCP of the zone",
    "addl_cp": "the Additional CP of the region",
    "hq": "headquarters",
}


@dataclass(frozen=True)
class Step:
    level: int  # 1 = station in-charge … 5 = headquarters
    role: str
    unit_id: str
    label: str


def breach(case: dict, now: datetime) -> str | None:
    """'acknowledge' or 'first_action' when that deadline has passed without it, else None."""
    if case.get("acknowledged_at") is None and case.get("ack_due_at") and now > case["ack_due_at"]:
        return "acknowledge"
    if case.get("first_response_at") is None and case.get("action_due_at") and now > case["action_due_at"]:
        return "first_action"
    return None


def next_step(force: Force, case: dict) -> Step | None:
    """The next rung above the case's current escalation level that exists, or None at the top."""
    # Climb from whoever owns the case: a police-conduct case's owner is above the station complained
    # about (which must never hear of it), a cyber case's the region's cyber police station.
    anchor = case.get("owner_unit_id") or case.get("station_id")
    for level in range(case.get("escalation_level", 0) + 1, len(ESCALATION_LADDER) + 1):
        role = ESCALATION_LADDER[level - 1]
        kind = LADDER_UNIT_KIND[role]
        if kind == "headquarters":
            return Step(level, role, force.root.id, LADDER_LABEL[role])
        if anchor is None:
            continue
        unit = _rung(force, anchor, kind)
        if unit is not None:
            return Step(level, role, unit.id, LADDER_LABEL[role])
    return None


def _rung(force: Force, anchor: str, kind: str):
    here = force.units[anchor]
    if kind == "station":
        return here if here.is_station else None  # a station's in-charge (a cyber station's too)
    return here if here.kind == kind else force.ancestor_of_kind(anchor, kind)


def window(force: Force, case: dict, which: str) -> timedelta:
    level = force.service_level(case["priority"] or "P4")
    minutes = level.acknowledge_minutes if which == "acknowledge" else level.first_action_minutes
    return timedelta(minutes=minutes)


def next_check(case: dict) -> datetime | None:
    """When the service-level sweeper must look at the case again (None: no clock is running)."""
    if case.get("status") not in ("new", "acknowledged", "assigned", "in_progress", "transferred", "reopened"):
        return None
    dues = []
    if case.get("acknowledged_at") is None and case.get("ack_due_at"):
        dues.append(case["ack_due_at"])
    if case.get("first_response_at") is None and case.get("action_due_at"):
        dues.append(case["action_due_at"])
    return min(dues) if dues else None

"""Who may see and do what — the rules; the query layer (thana.store.access) turns them into SQL.

A station sees its station's cases (and those it owns, e.g. a cyber station's), an ACP their
division, a DCP their zone, an Additional CP their region, headquarters and administrators
everything. A police-conduct case is never visible to the station complained about. A victim's
identifying details are shown only to the officers assigned and, for the women's desk, its members.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("desk_officer", "station_incharge", "acp", "dcp", "addl_cp", "hq", "admin")
UNIT_KIND_OF_ROLE = {
    "desk_officer": ("station", "cyber_station", "control_room"),
    "station_incharge": ("station", "cyber_station", "control_room"),
    "acp": ("division",),
    "dcp": ("zone",),
    "addl_cp": ("region",),
    "hq": (),
    "admin": (),
}
CITY_WIDE = frozenset({"hq", "admin"})


@dataclass(frozen=True)
class Principal:
    """Whoever is asking: a signed-in officer, an integration's token, or the system itself."""

    kind: str  # user, token, system
    id: int | None
    name: str
    role: str
    unit_id: str | None
    desks: frozenset[str] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.id}" if self.id is not None else self.kind

    @property
    def city_wide(self) -> bool:
        return self.role in CITY_WIDE


SYSTEM = Principal("system", None, "system", "admin", None)


def check_role_unit(role: str, unit_kind: str | None) -> str | None:
    """None when the role may be bound to a unit of this kind, else what is wrong."""
    if role not in ROLES:
        return f"unknown role {role!r}; the roles are: {', '.join(ROLES)}"
    kinds = UNIT_KIND_OF_ROLE[role]
    if not kinds:
        return None if unit_kind is None else f"role {role} is city-wide: give no unit"
    if unit_kind not in kinds:
        return f"role {role} needs a unit of kind {' or '.join(kinds)}" + (f", not {unit_kind}" if unit_kind else "")
    return None


def may_see_identity(principal: Principal, case: dict) -> bool:
    """The victim's identifying details: the officers assigned, and the women's desk for its cases."""
    if principal.kind == "user" and case.get("assigned_to") == principal.id:
        return True
    desk = case.get("desk")
    here = principal.unit_id in (case.get("station_id"), case.get("owner_unit_id"))
    return bool(desk) and desk in principal.desks and here

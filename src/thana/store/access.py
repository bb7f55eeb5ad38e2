"""Scoping in one place: every query for cases goes through case_scope(principal)."""

from __future__ import annotations

from sqlalchemy import and_, false, or_, true
from sqlalchemy.sql.elements import ColumnElement

from thana.cases.access import Principal
from thana.force.model import STATION_KINDS, Force
from thana.store.schema import cases


def case_scope(principal: Principal, force: Force) -> ColumnElement[bool]:
    if principal.city_wide:
        return true()
    unit = force.units.get(principal.unit_id or "")
    if unit is None:
        return false()
    if unit.kind == "control_room":
        # the control room is told of every emergency in the city and works them with the station
        return or_(cases.c.owner_unit_id == unit.id, cases.c.category == "emergency")
    if unit.kind in STATION_KINDS:
        return or_(
            cases.c.owner_unit_id == unit.id,
            # the station of the place, except when the complaint is about that station's own officers
            and_(cases.c.station_id == unit.id, cases.c.category != "police_conduct"),
        )
    column = {"division": cases.c.division_id, "zone": cases.c.zone_id, "region": cases.c.region_id}.get(unit.kind)
    return column == unit.id if column is not None else false()

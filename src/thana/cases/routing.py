"""Which station a message belongs to, and which unit handles the case.

Route: the handle or number written to, else the coordinates, else the places named in the text,
else headquarters' queue. Ownership: the station, except where TAXONOMY.md says otherwise
(women's desk, the region's cyber police station, above the station for police conduct).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from thana.force.locate import Locator
from thana.force.model import Force, normalise_handle


@dataclass(frozen=True)
class Route:
    station_id: str | None  # None: headquarters' queue
    routed_by: str  # handle, number, coordinates, nearest, station_name, place, hq
    approximate: bool = False
    desk: str | None = None  # "women" for the women's helpline
    place_name: str | None = None
    lat: float | None = None
    lon: float | None = None
    detail: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Ownership:
    owner_unit_id: str | None  # who works the case; None: headquarters
    station_id: str | None
    division_id: str | None
    zone_id: str | None
    region_id: str | None
    desk: str | None
    agency_id: str | None
    status: str  # the status a new case starts in
    notify: tuple[str, ...] = ()  # units told at once (the control room for emergencies)


def route(locator: Locator, *, addressed_to: str | None, lat: float | None, lon: float | None, text: str) -> Route:
    force = locator.force
    written_to = _addressed_unit(force, addressed_to)
    if written_to is not None:
        unit_id, how, desk = written_to
        if force.units[unit_id].is_station:
            return Route(unit_id, how, desk=desk, detail={"addressed_to": addressed_to})
    if lat is not None and lon is not None:
        found = locator.at(lat, lon)
        if found.station_id is not None:
            return Route(
                found.station_id,
                found.resolved_by,
                found.approximate,
                lat=lat,
                lon=lon,
                detail={"distance_km": found.distance_km},
            )
    found = locator.text(text) if text else None
    if found is not None and found.station_id is not None:
        place = found.place
        return Route(
            found.station_id,
            found.resolved_by,
            found.approximate,
            place_name=place.name if place else None,
            lat=place.lat if place else None,
            lon=place.lon if place else None,
            detail={"matched": found.match.text if found.match else None, "confidence": found.confidence},
        )
    return Route(None, "hq", lat=lat, lon=lon, detail={"addressed_to": addressed_to})


def _addressed_unit(force: Force, addressed_to: str | None) -> tuple[str, str, str | None] | None:
    """(unit, 'handle' or 'number', desk) for the handle or number a message was written to."""
    if not addressed_to:
        return None
    if addressed_to.startswith("@") or not any(ch.isdigit() for ch in addressed_to):
        unit_id = force.units_by_handle.get(normalise_handle(addressed_to))
        return (unit_id, "handle", None) if unit_id else None
    number = force.normalise_number(addressed_to)
    unit_id = force.units_by_number.get(number)
    if unit_id is None:
        return None
    kinds = {c.channel for c in force.channels if c.unit_id == unit_id and force.normalise_number(c.address) == number}
    return unit_id, "number", "women" if "women_helpline" in kinds else None


def ownership(force: Force, route_: Route, category: str, agency_id: str | None) -> Ownership:
    station = route_.station_id
    owner = station
    desk = route_.desk or ("women" if category == "women_safety" else None)
    status = "new"
    notify: tuple[str, ...] = ()
    if category == "police_conduct" and station:
        # Never the station complained about: its ACP's division, else its zone.
        above = force.ancestor_of_kind(station, "division") or force.ancestor_of_kind(station, "zone")
        owner = above.id if above else None
    elif category == "cyber_fraud" and station:
        region = force.ancestor_of_kind(station, "region")
        cyber = next((u for u in force.descendants(region.id) if u.kind == "cyber_station"), None) if region else None
        owner = cyber.id if cyber else station
    elif category == "emergency":
        notify = tuple(u.id for u in force.units_of_kind("control_room"))
    if agency_id:
        status = "redirected"
        if category == "railway" and station:
            notify = (station,)  # TAXONOMY.md: the station of the place is informed
    elif category == "appreciation":
        status = "closed"
    anchor = owner or station
    return Ownership(
        owner_unit_id=owner,
        station_id=station,
        division_id=_ancestor_id(force, anchor, "division"),
        zone_id=_ancestor_id(force, anchor, "zone"),
        region_id=_ancestor_id(force, anchor, "region"),
        desk=desk,
        agency_id=agency_id,
        status=status,
        notify=notify,
    )


def _ancestor_id(force: Force, unit_id: str | None, kind: str) -> str | None:
    if unit_id is None:
        return None
    unit = force.units[unit_id]
    if unit.kind == kind:
        return unit.id
    found = force.ancestor_of_kind(unit_id, kind)
    return found.id if found else None

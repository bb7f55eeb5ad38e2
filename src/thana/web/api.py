"""The JSON API under /api/v1 (OpenAPI docs at /docs)."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from shapely.geometry import mapping
from sqlalchemy.exc import SQLAlchemyError

from thana.force.locate import Locator
from thana.force.model import Force
from thana.web.deps import current_force, current_locator

router = APIRouter(prefix="/api/v1", tags=["directory"])


def station_json(force: Force, unit_id: str) -> dict:
    unit = force.units[unit_id]
    return {
        **force.station_summary(unit_id),
        "kind": unit.kind,
        "status": unit.status,
        "names": unit.names,
        "position": (
            {"lat": unit.lat, "lon": unit.lon, "approximate": unit.position_approximate, "source": unit.position_source}
            if unit.lat is not None
            else None
        ),
        "has_jurisdiction": unit_id in force.jurisdictions,
        "jurisdiction_approximate": force.jurisdictions_approximate if unit_id in force.jurisdictions else None,
    }


@router.get("/stations", summary="All police stations of the force")
def list_stations(
    force: Annotated[Force, Depends(current_force)],
    zone: Annotated[str | None, Query(description="a zone's id or name, e.g. zone-11 or 'Zone 11'")] = None,
    region: Annotated[str | None, Query(description="a region's id or name")] = None,
    include_inactive: Annotated[bool, Query(description="also list sanctioned or closed stations")] = False,
) -> dict:
    stations = force.stations(include_inactive=include_inactive)
    for kind, wanted in (("zone", zone), ("region", region)):
        if wanted is None:
            continue
        unit = _unit_by_id_or_name(force, kind, wanted)
        stations = [s for s in stations if force.is_within(s.id, unit.id)]
    return {
        "force": {
            "id": force.id,
            "name": force.name,
            "version": force.version,
            "jurisdictions_approximate": force.jurisdictions_approximate,
        },
        "items": [station_json(force, s.id) for s in stations],
        "total": len(stations),
    }


def _unit_by_id_or_name(force: Force, kind: str, wanted: str):
    for unit in force.units_of_kind(kind):
        if wanted in (unit.id, unit.name) or wanted.lower() == unit.name.lower():
            return unit
    names = ", ".join(u.id for u in force.units_of_kind(kind))
    raise HTTPException(404, f"no {kind} {wanted!r}; the {kind}s are: {names}")


@router.get("/stations/{station_id}", summary="One police station with its channels")
def get_station(
    station_id: str,
    force: Annotated[Force, Depends(current_force)],
    geometry: Annotated[bool, Query(description="include the jurisdiction as GeoJSON")] = False,
) -> dict:
    unit = force.units.get(station_id)
    if unit is None or not unit.is_station:
        raise HTTPException(404, f"no station {station_id!r}; GET /api/v1/stations lists them")
    out = station_json(force, station_id)
    out["channel_list"] = [
        {"channel": c.channel, "address": c.address, "source": c.source} for c in force.channels_of(station_id)
    ]
    out["emergency_numbers"] = [{"number": e.number, "label": e.label} for e in force.emergency_numbers]
    if geometry and station_id in force.jurisdictions:
        out["jurisdiction"] = mapping(force.jurisdictions[station_id])
    return out


@router.get("/locate", summary="Find the police station for a location or a text")
def locate(
    locator: Annotated[Locator, Depends(current_locator)],
    lat: Annotated[float | None, Query(description="latitude, WGS84 (with lon)")] = None,
    lon: Annotated[float | None, Query(description="longitude, WGS84 (with lat)")] = None,
    q: Annotated[
        str | None, Query(description="free text: place, landmark, pincode, station or @handle", max_length=2000)
    ] = None,
) -> dict:
    if q is not None and (lat is not None or lon is not None):
        raise HTTPException(400, "give either q, or lat and lon — not both")
    if q is not None:
        if not q.strip():
            raise HTTPException(400, "q is empty: give a place, landmark, pincode, station name or @handle")
        return locator.text(q).as_json(locator.force)
    if lat is None or lon is None:
        raise HTTPException(400, "give q=<text>, or both lat=<latitude> and lon=<longitude>")
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise HTTPException(400, f"lat={lat} is not a latitude: use -90..90 (Mumbai is near 19.07)")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise HTTPException(400, f"lon={lon} is not a longitude: use -180..180 (Mumbai is near 72.88)")
    return locator.at(lat, lon).as_json(locator.force)


health_router = APIRouter(tags=["operations"])


@health_router.get("/healthz", summary="Liveness and backlog, for a load balancer or a monitor")
def health() -> JSONResponse:
    """200 when the database answers, with the work waiting; 503 when it does not."""
    from sqlalchemy import func, select

    from thana.store.db import get_database
    from thana.store.schema import inbound, outbox

    try:
        with get_database().engine.connect() as conn:
            waiting = conn.execute(select(func.count()).where(inbound.c.status == "pending")).scalar_one()
            unsent = conn.execute(select(func.count()).where(outbox.c.status == "pending")).scalar_one()
    except SQLAlchemyError as exc:
        return JSONResponse({"status": "down", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "inbound_pending": waiting, "outbox_pending": unsent})

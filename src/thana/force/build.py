"""Make force packages: from a bare jurisdiction file, and approximate jurisdictions from positions.

Pure: takes parsed data, returns file texts; the CLI writes them.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import unicodedata

import numpy as np
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from thana.force.model import Force, Unit


class BuildError(ValueError):
    pass


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace(".", "")).strip("-")
    return slug or "unit"


def _unique(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate, n = f"{slug}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _csv(header: list[str], rows: list[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _round_geometry(geom: BaseGeometry, digits: int = 6) -> dict:
    return mapping(shapely.set_precision(geom, 10**-digits)) if digits else mapping(geom)


def feature_collection(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))


def from_geojson(
    data: dict, *, name_field: str, force_id: str, force_name: str, source: str, zone_field: str | None = None
) -> dict[str, str]:
    """A force package (force.toml, units.csv, jurisdictions.geojson) from one feature per station."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BuildError("the file is not a GeoJSON FeatureCollection")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", force_id):
        raise BuildError(f"--id {force_id!r}: use lower-case letters, digits and hyphens")
    taken = {"hq"}
    zones: dict[str, str] = {}
    units = [
        {"id": "hq", "kind": "headquarters", "parent_id": "", "name": f"{force_name} Headquarters", "source": source}
    ]
    features = []
    for number, feature in enumerate(data.get("features") or [], start=1):
        props = (feature or {}).get("properties") or {}
        name = str(props.get(name_field) or "").strip()
        if not name:
            raise BuildError(f"feature {number} has no {name_field!r} property (give --name-field)")
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise BuildError(f"feature {number} ({name}): unreadable geometry: {exc}") from None
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise BuildError(f"feature {number} ({name}): a jurisdiction must be a Polygon or MultiPolygon")
        if not geom.is_valid:
            geom = shapely.make_valid(geom)
            geom = shapely.union_all([g for g in getattr(geom, "geoms", [geom]) if g.area > 0])
        zone_name = str(props.get(zone_field) or "").strip() if zone_field else ""
        zone_name = zone_name or force_name
        if zone_name not in zones:
            zones[zone_name] = _unique("zone-" + slugify(zone_name), taken)
            units.append(
                {"id": zones[zone_name], "kind": "zone", "parent_id": "hq", "name": zone_name, "source": source}
            )
        uid = _unique(slugify(name), taken)
        point = geom.representative_point()
        units.append(
            {
                "id": uid,
                "kind": "station",
                "parent_id": zones[zone_name],
                "name": name,
                "lat": f"{point.y:.6f}",
                "lon": f"{point.x:.6f}",
                "position_source": "a point inside its jurisdiction (not the building)",
                "position_approximate": "true",
                "source": source,
            }
        )
        features.append(
            {"type": "Feature", "properties": {"unit_id": uid, "source": source}, "geometry": mapping(geom)}
        )
    if not features:
        raise BuildError("the file has no features")
    header = ["id", "kind", "parent_id", "name", "lat", "lon", "position_source", "position_approximate", "source"]
    toml = (
        f'id = "{force_id}"\nname = {json.dumps(force_name)}\nreference_prefix = "{force_id[:3].upper()}"\n'
        f'timezone = "UTC"\nlanguages = ["en"]\nnearest_max_km = 0.5\nversion = "1"\n\n'
        f"[jurisdictions]\napproximate = false\nmethod = {json.dumps('from ' + source)}\n"
    )
    return {"force.toml": toml, "units.csv": _csv(header, units), "jurisdictions.geojson": feature_collection(features)}


# -- approximate jurisdictions -------------------------------------------------------------------------


def approximate_jurisdictions(force: Force, outline: BaseGeometry | None = None) -> dict[str, BaseGeometry]:
    """Each active station's area = the part of the outline nearer to it than to any other station.

    Computed on a flat local projection (kilometres), so "nearer" is true distance, not degrees.
    """
    outline = outline if outline is not None else force.outline
    if outline is None:
        raise BuildError("no outline: add outline.geojson to the package or give --outline")
    stations = [u for u in force.stations() if u.kind == "station" and u.lat is not None and u.land_jurisdiction]
    if len(stations) < 2:
        raise BuildError("at least two stations with positions are needed")
    _refuse_shared_positions(stations)
    lat0 = float(np.mean([u.lat for u in stations]))
    kx, ky = 111.320 * math.cos(math.radians(lat0)), 110.574

    def to_km(c):
        return np.column_stack((c[:, 0] * kx, c[:, 1] * ky))

    def to_deg(c):
        return np.column_stack((c[:, 0] / kx, c[:, 1] / ky))

    outline_km = shapely.transform(outline, to_km)
    points = shapely.multipoints([(u.lon * kx, u.lat * ky) for u in stations])
    cells = shapely.voronoi_polygons(points, extend_to=outline_km.envelope.buffer(10))
    cell_list = list(cells.geoms)
    tree = shapely.STRtree(cell_list)
    out: dict[str, BaseGeometry] = {}
    for unit in stations:
        p = shapely.Point(unit.lon * kx, unit.lat * ky)
        cell = cell_list[int(tree.query(p, predicate="intersects")[0])]
        area = shapely.intersection(cell, outline_km)
        if area.is_empty:
            raise BuildError(f"station {unit.id!r} stands outside the outline")
        out[unit.id] = shapely.transform(area, to_deg)
    return out


def _refuse_shared_positions(stations: list[Unit]) -> None:
    seen: dict[tuple[float, float], str] = {}
    for u in stations:
        key = (round(u.lat, 6), round(u.lon, 6))
        if key in seen:
            raise BuildError(f"stations {seen[key]!r} and {u.id!r} stand at the same position; move one")
        seen[key] = u.id


def jurisdictions_geojson(polygons: dict[str, BaseGeometry], *, approximate: bool, source: str) -> str:
    features = [
        {
            "type": "Feature",
            "properties": {"unit_id": uid, "approximate": approximate, "source": source},
            "geometry": _round_geometry(geom),
        }
        for uid, geom in sorted(polygons.items())
    ]
    return feature_collection(features)

"""Build a Force from the texts of a force package, and say exactly what is wrong with it.

Pure: the caller hands in the files' contents (`thana.packages` reads them from disk). Every problem
names its file, row (CSV: 1-based, the header is row 1; GeoJSON: the feature's 1-based position;
TOML: the line) and column, so that `thana force validate` can point at it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tomllib
from dataclasses import dataclass, field

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from thana.force.model import (
    CHANNEL_KINDS,
    PLACE_KINDS,
    STATION_KINDS,
    UNIT_KINDS,
    UNIT_STATUSES,
    Agency,
    Channel,
    CounsellingCentre,
    EmergencyNumber,
    Force,
    Place,
    Unit,
    names_from_row,
    split_aliases,
)
from thana.triage.taxonomy import CODES, DEFAULT_SERVICE_LEVELS, PRIORITIES, ServiceLevel

REQUIRED_FILES = ("force.toml", "units.csv")
OPTIONAL_FILES = ("channels.csv", "jurisdictions.geojson", "places.csv", "outline.geojson", "counselling.csv")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 \-]{1,18}[0-9]$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
HANDLE_RE = re.compile(r"^@[A-Za-z0-9_]{1,15}$")
URL_RE = re.compile(r"^https?://\S+$")
PINCODE_RE = re.compile(r"^[1-9][0-9]{5}$")
TRUE = {"true", "yes", "1", "y"}
FALSE = {"false", "no", "0", "n", ""}


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.severity}: {self.message}"

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "severity": self.severity,
        }


@dataclass
class LoadResult:
    force: Force | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return self.force is not None and not self.errors


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def warn(self, file: str, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(Problem(file, row, column, message, "warning"))


def load_force(files: dict[str, str], *, source_dir: str | None = None) -> LoadResult:
    """Parse and check a force package given as {file name: text}."""
    out = _Collector()
    for name in REQUIRED_FILES:
        if name not in files:
            out.error(name, None, None, "required file is missing")
    if out.problems:
        return LoadResult(None, out.problems)

    meta = _parse_force_toml(files["force.toml"], out)
    units = _parse_units(files["units.csv"], out)
    channels = _parse_channels(files.get("channels.csv"), units, out)
    jurisdictions, approx_flags = _parse_jurisdictions(files.get("jurisdictions.geojson"), units, out)
    places = _parse_places(files.get("places.csv"), units, out)
    outline = _parse_outline(files.get("outline.geojson"), out)
    counselling = _parse_counselling(files.get("counselling.csv"), units, out)
    if meta is None or units is None:
        return LoadResult(None, out.problems)

    approximate = meta["jurisdictions_approximate"] or any(approx_flags.values())
    force = Force(
        **{k: v for k, v in meta.items() if k != "jurisdictions_approximate"},
        jurisdictions_approximate=approximate,
        units=units,
        channels=tuple(channels),
        jurisdictions=jurisdictions,
        places=tuple(places),
        outline=outline,
        counselling=tuple(counselling),
        source_dir=source_dir,
    )
    _cross_checks(force, out)
    return LoadResult(force, out.problems)


# -- force.toml ----------------------------------------------------------------------------------------


def _toml_line(text: str, key: str, nth: int = 1) -> int | None:
    """The line of the nth `key = …` or `[[key]]` (1-based), for pointing at a problem."""
    found = list(re.finditer(rf"^[ \t]*\[*[ \t]*{re.escape(key)}\b", text, re.MULTILINE))
    if not found:
        return None
    match = found[min(nth, len(found)) - 1]
    return text.count("\n", 0, match.start()) + 1


def _parse_force_toml(text: str, out: _Collector) -> dict | None:
    file = "force.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        out.error(file, int(m[1]) if m else None, m[2] if m else None, f"not valid TOML: {exc}")
        return None

    def need_str(key: str, pattern: re.Pattern | None = None) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            out.error(file, _toml_line(text, key), key, f"'{key}' is required and must be a non-empty string")
            return ""
        if pattern and not pattern.match(value):
            out.error(file, _toml_line(text, key), key, f"'{value}' does not match {pattern.pattern}")
        return value

    force_id = need_str("id", ID_RE)
    name = need_str("name")
    prefix = data.get("reference_prefix") or force_id[:3].upper()
    if not re.fullmatch(r"[A-Z0-9]{2,8}", str(prefix)):
        out.error(
            file,
            _toml_line(text, "reference_prefix"),
            "reference_prefix",
            "must be 2 to 8 capital letters or digits (it starts every case reference)",
        )
    nearest = data.get("nearest_max_km", 0.5)
    if not isinstance(nearest, int | float) or nearest < 0 or nearest > 50:
        out.error(
            file,
            _toml_line(text, "nearest_max_km"),
            "nearest_max_km",
            "must be a number of kilometres between 0 and 50",
        )
        nearest = 0.5
    pattern = data.get("x_handle_pattern")
    if pattern is not None and (not isinstance(pattern, str) or "{slug}" not in pattern):
        out.error(
            file,
            _toml_line(text, "x_handle_pattern"),
            "x_handle_pattern",
            'must be a string containing {slug}, e.g. "{slug}ps"',
        )
        pattern = None
    expected = data.get("expected_channels", [])
    for kind in expected if isinstance(expected, list) else []:
        if kind not in CHANNEL_KINDS:
            out.error(
                file,
                _toml_line(text, "expected_channels"),
                "expected_channels",
                f"unknown channel kind {kind!r}; expected one of {', '.join(CHANNEL_KINDS)}",
            )
    juris = data.get("jurisdictions", {})
    return {
        "id": force_id,
        "name": name,
        "names": _str_dict(data.get("names")),
        "reference_prefix": str(prefix),
        "timezone": str(data.get("timezone", "UTC")),
        "languages": tuple(data.get("languages", ["en"])),
        "country_code": str(data.get("country_code", "")),
        "x_handle_pattern": pattern,
        "expected_channels": tuple(k for k in expected if k in CHANNEL_KINDS) if isinstance(expected, list) else (),
        "nearest_max_km": float(nearest),
        "version": str(data.get("version", "")),
        "jurisdictions_approximate": bool(juris.get("approximate", False)),
        "jurisdictions_method": str(juris.get("method", "")),
        "emergency_numbers": _parse_emergency(data, text, out),
        "service_levels": _parse_service_levels(data, text, out),
        "agencies": _parse_agencies(data, text, out),
    }


def _str_dict(value) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _parse_emergency(data: dict, text: str, out: _Collector) -> tuple[EmergencyNumber, ...]:
    numbers = []
    for i, entry in enumerate(data.get("emergency_numbers", []), start=1):
        number = str(entry.get("number", "")).strip()
        if not re.fullmatch(r"\+?[0-9 \-]{2,20}", number):
            out.error(
                "force.toml",
                _toml_line(text, "emergency_numbers", i),
                f"emergency_numbers[{i}].number",
                f"{number!r} is not a phone number",
            )
            continue
        if not entry.get("source"):
            out.error(
                "force.toml",
                _toml_line(text, "emergency_numbers", i),
                f"emergency_numbers[{i}].source",
                f"number {number} has no source: every published number needs one",
            )
        numbers.append(
            EmergencyNumber(
                number, str(entry.get("label", number)), _str_dict(entry.get("labels")), str(entry.get("source", ""))
            )
        )
    return tuple(numbers)


def _parse_service_levels(data: dict, text: str, out: _Collector) -> dict[str, ServiceLevel]:
    levels = dict(DEFAULT_SERVICE_LEVELS)
    for priority, entry in (data.get("service_levels") or {}).items():
        column = f"service_levels.{priority}"
        if priority not in PRIORITIES:
            out.error(
                "force.toml",
                _toml_line(text, "service_levels"),
                column,
                f"unknown priority {priority!r}; expected one of {', '.join(PRIORITIES)}",
            )
            continue
        ack, first = entry.get("acknowledge"), entry.get("first_action")
        if not all(isinstance(v, int) and v > 0 for v in (ack, first)):
            out.error(
                "force.toml",
                _toml_line(text, "service_levels"),
                column,
                "acknowledge and first_action must be positive whole minutes",
            )
            continue
        if first < ack:
            out.error(
                "force.toml", _toml_line(text, "service_levels"), column, "first_action cannot come before acknowledge"
            )
        levels[priority] = ServiceLevel(priority, ack, first)
    return levels


def _parse_agencies(data: dict, text: str, out: _Collector) -> tuple[Agency, ...]:
    agencies = []
    for i, entry in enumerate(data.get("agencies", []), start=1):
        column = f"agencies[{i}]"
        agency_id = str(entry.get("id", ""))
        if not ID_RE.match(agency_id):
            out.error("force.toml", _toml_line(text, "agencies", i), f"{column}.id", f"{agency_id!r} is not a valid id")
        categories = tuple(entry.get("categories", []))
        for code in categories:
            if code not in CODES:
                out.error(
                    "force.toml",
                    _toml_line(text, "agencies", i),
                    f"{column}.categories",
                    f"unknown category {code!r}; see TAXONOMY.md",
                )
        channels = []
        for j, ch in enumerate(entry.get("channels", []), start=1):
            kind, address, source = ch.get("channel", ""), str(ch.get("address", "")), ch.get("source", "")
            problem = _check_address(kind, address)
            if problem:
                out.error("force.toml", _toml_line(text, "agencies", i), f"{column}.channels[{j}]", problem)
                continue
            if not source:
                out.error(
                    "force.toml",
                    _toml_line(text, "agencies", i),
                    f"{column}.channels[{j}].source",
                    f"{address} has no source",
                )
            channels.append(Channel(agency_id, kind, address, source))
        keywords = tuple(str(k) for k in entry.get("keywords", []) if str(k).strip())
        agencies.append(
            Agency(
                agency_id,
                str(entry.get("name", agency_id)),
                _str_dict(entry.get("names")),
                categories,
                tuple(channels),
                keywords,
            )
        )
    return tuple(agencies)


# -- CSV files -----------------------------------------------------------------------------------------


def _read_csv(file: str, text: str | None, required: tuple[str, ...], out: _Collector):
    """Yield (row number, row) for each record; report missing columns once."""
    if text is None:
        return
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    for column in missing:
        out.error(file, 1, column, "required column is missing from the header")
    if missing:
        return
    for number, row in enumerate(reader, start=2):
        if None in row:
            out.error(file, number, None, f"row has {len(header) + len(row[None])} cells, the header has {len(header)}")
            continue
        yield number, {k: (v or "").strip() for k, v in row.items()}


def _parse_bool(value: str, file: str, number: int, column: str, out: _Collector) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() not in FALSE:
        out.error(file, number, column, f"{value!r} is not true or false")
    return False


def _parse_coordinates(row: dict, file: str, number: int, out: _Collector, *, required: bool):
    lat_s, lon_s = row.get("lat", ""), row.get("lon", "")
    if not lat_s and not lon_s:
        if required:
            out.error(file, number, "lat", "coordinates are required")
        return None, None
    values = []
    for column, value, limit in (("lat", lat_s, 90), ("lon", lon_s, 180)):
        try:
            v = float(value)
        except ValueError:
            out.error(
                file, number, column, f"{value!r} is not a number" if value else "missing (lat and lon go together)"
            )
            return None, None
        if not math.isfinite(v) or abs(v) > limit:
            out.error(file, number, column, f"{value} is outside -{limit}..{limit}")
            return None, None
        values.append(v)
    return values[0], values[1]


def _parse_units(text: str, out: _Collector) -> dict[str, Unit] | None:
    file = "units.csv"
    units: dict[str, Unit] = {}
    rows: dict[str, int] = {}
    for number, row in _read_csv(file, text, ("id", "kind", "parent_id", "name"), out):
        uid, kind = row["id"], row["kind"]
        if not ID_RE.match(uid):
            out.error(file, number, "id", f"{uid!r} is not a valid id (lower-case letters, digits and hyphens)")
            continue
        if uid in units:
            out.error(file, number, "id", f"duplicate id {uid!r} (first on row {rows[uid]})")
            continue
        if kind not in UNIT_KINDS:
            out.error(file, number, "kind", f"unknown kind {kind!r}; expected one of {', '.join(UNIT_KINDS)}")
            continue
        if not row["name"]:
            out.error(file, number, "name", "a unit needs a name")
        status = row.get("status") or "active"
        if status not in UNIT_STATUSES:
            out.error(file, number, "status", f"unknown status {status!r}; expected one of {', '.join(UNIT_STATUSES)}")
        lat, lon = _parse_coordinates(row, file, number, out, required=False)
        if lat is not None and not row.get("position_source"):
            out.error(file, number, "position_source", "a position needs its source")
        if kind in STATION_KINDS and not row.get("source"):
            out.error(file, number, "source", "a station needs the source that shows it exists")
        units[uid] = Unit(
            id=uid,
            kind=kind,
            parent_id=row["parent_id"] or None,
            name=row["name"],
            names=names_from_row(row),
            aliases=split_aliases(row.get("aliases")),
            status=status,
            lat=lat,
            lon=lon,
            position_source=row.get("position_source", ""),
            position_approximate=_parse_bool(
                row.get("position_approximate", ""), file, number, "position_approximate", out
            ),
            source=row.get("source", ""),
            notes=row.get("notes", ""),
            land_jurisdiction=row.get("land_jurisdiction", "").lower() not in FALSE - {""},
        )
        rows[uid] = number
    if not units:
        if not any(p.file == file for p in out.problems):
            out.error(file, None, None, "no units")
        return None
    _check_hierarchy(units, rows, out)
    return units


def _check_hierarchy(units: dict[str, Unit], rows: dict[str, int], out: _Collector) -> None:
    file = "units.csv"
    roots = [u for u in units.values() if u.parent_id is None]
    if not roots:
        out.error(file, None, "parent_id", "exactly one unit must have no parent (the root); found none")
    elif len(roots) > 1:
        names = ", ".join(u.id for u in roots)
        for unit in roots:
            out.error(
                file,
                rows[unit.id],
                "parent_id",
                f"exactly one unit must have no parent (the root); {len(roots)} have none: {names}",
            )
    for unit in units.values():
        if unit.parent_id is not None and unit.parent_id not in units:
            out.error(file, rows[unit.id], "parent_id", f"parent {unit.parent_id!r} is not a unit of this file")
    for unit in units.values():
        seen, current = {unit.id}, unit.parent_id
        while current is not None and current in units:
            if current in seen:
                out.error(file, rows[unit.id], "parent_id", f"the chain of parents from {unit.id!r} loops")
                break
            seen.add(current)
            current = units[current].parent_id
        else:
            if unit.kind == "station" and not any(units[a].kind == "zone" for a in seen - {unit.id}):
                out.error(file, rows[unit.id], "parent_id", f"station {unit.id!r} has no zone above it")


def _check_address(kind: str, address: str) -> str | None:
    if kind not in CHANNEL_KINDS:
        return f"unknown channel {kind!r}; expected one of {', '.join(CHANNEL_KINDS)}"
    if not address:
        return "the address is empty (leave the row out when it is not published)"
    checks = {
        "x": (HANDLE_RE, "an X handle like @charkopps"),
        "email": (EMAIL_RE, "an e-mail address"),
        "facebook": (URL_RE, "a URL"),
        "web": (URL_RE, "a URL"),
    }
    pattern, what = checks.get(kind, (PHONE_RE, "a phone number (digits, optional +, spaces, hyphens)"))
    if not pattern.match(address):
        return f"{address!r} is not {what}"
    return None


def _parse_channels(text: str | None, units: dict[str, Unit] | None, out: _Collector) -> list[Channel]:
    file = "channels.csv"
    channels: list[Channel] = []
    seen: dict[tuple[str, str, str], int] = {}
    for number, row in _read_csv(file, text, ("unit_id", "channel", "address", "source"), out):
        if units is not None and row["unit_id"] not in units:
            out.error(file, number, "unit_id", f"{row['unit_id']!r} is not a unit of units.csv")
            continue
        problem = _check_address(row["channel"], row["address"])
        if problem:
            out.error(file, number, "address" if row["channel"] in CHANNEL_KINDS else "channel", problem)
            continue
        if not row["source"]:
            out.error(file, number, "source", "every published address needs its public source")
        key = (row["unit_id"], row["channel"], row["address"].lower())
        if key in seen:
            out.error(file, number, "address", f"duplicate of row {seen[key]}")
            continue
        seen[key] = number
        channels.append(Channel(row["unit_id"], row["channel"], row["address"], row["source"], row.get("notes", "")))
    return channels


def _parse_places(text: str | None, units: dict[str, Unit] | None, out: _Collector) -> list[Place]:
    file = "places.csv"
    places: list[Place] = []
    for number, row in _read_csv(file, text, ("name", "kind", "lat", "lon"), out):
        if not row["name"]:
            out.error(file, number, "name", "a place needs a name")
            continue
        if row["kind"] not in PLACE_KINDS:
            out.error(file, number, "kind", f"unknown kind {row['kind']!r}; expected one of {', '.join(PLACE_KINDS)}")
            continue
        lat, lon = _parse_coordinates(row, file, number, out, required=True)
        if lat is None:
            continue
        pincode = row.get("pincode") or (row["name"] if row["kind"] == "pincode" else "")
        if pincode and not PINCODE_RE.match(pincode):
            out.error(
                file, number, "pincode" if row.get("pincode") else "name", f"{pincode!r} is not a six-digit pincode"
            )
            continue
        unit_id = row.get("unit_id") or None
        if unit_id and units is not None and unit_id not in units:
            out.error(file, number, "unit_id", f"{unit_id!r} is not a unit of units.csv")
            unit_id = None
        if "source" in row and not row["source"]:
            out.error(file, number, "source", "coordinates need their source")
        places.append(
            Place(
                name=row["name"],
                kind=row["kind"],
                lat=lat,
                lon=lon,
                aliases=split_aliases(row.get("aliases")),
                names=names_from_row(row),
                pincode=pincode or None,
                unit_id=unit_id,
                source=row.get("source", ""),
                approximate=_parse_bool(row.get("approximate", ""), file, number, "approximate", out),
            )
        )
    if text is not None and "source" not in (text.splitlines() or [""])[0]:
        out.warn(file, 1, "source", "no source column: where do the coordinates come from?")
    return places


def _parse_counselling(text, units, out: _Collector) -> list[CounsellingCentre]:
    file = "counselling.csv"
    centres = []
    for number, row in _read_csv(file, text, ("id", "region_id", "name", "source"), out):
        if units is not None and row["region_id"] not in units:
            out.error(file, number, "region_id", f"{row['region_id']!r} is not a unit of units.csv")
            continue
        if row.get("phone") and not PHONE_RE.match(row["phone"]):
            out.error(file, number, "phone", f"{row['phone']!r} is not a phone number")
            continue
        if not row["source"]:
            out.error(file, number, "source", "a centre needs its source")
        centres.append(
            CounsellingCentre(
                row["id"],
                row["region_id"],
                row["name"],
                row.get("address", ""),
                row.get("phone", ""),
                row["source"],
                row.get("notes", ""),
            )
        )
    return centres


# -- GeoJSON -------------------------------------------------------------------------------------------


def _load_json(file: str, text: str, out: _Collector):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        out.error(file, exc.lineno, str(exc.colno), f"not valid JSON: {exc.msg}")
        return None


def _polygonal(geometry: dict | None, file: str, number: int, out: _Collector) -> BaseGeometry | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        out.error(file, number, "geometry", f"must be a Polygon or MultiPolygon, not {kind}")
        return None
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        out.error(file, number, "geometry", f"cannot be read: {exc}")
        return None
    if geom.is_empty or geom.area == 0:
        out.error(file, number, "geometry", "is empty (it encloses no area)")
        return None
    coords = shapely.get_coordinates(geom)
    if not (abs(coords[:, 0]) <= 180).all() or not (abs(coords[:, 1]) <= 90).all():
        out.error(file, number, "geometry", "coordinates outside longitude -180..180 / latitude -90..90")
        return None
    if not geom.is_valid:
        reason = explain_validity(geom)
        out.warn(file, number, "geometry", f"invalid geometry ({reason}); repaired with make_valid")
        geom = shapely.make_valid(geom)
        geom = shapely.union_all(
            [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
        )
        if geom.is_empty or geom.area == 0:
            out.error(file, number, "geometry", "encloses no area once repaired (collinear or degenerate rings)")
            return None
    return geom


def _features(file: str, text: str | None, out: _Collector):
    if text is None:
        return
    data = _load_json(file, text, out)
    if data is None:
        return
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        out.error(file, None, None, "must be a GeoJSON FeatureCollection with a 'features' list")
        return
    for number, feature in enumerate(data["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            out.error(file, number, None, "not a GeoJSON Feature")
            continue
        yield number, feature


def _parse_jurisdictions(text, units, out: _Collector):
    file = "jurisdictions.geojson"
    polygons: dict[str, BaseGeometry] = {}
    approx: dict[str, bool] = {}
    rows: dict[str, int] = {}
    for number, feature in _features(file, text, out):
        props = feature.get("properties") or {}
        uid = props.get("unit_id")
        if not uid:
            out.error(file, number, "unit_id", "feature has no unit_id property")
            continue
        if units is not None:
            if uid not in units:
                out.error(file, number, "unit_id", f"{uid!r} is not a unit of units.csv")
                continue
            if not units[uid].is_station:
                out.error(file, number, "unit_id", f"{uid!r} is a {units[uid].kind}, not a station")
                continue
        if uid in polygons:
            out.error(file, number, "unit_id", f"second jurisdiction for {uid!r} (first is feature {rows[uid]})")
            continue
        geom = _polygonal(feature.get("geometry"), file, number, out)
        if geom is None:
            continue
        polygons[uid] = geom
        approx[uid] = bool(props.get("approximate", False))
        rows[uid] = number
    return polygons, approx


def _parse_outline(text, out: _Collector) -> BaseGeometry | None:
    file = "outline.geojson"
    parts = [g for number, f in _features(file, text, out) if (g := _polygonal(f.get("geometry"), file, number, out))]
    return shapely.union_all(parts) if parts else None


# -- checks across files -------------------------------------------------------------------------------


def _cross_checks(force: Force, out: _Collector) -> None:
    active = [u for u in force.units.values() if u.kind == "station" and u.active]
    if force.jurisdictions:
        for unit in active:
            if unit.id not in force.jurisdictions and unit.land_jurisdiction:
                out.warn("jurisdictions.geojson", None, "unit_id", f"station {unit.id!r} has no jurisdiction")
        for uid, geom in force.jurisdictions.items():
            unit = force.units[uid]
            if not unit.active or not unit.land_jurisdiction:
                why = unit.status if not unit.active else "marked land_jurisdiction=false"
                out.error("jurisdictions.geojson", None, "unit_id", f"{uid!r} is {why}: it cannot have a jurisdiction")
            if unit.lat is not None and not geom.buffer(1e-9).covers(shapely.Point(unit.lon, unit.lat)):
                out.warn(
                    "jurisdictions.geojson", None, "geometry", f"station {uid!r} stands outside its own jurisdiction"
                )
        _check_overlaps(force, out)
    handles: dict[str, str] = {}
    for uid in force.units:
        for ch in force.channels_of(uid):
            if ch.channel == "x":
                key = ch.address.lower()
                if key in handles and handles[key] != uid:
                    out.error(
                        "channels.csv",
                        None,
                        "address",
                        f"X handle {ch.address} belongs to both {handles[key]!r} and {uid!r}",
                    )
                handles.setdefault(key, uid)


def _check_overlaps(force: Force, out: _Collector) -> None:
    ids = list(force.jurisdictions)
    geoms = [force.jurisdictions[i] for i in ids]
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    for a, b in zip(left, right, strict=True):
        if a < b:
            shared = geoms[a].intersection(geoms[b]).area
            smaller = min(geoms[a].area, geoms[b].area)
            if smaller and shared / smaller > 0.01:
                out.warn(
                    "jurisdictions.geojson",
                    None,
                    "geometry",
                    f"jurisdictions of {ids[a]!r} and {ids[b]!r} overlap ({shared / smaller:.0%} of the smaller)",
                )

"""The police force as data: units in a hierarchy, their channels, jurisdictions and places.

Pure data and the questions one asks of it ("which zone is this station in?", "what is its X
handle?"). Reading a package from disk lives in `thana.packages`; building one from text in
`thana.force.package`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from shapely.geometry.base import BaseGeometry

from thana.triage.taxonomy import DEFAULT_SERVICE_LEVELS, ServiceLevel

UNIT_KINDS = (
    "headquarters",
    "region",
    "zone",
    "division",
    "station",
    "cyber_station",
    "control_room",
    "other",
)
STATION_KINDS = frozenset({"station", "cyber_station"})
CHANNEL_KINDS = ("x", "whatsapp", "women_helpline", "phone", "email", "facebook", "sms", "web")
PLACE_KINDS = ("locality", "landmark", "road", "railway_station", "pincode")
UNIT_STATUSES = ("active", "sanctioned", "closed")

CHANNEL_LABELS = {
    "x": "X",
    "whatsapp": "WhatsApp",
    "women_helpline": "Women's helpline",
    "phone": "Phone",
    "email": "E-mail",
    "facebook": "Facebook",
    "sms": "SMS",
    "web": "Web",
}


def handle_slug(name: str) -> str:
    """'V.P. Road' -> 'vproad': the station-name part of a conventional X handle."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def normalise_handle(handle: str) -> str:
    """'@CharkopPS ' -> 'charkopps': X handles compare case-insensitively, without the '@'."""
    return handle.strip().lstrip("@").lower()


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    kind: str
    parent_id: str | None
    name: str
    names: dict[str, str] = field(default_factory=dict)  # language -> name
    aliases: tuple[str, ...] = ()
    status: str = "active"
    lat: float | None = None
    lon: float | None = None
    position_source: str = ""
    position_approximate: bool = False
    source: str = ""
    notes: str = ""
    land_jurisdiction: bool = True  # False for stations that patrol only the sea

    @property
    def is_station(self) -> bool:
        return self.kind in STATION_KINDS

    @property
    def active(self) -> bool:
        return self.status == "active"

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.name


@dataclass(frozen=True, slots=True)
class Channel:
    unit_id: str
    channel: str
    address: str
    source: str = ""
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Place:
    name: str
    kind: str
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    pincode: str | None = None
    unit_id: str | None = None
    source: str = ""
    approximate: bool = False

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "lat": self.lat,
            "lon": self.lon,
            "pincode": self.pincode,
            "approximate": self.approximate,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class EmergencyNumber:
    number: str
    label: str
    labels: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def label_in(self, language: str) -> str:
        return self.labels.get(language) or self.label


@dataclass(frozen=True, slots=True)
class Agency:
    id: str
    name: str
    names: dict[str, str] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    channels: tuple[Channel, ...] = ()
    keywords: tuple[str, ...] = ()  # among agencies of one category, a message naming these goes here

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.name


@dataclass(frozen=True, slots=True)
class CounsellingCentre:
    id: str
    region_id: str
    name: str
    address: str = ""
    phone: str = ""
    source: str = ""
    notes: str = ""


@dataclass
class Force:
    id: str
    name: str
    names: dict[str, str]
    reference_prefix: str
    timezone: str
    languages: tuple[str, ...]
    country_code: str
    x_handle_pattern: str | None
    expected_channels: tuple[str, ...]
    nearest_max_km: float
    version: str
    jurisdictions_approximate: bool
    jurisdictions_method: str
    emergency_numbers: tuple[EmergencyNumber, ...]
    service_levels: dict[str, ServiceLevel]
    agencies: tuple[Agency, ...]
    units: dict[str, Unit]
    channels: tuple[Channel, ...]
    jurisdictions: dict[str, BaseGeometry]  # station unit id -> polygon (lon/lat)
    places: tuple[Place, ...]
    outline: BaseGeometry | None = None
    counselling: tuple[CounsellingCentre, ...] = ()
    source_dir: str | None = None

    # -- hierarchy ---------------------------------------------------------------------------------

    @cached_property
    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {uid: [] for uid in self.units}
        for unit in self.units.values():
            if unit.parent_id is not None and unit.parent_id in out:
                out[unit.parent_id].append(unit.id)
        return out

    @cached_property
    def root(self) -> Unit:
        return next(u for u in self.units.values() if u.parent_id is None)

    def unit(self, unit_id: str) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise KeyError(f"no unit {unit_id!r} in force {self.id!r}") from None

    def ancestors(self, unit_id: str) -> Iterator[Unit]:
        """The units above `unit_id`, nearest first."""
        parent = self.units[unit_id].parent_id
        while parent is not None:
            unit = self.units[parent]
            yield unit
            parent = unit.parent_id

    def ancestor_of_kind(self, unit_id: str, kind: str) -> Unit | None:
        return next((u for u in self.ancestors(unit_id) if u.kind == kind), None)

    def descendants(self, unit_id: str) -> Iterator[Unit]:
        stack = list(self.children.get(unit_id, ()))
        while stack:
            uid = stack.pop()
            yield self.units[uid]
            stack.extend(self.children.get(uid, ()))

    def stations(self, *, include_inactive: bool = False) -> list[Unit]:
        return sorted(
            (u for u in self.units.values() if u.is_station and (include_inactive or u.active)),
            key=lambda u: u.name.lower(),
        )

    def stations_under(self, unit_id: str) -> list[Unit]:
        unit = self.units[unit_id]
        if unit.is_station:
            return [unit]
        return sorted((u for u in self.descendants(unit_id) if u.is_station), key=lambda u: u.name)

    def units_of_kind(self, kind: str) -> list[Unit]:
        return sorted((u for u in self.units.values() if u.kind == kind), key=lambda u: natural_key(u.name))

    def is_within(self, unit_id: str, ancestor_id: str) -> bool:
        return unit_id == ancestor_id or any(u.id == ancestor_id for u in self.ancestors(unit_id))

    # -- channels ----------------------------------------------------------------------------------

    @cached_property
    def _channels_by_unit(self) -> dict[str, list[Channel]]:
        out: dict[str, list[Channel]] = {}
        for ch in self.channels:
            out.setdefault(ch.unit_id, []).append(ch)
        return out

    def channels_of(self, unit_id: str) -> list[Channel]:
        """The unit's published channels, with the conventional X handle for stations."""
        listed = list(self._channels_by_unit.get(unit_id, ()))
        unit = self.units[unit_id]
        if (
            unit.kind == "station"
            and unit.active
            and self.x_handle_pattern
            and not any(c.channel == "x" for c in listed)
        ):
            handle = "@" + self.x_handle_pattern.format(slug=handle_slug(unit.name))
            listed.insert(0, Channel(unit_id, "x", handle, source="naming convention (force.toml)"))
        return listed

    def channel_summary(self, unit_id: str) -> dict[str, str | None]:
        """channel kind -> first address; expected kinds a station lacks map to None ("not published")."""
        out: dict[str, str | None] = {}
        for ch in self.channels_of(unit_id):
            out.setdefault(ch.channel, ch.address)
        if self.units[unit_id].kind == "station":
            for kind in self.expected_channels:
                out.setdefault(kind, None)
        return out

    def x_handle(self, unit_id: str) -> str | None:
        return next((c.address for c in self.channels_of(unit_id) if c.channel == "x"), None)

    @cached_property
    def units_by_handle(self) -> dict[str, str]:
        """normalised X handle -> unit id, for every unit in service that has one."""
        out: dict[str, str] = {}
        for uid in (u.id for u in self.units.values() if u.active):
            for ch in self.channels_of(uid):
                if ch.channel == "x":
                    out.setdefault(normalise_handle(ch.address), uid)
        return out

    @cached_property
    def units_by_number(self) -> dict[str, str]:
        """normalised phone number -> unit id, for numbers a citizen can write or call to."""
        out: dict[str, str] = {}
        for ch in self.channels:
            if ch.channel in {"whatsapp", "women_helpline", "phone", "sms"}:
                out.setdefault(self.normalise_number(ch.address), ch.unit_id)
        return out

    def normalise_number(self, number: str) -> str:
        digits = re.sub(r"\D", "", number)
        if len(digits) == 10:
            digits = self.country_code + digits
        elif len(digits) == 11 and digits.startswith("0"):
            digits = self.country_code + digits[1:]
        return digits

    # -- service and agencies ------------------------------------------------------------------------

    def service_level(self, priority: str) -> ServiceLevel:
        return self.service_levels.get(priority) or DEFAULT_SERVICE_LEVELS[priority]

    def agency_for(self, category: str, text: str = "") -> Agency | None:
        """The agency a category is redirected to: the one whose keywords the text names, else the first."""
        candidates = [a for a in self.agencies if category in a.categories]
        lowered = text.casefold()
        named = next((a for a in candidates if any(k.casefold() in lowered for k in a.keywords)), None)
        return named or next((a for a in candidates if not a.keywords), candidates[0] if candidates else None)

    def agency(self, agency_id: str) -> Agency | None:
        return next((a for a in self.agencies if a.id == agency_id), None)

    def emergency_number(self, number: str) -> EmergencyNumber | None:
        return next((e for e in self.emergency_numbers if e.number == number), None)

    # -- descriptions ------------------------------------------------------------------------------

    def hierarchy_names(self, unit_id: str, language: str = "en") -> dict[str, str | None]:
        """{'zone': 'Zone 11', 'region': 'North Region', 'division': None} for a unit, in a language."""
        return {
            kind: (u.name_in(language) if (u := self.ancestor_of_kind(unit_id, kind)) else None)
            for kind in ("zone", "region", "division")
        }

    def station_summary(self, unit_id: str) -> dict:
        """The station object of `thana find --json` and the API."""
        unit = self.units[unit_id]
        return {
            "id": unit.id,
            "name": unit.name,
            **self.hierarchy_names(unit_id),
            "x_handle": self.x_handle(unit_id),
            "channels": self.channel_summary(unit_id),
        }


def natural_key(name: str) -> tuple:
    """Sort 'Zone 2' before 'Zone 10'."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.split(r"(\d+)", name))


def names_from_row(row: dict[str, str]) -> dict[str, str]:
    """The `name_<lang>` columns of a CSV row as {lang: name}."""
    return {k[5:]: v.strip() for k, v in row.items() if k and k.startswith("name_") and v and v.strip()}


def split_aliases(value: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (value or "").split("|") if a.strip())


def all_names(names: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for n in names:
        if n:
            seen.setdefault(n, None)
    return list(seen)

"""'Find my police station': from coordinates or from free text to a station of the force.

Joins the jurisdiction index (point -> station) and the place resolver (text -> places) and says
how it decided and whether the answer rests on approximate boundaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from thana.force.geo import JurisdictionIndex, Location
from thana.force.model import Force, Place
from thana.force.resolve import Match, PlaceResolver

COORDS_RE = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


@dataclass
class FindResult:
    query: str | dict
    station_id: str | None
    resolved_by: str | None  # handle, station_name, place, coordinates, nearest, or None
    place: Place | None = None
    approximate: bool = False
    match: Match | None = None
    distance_km: float | None = None
    confidence: float | None = None
    alternatives: list[Match] = field(default_factory=list)

    def as_json(self, force: Force) -> dict:
        """Exactly the shape of `thana find --json` (and the locate API)."""
        return {
            "query": self.query,
            "station": force.station_summary(self.station_id) if self.station_id else None,
            "resolved_by": self.resolved_by,
            "place": self._place_json(),
            "approximate": self.approximate,
        }

    def _place_json(self) -> dict | None:
        if self.place is None:
            return None
        out = self.place.as_dict()
        if self.match is not None:
            out["matched"] = {
                "text": self.match.text,
                "start": self.match.start,
                "end": self.match.end,
                "confidence": self.match.confidence,
                "how": self.match.how,
            }
        return out


class Locator:
    def __init__(self, force: Force, nearest_max_km: float | None = None):
        self.force = force
        reach = force.nearest_max_km if nearest_max_km is None else nearest_max_km
        self.index = JurisdictionIndex(force.jurisdictions, reach)
        self.resolver = PlaceResolver(force)
        self._place_station: dict[int, Location | None] = {}  # place index -> where it lies (places do not move)

    def at(self, lat: float, lon: float, query: str | dict | None = None) -> FindResult:
        query = query if query is not None else {"lat": lat, "lon": lon}
        loc = self.index.locate(lon, lat)
        if loc is None:
            return FindResult(query, None, None, approximate=self.force.jurisdictions_approximate)
        return FindResult(
            query, loc.unit_id, _by(loc), approximate=self.force.jurisdictions_approximate, distance_km=loc.distance_km
        )

    def text(self, query: str) -> FindResult:
        coords = COORDS_RE.match(query)
        if coords and abs(float(coords[1])) <= 90 and abs(float(coords[2])) <= 180:
            return self.at(float(coords[1]), float(coords[2]), query=query)
        matches = self.resolver.resolve(query)
        for match in matches:
            result = self._from_match(query, match)
            if result.station_id is not None:
                result.alternatives = [m for m in matches if m is not match]
                return result
        if matches:  # a place was named, but no station holds it
            first = matches[0]
            place = self._place(first)
            return FindResult(
                query,
                None,
                None,
                place=place,
                match=first,
                confidence=first.confidence,
                approximate=self.force.jurisdictions_approximate,
                alternatives=matches[1:],
            )
        return FindResult(query, None, None)

    def _station_of_place(self, index: int, place: Place) -> Location | None:
        if index not in self._place_station:
            self._place_station[index] = self.index.locate(place.lon, place.lat)
        return self._place_station[index]

    def _place(self, match: Match) -> Place | None:
        idx = match.entry.place_index
        return self.force.places[idx] if idx is not None else None

    def _from_match(self, query: str, match: Match) -> FindResult:
        entry = match.entry
        if entry.kind in ("handle", "station"):
            return FindResult(query, entry.unit_id, match.resolved_by, match=match, confidence=match.confidence)
        place = self._place(match)
        if entry.unit_id:
            return FindResult(query, entry.unit_id, "place", place=place, match=match, confidence=match.confidence)
        loc = self._station_of_place(entry.place_index, place)
        return FindResult(
            query,
            loc.unit_id if loc else None,
            "place" if loc else None,
            place=place,
            match=match,
            approximate=self.force.jurisdictions_approximate or place.approximate,
            confidence=match.confidence,
            distance_km=loc.distance_km if loc else None,
        )


def _by(loc: Location) -> str:
    return "coordinates" if loc.how == "inside" else "nearest"


_LOCATORS: dict[tuple[int, float | None], tuple[Force, Locator]] = {}


def locator_for(force: Force, nearest_max_km: float | None = None) -> Locator:
    """One Locator per force (building the indexes takes a fraction of a second)."""
    key = (id(force), nearest_max_km)
    cached = _LOCATORS.get(key)
    if cached is None or cached[0] is not force:
        cached = (force, Locator(force, nearest_max_km))
        _LOCATORS[key] = cached
    return cached[1]

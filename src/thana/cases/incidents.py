"""Many people, one event: messages of the same category within 500 m and 2 hours, with similar words,
are one incident (a fire on Hill Road reported by ten people is one incident, ten reports).

Pure: given the new case and recent cases nearby, which one it joins.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from thana.triage.text import words

RADIUS_KM = 0.5
KM_PER_DEGREE = 111.0  # a little under the 111.19 of distance_km's sphere, so boxes err on the wide side
WINDOW = timedelta(hours=2)
SIMILAR = 0.15  # Jaccard of the content words
CLOSE_KM, CLOSE_TIME = 0.2, timedelta(minutes=30)  # this close in space and time, the words matter less
NOT_INCIDENTS = frozenset({"spam", "appreciation", "information"})
STOP = frozenset(
    """the a an and or to of in on at is are was were i me my we our you your he she it they please
help sir police station near hai hain ka ki ke ko se me mein aur ahe aahe ani la na""".split()
)


class Report(NamedTuple):  # a tuple: a batch builds hundreds, and a frozen dataclass is slow to build
    case_id: int
    incident_id: int | None
    category: str
    lat: float
    lon: float
    at: datetime
    text: str


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat, dlon = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(dlon / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


@lru_cache(maxsize=8192)  # a flood of reports repeats itself: each text is read once
def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w, _ in words(text) if len(w) > 2 and w not in STOP)


def similarity(a: str, b: str) -> float:
    wa, wb = content_words(a), content_words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


class Nearby:
    """Recent reports by category and by band of latitude as wide as the radius: a new report is compared
    only with those of its category in its own band and the two beside it, not with the whole city's."""

    BAND = RADIUS_KM / KM_PER_DEGREE * 1.01  # degrees; a little wider, so rounding never hides a neighbour

    def __init__(self, reports: Iterable[Report] = ()):
        self._bands: dict[tuple[str, int], list[tuple[int, Report]]] = {}
        self._count = 0
        for report in reports:
            self.add(report)

    def add(self, report: Report) -> None:
        key = self.band(report.category, report.lat)
        self._bands.setdefault(key, []).append((self._count, report))
        self._count += 1

    @classmethod
    def band(cls, category: str, lat: float) -> tuple[str, int]:
        return category, math.floor(lat / cls.BAND)

    @classmethod
    def reach(cls, reports: Iterable[Report]) -> set[tuple[str, int]]:
        """The (category, band) of every report that may be within reach of one of `reports`."""
        keys = set()
        for report in reports:
            category, band = cls.band(report.category, report.lat)
            keys.update((category, band + step) for step in (-1, 0, 1))
        return keys

    def around(self, report: Report) -> list[Report]:
        """The reports that may be within reach of `report`, in the order they were added."""
        category, band = self.band(report.category, report.lat)
        found = [entry for b in (band - 1, band, band + 1) for entry in self._bands.get((category, b), ())]
        found.sort(key=lambda entry: entry[0])
        return [r for _, r in found]


def match(report: Report, recent: list[Report]) -> Report | None:
    """The recent report of the same event as `report`, the nearest in meaning, or None."""
    best, best_score = None, 0.0
    # A box a little wider than the radius rejects most candidates before the great-circle distance.
    dlat = RADIUS_KM / KM_PER_DEGREE
    dlon = RADIUS_KM / (KM_PER_DEGREE * max(math.cos(math.radians(report.lat)), 0.01))
    for other in recent:
        if other.case_id == report.case_id or other.category != report.category:
            continue
        if abs(other.lat - report.lat) > dlat or abs(other.lon - report.lon) > dlon:
            continue
        dt = abs(report.at - other.at)
        if dt > WINDOW:
            continue
        km = distance_km(report.lat, report.lon, other.lat, other.lon)
        if km > RADIUS_KM:
            continue
        score = similarity(report.text, other.text)
        if score >= SIMILAR or (km <= CLOSE_KM and dt <= CLOSE_TIME):
            score += 1.0 - km / RADIUS_KM  # nearer wins a tie
            if score > best_score:
                best, best_score = other, score
    return best

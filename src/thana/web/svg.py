"""Jurisdictions drawn as SVG paths, so pages show maps without any tile server."""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Frame:
    """Maps lon/lat into an SVG viewBox of the given width, keeping true proportions."""

    minx: float
    miny: float
    maxx: float
    maxy: float
    width: float = 400.0
    pad: float = 8.0

    @property
    def _kx(self) -> float:
        return math.cos(math.radians((self.miny + self.maxy) / 2))

    @property
    def scale(self) -> float:
        span = max((self.maxx - self.minx) * self._kx, 1e-9)
        return (self.width - 2 * self.pad) / span

    @property
    def height(self) -> float:
        return (self.maxy - self.miny) * self.scale + 2 * self.pad

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (self.pad + (lon - self.minx) * self._kx * self.scale, self.pad + (self.maxy - lat) * self.scale)

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def frame_for(geoms: list[BaseGeometry], width: float = 400.0, margin: float = 0.05) -> Frame:
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    dx, dy = (maxx - minx) * margin or 0.005, (maxy - miny) * margin or 0.005
    return Frame(minx - dx, miny - dy, maxx + dx, maxy + dy, width)


def path_d(geom: BaseGeometry, frame: Frame, tolerance_px: float = 0.6) -> str:
    """An SVG path 'd' for a (multi)polygon, simplified to what the eye can see at this scale."""
    simple = geom.simplify(tolerance_px / frame.scale, preserve_topology=True)
    parts = []
    for poly in getattr(simple, "geoms", [simple]):
        if poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            pts = [frame.xy(x, y) for x, y in ring.coords]
            if len(pts) >= 3:
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)

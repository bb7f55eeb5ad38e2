"""Point -> station: which jurisdiction holds a point, in microseconds, one point or a million.

A uniform grid over the jurisdictions' extent answers most points from one array read: a cell
that lies wholly inside one jurisdiction and touches no other is "interior". The remaining
cells keep the few jurisdictions that cross them, tested exactly (points on an edge count as
inside; where two jurisdictions share the edge, the first in id order wins, every time). A point
in no jurisdiction goes to the nearest one within `nearest_max_km`, measured on a local flat
projection; beyond that the answer is None: "outside the force's area", never a silent guess.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

NEAR, MIXED, FAR = -1, -2, -3  # cell states besides a jurisdiction index
KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


def is_position(lat: float | None, lon: float | None) -> bool:
    """A latitude and longitude that can be a place on Earth (NaN, infinities and 1e8 cannot)."""
    try:
        return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
    except TypeError:
        return False


@dataclass(frozen=True, slots=True)
class Location:
    unit_id: str
    how: str  # "inside" or "nearest"
    distance_km: float = 0.0


class JurisdictionIndex:
    def __init__(self, jurisdictions: dict[str, BaseGeometry], nearest_max_km: float = 0.5, target_cells: int = 65_536):
        self.ids: list[str] = sorted(jurisdictions)
        self.nearest_max_km = nearest_max_km
        self.geoms = np.array([jurisdictions[i] for i in self.ids], dtype=object)
        if len(self.ids) == 0:
            self._empty = True
            return
        self._empty = False
        shapely.prepare(self.geoms)
        self._build_projection()
        self._build_grid(target_cells)

    # -- building ------------------------------------------------------------------------------------

    def _build_projection(self) -> None:
        minx, miny, maxx, maxy = shapely.total_bounds(self.geoms)
        self.lon0, self.lat0 = (minx + maxx) / 2, (miny + maxy) / 2
        self.kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0))
        self.ky = KM_PER_DEG_LAT
        projected = np.array([shapely.transform(g, self._to_km) for g in self.geoms], dtype=object)
        self._projected_tree = shapely.STRtree(projected)

    def _to_km(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - self.lon0) * self.kx, (coords[:, 1] - self.lat0) * self.ky))

    def _build_grid(self, target_cells: int) -> None:
        minx, miny, maxx, maxy = shapely.total_bounds(self.geoms)
        # Pad by the nearest-reach so that every point off the grid is out of reach.
        pad_x = 1e-9 + self.nearest_max_km / self.kx
        pad_y = 1e-9 + self.nearest_max_km / self.ky
        minx, miny, maxx, maxy = minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y
        aspect = (maxx - minx) / (maxy - miny)
        self.nx = max(1, round(math.sqrt(target_cells * aspect)))
        self.ny = max(1, round(target_cells / self.nx))
        self.minx, self.miny = minx, miny
        self.cw, self.ch = (maxx - minx) / self.nx, (maxy - miny) / self.ny
        self.inv_cw, self.inv_ch = 1.0 / self.cw, 1.0 / self.ch

        cx, cy = np.meshgrid(np.arange(self.nx), np.arange(self.ny))
        x0 = minx + cx.ravel() * self.cw
        y0 = miny + cy.ravel() * self.ch
        boxes = shapely.box(x0, y0, x0 + self.cw, y0 + self.ch)
        # Bounding-box candidates, then the exact test against the prepared jurisdictions: much
        # faster than STRtree.query(predicate=...), which cannot use the prepared geometries.
        cell_idx, geom_idx = shapely.STRtree(self.geoms).query(boxes)
        hit = shapely.intersects(self.geoms[geom_idx], boxes[cell_idx])
        cell_idx, geom_idx = cell_idx[hit], geom_idx[hit]
        order = np.lexsort((geom_idx, cell_idx))  # by cell, then jurisdiction (id order)
        cell_idx, geom_idx = cell_idx[order], geom_idx[order]

        ncells = self.nx * self.ny
        counts = np.bincount(cell_idx, minlength=ncells)
        state = np.full(ncells, FAR, dtype=np.int32)
        single = counts[cell_idx] == 1
        covered = np.zeros(len(cell_idx), dtype=bool)
        covered[single] = shapely.covers(self.geoms[geom_idx[single]], boxes[cell_idx[single]])
        state[cell_idx[covered]] = geom_idx[covered]
        mixed_cells = np.unique(cell_idx[~covered])
        state[mixed_cells] = MIXED
        self._mark_near_cells(state)

        # candidates of mixed cells in CSR form: cand[start[c]:start[c+1]]
        keep = state[cell_idx] == MIXED
        self._cand = geom_idx[keep].astype(np.int32)
        self._cand_start = np.zeros(ncells + 1, dtype=np.int64)
        np.cumsum(np.bincount(cell_idx[keep], minlength=ncells), out=self._cand_start[1:])
        self.state = state
        # Python lists make the one-point path faster than numpy scalar indexing.
        self._state_list = state.tolist()
        self._cand_list = self._cand.tolist()
        self._start_list = self._cand_start.tolist()

    def _mark_near_cells(self, state: np.ndarray) -> None:
        """Empty cells within nearest reach of a jurisdiction become NEAR (a superset, checked exactly)."""
        if self.nearest_max_km <= 0:
            return
        rx = math.ceil(self.nearest_max_km / (self.cw * self.kx)) + 1
        ry = math.ceil(self.nearest_max_km / (self.ch * self.ky)) + 1
        occupied = (state != FAR).reshape(self.ny, self.nx).astype(np.int32)
        # window sums over (2ry+1) x (2rx+1) cells from an integral image
        integral = np.zeros((self.ny + 1, self.nx + 1), dtype=np.int64)
        integral[1:, 1:] = occupied.cumsum(0).cumsum(1)
        r0 = np.clip(np.arange(self.ny) - ry, 0, self.ny)
        r1 = np.clip(np.arange(self.ny) + ry + 1, 0, self.ny)
        c0 = np.clip(np.arange(self.nx) - rx, 0, self.nx)
        c1 = np.clip(np.arange(self.nx) + rx + 1, 0, self.nx)
        window = integral[r1][:, c1] - integral[r0][:, c1] - integral[r1][:, c0] + integral[r0][:, c0]
        near = (window.ravel() > 0) & (state == FAR)
        state[near] = NEAR

    # -- questions -----------------------------------------------------------------------------------

    def stats(self) -> dict:
        if self._empty:
            return {"jurisdictions": 0, "cells": 0}
        counts = {
            name: int((self.state == code).sum()) for name, code in (("mixed", MIXED), ("near", NEAR), ("far", FAR))
        }
        return {
            "jurisdictions": len(self.ids),
            "cells": self.nx * self.ny,
            "interior": int((self.state >= 0).sum()),
            **counts,
        }

    def locate(self, lon: float, lat: float) -> Location | None:
        """The jurisdiction holding (lon, lat), the nearest within reach, or None."""
        if self._empty or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        col = int((lon - self.minx) * self.inv_cw)
        row = int((lat - self.miny) * self.inv_ch)
        if not (0 <= col < self.nx and 0 <= row < self.ny and lon >= self.minx and lat >= self.miny):
            return None  # the grid reaches nearest_max_km beyond every jurisdiction
        cell = row * self.nx + col
        state = self._state_list[cell]
        if state >= 0:
            return Location(self.ids[state], "inside")
        if state == MIXED:
            for g in self._cand_list[self._start_list[cell] : self._start_list[cell + 1]]:
                if shapely.intersects_xy(self.geoms[g], lon, lat):
                    return Location(self.ids[g], "inside")
        elif state == FAR:
            return None
        return self._nearest(lon, lat)

    def _nearest(self, lon: float, lat: float) -> Location | None:
        if self.nearest_max_km <= 0:
            return None
        point = shapely.Point((lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky)
        idx, dist = self._projected_tree.query_nearest(
            point, max_distance=self.nearest_max_km, return_distance=True, all_matches=True
        )
        if len(idx) == 0:
            return None
        best = int(np.min(idx))  # ties: the first in id order, as inside
        return Location(self.ids[best], "nearest", float(dist[0]))

    def locate_many(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised locate: (index into self.ids or -1, 0 inside / 1 nearest / -1 none) per point."""
        lons = np.asarray(lons, dtype=np.float64)
        lats = np.asarray(lats, dtype=np.float64)
        n = len(lons)
        result = np.full(n, -1, dtype=np.int32)
        how = np.full(n, -1, dtype=np.int8)
        if self._empty or n == 0:
            return result, how
        finite = np.isfinite(lons) & np.isfinite(lats)
        col = np.floor((np.where(finite, lons, self.minx) - self.minx) * self.inv_cw).astype(np.int64)
        row = np.floor((np.where(finite, lats, self.miny) - self.miny) * self.inv_ch).astype(np.int64)
        on_grid = finite & (col >= 0) & (col < self.nx) & (row >= 0) & (row < self.ny)
        cell = np.where(on_grid, row * self.nx + col, 0)
        state = np.where(on_grid, self.state[cell], FAR)

        interior = state >= 0
        result[interior] = state[interior]
        how[interior] = 0

        mixed = np.flatnonzero(state == MIXED)
        if len(mixed):
            self._resolve_mixed(mixed, cell[mixed], lons, lats, result, how)

        unresolved = np.flatnonzero((result < 0) & ((state == NEAR) | (state == MIXED)))
        if len(unresolved) and self.nearest_max_km > 0:
            pts = shapely.points((lons[unresolved] - self.lon0) * self.kx, (lats[unresolved] - self.lat0) * self.ky)
            (pi, gi), _ = self._projected_tree.query_nearest(
                pts, max_distance=self.nearest_max_km, return_distance=True, all_matches=True
            )
            if len(pi):
                # several equally near: keep the smallest jurisdiction index per point
                best = np.full(len(unresolved), np.iinfo(np.int32).max, dtype=np.int64)
                np.minimum.at(best, pi, gi)
                found = best < np.iinfo(np.int32).max
                result[unresolved[found]] = best[found]
                how[unresolved[found]] = 1
        return result, how

    def _resolve_mixed(self, points, cells, lons, lats, result, how) -> None:
        starts, ends = self._cand_start[cells], self._cand_start[cells + 1]
        width = int((ends - starts).max())
        # Test the k-th candidate of every point at once, for k = 0, 1, ...: the first hit wins.
        pending = np.ones(len(points), dtype=bool)
        for k in range(width):
            has = pending & (starts + k < ends)
            if not has.any():
                break
            sel = np.flatnonzero(has)
            geoms = self._cand[starts[sel] + k]
            for g in np.unique(geoms):
                part = sel[geoms == g]
                pts = points[part]
                hit = shapely.intersects_xy(self.geoms[g], lons[pts], lats[pts])
                won = part[hit]
                result[points[won]] = g
                how[points[won]] = 0
                pending[won] = False

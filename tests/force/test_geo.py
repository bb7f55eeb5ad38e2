"""thana.force.geo.JurisdictionIndex: which jurisdiction holds a point, checked against a brute-force answer.

The reference answer is written from the contract alone: a point covered by a jurisdiction (edges and
vertices included) belongs to the first such jurisdiction in sorted-id order; a point outside every
jurisdiction goes to the nearest one within `nearest_max_km`, measured on a flat projection around the
centre of the jurisdictions' extent; beyond that the answer is None.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Polygon, box

from thana.force.geo import JurisdictionIndex, Location

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320
AMBIGUOUS = object()  # a point within a hair of the reach: either answer is right


class BruteForce:
    """The slow, obviously right answer: test every jurisdiction, measure every distance."""

    def __init__(self, jurisdictions: dict, reach: float) -> None:
        self.ids = sorted(jurisdictions)
        self.reach = reach
        self.geoms = np.array([jurisdictions[i] for i in self.ids], dtype=object)
        minx, miny, maxx, maxy = shapely.total_bounds(self.geoms)
        self.lon0, self.lat0 = (minx + maxx) / 2, (miny + maxy) / 2
        self.kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(self.lat0))
        self.ky = KM_PER_DEG_LAT
        self.projected = np.array([shapely.transform(g, self._to_km) for g in self.geoms], dtype=object)

    def _to_km(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - self.lon0) * self.kx, (coords[:, 1] - self.lat0) * self.ky))

    def distances_km(self, lon: float, lat: float) -> np.ndarray:
        point = shapely.Point((lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky)
        return shapely.distance(self.projected, point)

    def locate(self, lon: float, lat: float):
        """(unit id, "inside" | "nearest", km) or None, or AMBIGUOUS at the very edge of the reach."""
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        hits = shapely.intersects_xy(self.geoms, lon, lat)
        if hits.any():
            return self.ids[int(np.argmax(hits))], "inside", 0.0
        if self.reach <= 0:
            return None
        dist = self.distances_km(lon, lat)
        best = float(dist.min())
        if abs(best - self.reach) < 1e-9:
            return AMBIGUOUS
        if best > self.reach:
            return None
        return self.ids[int(np.argmax(dist == best))], "nearest", best


def one(index: JurisdictionIndex, lon: float, lat: float):
    loc = index.locate(lon, lat)
    return None if loc is None else (loc.unit_id, loc.how, loc.distance_km)


def many(index: JurisdictionIndex, lons, lats) -> list:
    found, how = index.locate_many(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    assert found.shape == how.shape == (len(lons),)
    out = []
    for f, h in zip(found.tolist(), how.tolist(), strict=True):
        assert (f < 0) == (h < 0), "an answer and its kind go together"
        out.append(None if f < 0 else (index.ids[f], {0: "inside", 1: "nearest"}[h]))
    return out


def assert_agrees(index: JurisdictionIndex, reference: BruteForce, lons, lats) -> None:
    batch = many(index, lons, lats)
    for lon, lat, from_many in zip(lons, lats, batch, strict=True):
        expected = reference.locate(lon, lat)
        if expected is AMBIGUOUS:
            continue
        got = one(index, lon, lat)
        where = f"point lon={lon!r} lat={lat!r}"
        if expected is None:
            assert got is None, f"{where}: expected None, locate gave {got}"
            assert from_many is None, f"{where}: expected None, locate_many gave {from_many}"
            continue
        assert got is not None, f"{where}: expected {expected}, locate gave None"
        assert got[:2] == expected[:2], f"{where}: expected {expected}, locate gave {got}"
        assert got[2] == pytest.approx(expected[2], abs=1e-6), f"{where}: distance"
        assert from_many == expected[:2], f"{where}: expected {expected[:2]}, locate_many gave {from_many}"


# -- small hand-made jurisdictions ---------------------------------------------------------------------

# Ids chosen so that sorted order differs from insertion order and from geography.
WEST = box(72.80, 19.00, 72.82, 19.02)
EAST = box(72.82, 19.00, 72.84, 19.02)  # shares WEST's east edge
NORTH = Polygon([(72.80, 19.02), (72.84, 19.02), (72.82, 19.05)])  # sits on top of WEST and EAST
RING = Polygon(box(72.85, 19.00, 72.90, 19.05).exterior.coords, [box(72.86, 19.01, 72.89, 19.04).exterior.coords])
ISLAND = box(72.865, 19.015, 72.885, 19.035)  # inside RING's hole, 0.005 degrees from it
TWIN = MultiPolygon([box(72.92, 19.00, 72.93, 19.01), box(72.95, 19.03, 72.96, 19.04)])
SMALL = {"west": WEST, "east": EAST, "north": NORTH, "ring": RING, "island": ISLAND, "twin": TWIN}
GRIDS = [1, 16, 4096, 65_536]  # one cell, coarse, fine: the exact answer must not depend on the grid


_SMALL_CACHE: dict[tuple[float, int], JurisdictionIndex] = {}


def small(reach: float, cells: int) -> JurisdictionIndex:
    """The hand-made index with this reach and grid size (built once)."""
    key = (reach, cells)
    if key not in _SMALL_CACHE:
        _SMALL_CACHE[key] = JurisdictionIndex(SMALL, nearest_max_km=reach, target_cells=cells)
    return _SMALL_CACHE[key]


_REFERENCES: dict[float, BruteForce] = {}


def reference_for(reach: float) -> BruteForce:
    if reach not in _REFERENCES:
        _REFERENCES[reach] = BruteForce(SMALL, reach)
    return _REFERENCES[reach]


@pytest.fixture(scope="module", params=GRIDS, ids=lambda n: f"cells{n}")
def cells(request) -> int:
    return request.param


@pytest.fixture
def small_index(cells) -> JurisdictionIndex:
    return small(0.5, cells)


@pytest.fixture
def small_index_no_reach(cells) -> JurisdictionIndex:
    return small(0.0, cells)


def _vertices(geoms) -> list[tuple[float, float]]:
    return sorted({(float(x), float(y)) for x, y in shapely.get_coordinates(list(geoms))})


def _edges(geoms) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    out = []
    for geom in geoms:
        for poly in shapely.get_parts(geom):
            for ring in shapely.get_rings(poly):
                coords = shapely.get_coordinates(ring)
                out.extend((tuple(a), tuple(b)) for a, b in zip(coords[:-1], coords[1:], strict=True))
    return out


def test_ids_are_sorted_whatever_the_input_order():
    """The index reports jurisdictions in sorted-id order, the order ties are broken in."""
    index = JurisdictionIndex(SMALL, target_cells=16)
    assert index.ids == sorted(SMALL)


def test_every_vertex_belongs_to_a_polygon_never_none(small_index_no_reach):
    """A polygon's vertex counts as inside: never None, and the first covering polygon in id order."""
    reference = reference_for(0.0)
    for lon, lat in _vertices(SMALL.values()):
        got = one(small_index_no_reach, lon, lat)
        assert got is not None, f"vertex {lon}, {lat} found no jurisdiction"
        assert got[1] == "inside"
        assert got[0] == reference.locate(lon, lat)[0]
        assert many(small_index_no_reach, [lon], [lat]) == [got[:2]]


def test_points_on_edges_are_inside(small_index_no_reach):
    """Points on an edge (midpoints and quarter points) are inside, with no nearest-reach needed."""
    reference = reference_for(0.0)
    for (x0, y0), (x1, y1) in _edges(SMALL.values()):
        for t in (0.25, 0.5, 0.75):
            lon, lat = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            expected = reference.locate(lon, lat)
            if expected is None:  # the interpolated float fell a hair off a slanted edge
                assert x0 != x1 and y0 != y1, f"a point on an axis-aligned edge is inside: {lon}, {lat}"
                continue
            assert one(small_index_no_reach, lon, lat) == expected
            assert many(small_index_no_reach, [lon], [lat]) == [expected[:2]]


@pytest.mark.parametrize(
    ("lon", "lat", "expected"),
    [
        (72.82, 19.01, "east"),  # WEST | EAST shared edge: "east" < "west"
        (72.81, 19.02, "north"),  # WEST | NORTH: "north" < "west"
        (72.83, 19.02, "east"),  # EAST | NORTH: "east" < "north"
        (72.82, 19.02, "east"),  # the vertex shared by WEST, EAST and NORTH
        (72.82, 19.00, "east"),  # the vertex shared by WEST and EAST on the south side
        (72.82, 19.05, "north"),  # NORTH's apex, no one else's
    ],
)
def test_shared_edges_and_vertices_go_to_the_first_id_in_sorted_order(small_index, lon, lat, expected):
    """On a shared edge or vertex the first jurisdiction in sorted-id order wins, every time."""
    assert one(small_index, lon, lat) == (expected, "inside", 0.0)
    assert many(small_index, [lon], [lat]) == [(expected, "inside")]


def test_a_point_in_a_hole_is_not_in_the_polygon(small_index, small_index_no_reach):
    """A hole is not part of its polygon: an island in it wins; elsewhere nearest or None, never 'inside'."""
    assert one(small_index, 72.875, 19.025)[:2] == ("island", "inside")
    in_hole = (72.862, 19.012)  # 0.002 degrees inside the hole's south-west corner, outside the island
    got = one(small_index, *in_hole)
    assert got is not None and got[:2] == ("ring", "nearest")
    assert got[2] == pytest.approx(0.002 * KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(19.025)), abs=1e-6)
    assert many(small_index, [in_hole[0]], [in_hole[1]]) == [("ring", "nearest")]
    assert one(small_index_no_reach, *in_hole) is None
    assert many(small_index_no_reach, [in_hole[0]], [in_hole[1]]) == [None]


def test_each_part_of_a_multipolygon_is_found(small_index):
    """Points in every part of a MultiPolygon find it; the gap between the parts does not."""
    assert one(small_index, 72.925, 19.005) == ("twin", "inside", 0.0)
    assert one(small_index, 72.955, 19.035) == ("twin", "inside", 0.0)
    assert many(small_index, [72.925, 72.955], [19.005, 19.035]) == [("twin", "inside")] * 2
    assert one(small_index, 72.94, 19.02) is None  # > 1 km from both parts


@pytest.mark.parametrize(("lon", "lat"), [(72.50, 19.00), (72.88, 18.80), (0.0, 0.0), (-72.81, -19.01), (180.0, 90.0)])
def test_far_points_find_nothing(small_index, lon, lat):
    """A point at sea far out (or on the other side of the world) is None, not a guess."""
    assert one(small_index, lon, lat) is None
    assert many(small_index, [lon], [lat]) == [None]


def test_just_outside_an_edge_is_nearest_within_reach_and_none_beyond(small_index, small_index_no_reach):
    """0.3 km west of WEST is 'nearest' (at 0.3 km); 0.7 km west is None; with no reach, None."""
    kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(19.025))  # the extent's centre latitude
    near_lon, far_lon = 72.80 - 0.3 / kx, 72.80 - 0.7 / kx
    got = one(small_index, near_lon, 19.01)
    assert got is not None and got[:2] == ("west", "nearest")
    assert got[2] == pytest.approx(0.3, abs=1e-6)
    assert many(small_index, [near_lon], [19.01]) == [("west", "nearest")]
    assert one(small_index, far_lon, 19.01) is None
    assert many(small_index, [far_lon], [19.01]) == [None]
    assert one(small_index_no_reach, near_lon, 19.01) is None
    assert many(small_index_no_reach, [near_lon], [19.01]) == [None]


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(math.nan, 19.01), (72.81, math.nan), (math.inf, 19.01), (72.81, -math.inf), (math.nan, math.nan)],
)
def test_nan_and_infinity_find_nothing(small_index, lon, lat):
    """NaN or infinite coordinates are None in both paths, never an exception or a station."""
    assert small_index.locate(lon, lat) is None
    assert many(small_index, [lon, 72.81], [lat, 19.01]) == [None, ("west", "inside")]


def test_an_empty_index_answers_none():
    """An index over no jurisdictions answers None for every point, single or batched."""
    index = JurisdictionIndex({})
    assert index.ids == []
    assert index.locate(72.81, 19.01) is None
    assert index.locate(math.nan, 19.01) is None
    found, how = index.locate_many(np.array([72.81, 0.0]), np.array([19.01, 0.0]))
    assert found.tolist() == [-1, -1] and how.tolist() == [-1, -1]
    assert index.stats()["jurisdictions"] == 0


def test_locate_many_on_no_points_returns_empty_arrays(small_index):
    """A batch of zero points gives two empty arrays."""
    found, how = small_index.locate_many(np.array([]), np.array([]))
    assert found.shape == how.shape == (0,)


def test_locate_returns_location_objects(small_index):
    """Inside answers carry distance 0 and the 'inside' kind."""
    assert small_index.locate(72.81, 19.01) == Location("west", "inside", 0.0)


def _small_points():
    vertices = _vertices(SMALL.values())
    edges = _edges(SMALL.values())
    offset = st.one_of(st.just(0.0), st.floats(-0.012, 0.012))
    uniform = st.tuples(st.floats(72.78, 72.98), st.floats(18.98, 19.07))
    near_vertex = st.tuples(st.sampled_from(vertices), offset, offset).map(lambda v: (v[0][0] + v[1], v[0][1] + v[2]))
    on_edge = st.tuples(st.sampled_from(edges), st.floats(0, 1), offset, offset).map(
        lambda e: (
            e[0][0][0] + e[1] * (e[0][1][0] - e[0][0][0]) + e[2],
            e[0][0][1] + e[1] * (e[0][1][1] - e[0][0][1]) + e[3],
        )
    )
    grid_lines = st.tuples(
        st.sampled_from(sorted({x for x, _ in vertices})), st.floats(18.98, 19.07)
    )  # on the vertical edges' lines
    return st.one_of(uniform, near_vertex, on_edge, grid_lines)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(points=st.lists(_small_points(), min_size=1, max_size=15), reach=st.sampled_from([0.0, 0.2, 0.5, 3.0]))
def test_small_polygons_agree_with_brute_force(points, reach):
    """Random points near edges, vertices, holes and parts: locate and locate_many give the brute-force answer."""
    for cells in (1, 64, 4096):
        assert_agrees(small(reach, cells), reference_for(reach), [p[0] for p in points], [p[1] for p in points])


# -- the real Mumbai jurisdictions -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mumbai_reference(mumbai) -> BruteForce:
    return BruteForce(mumbai.jurisdictions, mumbai.nearest_max_km)


@pytest.fixture(scope="module", params=[65_536, 256], ids=["fine-grid", "coarse-grid"])
def mumbai_index(request, mumbai) -> JurisdictionIndex:
    return JurisdictionIndex(mumbai.jurisdictions, mumbai.nearest_max_km, target_cells=request.param)


@pytest.fixture(scope="module")
def mumbai_shapes(mumbai) -> dict:
    geoms = [mumbai.jurisdictions[i] for i in sorted(mumbai.jurisdictions)]
    return {"bounds": shapely.total_bounds(geoms), "vertices": _vertices(geoms), "edges": _edges(geoms)}


def _mumbai_point(shapes: dict):
    minx, miny, maxx, maxy = shapes["bounds"]
    pad = 0.03  # about 3 km: well past the 0.5 km reach
    small = st.one_of(st.just(0.0), st.floats(-0.008, 0.008))
    uniform = st.tuples(st.floats(minx - pad, maxx + pad), st.floats(miny - pad, maxy + pad))
    near_vertex = st.tuples(st.sampled_from(shapes["vertices"]), small, small).map(
        lambda v: (v[0][0] + v[1], v[0][1] + v[2])
    )
    near_edge = st.tuples(st.sampled_from(shapes["edges"]), st.floats(0, 1), small, small).map(
        lambda e: (
            e[0][0][0] + e[1] * (e[0][1][0] - e[0][0][0]) + e[2],
            e[0][0][1] + e[1] * (e[0][1][1] - e[0][0][1]) + e[3],
        )
    )
    return st.one_of(uniform, near_vertex, near_edge)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mumbai_locate_and_locate_many_agree_with_brute_force(mumbai_index, mumbai_reference, mumbai_shapes, data):
    """On the real jurisdictions, inside and around them, both paths give the brute-force answer."""
    points = data.draw(st.lists(_mumbai_point(mumbai_shapes), min_size=1, max_size=25), label="points")
    assert_agrees(mumbai_index, mumbai_reference, [p[0] for p in points], [p[1] for p in points])


def test_mumbai_vertices_are_never_none(mumbai_index, mumbai_reference, mumbai_shapes):
    """Every vertex of every Mumbai jurisdiction is inside some jurisdiction (the first covering one)."""
    lons = [v[0] for v in mumbai_shapes["vertices"]]
    lats = [v[1] for v in mumbai_shapes["vertices"]]
    batch = many(mumbai_index, lons, lats)
    assert None not in batch
    for lon, lat, from_many in zip(lons, lats, batch, strict=True):
        expected = mumbai_reference.locate(lon, lat)
        assert one(mumbai_index, lon, lat) == expected
        assert from_many == expected[:2]


def test_mumbai_uniform_sample_agrees_with_brute_force(mumbai_index, mumbai_reference, mumbai_shapes):
    """2,000 seeded uniform points over the city and its surroundings: a broad check beside hypothesis."""
    minx, miny, maxx, maxy = mumbai_shapes["bounds"]
    rng = np.random.default_rng(20261125)
    lons = rng.uniform(minx - 0.02, maxx + 0.02, 2000)
    lats = rng.uniform(miny - 0.02, maxy + 0.02, 2000)
    assert_agrees(mumbai_index, mumbai_reference, lons.tolist(), lats.tolist())
    kinds = {r and r[1] for r in many(mumbai_index, lons, lats)}
    assert kinds == {"inside", "nearest", None}, "the sample should exercise all three answers"


def test_mumbai_points_west_of_the_coast(mumbai_index, mumbai_reference, mumbai_shapes):
    """Just west of the westernmost vertex is 'nearest'; a kilometre west is None; far at sea is None."""
    west = min(mumbai_shapes["vertices"])
    kx = mumbai_reference.kx
    near = (west[0] - 0.3 / kx, west[1])
    got = one(mumbai_index, *near)
    assert got is not None and got[1] == "nearest"
    assert got[2] == pytest.approx(0.3, abs=1e-3)
    assert one(mumbai_index, west[0] - 1.0 / kx, west[1]) is None
    assert one(mumbai_index, 72.60, 19.05) is None

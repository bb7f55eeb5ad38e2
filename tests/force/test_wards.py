"""Real data: the 24 BMC wards (../shared/data/mumbai/BMC_Wards.geojson) as a force, and as Mumbai's outline.

The ward file is read where it lies (never copied into the repository); `thana force from-geojson`
writes the package into a temporary directory.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape
from typer.testing import CliRunner

import thana.packages
from tests.conftest import shared_path
from thana.cli import app
from thana.force.geo import JurisdictionIndex
from thana.packages import get_force

MUMBAI_DIR = Path(thana.packages.__file__).parent / "mumbai"
runner = CliRunner()


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def wards_file() -> Path:
    return shared_path("data", "mumbai", "BMC_Wards.geojson")


@pytest.fixture(scope="module")
def raw_wards(wards_file) -> dict[str, object]:
    """ward name -> its geometry, straight from the file."""
    data = json.loads(wards_file.read_text(encoding="utf-8"))
    return {f["properties"]["name"]: shape(f["geometry"]) for f in data["features"]}


@pytest.fixture(scope="module")
def wards_dir(wards_file, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wards") / "package"
    args = ["force", "from-geojson", str(wards_file), "--name-field", "name", "--id", "wards"]
    result = runner.invoke(app, [*args, "--name", "BMC Wards", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "24 stations" in flat(result.output)
    return out


@pytest.fixture(scope="module")
def wards(wards_dir):
    return get_force(str(wards_dir))


@pytest.fixture(scope="module")
def ward_union(raw_wards):
    return shapely.union_all(list(raw_wards.values()))


def find(*args: str) -> dict:
    result = runner.invoke(app, ["find", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_ward_file_has_24_wards(raw_wards):
    """The shared file is what the tests expect: 24 named (multi)polygons."""
    assert len(raw_wards) == 24
    assert all(g.geom_type in ("Polygon", "MultiPolygon") for g in raw_wards.values())


def test_from_geojson_writes_a_valid_package(wards_dir):
    """The package built from the wards validates: exit 0 and 'OK' with 24 stations and 24 jurisdictions."""
    assert {p.name for p in wards_dir.iterdir()} >= {"force.toml", "units.csv", "jurisdictions.geojson"}
    result = runner.invoke(app, ["force", "validate", str(wards_dir)])
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "OK: BMC Wards" in out
    assert "24 stations, 24 jurisdictions" in out


def test_from_geojson_keeps_names_and_geometry(wards, raw_wards):
    """Each ward becomes a station with its name, under a zone, with exactly its area as jurisdiction."""
    stations = {u.name: u for u in wards.stations()}
    assert set(stations) == set(raw_wards)
    for name, unit in stations.items():
        assert wards.ancestor_of_kind(unit.id, "zone") is not None
        geom = wards.jurisdictions[unit.id]
        original = raw_wards[name]
        assert shapely.symmetric_difference(geom, original).area <= 1e-6 * original.area, name
    assert wards.jurisdictions_approximate is False


def test_from_geojson_refuses_a_non_empty_directory(wards_file, wards_dir):
    """Building into a directory that already has files is refused (exit 2), not overwritten."""
    args = ["force", "from-geojson", str(wards_file), "--name-field", "name", "--id", "wards"]
    result = runner.invoke(app, [*args, "--name", "BMC Wards", "--out", str(wards_dir)])
    assert result.exit_code == 2
    assert "not empty" in flat(result.output)


def test_from_geojson_with_a_wrong_name_field(wards_file, tmp_path):
    """A --name-field the features do not have is a clear error naming the field."""
    args = ["force", "from-geojson", str(wards_file), "--name-field", "ward", "--id", "wards"]
    result = runner.invoke(app, [*args, "--name", "BMC Wards", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "no 'ward' property" in flat(result.output)
    assert not (tmp_path / "out").exists()


def test_every_ward_finds_itself_through_the_index(wards, raw_wards):
    """A representative point of every one of the 24 wards lies in that ward, and no other answer is given."""
    index = JurisdictionIndex(wards.jurisdictions, wards.nearest_max_km)
    by_name = {u.name: u.id for u in wards.stations()}
    for name, geom in raw_wards.items():
        p = geom.representative_point()
        loc = index.locate(p.x, p.y)
        assert loc is not None and loc.how == "inside", name
        assert loc.unit_id == by_name[name], name


@pytest.mark.parametrize("ward", ["A", "F/N", "K/W", "R/C", "T"])
def test_find_by_coordinates_in_a_ward(wards_dir, wards, raw_wards, ward):
    """`thana find --lat --lon --force DIR --json` answers the ward a point lies in."""
    p = raw_wards[ward].representative_point()
    result = find("--lat", repr(p.y), "--lon", repr(p.x), "--force", str(wards_dir))
    assert result["station"]["name"] == ward
    assert result["resolved_by"] == "coordinates"
    assert result["approximate"] is False  # these boundaries are the official ones


@pytest.mark.parametrize(
    ("lat", "lon", "where"),
    [
        (19.00, 72.70, "the Arabian Sea, west of Worli"),
        (19.15, 72.70, "the Arabian Sea, west of Juhu"),
        (18.85, 72.80, "the sea south of Colaba"),
        (19.33, 72.86, "north of Dahisar (Mira-Bhayandar)"),
        (19.03, 73.03, "Navi Mumbai, east across the creek"),
        (19.20, 73.05, "Airoli, across the Thane creek from Mulund"),
    ],
)
def test_points_outside_the_city_find_no_ward(wards_dir, ward_union, lat, lon, where):
    """Points at sea or inland beyond the city find no ward."""
    assert ward_union.distance(shapely.Point(lon, lat)) > 0.01, "the point really is outside (more than ~1 km)"
    result = find("--lat", str(lat), "--lon", str(lon), "--force", str(wards_dir))
    assert result["station"] is None, where
    assert result["resolved_by"] is None


# -- the bundled Mumbai package against the wards --------------------------------------------------------


def _km(geom, lat0: float = 19.07):
    kx, ky = 111.320 * math.cos(math.radians(lat0)), 110.574
    return shapely.transform(geom, lambda c: c * [kx, ky])


def test_the_bundled_outline_matches_the_union_of_the_wards(mumbai, ward_union):
    """The outline of Greater Mumbai is the wards' union: area within 2%, symmetric difference under 3%."""
    outline = mumbai.outline
    assert outline is not None
    raw = shapely.union_all(
        [shape(f["geometry"]) for f in json.loads((MUMBAI_DIR / "outline.geojson").read_text())["features"]]
    )
    assert shapely.equals_exact(shapely.normalize(raw), shapely.normalize(outline), tolerance=1e-9)
    union_km, outline_km = _km(ward_union), _km(outline)
    assert abs(outline_km.area - union_km.area) <= 0.02 * union_km.area
    assert shapely.symmetric_difference(outline_km, union_km).area < 0.03 * union_km.area


def test_the_bundled_jurisdictions_stay_inside_the_outline(mumbai):
    """The approximate jurisdictions are clipped to the outline: together they cover it, and no more."""
    union = _km(shapely.union_all(list(mumbai.jurisdictions.values())))
    outline = _km(mumbai.outline)
    assert shapely.difference(union, outline.buffer(0.01)).area < 0.001 * outline.area
    assert abs(union.area - outline.area) < 0.01 * outline.area


def test_every_station_position_lies_in_the_city(mumbai, ward_union):
    """Every bundled unit position is inside the union of the wards (200 m tolerance)."""
    city = _km(ward_union)
    outside = []
    for u in mumbai.units.values():
        if u.lat is not None:
            d = city.distance(_km(shapely.Point(u.lon, u.lat)))
            if d > 0.2:
                outside.append((u.id, round(d, 3)))
    assert not outside
    assert sum(u.lat is not None for u in mumbai.units.values()) > 80


def test_every_place_lies_in_the_city(mumbai, ward_union):
    """Every places.csv point is inside the union of the wards (200 m tolerance)."""
    city = _km(ward_union)
    shapely.prepare(city)
    points = _km(shapely.points([(p.lon, p.lat) for p in mumbai.places]))
    distances = shapely.distance(city, points)
    outside = [(p.name, p.kind, round(float(d), 3)) for p, d in zip(mumbai.places, distances, strict=True) if d > 0.2]
    assert not outside
    assert len(mumbai.places) > 500

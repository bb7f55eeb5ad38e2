"""The directory on the command line: `thana force list/show`, `--force DIR` everywhere, and `thana find`.

Covers the exact JSON shape of `thana find --json`, the readable text output, and every bad input
that must end in exit code 2 with a message saying what to fix.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import shapely
from typer.testing import CliRunner

import thana.packages
from thana.cli import app

MUMBAI_DIR = Path(thana.packages.__file__).parent / "mumbai"
FIND_KEYS = {"query", "station", "resolved_by", "place", "approximate"}
STATION_KEYS = {"id", "name", "zone", "region", "division", "x_handle", "channels"}
RESOLVED_BY = {"handle", "station_name", "place", "coordinates", "nearest", None}
runner = CliRunner()


def flat(text: str) -> str:
    return " ".join(text.split())


def cli(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (args, result.exit_code, result.output, result.exception)
    return result


def find_json(*args: str) -> dict:
    return json.loads(cli("find", *args, "--json").stdout)


def inside(mumbai, station_id: str) -> tuple[float, float]:
    """(lat, lon) of a point well inside a station's jurisdiction."""
    p = mumbai.jurisdictions[station_id].representative_point()
    return p.y, p.x


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory) -> Path:
    """The Mumbai package copied to a directory, with one extra X handle so that its use is visible."""
    dest = tmp_path_factory.mktemp("force") / "mumbai-copy"
    shutil.copytree(MUMBAI_DIR, dest)
    with (dest / "channels.csv").open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerow(
            ["charkop", "x", "@CharkopCopyTest", "https://example.org/test-source", "added by the test"]
        )
    return dest


# -- thana force list / show ---------------------------------------------------------------------------


def test_force_list_names_mumbai():
    """`thana force list` shows the bundled Mumbai force with its station count."""
    out = flat(cli("force", "list").output)
    assert "mumbai" in out and "Brihanmumbai Police" in out
    assert "approximate" in out


def test_force_list_json(mumbai):
    """`thana force list --json` gives one object per bundled force, with counts."""
    rows = json.loads(cli("force", "list", "--json").stdout)
    row = next(r for r in rows if r["name"] == "mumbai")
    assert set(row) == {"name", "title", "version", "stations", "places", "approximate_jurisdictions"}
    assert row["stations"] == len(mumbai.stations())  # police stations and cyber police stations, active
    assert 95 <= row["stations"] <= 101
    assert row["places"] == len(mumbai.places) > 500
    assert row["approximate_jurisdictions"] is True


@pytest.fixture(scope="module")
def shown() -> dict:
    return json.loads(cli("force", "show", "--json").stdout)


def test_force_show_json_every_station_has_zone_and_region(shown):
    """Every active police station in `show --json` carries its zone name, and its region (Port Zone aside)."""
    stations = [u for u in shown["units"] if u["kind"] == "station" and u["status"] == "active"]
    assert 90 <= len(stations) <= 96
    for u in stations:
        assert u["zone"], u["id"]
        assert u["region"] or u["zone"] == "Port Zone", u["id"]
    assert shown["units"][0]["kind"] == "headquarters"


def test_force_show_json_x_handles_follow_the_convention(shown):
    """An active station's X handle is '@<slug>ps' by the force's convention, with its source said; a station
    only sanctioned gets no invented handle."""
    for u in shown["units"]:
        if u["kind"] != "station":
            continue
        if u["status"] != "active":
            assert not [c for c in u["channels"] if c["channel"] == "x"], u["id"]
            continue
        slug = re.sub(r"[^a-z0-9]", "", u["name"].lower())
        xs = [c for c in u["channels"] if c["channel"] == "x"]
        assert xs and xs[0]["address"] == f"@{slug}ps", u["id"]
        assert "convention" in xs[0]["source"]


def test_force_show_json_women_helpline_not_published(shown):
    """Every active station lists 'women_helpline' under not_published (none publishes one)."""
    for u in shown["units"]:
        if u["kind"] == "station" and u["status"] == "active":
            assert "women_helpline" in u["not_published"], u["id"]


def test_force_show_json_force_part(shown):
    """The force object says its emergency numbers, agencies and that the jurisdictions are approximate."""
    force = shown["force"]
    assert force["id"] == "mumbai"
    assert force["jurisdictions"]["approximate"] is True
    assert force["jurisdictions"]["count"] == 90
    assert [e["number"] for e in force["emergency_numbers"]][:5] == ["112", "100", "103", "1930", "1098"]
    assert {c for a in force["agencies"] for c in a["categories"]} >= {"traffic", "railway", "civic"}


def test_force_show_text_tree():
    """The text tree shows the force, a station with its handle and 'not published', and the emergency line."""
    out = flat(cli("force", "show", "--unit", "zone-11").output)
    assert "Brihanmumbai Police" in out and "Zone 11" in out
    assert "Charkop station charkop X @charkopps Women's helpline not published" in out
    assert "Emergency: 112" in out


def test_force_show_unknown_unit_exits_2():
    """`show --unit nope` is a usage error that says how to list the ids."""
    out = flat(cli("force", "show", "--unit", "nope", code=2).output)
    assert "no unit 'nope'" in out


def test_force_show_with_a_directory(package_copy):
    """`--force DIR` reads that directory: the extra handle written there shows up."""
    data = json.loads(cli("force", "show", "--force", str(package_copy), "--json", "--unit", "charkop").stdout)
    [charkop] = data["units"]
    assert [c["address"] for c in charkop["channels"] if c["channel"] == "x"] == ["@CharkopCopyTest"]


def test_find_with_a_directory(package_copy):
    """`thana find --force DIR` answers from that directory's package."""
    result = find_json("@CharkopCopyTest", "--force", str(package_copy))
    assert result["station"]["id"] == "charkop"
    assert result["resolved_by"] == "handle"
    assert result["station"]["x_handle"] == "@CharkopCopyTest"
    bundled = find_json("@CharkopCopyTest")
    assert bundled["station"] is None  # the bundled package does not have it


@pytest.mark.parametrize(
    "args",
    [
        ("force", "show"),
        ("find", "Charkop"),
        ("find", "--lat", "19.2", "--lon", "72.8"),
    ],
    ids=["show", "find-text", "find-coordinates"],
)
@pytest.mark.parametrize("where", ["missing-dir", "unknown-name", "dir-without-force-toml"])
def test_a_missing_force_is_a_clear_error(tmp_path, args, where):
    """A --force that is no package (missing path, unknown name, empty dir) exits 2 and says what is wrong."""
    target = {
        "missing-dir": str(tmp_path / "does-not-exist"),
        "unknown-name": "atlantis",
        "dir-without-force-toml": str(tmp_path),
    }[where]
    out = flat(cli(*args, "--force", target, code=2).output)
    assert out.startswith("error:")
    if where == "dir-without-force-toml":
        assert "has no force.toml" in out
    else:
        assert "no force package" in out and "mumbai" in out  # lists the bundled forces
    assert "Traceback" not in out


# -- thana find: the JSON shape ------------------------------------------------------------------------


def test_find_json_shape_for_a_text_query():
    """`find --json` has exactly the documented keys, for a station found through a place."""
    result = find_json("Charkop")
    assert set(result) == FIND_KEYS
    assert result["query"] == "Charkop"
    assert set(result["station"]) == STATION_KEYS
    assert result["station"] == {
        "id": "charkop",
        "name": "Charkop",
        "zone": "Zone 11",
        "region": "North Region",
        "division": None,
        "x_handle": "@charkopps",
        "channels": {"x": "@charkopps", "women_helpline": None},
    }
    assert result["resolved_by"] in RESOLVED_BY - {None}
    assert result["approximate"] is True
    assert result["place"]["name"] == "Charkop"
    assert {"name", "kind", "lat", "lon", "pincode", "approximate", "source", "matched"} <= set(result["place"])


def test_find_json_shape_for_coordinates(mumbai):
    """Coordinates: query is {lat, lon}, resolved_by 'coordinates', place null, approximate boundaries said."""
    lat, lon = inside(mumbai, "kurla")
    result = find_json("--lat", str(lat), "--lon", str(lon))
    assert set(result) == FIND_KEYS
    assert result["query"] == {"lat": lat, "lon": lon}
    assert result["station"]["id"] == "kurla"
    assert set(result["station"]) == STATION_KEYS
    assert result["resolved_by"] == "coordinates"
    assert result["place"] is None
    assert result["approximate"] is True


def test_find_json_nearest_just_off_the_coast(mumbai):
    """A point a few hundred metres off the coast goes to the nearest station, said as 'nearest'."""
    west = min(tuple(c) for c in shapely.get_coordinates(list(mumbai.jurisdictions.values())))
    lon = west[0] - 0.003  # about 300 m west of the westernmost point of any jurisdiction
    result = find_json("--lat", str(west[1]), "--lon", str(lon))
    assert result["resolved_by"] == "nearest"
    assert result["station"] is not None


def test_find_json_outside_the_area(mumbai):
    """Far out at sea: station null, resolved_by null, place null."""
    result = find_json("--lat", "19.05", "--lon", "72.60")
    assert set(result) == FIND_KEYS
    assert result["station"] is None and result["resolved_by"] is None and result["place"] is None


def test_find_json_nothing_recognised():
    """Text naming no place: station and resolved_by null, place null."""
    result = find_json("my phone was stolen")
    assert result == {
        "query": "my phone was stolen",
        "station": None,
        "resolved_by": None,
        "place": None,
        "approximate": False,
    }


def test_find_json_is_utf8_not_escaped():
    """Devanagari in the answer is written as such, not as \\u escapes."""
    out = cli("find", "कुर्ला पोलीस ठाणे", "--json").stdout
    assert "कुर्ला पोलीस ठाणे" in out
    assert "\\u" not in out


def test_nearest_reach_can_be_overridden(mumbai, monkeypatch):
    """THANA_NEAREST_MAX_KM=0 turns the off-coast 'nearest' answer into none."""
    from thana.config import reload_settings

    west = min(tuple(c) for c in shapely.get_coordinates(list(mumbai.jurisdictions.values())))
    monkeypatch.setenv("THANA_NEAREST_MAX_KM", "0")
    reload_settings()
    result = find_json("--lat", str(west[1]), "--lon", str(west[0] - 0.003))
    assert result["station"] is None and result["resolved_by"] is None


# -- thana find: text output ---------------------------------------------------------------------------


def test_find_text_output_is_readable():
    """The answer names the station, its zone and region, how it was found, channels and emergency numbers."""
    out = flat(cli("find", "Charkop police station").output)
    assert "Charkop Police Station (Zone 11 · North Region)" in out
    assert 'found by the station\'s name "Charkop"' in out
    assert "X: @charkopps https://x.com/charkopps" in out
    assert "Women's helpline: not published" in out
    assert "Emergency: 112" in out and "1930" in out and "1098" in out


def test_find_text_output_says_approximate_and_how_the_place_was_read():
    """Through a place: the approximate note and the spelling the person used."""
    out = flat(cli("find", "Ghatkoper stn").output)
    assert "Ghatkopar Police Station" in out
    assert "found by the place Ghatkopar" in out
    assert 'you wrote "Ghatkoper stn"' in out
    assert "Jurisdiction boundaries are approximate: confirm with the station." in out


@pytest.mark.parametrize(("query", "kind"), [("Ghatkoper stn", "railway station"), ("Charkop", "locality")])
def test_find_text_output_names_the_kind_of_place(query, kind):
    """'found by the place X [kind]': the kind of place is printed, brackets and all."""
    assert f"[{kind}]" in flat(cli("find", query).output)


def test_find_text_output_for_a_location(mumbai):
    """Coordinates: says the location lies in the station's jurisdiction."""
    lat, lon = inside(mumbai, "charkop")
    out = flat(cli("find", "--lat", str(lat), "--lon", str(lon)).output)
    assert "Charkop Police Station" in out
    assert "the location lies in this station's jurisdiction" in out


def test_find_text_output_when_nothing_is_found():
    """Nothing recognised: says so and still gives the emergency numbers."""
    out = flat(cli("find", "help").output)
    assert "No place, station or handle of this force was recognised" in out
    assert "Emergency: 112" in out


def test_find_text_output_outside_the_area():
    """A location outside the force's area says so, with the reach, and the emergency numbers."""
    out = flat(cli("find", "--lat", "19.03", "--lon", "73.03").output)
    assert "outside Brihanmumbai Police's area" in out
    assert "Emergency: 112" in out


def test_find_text_outside_the_area_states_the_reach_in_effect(monkeypatch):
    """The 'outside the area' message states the reach actually used (here overridden to 2 km)."""
    from thana.config import reload_settings

    monkeypatch.setenv("THANA_NEAREST_MAX_KM", "2")
    reload_settings()
    out = flat(cli("find", "--lat", "19.05", "--lon", "72.60").output)
    assert "no station within 2 km" in out, out


# -- thana find: bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--lat", "19.2"), "give both --lat and --lon"),
        (("--lon", "72.8"), "give both --lat and --lon"),
        (("--lat", "100", "--lon", "72.8"), "--lat must be within -90..90"),
        (("--lat", "19.2", "--lon", "200"), "--lon within -180..180"),
        (("--lat", "nan", "--lon", "72.8"), "--lat must be within -90..90"),
        (("--lat", "19.2", "--lon", "inf"), "--lon within -180..180"),
        (("Charkop", "--lat", "19.2", "--lon", "72.8"), "not both"),
        (("",), "give a QUERY"),
        (("   ",), "give a QUERY"),
        ((), "give a QUERY"),
        (("x" * 5000,), "longer than 2,000 characters"),
        (("--lat", "abc", "--lon", "72.8"), "Invalid value for '--lat'"),
    ],
    ids=[
        "lat-only",
        "lon-only",
        "lat-100",
        "lon-200",
        "lat-nan",
        "lon-inf",
        "query-and-coordinates",
        "empty-query",
        "blank-query",
        "nothing",
        "5000-chars",
        "lat-not-a-number",
    ],
)
def test_find_bad_input_exits_2_with_a_message(args, message):
    """Bad input is a usage error (exit 2) with a message that says what to fix, never a traceback."""
    result = runner.invoke(app, ["find", *args])
    assert result.exit_code == 2, result.output
    assert message in flat(result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout.strip() == "", "errors go to stderr, not into the JSON/text answer on stdout"

"""Force packages: `thana force validate` points at every problem, and the bundled Mumbai package holds what it says.

Each broken package is the bundled Mumbai package copied into tmp_path with exactly one thing corrupted;
the validator must exit 1 and name the file, the row (CSV: header = row 1; GeoJSON: the feature's
position; TOML: the line) and the column of that problem.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import thana.packages
from thana.cli import app
from thana.packages import read_package

MUMBAI_DIR = Path(thana.packages.__file__).parent / "mumbai"
NUMBER_CHANNELS = {"phone", "whatsapp", "women_helpline", "sms"}
runner = CliRunner()


def flat(text: str) -> str:
    """Output with Rich's line wrapping undone."""
    return " ".join(text.split())


def copy_mumbai(tmp_path: Path) -> Path:
    dest = tmp_path / "pkg"
    shutil.copytree(MUMBAI_DIR, dest)
    return dest


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def row_of(path: Path, column: str, value: str) -> int:
    """The row number (header = 1) of the first row whose `column` is `value`."""
    _, rows = read_csv(path)
    return next(i for i, r in enumerate(rows, start=2) if r[column] == value)


def edit_csv(path: Path, where: Callable[[dict], bool], **changes: str) -> int:
    """Change the first row matching `where`; return its row number (header = row 1)."""
    header, rows = read_csv(path)
    number = next(i for i, r in enumerate(rows, start=2) if where(r))
    rows[number - 2].update(changes)
    write_csv(path, header, rows)
    return number


def unit(pkg: Path, which: str, /, **changes: str) -> int:
    return edit_csv(pkg / "units.csv", lambda r: r["id"] == which, **changes)


def channel(pkg: Path, owner: str, kind: str, /, **changes: str) -> int:
    return edit_csv(pkg / "channels.csv", lambda r: r["unit_id"] == owner and r["channel"] == kind, **changes)


def place(pkg: Path, which: str, /, **changes: str) -> int:
    return edit_csv(pkg / "places.csv", lambda r: r["name"] == which, **changes)


def edit_features(pkg: Path, change: Callable[[list[dict]], None]) -> None:
    path = pkg / "jurisdictions.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data["features"])
    path.write_text(json.dumps(data), encoding="utf-8")


def line_of(text: str, needle: str, start_line: int = 1) -> int:
    """The 1-based number of the first line at or after start_line that contains needle."""
    for number, line in enumerate(text.splitlines(), start=1):
        if number >= start_line and needle in line:
            return number
    raise AssertionError(f"{needle!r} not found")


def edit_toml(pkg: Path, old: str, new: str) -> str:
    path = pkg / "force.toml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    return text


# -- the cases: (file, row, column, a fragment of the message) ------------------------------------------


def case_bad_id(pkg):
    return "units.csv", unit(pkg, "charkop", id="Charkop_PS"), "id", "'Charkop_PS' is not a valid id"


def case_duplicate_id(pkg):
    first = row_of(pkg / "units.csv", "id", "charkop")
    return "units.csv", unit(pkg, "gorai", id="charkop"), "id", f"duplicate id 'charkop' (first on row {first})"


def case_unknown_kind(pkg):
    return "units.csv", unit(pkg, "charkop", kind="outpost"), "kind", "unknown kind 'outpost'"


def case_missing_parent(pkg):
    return "units.csv", unit(pkg, "charkop", parent_id="zone-99"), "parent_id", "parent 'zone-99'"


def case_cycle(pkg):
    return "units.csv", unit(pkg, "zone-11", parent_id="charkop"), "parent_id", "loops"


def case_station_without_zone(pkg):
    return "units.csv", unit(pkg, "charkop", parent_id="region-north"), "parent_id", "no zone above it"


def case_lat_out_of_range(pkg):
    return "units.csv", unit(pkg, "charkop", lat="91.5"), "lat", "91.5 is outside -90..90"


def case_lat_without_lon(pkg):
    return "units.csv", unit(pkg, "charkop", lon=""), "lon", "lat and lon go together"


def case_position_without_source(pkg):
    return "units.csv", unit(pkg, "charkop", position_source=""), "position_source", "a position needs its source"


def case_station_without_source(pkg):
    return "units.csv", unit(pkg, "charkop", source=""), "source", "a station needs the source"


def case_missing_required_column(pkg):
    header, rows = read_csv(pkg / "units.csv")
    header.remove("kind")
    for r in rows:
        del r["kind"]
    write_csv(pkg / "units.csv", header, rows)
    return "units.csv", 1, "kind", "required column is missing"


def case_channel_unknown_unit(pkg):
    return "channels.csv", channel(pkg, "hq", "web", unit_id="nowhere"), "unit_id", "'nowhere' is not a unit"


def case_channel_unknown_kind(pkg):
    return "channels.csv", channel(pkg, "hq", "web", channel="telegram"), "channel", "unknown channel 'telegram'"


def case_bad_x_handle(pkg):
    return "channels.csv", channel(pkg, "hq", "x", address="@Mumbai Police!"), "address", "is not an X handle"


def case_phone_not_a_number(pkg):
    return "channels.csv", channel(pkg, "control-room", "phone", address="call 100"), "address", "not a phone number"


def case_bad_email(pkg):
    row = channel(pkg, "control-room", "email", address="dial112(at)maharashtra.gov.in")
    return "channels.csv", row, "address", "is not an e-mail address"


def case_channel_without_source(pkg):
    return "channels.csv", channel(pkg, "control-room", "whatsapp", source=""), "source", "needs its public source"


def case_bad_toml(pkg):
    text = edit_toml(pkg, 'timezone = "Asia/Kolkata"', 'timezone "Asia/Kolkata"')
    # `timezone "Asia…`: the key ends at column 9, the '=' is missing at column 10
    return "force.toml", line_of(text, 'timezone "Asia/Kolkata"'), "10", "not valid TOML"


def case_emergency_number_without_source(pkg):
    text = (pkg / "force.toml").read_text(encoding="utf-8")
    start = line_of(text, 'number = "112"')
    lines = text.splitlines(keepends=True)
    source = line_of(text, "source = ", start)
    del lines[source - 1]
    (pkg / "force.toml").write_text("".join(lines), encoding="utf-8")
    first_table = line_of(text, "[[emergency_numbers]]")  # 112 is the first entry
    return "force.toml", first_table, "emergency_numbers[1].source", "number 112 has no source"


def case_agency_unknown_category(pkg):
    text = edit_toml(pkg, 'categories = ["traffic"]', 'categories = ["trafic"]')
    first_table = line_of(text, "[[agencies]]")  # traffic is the first agency
    return "force.toml", first_table, "agencies[1].categories", "unknown category 'trafic'"


def case_geojson_not_json(pkg):
    (pkg / "jurisdictions.geojson").write_text('{\n  "type": "FeatureCollection",\n  features: []\n}\n')
    return "jurisdictions.geojson", 3, "3", "not valid JSON"


def case_feature_not_a_polygon(pkg):
    def change(features):
        features[2]["geometry"] = {"type": "Point", "coordinates": [72.82, 19.21]}

    edit_features(pkg, change)
    return "jurisdictions.geojson", 3, "geometry", "must be a Polygon or MultiPolygon, not Point"


def case_feature_for_a_zone(pkg):
    def change(features):
        features[1]["properties"]["unit_id"] = "zone-11"

    edit_features(pkg, change)
    return "jurisdictions.geojson", 2, "unit_id", "'zone-11' is a zone, not a station"


def case_duplicate_jurisdiction(pkg):
    def change(features):
        features[4]["properties"]["unit_id"] = features[3]["properties"]["unit_id"]

    edit_features(pkg, change)
    return "jurisdictions.geojson", 5, "unit_id", "(first is feature 4)"


def case_place_bad_kind(pkg):
    return "places.csv", place(pkg, "Colaba", kind="village"), "kind", "unknown kind 'village'"


def case_place_bad_pincode(pkg):
    return "places.csv", place(pkg, "Colaba", pincode="40005"), "pincode", "'40005' is not a six-digit pincode"


def case_place_missing_coordinates(pkg):
    return "places.csv", place(pkg, "Colaba", lat="", lon=""), "lat", "coordinates are required"


CASES = {name[5:]: fn for name, fn in dict(globals()).items() if name.startswith("case_")}
TABLE_CASES = ("agency_unknown_category", "emergency_number_without_source")


@pytest.mark.parametrize("case", sorted(CASES))
def test_validate_names_file_row_and_column(tmp_path, case):
    """Each corruption makes validate exit 1 and print 'file, row R, column C: error: …' for it."""
    pkg = copy_mumbai(tmp_path)
    file, row, column, fragment = CASES[case](pkg)

    result = runner.invoke(app, ["force", "validate", str(pkg)])
    assert result.exit_code == 1, result.output
    out = flat(result.output)
    assert f"{file}, row {row}, column {column}: error:" in out, out
    assert re.search(r"\d+ error\(s\)", out)
    assert "OK" not in out.split()

    loaded = read_package(pkg)  # the same problems, as data (the --json shape is tested below)
    assert not loaded.ok
    matching = [p for p in loaded.errors if (p.file, p.row, p.column) == (file, row, column)]
    assert matching, [str(p) for p in loaded.problems]
    assert any(fragment in p.message for p in matching), (fragment, [str(p) for p in matching])


@pytest.mark.parametrize("case", TABLE_CASES)
def test_toml_table_problems_name_file_and_column(tmp_path, case):
    """force.toml problems inside [[emergency_numbers]] / [[agencies]] fail validation naming file and column."""
    pkg = copy_mumbai(tmp_path)
    file, _, column, fragment = CASES[case](pkg)
    result = runner.invoke(app, ["force", "validate", str(pkg), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    found = [p for p in problems if (p["file"], p["column"], p["severity"]) == (file, column, "error")]
    assert found and fragment in found[0]["message"], problems
    assert isinstance(found[0]["row"], int)


def test_toml_key_after_a_blank_line_is_reported_on_its_own_line(tmp_path):
    """A bad top-level key names its own line, not the blank line above it."""
    pkg = copy_mumbai(tmp_path)
    text = edit_toml(pkg, 'id = "mumbai"', 'id = "Mumbai City"')
    row = line_of(text, 'id = "Mumbai City"')
    assert text.splitlines()[row - 2] == "", "the key follows a blank line in the bundled force.toml"
    result = runner.invoke(app, ["force", "validate", str(pkg)])
    assert result.exit_code == 1
    assert f"force.toml, row {row}, column id: error:" in flat(result.output)


def test_validate_the_bundled_package_says_ok():
    """The bundled package validates: exit 0, 'OK' with the counts, no error lines."""
    result = runner.invoke(app, ["force", "validate", str(MUMBAI_DIR)])
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "OK: Brihanmumbai Police" in out
    assert ": error:" not in out
    assert re.search(r"98 stations, 90 jurisdictions, 6\d\d places", out), out


def test_validate_json_shape():
    """`--json` gives {ok, errors, warnings, problems: [{file, row, column, message, severity}]}."""
    result = runner.invoke(app, ["force", "validate", str(MUMBAI_DIR), "--json"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert set(report) == {"ok", "errors", "warnings", "problems"}
    assert report["ok"] is True and report["errors"] == 0
    assert report["warnings"] == len(report["problems"])
    for problem in report["problems"]:
        assert set(problem) == {"file", "row", "column", "message", "severity"}
        assert problem["severity"] == "warning"


def test_validate_json_counts_every_error(tmp_path):
    """Two independent corruptions give two errors in the JSON, each with its own row."""
    pkg = copy_mumbai(tmp_path)
    r1 = unit(pkg, "charkop", kind="outpost")
    r2 = place(pkg, "Colaba", kind="village")
    result = runner.invoke(app, ["force", "validate", str(pkg), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    where = {(p["file"], p["row"], p["column"]) for p in report["problems"] if p["severity"] == "error"}
    assert {("units.csv", r1, "kind"), ("places.csv", r2, "kind")} <= where
    assert report["errors"] == sum(p["severity"] == "error" for p in report["problems"])


def test_two_roots_are_an_error_naming_both(tmp_path):
    """A second unit without a parent fails validation, naming the column and both roots."""
    pkg = copy_mumbai(tmp_path)
    unit(pkg, "region-north", parent_id="")
    result = runner.invoke(app, ["force", "validate", str(pkg), "--json"])
    assert result.exit_code == 1
    problems = [p for p in json.loads(result.stdout)["problems"] if p["severity"] == "error"]
    roots = [p for p in problems if p["file"] == "units.csv" and p["column"] == "parent_id" and "root" in p["message"]]
    assert roots, problems
    assert "hq" in roots[0]["message"] and "region-north" in roots[0]["message"]


def test_two_roots_name_the_row_of_the_extra_root(tmp_path):
    """The 'two roots' problem points at the row of the unit that should have a parent."""
    pkg = copy_mumbai(tmp_path)
    row = unit(pkg, "region-north", parent_id="")
    result = runner.invoke(app, ["force", "validate", str(pkg)])
    assert result.exit_code == 1
    assert f"units.csv, row {row}, column parent_id: error:" in flat(result.output)


def _drop_source_of_1930(pkg: Path) -> tuple[int, int]:
    text = (pkg / "force.toml").read_text(encoding="utf-8")
    start = line_of(text, 'number = "1930"')
    table = max(i for i, line in enumerate(text.splitlines()[:start], start=1) if "[[emergency_numbers]]" in line)
    end = line_of(text, "[[emergency_numbers]]", start)
    lines = text.splitlines(keepends=True)
    del lines[line_of(text, "source = ", start) - 1]
    (pkg / "force.toml").write_text("".join(lines), encoding="utf-8")
    return table, end - 2  # the entry's lines after the deletion


def _bad_category_in_third_agency(pkg: Path) -> tuple[int, int]:
    text = (pkg / "force.toml").read_text(encoding="utf-8")
    start = line_of(text, 'id = "bmc"')
    table = start - 1
    end = line_of(text, "[[agencies]]", start) - 1
    text = text.replace('categories = ["civic"]', 'categories = ["civic", "civics"]', 1)
    (pkg / "force.toml").write_text(text, encoding="utf-8")
    return table, end


@pytest.mark.parametrize(
    ("corrupt", "column"),
    [(_drop_source_of_1930, "emergency_numbers[4].source"), (_bad_category_in_third_agency, "agencies[3].categories")],
    ids=["emergency-1930-without-source", "third-agency-unknown-category"],
)
def test_toml_problem_rows_point_into_the_entry_at_fault(tmp_path, corrupt, column):
    """A problem in the n-th array-of-tables entry names a line inside that entry."""
    pkg = copy_mumbai(tmp_path)
    first, last = corrupt(pkg)
    result = runner.invoke(app, ["force", "validate", str(pkg), "--json"])
    assert result.exit_code == 1
    found = [p for p in json.loads(result.stdout)["problems"] if p["column"] == column]
    assert found, result.stdout
    assert first <= found[0]["row"] <= last, (found[0]["row"], first, last)


@pytest.mark.parametrize("bad_id", ["[/x]charkop", "[bold]charkop"])
def test_validate_prints_values_verbatim(tmp_path, bad_id):
    """A hostile value in a package is shown as written, and validate still exits 1 with a report."""
    pkg = copy_mumbai(tmp_path)
    row = unit(pkg, "charkop", id=bad_id)
    result = runner.invoke(app, ["force", "validate", str(pkg)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1
    out = flat(result.output)
    assert f"units.csv, row {row}, column id: error: '{bad_id}' is not a valid id" in out


def test_validate_text_shows_the_id_pattern(tmp_path):
    """A bad force id is reported with the pattern it must match, brackets and all."""
    pkg = copy_mumbai(tmp_path)
    edit_toml(pkg, 'id = "mumbai"', 'id = "Mumbai City"')
    result = runner.invoke(app, ["force", "validate", str(pkg)])
    assert result.exit_code == 1
    assert "'Mumbai City' does not match ^[a-z0-9][a-z0-9-]*$" in flat(result.output)


def test_a_zero_area_jurisdiction_is_an_error(tmp_path):
    """A jurisdiction whose polygon has no area is an error at its feature, not an empty area kept."""
    pkg = copy_mumbai(tmp_path)

    def flatten(features):
        line = [[72.86, 19.15], [72.87, 19.15], [72.88, 19.15], [72.86, 19.15]]
        features[0]["geometry"] = {"type": "Polygon", "coordinates": [line]}

    edit_features(pkg, flatten)
    result = runner.invoke(app, ["force", "validate", str(pkg), "--json"])
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    assert any(
        (p["file"], p["row"], p["column"], p["severity"]) == ("jurisdictions.geojson", 1, "geometry", "error")
        for p in report["problems"]
    ), report["problems"]


def test_byte_order_mark_and_crlf_are_accepted(tmp_path):
    """CSV files saved by spreadsheets (UTF-8 BOM, CRLF line ends) validate like the originals."""
    pkg = copy_mumbai(tmp_path)
    for name in ("units.csv", "channels.csv", "places.csv"):
        path = pkg / name
        text = path.read_text(encoding="utf-8")
        path.write_bytes(("\ufeff" + text.replace("\n", "\r\n")).encode("utf-8"))
    result = runner.invoke(app, ["force", "validate", str(pkg)])
    assert result.exit_code == 0, result.output
    assert "OK: Brihanmumbai Police" in flat(result.output)


def test_validate_a_missing_directory_exits_2(tmp_path):
    """Validating a path that is not a directory is a usage error (exit 2) that names the path."""
    missing = tmp_path / "nowhere"
    result = runner.invoke(app, ["force", "validate", str(missing)])
    assert result.exit_code == 2
    assert "is not a directory" in flat(result.output)
    assert str(missing) in result.output.replace("\n", "")


def test_validate_a_directory_without_force_toml(tmp_path):
    """A directory without the required files fails and says which file is missing."""
    (tmp_path / "empty").mkdir()
    result = runner.invoke(app, ["force", "validate", str(tmp_path / "empty"), "--json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    assert {(p["file"], p["message"]) for p in problems} >= {("force.toml", "required file is missing")}


# -- the bundled Mumbai force -----------------------------------------------------------------------------


def test_mumbai_hierarchy_counts(mumbai):
    """About 93 active police stations, 13 zones, 5 regions, one headquarters at the root."""
    active_stations = [u for u in mumbai.units.values() if u.kind == "station" and u.active]
    assert 90 <= len(active_stations) <= 96
    assert len(mumbai.units_of_kind("zone")) == 13
    assert len(mumbai.units_of_kind("region")) == 5
    assert mumbai.root.kind == "headquarters"


def test_mumbai_every_station_has_a_zone_and_region(mumbai):
    """Every station sits under a zone, and under a region except the Port Zone's (documented: region unknown)."""
    without_region = set()
    for u in mumbai.units.values():
        if u.kind == "station":
            assert mumbai.ancestor_of_kind(u.id, "zone") is not None, u.id
            if mumbai.ancestor_of_kind(u.id, "region") is None:
                without_region.add(u.id)
        if u.kind == "cyber_station":
            assert mumbai.ancestor_of_kind(u.id, "region") is not None, u.id
    port = {u.id for u in mumbai.stations_under("port-zone")}
    assert without_region == port
    assert mumbai.units["port-zone"].parent_id == mumbai.root.id


def test_mumbai_has_a_control_room_and_cyber_stations(mumbai):
    """The control room and one cyber police station per region are in the hierarchy, active."""
    control = [u for u in mumbai.units.values() if u.kind == "control_room"]
    assert len(control) == 1 and control[0].active
    cyber = [u for u in mumbai.units.values() if u.kind == "cyber_station" and u.active]
    regions_with_cyber = {mumbai.ancestor_of_kind(u.id, "region").id for u in cyber}
    assert regions_with_cyber == {r.id for r in mumbai.units_of_kind("region")}


def test_mumbai_headquarters_x_handles(mumbai):
    """@MumbaiPolice and @CPMumbaiPolice are the headquarters' X handles."""
    handles = {c.address for c in mumbai.channels_of(mumbai.root.id) if c.channel == "x"}
    assert {"@MumbaiPolice", "@CPMumbaiPolice"} <= handles


def test_mumbai_emergency_numbers_have_sources(mumbai):
    """112, 100, 103, 1930 and 1098 are listed, each with a source."""
    numbers = {e.number: e for e in mumbai.emergency_numbers}
    assert {"112", "100", "103", "1930", "1098"} <= set(numbers)
    for e in numbers.values():
        assert e.source.strip(), e.number
        assert e.label.strip()
        assert e.labels.get("hi") and e.labels.get("mr"), e.number


def test_mumbai_agencies_for_traffic_railway_and_civic(mumbai):
    """Traffic, railway and civic complaints each have an agency, and every agency channel has a source."""
    for category in ("traffic", "railway", "civic"):
        agency = mumbai.agency_for(category)
        assert agency is not None, category
        assert agency.channels, agency.id
    for agency in mumbai.agencies:
        for ch in agency.channels:
            assert ch.source.strip(), (agency.id, ch.address)


def test_every_published_number_has_a_source_in_the_files():
    """Read from the files themselves: every number in channels.csv and force.toml carries a public source."""
    _, rows = read_csv(MUMBAI_DIR / "channels.csv")
    numbers = [r for r in rows if r["channel"] in NUMBER_CHANNELS]
    assert numbers, "channels.csv lists numbers"
    for r in rows:
        assert r["source"].strip(), r
    toml = tomllib.loads((MUMBAI_DIR / "force.toml").read_text(encoding="utf-8"))
    for e in toml["emergency_numbers"]:
        assert str(e.get("source", "")).strip(), e["number"]
    for agency in toml["agencies"]:
        for ch in agency.get("channels", []):
            assert str(ch.get("source", "")).strip(), (agency["id"], ch["address"])


def test_mumbai_jurisdictions_are_marked_approximate(mumbai):
    """The force, force.toml and every feature say the boundaries are approximate."""
    assert mumbai.jurisdictions_approximate is True
    toml = tomllib.loads((MUMBAI_DIR / "force.toml").read_text(encoding="utf-8"))
    assert toml["jurisdictions"]["approximate"] is True
    features = json.loads((MUMBAI_DIR / "jurisdictions.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) == len(mumbai.jurisdictions)
    assert all(f["properties"].get("approximate") is True for f in features)


def test_mumbai_jurisdictions_belong_to_active_land_stations(mumbai):
    """Only active stations with a land area have jurisdictions; sea-only stations have none."""
    for uid in mumbai.jurisdictions:
        u = mumbai.units[uid]
        assert u.kind == "station" and u.active and u.land_jurisdiction, uid
    sea = [u.id for u in mumbai.units.values() if u.kind == "station" and not u.land_jurisdiction]
    assert sea and not set(sea) & set(mumbai.jurisdictions)


def test_mumbai_station_positions_lie_in_their_own_jurisdiction(mumbai):
    """A station with a position stands inside (or on the edge of) its own jurisdiction."""
    import shapely

    for uid, geom in mumbai.jurisdictions.items():
        u = mumbai.units[uid]
        if u.lat is not None:
            assert geom.buffer(1e-9).covers(shapely.Point(u.lon, u.lat)), uid


def test_mumbai_x_handles_follow_the_convention(mumbai):
    """A station without a listed handle gets '@' + its name (lower case, letters and digits) + 'ps'."""
    for u in mumbai.stations():
        if u.kind != "station":
            continue
        slug = re.sub(r"[^a-z0-9]", "", u.name.lower())
        assert mumbai.x_handle(u.id) == f"@{slug}ps", u.id
    assert mumbai.x_handle("lt-marg") == "@ltmargps"
    assert mumbai.x_handle("dn-nagar") == "@dnnagarps"

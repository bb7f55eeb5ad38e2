"""The directory's HTTP API (/api/v1/stations, /api/v1/stations/{id}, /api/v1/locate) and its error messages.

Also: hostile text comes back JSON-encoded from the API and escaped in the HTML pages.
"""

from __future__ import annotations

import json

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from typer.testing import CliRunner

from thana.cli import app as cli_app
from thana.web.app import create_app

FIND_KEYS = {"query", "station", "resolved_by", "place", "approximate"}
STATION_KEYS = {"id", "name", "zone", "region", "division", "x_handle", "channels"}
HTML = {"accept": "text/html,application/xhtml+xml"}


@pytest.fixture(scope="module")
def client() -> TestClient:
    # No `with`: the lifespan (database migration) is not needed by the directory.
    return TestClient(create_app(), raise_server_exceptions=False)


def cli_find_json(*args: str) -> dict:
    result = CliRunner().invoke(cli_app, ["find", *args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def zone_of(mumbai, unit_id: str) -> str | None:
    """Walk the parents by hand (not through the code under test)."""
    parent = mumbai.units[unit_id].parent_id
    while parent is not None:
        if mumbai.units[parent].kind == "zone":
            return parent
        parent = mumbai.units[parent].parent_id
    return None


def assert_error(response, status: int, *fragments: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    for fragment in fragments:
        assert fragment in body["error"], (fragment, body["error"])
    return body["error"]


# -- /api/v1/stations ----------------------------------------------------------------------------------


def test_list_stations_total_is_the_active_stations(client, mumbai):
    """GET /api/v1/stations lists every active station once; total equals that count."""
    body = client.get("/api/v1/stations").json()
    active = {u.id for u in mumbai.units.values() if u.is_station and u.status == "active"}
    ids = [item["id"] for item in body["items"]]
    assert body["total"] == len(ids) == len(active) > 90
    assert set(ids) == active
    assert body["force"] == {
        "id": "mumbai",
        "name": "Brihanmumbai Police",
        "version": mumbai.version,
        "jurisdictions_approximate": True,
    }
    for item in body["items"]:
        assert set(item) >= STATION_KEYS
        assert item["status"] == "active"


def test_list_stations_can_include_sanctioned_ones(client, mumbai):
    """include_inactive=true adds the announced stations, marked as such."""
    body = client.get("/api/v1/stations", params={"include_inactive": "true"}).json()
    sanctioned = {i["id"] for i in body["items"] if i["status"] == "sanctioned"}
    assert sanctioned == {u.id for u in mumbai.units.values() if u.is_station and u.status == "sanctioned"}
    active = [u for u in mumbai.units.values() if u.is_station and u.active]
    assert sanctioned and body["total"] == len(active) + len(sanctioned)


@pytest.mark.parametrize("zone", ["zone-11", "Zone 11", "zone 11"])
def test_filter_stations_by_zone_id_or_name(client, mumbai, zone):
    """?zone=zone-11 and ?zone=Zone%2011 give exactly the active stations under Zone 11."""
    body = client.get("/api/v1/stations", params={"zone": zone}).json()
    expected = {u.id for u in mumbai.units.values() if u.is_station and u.active and zone_of(mumbai, u.id) == "zone-11"}
    assert {i["id"] for i in body["items"]} == expected
    assert body["total"] == len(expected) >= 8
    assert all(i["zone"] == "Zone 11" for i in body["items"])


def test_filter_stations_by_region(client):
    """?region=North Region keeps only the North Region's stations (Zones 11 and 12 and its cyber station)."""
    body = client.get("/api/v1/stations", params={"region": "North Region"}).json()
    assert body["total"] > 10
    assert {i["region"] for i in body["items"]} == {"North Region"}
    assert {i["zone"] for i in body["items"]} == {"Zone 11", "Zone 12", None}


def test_unknown_zone_is_404_listing_the_zones(client, mumbai):
    """An unknown zone is 404 with a message that lists the zones to choose from."""
    message = assert_error(client.get("/api/v1/stations", params={"zone": "zone-99"}), 404, "zone-99")
    for zone in mumbai.units_of_kind("zone"):
        assert zone.id in message


# -- /api/v1/stations/{id} -----------------------------------------------------------------------------


def test_one_station_with_channels_and_emergency_numbers(client):
    """A station gives its channels (summary and list with sources) and the force's emergency numbers."""
    body = client.get("/api/v1/stations/charkop").json()
    assert body["id"] == "charkop" and body["name"] == "Charkop"
    assert body["zone"] == "Zone 11" and body["region"] == "North Region"
    assert body["x_handle"] == "@charkopps"
    assert body["channels"] == {"x": "@charkopps", "women_helpline": None}
    first = body["channel_list"][0]
    assert (first["channel"], first["address"]) == ("x", "@charkopps")
    assert all(c["source"] for c in body["channel_list"])
    assert [e["number"] for e in body["emergency_numbers"]][:5] == ["112", "100", "103", "1930", "1098"]
    assert all(e["label"] for e in body["emergency_numbers"])
    assert body["has_jurisdiction"] is True and body["jurisdiction_approximate"] is True
    assert body["position"]["lat"] == pytest.approx(19.21331)
    assert "jurisdiction" not in body


def test_one_station_with_geometry(client, mumbai):
    """?geometry=true adds the jurisdiction as a GeoJSON polygon that holds the station."""
    body = client.get("/api/v1/stations/charkop", params={"geometry": "true"}).json()
    geometry = body["jurisdiction"]
    assert geometry["type"] in ("Polygon", "MultiPolygon")
    area = shape(geometry)
    assert area.is_valid
    assert area.covers(shapely.Point(body["position"]["lon"], body["position"]["lat"]))
    assert area.area == pytest.approx(mumbai.jurisdictions["charkop"].area, rel=1e-9)


def test_a_sea_station_has_no_geometry(client):
    """A coastal station with no land area answers without a jurisdiction, even when asked."""
    body = client.get("/api/v1/stations/sagari-1", params={"geometry": "true"}).json()
    assert body["has_jurisdiction"] is False
    assert body["jurisdiction_approximate"] is None
    assert "jurisdiction" not in body


@pytest.mark.parametrize("station_id", ["nope", "zone-11", "hq", "CHARKOP"])
def test_unknown_station_is_404_json(client, station_id):
    """An id that is not a station is 404 with {"error": ...} naming it and how to list stations."""
    assert_error(client.get(f"/api/v1/stations/{station_id}"), 404, repr(station_id), "/api/v1/stations")


def test_api_errors_are_json_even_for_a_browser(client):
    """An API 404 stays JSON when the client prefers HTML."""
    assert_error(client.get("/api/v1/stations/nope", headers=HTML), 404)


# -- /api/v1/locate ------------------------------------------------------------------------------------


def test_locate_by_coordinates_is_the_cli_json(client, mumbai):
    """?lat=&lon= answers exactly what `thana find --lat --lon --json` does."""
    p = mumbai.jurisdictions["kurla"].representative_point()
    body = client.get("/api/v1/locate", params={"lat": p.y, "lon": p.x}).json()
    assert set(body) == FIND_KEYS
    assert body["station"]["id"] == "kurla" and body["resolved_by"] == "coordinates"
    assert body == cli_find_json("--lat", repr(p.y), "--lon", repr(p.x))


@pytest.mark.parametrize("q", ["Charkop", "@charkopps", "Ghatkoper stn", "कुर्ला पोलीस ठाणे", "help"])
def test_locate_by_text_is_the_cli_json(client, q):
    """?q= answers exactly what `thana find "…" --json` does."""
    body = client.get("/api/v1/locate", params={"q": q}).json()
    assert set(body) == FIND_KEYS
    assert body["query"] == q
    assert body == cli_find_json(q)


def test_locate_outside_the_area(client):
    """A location at sea answers 200 with station null, not an error."""
    body = client.get("/api/v1/locate", params={"lat": 19.05, "lon": 72.60}).json()
    assert body["station"] is None and body["resolved_by"] is None


@pytest.mark.parametrize(
    ("params", "fragments"),
    [
        ({"lat": "abc", "lon": "72.8"}, ("lat", "valid number")),
        ({"lat": "100", "lon": "72.8"}, ("lat=100", "-90..90")),
        ({"lat": "19.2", "lon": "181"}, ("lon=181", "-180..180")),
        ({"lat": "19.2"}, ("both lat", "lon")),
        ({"lon": "72.8"}, ("both lat", "lon")),
        ({"q": "Charkop", "lat": "19.2"}, ("not both",)),
        ({"q": "Charkop", "lat": "19.2", "lon": "72.8"}, ("not both",)),
        ({"q": ""}, ("q is empty",)),
        ({"q": "   "}, ("q is empty",)),
        ({"q": "a" * 2001}, ("q", "2000")),
        ({"lat": "NaN", "lon": "72.8"}, ("not a latitude",)),
        ({"lat": "19.2", "lon": "inf"}, ("not a longitude",)),
        ({}, ("give q=",)),
    ],
    ids=[
        "lat-abc",
        "lat-100",
        "lon-181",
        "only-lat",
        "only-lon",
        "q-with-lat",
        "q-with-both",
        "empty-q",
        "blank-q",
        "q-2001-chars",
        "lat-nan",
        "lon-inf",
        "nothing",
    ],
)
def test_locate_bad_input_says_what_to_fix(client, params, fragments):
    """Bad input is a 400 with {"error": ...} that says what to fix."""
    assert_error(client.get("/api/v1/locate", params=params), 400, *fragments)


def test_a_query_of_2000_characters_is_accepted(client):
    """2,000 characters is the limit, not past it."""
    response = client.get("/api/v1/locate", params={"q": "Charkop " + "x" * 1992})
    assert response.status_code == 200
    assert response.json()["station"]["id"] == "charkop"


# -- hostile input ---------------------------------------------------------------------------------------

HOSTILE = [
    "Charkop'; DROP TABLE units;--",
    "' OR '1'='1",
    "1; SELECT * FROM cases",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Charkop <b>bold</b> {{ 7*7 }} ${7*7}",
]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_text_is_returned_as_json_data(client, q):
    """SQL-ish or HTML text is just text: 200, JSON, echoed exactly as a JSON string."""
    response = client.get("/api/v1/locate", params={"q": q})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["query"] == q
    assert set(body) == FIND_KEYS
    assert json.dumps(q, ensure_ascii=False) in response.text  # encoded as a JSON string, quotes escaped


@pytest.mark.parametrize("path", ["/api/v1/locate", "/"])
def test_a_lone_combining_mark_is_not_a_server_error(client, path):
    """q='\u093c' (a nukta on its own) is answered, not a 500."""
    response = client.get(path, params={"q": "\u093c"}, headers=HTML if path == "/" else {})
    assert response.status_code == 200


def test_sql_ish_text_still_finds_the_named_place(client):
    """The place named in SQL-ish text is still found (the rest is ignored)."""
    body = client.get("/api/v1/locate", params={"q": "Charkop'; DROP TABLE units;--"}).json()
    assert body["station"]["id"] == "charkop"


@pytest.mark.parametrize("q", [h for h in HOSTILE if "<" in h])
def test_html_in_q_is_escaped_in_the_find_page(client, q):
    """HTML in q is never rendered raw in the page: it appears escaped, in the box and in the message."""
    response = client.get("/", params={"q": q}, headers=HTML)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert q not in page
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>bold</b>" not in page
    assert "&lt;" in page


def test_template_syntax_in_q_is_not_evaluated(client):
    """'{{ 7*7 }}' typed by a citizen is shown as written, never computed."""
    page = client.get("/", params={"q": "{{ 7*7 }} nowhere"}, headers=HTML).text
    assert "{{ 7*7 }}" in page
    assert ">49<" not in page and " 49 " not in page


def test_html_in_a_station_path_is_not_rendered(client):
    """An HTML-ish station id in the path gives a 404 page without the raw markup."""
    response = client.get("/stations/<script>alert(1)</script>", headers=HTML)
    assert response.status_code == 404
    assert "<script>alert(1)" not in response.text


# -- documentation ---------------------------------------------------------------------------------------


def test_openapi_lists_the_directory_endpoints(client):
    """/openapi.json documents the three endpoints (GET) and their parameters."""
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/api/v1/stations", "/api/v1/stations/{station_id}", "/api/v1/locate"):
        assert "get" in paths[path], path
    params = {p["name"] for p in paths["/api/v1/locate"]["get"]["parameters"]}
    assert params == {"lat", "lon", "q"}
    assert {p["name"] for p in paths["/api/v1/stations"]["get"]["parameters"]} >= {"zone", "region"}
    assert not any(p.startswith("/stations") for p in paths), "HTML pages are not part of the API"


def test_docs_are_served(client):
    """/docs serves the interactive API documentation."""
    response = client.get("/docs")
    assert response.status_code == 200
    assert "text/html" in response.headers["content-type"]
    assert "swagger" in response.text.lower()
    assert "/openapi.json" in response.text


def test_health_reports_the_backlog_and_a_dead_database(db, monkeypatch):
    """/healthz: 200 with the pending work when the database answers; 503 (not a 500 page) when it does not."""
    from thana.channels import IncomingMessage
    from thana.config import reload_settings
    from thana.store.db import forget_databases
    from thana.store.inbound import save_incoming

    save_incoming(db, [IncomingMessage(channel="sms", external_id="h-1", text="help", sender="+919800000001")])
    with TestClient(create_app()) as live:
        answer = live.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "inbound_pending": 1, "outbox_pending": 0}
    monkeypatch.setenv("THANA_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    reload_settings()
    forget_databases()
    down = TestClient(create_app()).get("/healthz")
    assert down.status_code == 503 and down.json()["status"] == "down"

"""Open311 GeoReport v2 over real HTTP (uvicorn in a thread), shaped as the spec shows, on SQLite and PostgreSQL.

The spec: http://wiki.open311.org/GeoReport_v2 and http://wiki.open311.org/Service_Discovery. Requests
are sent as its examples send them (POST form-encoded, GET with the format appended); one test drives the
API with `georeport`, a published Open311 client, when it is installed.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import select, update

from tests.fakes.server import ServerThread
from thana.channels import IncomingMessage
from thana.config import reload_settings, settings
from thana.force.locate import locator_for
from thana.packages import get_force
from thana.pipeline import Pipeline
from thana.store.db import Database
from thana.store.inbound import save_incoming
from thana.store.schema import cases, inbound
from thana.triage.taxonomy import CATEGORIES
from thana.web import open311
from thana.web.app import create_app

KEY = "key-two"
CHARKOP = ("19.2260", "72.8027")  # the middle of Charkop police station's area
THEFT = "My motorcycle was stolen from the parking lot last night, please help me find it"
NUISANCE = "Loud music from the hall next door after midnight every day, nobody can sleep"
CIVIC = "There is a big pothole on the road and garbage not picked up for a week"
WOMEN = "A man follows me every day from the station and passes dirty comments, I am scared"
EMERGENCY = "A man is attacking people with a knife right now, send police"
REQUEST_FIELDS = [  # the spec's order of a request's elements
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
    "media_url",
]
W3_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


@dataclass
class Api:
    http: httpx.Client
    db: Database | None = None

    def get(self, path: str, **params) -> httpx.Response:
        return self.http.get(path, params=params)

    def post(self, path: str = "requests.json", **fields) -> httpx.Response:
        return self.http.post(path, data=fields)


@pytest.fixture(scope="module")
def public():
    """Discovery and services need no database: one server for them all."""
    with ServerThread(create_app()) as server, httpx.Client(base_url=server.url + "/open311/v2/", timeout=20) as h:
        yield Api(h)


@pytest.fixture
def api(db, monkeypatch):
    monkeypatch.setenv("THANA_OPEN311_API_KEYS", "key-one, key-two")
    reload_settings()
    monkeypatch.setattr(open311, "POST_WAIT_SECONDS", 0.0)
    with ServerThread(create_app()) as server, httpx.Client(base_url=server.url + "/open311/v2/", timeout=20) as h:
        yield Api(h, db)


def xml(response: httpx.Response) -> ET.Element:
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def json_of(response: httpx.Response):
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    return response.json()


def assert_error(response: httpx.Response, status: int, fragment: str) -> None:
    """The spec's error shape, in the format asked for, with the right HTTP status."""
    assert response.status_code == status, response.text
    if response.headers["content-type"].startswith("application/json"):
        (err,) = response.json()
        assert set(err) == {"code", "description"} and err["code"] == status
        assert fragment in err["description"], err
    else:
        root = xml(response)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"]
        assert [c.tag for c in root[0]] == ["code", "description"]
        assert root[0].findtext("code") == str(status) and fragment in root[0].findtext("description")


def drain(db: Database) -> int:
    return Pipeline(db, get_force(settings().force), worker_id="t").drain()


def count_inbound(db: Database) -> int:
    with db.engine.connect() as conn:
        return len(conn.execute(select(inbound.c.id)).all())


def seed(db: Database, text: str, days_ago: float = 0, lat: float | None = None, lon: float | None = None) -> str:
    """A message as if posted to Open311 some days ago; its token."""
    token, external_id = secrets.token_urlsafe(24), str(uuid.uuid4())
    message = IncomingMessage(
        channel="open311",
        external_id=external_id,
        text=text,
        lat=lat,
        lon=lon,
        thread_id=external_id,
        public_token=token,
        received_at=datetime.now(UTC) - timedelta(days=days_ago),
    )
    save_incoming(db, [message])
    return token


def references(db: Database) -> dict[str, dict]:
    """token -> case row."""
    with db.engine.connect() as conn:
        rows = conn.execute(
            select(inbound.c.public_token, cases).select_from(inbound.join(cases, inbound.c.case_id == cases.c.id))
        ).mappings()
        return {r["public_token"]: dict(r) for r in rows}


# -- discovery and services ----------------------------------------------------------------------------


def test_discovery_in_json_and_xml(public):
    doc = json_of(public.get("discovery.json"))
    assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = doc["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == settings().base_url + "/open311/v2" and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(public.get("discovery.xml"))
    assert root.tag == "discovery"
    assert [c.tag for c in root] == ["changeset", "contact", "key_service", "endpoints"]
    (ep,) = root.find("endpoints")
    assert ep.tag == "endpoint" and [c.tag for c in ep] == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in ep.find("formats")] == ["text/xml", "application/json"]
    assert all(f.tag == "format" for f in ep.find("formats"))


def test_services_are_the_categories_citizens_can_report_in_json_and_xml(public):
    wanted = [c.code for c in CATEGORIES if c.code not in ("spam", "appreciation")]
    services = json_of(public.get("services.json"))
    assert [s["service_code"] for s in services] == wanted
    for s in services:
        assert list(s) == ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
        assert s["metadata"] is False and s["type"] == "realtime"
        assert s["service_name"] and len(s["description"]) > 20 and "," in s["keywords"] and s["group"]
    by_code = {s["service_code"]: s for s in services}
    assert by_code["theft"]["service_name"] == "Theft" and by_code["traffic"]["group"] == "other agencies"
    root = xml(public.get("services.xml", jurisdiction_id="mumbai"))  # one jurisdiction: the id is ignored
    assert root.tag == "services" and {c.tag for c in root} == {"service"} and len(root) == len(wanted)
    first = root[0]
    assert [c.tag for c in first] == list(services[0])
    assert first.findtext("metadata") == "false" and first.findtext("type") == "realtime"
    assert [s.findtext("service_code") for s in root] == wanted


def test_service_definition_in_json_and_xml_and_unknown_codes(public):
    assert json_of(public.get("services/theft.json")) == {"service_code": "theft", "attributes": []}
    root = xml(public.get("services/cyber_fraud.xml"))
    assert root.tag == "service_definition" and [c.tag for c in root] == ["service_code", "attributes"]
    assert root.findtext("service_code") == "cyber_fraud" and len(root.find("attributes")) == 0
    assert_error(public.get("services/potholes.json"), 404, "service_code 'potholes' not found")
    assert_error(public.get("services/spam.xml"), 404, "service_code 'spam' not found")


def test_without_an_extension_the_answer_is_xml_the_required_format(public):
    assert xml(public.get("services")).tag == "services"
    assert xml(public.get("discovery")).tag == "discovery"
    assert_error(public.get("services.html"), 404, "unknown format '.html'")


def test_unknown_resources_and_methods_answer_in_the_spec_format(public):
    assert_error(public.get("nothing-here.json"), 404, "no resource 'nothing-here.json'")
    assert_error(public.get("services/theft/more"), 404, "no resource")
    assert_error(public.http.delete("requests.json"), 405, "DELETE is not allowed")


# -- POST requests -------------------------------------------------------------------------------------


def test_post_without_a_valid_api_key_is_403_in_the_spec_format(api):
    where = {"service_code": "theft", "lat": CHARKOP[0], "long": CHARKOP[1], "description": THEFT}
    assert_error(api.post("requests.json", **where), 403, "api_key is missing")
    assert_error(api.post("requests.xml", **where), 403, "api_key is missing")
    assert_error(api.post("requests.json", api_key="key-three", **where), 403, "Invalid api_key")
    assert_error(api.post("requests.xml", api_key="", **where), 403, "api_key is missing")
    assert count_inbound(api.db) == 0


def test_post_parameter_errors_are_400_or_404_as_the_spec_says(api):
    good = {"api_key": KEY, "service_code": "theft", "lat": CHARKOP[0], "long": CHARKOP[1], "description": THEFT}
    cases_ = [
        ({"service_code": ""}, 400, "service_code was not provided"),
        ({"service_code": "potholes"}, 404, "service_code 'potholes' not found"),
        ({"service_code": "spam"}, 404, "service_code 'spam' not found"),
        ({"lat": "", "long": ""}, 400, "a location is required"),
        ({"long": ""}, 400, "lat and long must both be sent"),
        ({"lat": "north"}, 400, "lat='north' is not a number"),
        ({"lat": "95"}, 400, "out of range"),
        ({"long": "nan"}, 400, "out of range"),
        ({"lat": "", "long": "", "address_id": "A-17"}, 400, "address_id is not supported"),
        ({"description": "x" * 4001}, 400, "description is longer than 4000 characters"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url must be an http or https URL"),
    ]
    for change, status, fragment in cases_:
        for fmt in ("json", "xml"):
            assert_error(api.post(f"requests.{fmt}", **(good | change)), status, fragment)
    assert count_inbound(api.db) == 0


def test_a_valid_post_becomes_a_case_at_the_right_station(api):
    # As the spec's example request: form-encoded, every optional field.
    sent = api.post(
        "requests.json",
        api_key=KEY,
        jurisdiction_id="mumbai",
        service_code="theft",
        lat=CHARKOP[0],
        long=CHARKOP[1],
        address_string="Sector 8, Charkop",
        email="asha.patil@example.com",
        device_id="tt222111",
        account_id="123456",
        first_name="Asha",
        last_name="Patil",
        phone="9820012345",
        description=THEFT + ". Call me on 9820012345.",
        media_url="https://example.org/photos/bike.jpg",
    )
    assert sent.status_code == 200
    (answer,) = json_of(sent)
    assert set(answer) == {"token", "service_notice", "account_id"} and answer["account_id"] == "123456"
    token = answer["token"]

    with api.db.engine.connect() as conn:
        row = conn.execute(select(inbound)).mappings().one()
    assert row["channel"] == "open311" and row["public_token"] == token and row["sender"] == "9820012345"
    assert row["lat"] == float(CHARKOP[0]) and row["media"] == [
        {"type": "url", "url": "https://example.org/photos/bike.jpg"}
    ]
    assert KEY not in row["raw"] and '"api_client"' in row["raw"]  # a fingerprint of the key, never the key
    assert row["text"].startswith("📍 Sector 8, Charkop\n\n")

    pending = json_of(api.get(f"tokens/{token}.json"))
    assert pending == [{"service_request_id": None, "token": token}]
    assert drain(api.db) == 1
    case = references(api.db)[token]
    assert case["station_id"] == "charkop" and case["category"] == "theft"
    reference = case["reference"]

    (pair,) = json_of(api.get(f"tokens/{token}.json"))
    assert pair == {"service_request_id": reference, "token": token}
    root = xml(api.get(f"tokens/{token}.xml"))
    assert root.tag == "service_requests" and [c.tag for c in root[0]] == ["service_request_id", "token"]
    assert root[0].findtext("service_request_id") == reference

    one = api.get(f"requests/{reference}.json")
    (request,) = json_of(one)
    assert list(request) == REQUEST_FIELDS
    assert request["service_request_id"] == reference and request["status"] == "open"
    assert request["service_code"] == "theft" and request["service_name"] == "Theft"
    assert request["agency_responsible"] == "Charkop Police Station"
    assert request["status_notes"] == "Received by Charkop Police Station."
    assert W3_RE.match(request["requested_datetime"]) and W3_RE.match(request["updated_datetime"])
    assert W3_RE.match(request["expected_datetime"])  # the first action's deadline
    assert request["lat"] == round(float(CHARKOP[0]), 3) and request["long"] == round(float(CHARKOP[1]), 3)
    assert request["media_url"] == "https://example.org/photos/bike.jpg"
    assert THEFT in request["description"] and "[phone]" in request["description"]
    for secret in ("9820012345", "asha", "Asha", "Patil", "tt222111", "123456", KEY):
        assert secret not in one.text
    root = xml(api.get(f"requests/{reference.lower()}.xml"))
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert [c.tag for c in root[0]] == REQUEST_FIELDS
    assert root[0].findtext("service_request_id") == reference and root[0].findtext("service_notice") == ""


def test_a_post_with_only_an_address_is_routed_by_it(api):
    address = "near Powai lake"
    (answer,) = json_of(api.post(api_key="key-one", service_code="theft", address_string=address, description=THEFT))
    drain(api.db)
    case = references(api.db)[answer["token"]]
    expected = locator_for(get_force("mumbai")).text(address).station_id
    assert expected is not None and case["station_id"] == expected


def test_post_answers_the_service_request_id_when_the_case_opens_in_time(api, monkeypatch):
    monkeypatch.setattr(open311, "POST_WAIT_SECONDS", 10.0)
    stop = threading.Event()

    def worker():
        while not stop.is_set() and not drain(api.db):
            time.sleep(0.05)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        sent = api.post(
            "requests.xml", api_key=KEY, service_code="theft", lat=CHARKOP[0], long=CHARKOP[1], description=THEFT
        )
    finally:
        stop.set()
        thread.join(10)
    root = xml(sent)
    assert root.tag == "service_requests" and [c.tag for c in root[0]] == [
        "service_request_id",
        "service_notice",
        "account_id",
    ]
    (case,) = references(api.db).values()
    assert root[0].findtext("service_request_id") == case["reference"]
    assert "Your complaint is registered with reference " + case["reference"] in root[0].findtext("service_notice")
    assert root[0].find("token") is None  # "should not be returned if service_request_id is returned"


# -- GET requests --------------------------------------------------------------------------------------


def test_get_requests_and_its_filters(api):
    lat, lon = float(CHARKOP[0]), float(CHARKOP[1])
    tokens = {
        "theft": seed(api.db, THEFT, 0.01, lat, lon),
        "nuisance": seed(api.db, NUISANCE, 10),
        "civic": seed(api.db, CIVIC, 30),
        "old_theft": seed(api.db, THEFT + " (an old one)", 120),
        "women": seed(api.db, WOMEN, 0.02),
        "emergency": seed(api.db, EMERGENCY, 0.03),
    }
    drain(api.db)
    found = references(api.db)
    ref = {name: found[token]["reference"] for name, token in tokens.items()}
    assert found[tokens["women"]]["category"] == "women_safety"
    assert found[tokens["emergency"]]["category"] == "emergency"
    with api.db.engine.begin() as conn:
        conn.execute(update(cases).where(cases.c.reference == ref["nuisance"]).values(status="resolved"))

    def ids(response) -> list[str]:
        return [r["service_request_id"] for r in json_of(response)]

    # Default: the last 90 days, newest first; never the sensitive ones or emergencies.
    assert ids(api.get("requests.json")) == [ref["theft"], ref["nuisance"], ref["civic"]]
    assert ids(api.get("requests.json", service_code="theft")) == [ref["theft"]]
    assert ids(api.get("requests.json", service_code="civic,theft")) == [ref["theft"], ref["civic"]]
    assert ids(api.get("requests.json", service_code="women_safety")) == []
    # A civic report is passed to the municipal corporation at once: closed here, with the agency named.
    assert ids(api.get("requests.json", status="closed")) == [ref["nuisance"], ref["civic"]]
    assert ids(api.get("requests.json", status="open")) == [ref["theft"]]
    (civic,) = json_of(api.get(f"requests/{ref['civic']}.json"))
    assert civic["agency_responsible"] == "Brihanmumbai Municipal Corporation (BMC)"
    assert civic["status_notes"] == "Passed to Brihanmumbai Municipal Corporation (BMC), which handles this."
    assert ids(api.get("requests.json", status="open,closed")) == [ref["theft"], ref["nuisance"], ref["civic"]]
    now = datetime.now(UTC)

    def w3(days: float) -> str:
        return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")

    assert ids(api.get("requests.json", start_date=w3(40), end_date=w3(5))) == [ref["nuisance"], ref["civic"]]
    assert ids(api.get("requests.json", start_date=w3(200), end_date=w3(115))) == [ref["old_theft"]]
    assert ids(api.get("requests.json", end_date=w3(20))) == [ref["civic"]]  # the 90 days before end_date
    ist = (now - timedelta(days=40)).astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat("T", "seconds")
    assert ist.endswith("+05:30")
    assert ids(api.get("requests.json", start_date=ist)) == [ref["theft"], ref["nuisance"], ref["civic"]]
    # service_request_id overrides every other argument: old and closed ones too.
    both = api.get("requests.json", service_request_id=f"{ref['old_theft']},{ref['nuisance']}", status="open")
    assert sorted(ids(both)) == sorted([ref["old_theft"], ref["nuisance"]])
    closed = next(r for r in json_of(both) if r["service_request_id"] == ref["nuisance"])
    assert closed["status"] == "closed" and closed["expected_datetime"] is None
    # Asked for by id, a sensitive one shows its status but nothing of what happened or where.
    (women,) = json_of(api.get(f"requests/{ref['women']}.json"))
    assert women["status"] == "open" and women["description"] is None
    assert women["lat"] is None and women["address"] is None and women["media_url"] is None
    # XML: <service_requests><request>…</request></service_requests>
    root = xml(api.get("requests.xml", service_code="theft,civic"))
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request", "request"]
    assert all([c.tag for c in r] == REQUEST_FIELDS for r in root)
    # Wrong filters: 400 in the spec's format.
    assert_error(api.get("requests.json", start_date="yesterday"), 400, "not a w3 datetime")
    assert_error(api.get("requests.xml", start_date=w3(200), end_date=w3(10)), 400, "more than 90 days")
    assert_error(api.get("requests.json", start_date=w3(1), end_date=w3(2)), 400, "start_date is after end_date")
    assert_error(api.get("requests.json", status="pending"), 400, "use open or closed")
    assert_error(api.get("requests.json", service_code="potholes"), 400, "'potholes' is not a service")
    assert_error(api.get("requests.json", service_request_id="<x>"), 400, "is not a reference")


def test_get_one_request_unknown_is_404(api):
    assert_error(api.get("requests/MUM-26-999999.json"), 404, "service_request_id 'MUM-26-999999' not found")
    assert_error(api.get("requests/MUM-26-999999.xml"), 404, "not found")
    assert_error(api.get("tokens/" + "t" * 32 + ".json"), 404, "not found")
    assert_error(api.get("tokens/short.xml"), 404, "not found")


def test_a_token_whose_message_opened_no_case_is_404(api):
    token = seed(api.db, "Buy cheap followers now!!! visit www.cheap.example")
    drain(api.db)
    assert_error(api.get(f"tokens/{token}.json"), 404, "no service request was created")


def test_markup_and_control_characters_are_escaped_in_xml_json_and_html(api):
    attack = NUISANCE + " <script>alert('x')</script> & <b>bold</b>\x07"
    (answer,) = json_of(
        api.post(api_key=KEY, service_code="nuisance", lat=CHARKOP[0], long=CHARKOP[1], description=attack)
    )
    drain(api.db)
    reference = references(api.db)[answer["token"]]["reference"]
    raw = api.get(f"requests/{reference}.xml")
    assert b"<script>" not in raw.content and b"&lt;script&gt;" in raw.content and b"\x07" not in raw.content
    description = xml(raw)[0].findtext("description")
    assert "<script>alert('x')</script> & <b>bold</b>" in description  # the text, as text
    (as_json,) = json_of(api.get(f"requests/{reference}.json"))
    assert "<script>alert('x')</script>" in as_json["description"] and "\x07" not in as_json["description"]
    site = str(api.http.base_url).split("/open311/", 1)[0]
    page = httpx.get(f"{site}/track/{answer['token']}")  # the citizen's follow page takes the same token
    assert page.status_code == 200 and "<script>alert" not in page.text and "&lt;script&gt;" in page.text


# -- a published client --------------------------------------------------------------------------------


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_the_georeport_client_library_reads_this_api(api, output_format):
    georeport = pytest.importorskip("georeport")
    (answer,) = json_of(api.post(api_key=KEY, service_code="theft", lat=CHARKOP[0], long=CHARKOP[1], description=THEFT))
    drain(api.db)
    reference = references(api.db)[answer["token"]]["reference"]
    client = georeport.GeoReport(str(api.http.base_url).rstrip("/"), output_format=output_format)
    services = client.get_service_list()
    assert [s["service_code"] for s in services][:3] == ["emergency", "child_safety", "women_safety"]
    definition = client.get_service_definition("theft")
    assert definition["service_code"] == "theft"
    found = client.get_service_requests(service_code="theft", status="open")
    found = found if isinstance(found, list) else [found]  # xmltodict gives a lone <request> as a dict
    assert [r["service_request_id"] for r in found] == [reference]
    one = client.get_service_request(reference)
    assert one["service_request_id"] == reference and one["status"] == "open"
    assert one["agency_responsible"] == "Charkop Police Station"

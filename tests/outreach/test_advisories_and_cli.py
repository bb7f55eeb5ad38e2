"""Advisories to housing societies, on SQLite and PostgreSQL: a station's advisory goes out through the outbox as
one WhatsApp template per verified society, through a fake Graph API that fails some sends the way Meta does
(before accepting them), with retries and never twice; the delivery per society comes back from Meta's status
webhooks. Then `thana society …` and `thana counselling` from the command line, errors included.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from tests.cases import caller, cheap_passwords, use_force
from tests.channels import HTTP, configure
from tests.fakes.graph_api import FakeGraphApi
from tests.outreach import advisory_rows, all_rows, phone_of, recent, register, sign_in, society
from thana.channels.outbox import OutboxSender
from thana.channels.senders import senders
from thana.cli import app as cli_app
from thana.config import settings
from thana.store.schema import advisories, outbox, utcnow
from thana.store.users import create_user
from thana.web.app import create_app

ADVICE = "Chain snatchers reported near Charkop depot: keep gates locked after 11 pm and call 100 if you see them."


@pytest.fixture
def force(monkeypatch):
    cheap_passwords(monkeypatch)
    return use_force(monkeypatch, "mumbai")


@pytest.fixture
def client(force):
    return TestClient(create_app(), raise_server_exceptions=False, follow_redirects=False)


@pytest.fixture
def graph(_graph_server: FakeGraphApi, app_url, force, monkeypatch) -> FakeGraphApi:
    """The fake Graph API, emptied; Thana sends through it from its number and hears its status webhooks."""
    _graph_server.reset()
    _graph_server.callback_url = app_url + "/webhooks/whatsapp"
    configure(
        monkeypatch,
        whatsapp_app_secret=_graph_server.app_secret,
        whatsapp_access_token=_graph_server.access_token,
        whatsapp_api_base=_graph_server.url + "/v21.0",
        whatsapp_phone_number_id=_graph_server.phone_number_id,
    )
    yield _graph_server
    _graph_server.drain()


def verified_societies(client, db, force, station: str, count: int, start: int = 0) -> dict[int, str]:
    """`count` societies registered on the public API at `station` and verified by it: {id: wa number}."""
    point = force.jurisdictions[station].representative_point()
    officer = caller(db, force, "station_incharge", station)
    out = {}
    for n in range(start, start + count):
        made = register(client, f"Society {n} CHS", phone_of(n), lat=point.y, lon=point.x)
        assert made.status_code == 200 and made.json()["station_id"] == station, made.text
        society_id = made.json()["id"]
        assert client.post(f"/api/v1/societies/{society_id}/verify", headers=officer.headers).status_code == 200
        out[society_id] = society(db, society_id)["secretary_phone"]
    return out


def send_everything(db) -> list[int]:
    """Run the outbox sender until it has nothing left, its clock two hours ahead so every retry is due at
    once (retries wait at most an hour); how many rows each round handled."""
    sender = OutboxSender(db, senders(settings(), HTTP), clock=lambda: utcnow() + timedelta(hours=2))
    rounds = []
    while not rounds or rounds[-1]:
        rounds.append(sender.run_once())
        assert len(rounds) < 10, rounds
    return rounds


# -- advisories --------------------------------------------------------------------------------------------


def test_advisory_reaches_every_verified_society_exactly_once_despite_failed_sends(db, force, client, graph):
    """25 verified societies at Charkop (plus one pending, one rejected, and one verified at Kandivali). The
    advisory is queued for the 25 only; Graph answers 500 three times and 429 twice before accepting: the
    sender retries, and each secretary gets exactly one template (the station's name and the text, tagged with
    the advisory and society). Status webhooks move deliveries on; the status per society is in the API;
    running the sender again sends nothing."""
    members = verified_societies(client, db, force, "charkop", 25)
    pending = register(client, "Pending CHS", phone_of(90)).json()["id"]
    rejected = register(client, "Rejected CHS", phone_of(91)).json()["id"]
    charkop = caller(db, force, "desk_officer", "charkop")
    assert client.post(f"/api/v1/societies/{rejected}/reject", headers=charkop.headers).status_code == 200
    elsewhere = verified_societies(client, db, force, "kandivali", 1, start=92)
    assert society(db, pending)["station_id"] == "charkop"

    queued = client.post("/api/v1/advisories", json={"station_id": "charkop", "text": ADVICE}, headers=charkop.headers)
    assert queued.status_code == 200, queued.text
    advisory_id = queued.json()["advisory_id"]
    assert queued.json() == {"advisory_id": advisory_id, "societies": 25}
    assert {r["recipient"] for r in advisory_rows(db, advisory_id)} == set(members.values())

    graph.fail("/v21.0/", 500, times=3)
    graph.fail("/v21.0/", 429, times=2)
    rounds = send_everything(db)
    assert rounds[0] == 25 and rounds[-1] == 0

    accepted = Counter(m.to for m in graph.messages)
    assert accepted == Counter(members.values()), "one accepted message per verified society, none to others"
    assert not {phone_of(n).replace(" ", "").lstrip("+") for n in (90, 91, 92)} & set(accepted)
    assert set(elsewhere.values()).isdisjoint(accepted)
    assert len(graph.requests("/v21.0/", method="POST")) == 25 + 5  # five refused sends were retried
    by_key = {m.payload["biz_opaque_callback_data"]: m for m in graph.messages}
    assert set(by_key) == {f"advisory:{advisory_id}:{sid}" for sid in members}
    for sid, phone in members.items():
        sent = by_key[f"advisory:{advisory_id}:{sid}"]
        assert (sent.to, sent.type, sent.payload["template"]["name"]) == (phone, "template", "thana_advisory")
        assert sent.payload["template"]["language"] == {"code": "en"}
        [body] = sent.payload["template"]["components"]
        assert [p["text"] for p in body["parameters"]] == ["Charkop", ADVICE]

    rows = advisory_rows(db, advisory_id)
    assert {r["status"] for r in rows} == {"sent"} and all(r["last_error"] is None for r in rows)
    assert sorted(r["attempts"] for r in rows) == [1] * 20 + [2] * 5
    assert {r["provider_id"] for r in rows} == {m.id for m in graph.messages}

    first, second = (by_key[f"advisory:{advisory_id}:{sid}"] for sid in list(members)[:2])
    assert [d.status_code for d in graph.deliver_statuses(first.id, ("sent", "delivered"))] == [200, 200]
    assert [d.status_code for d in graph.deliver_statuses(second.id, ("sent", "delivered", "read"))] == [200] * 3
    status = client.get(f"/api/v1/advisories/{advisory_id}", headers=charkop.headers)
    assert status.status_code == 200
    deliveries = {d["society_id"]: d for d in status.json()["deliveries"]}
    assert set(deliveries) == set(members)
    first_id, second_id = list(members)[:2]
    assert deliveries[first_id]["status"] == "delivered" and recent(deliveries[first_id]["delivered_at"])
    assert deliveries[first_id]["read_at"] is None and recent(deliveries[second_id]["read_at"])
    assert {d["status"] for s, d in deliveries.items() if s not in (first_id, second_id)} == {"sent"}
    assert sum(d["attempts"] for d in deliveries.values()) == 30

    before = len(graph.requests("/v21.0/", method="POST"))
    assert send_everything(db) == [0]
    assert len(graph.requests("/v21.0/", method="POST")) == before


def test_an_advisory_is_queued_once_per_society(db, force, client, graph):
    """The outbox key advisory:<advisory>:<society> is unique: queuing the same advisory for the same society
    again is refused by the database. A second advisory is a new one, with keys of its own."""
    members = verified_societies(client, db, force, "charkop", 2)
    charkop = caller(db, force, "desk_officer", "charkop")
    first = client.post("/api/v1/advisories", json={"station_id": "charkop", "text": ADVICE}, headers=charkop.headers)
    advisory_id = first.json()["advisory_id"]
    [row, _] = advisory_rows(db, advisory_id)
    again = {k: v for k, v in row.items() if k != "id"}
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(outbox.insert().values(**again))
    assert len(advisory_rows(db, advisory_id)) == 2
    second = client.post(
        "/api/v1/advisories", json={"station_id": "charkop", "text": "Second"}, headers=charkop.headers
    )
    assert second.json()["advisory_id"] != advisory_id
    keys = [r["idempotency_key"] for r in advisory_rows(db)]
    assert len(keys) == len(set(keys)) == 4
    send_everything(db)
    assert Counter(m.to for m in graph.messages) == Counter({phone: 2 for phone in members.values()})


def test_advisory_refusals(db, force, client, graph, monkeypatch):
    """Another station's advisory (sending or reading): 404; blank, too long, an unknown language: 400; with no
    number to send from: 400 naming the setting; a station without verified societies: queued for none."""
    verified_societies(client, db, force, "charkop", 1)
    charkop = caller(db, force, "desk_officer", "charkop")
    kandivali = caller(db, force, "desk_officer", "kandivali")
    url = "/api/v1/advisories"
    body = {"station_id": "charkop", "text": ADVICE}
    assert client.post(url, json=body, headers=kandivali.headers).status_code == 404
    for bad, words in [
        ({"text": "   "}, "1..1000"),
        ({"text": "x" * 1001}, "text"),
        ({"language": "fr"}, "language"),
    ]:
        response = client.post(url, json=body | bad, headers=charkop.headers)
        assert response.status_code == 400 and words in response.json()["error"], (bad, response.text)
    empty = client.post(url, json={"station_id": "kandivali", "text": ADVICE}, headers=kandivali.headers)
    assert empty.status_code == 200 and empty.json()["societies"] == 0
    advisory_id = client.post(url, json=body, headers=charkop.headers).json()["advisory_id"]
    assert client.get(f"{url}/{advisory_id}", headers=kandivali.headers).status_code == 404
    assert client.get(f"{url}/{advisory_id + 99}", headers=charkop.headers).status_code == 404
    dcp = caller(db, force, "dcp", "zone-11")
    assert len(client.get(f"{url}/{advisory_id}", headers=dcp.headers).json()["deliveries"]) == 1
    configure(monkeypatch, whatsapp_phone_number_id=None)
    unset = client.post(url, json=body, headers=charkop.headers)
    assert unset.status_code == 400 and "THANA_WHATSAPP_PHONE_NUMBER_ID" in unset.json()["error"]
    assert len(advisory_rows(db)) == 1


def test_advisory_to_an_unknown_station_is_404(db, force, client, graph):
    for who in (caller(db, force, "desk_officer", "charkop"), caller(db, force, "hq")):
        response = client.post(
            "/api/v1/advisories", json={"station_id": "nowhere", "text": ADVICE}, headers=who.headers
        )
        assert response.status_code == 404, (who.label, response.status_code, response.text)


def test_advisory_from_the_societies_page(db, force, client, graph):
    """The staff page's form (session + CSRF token) queues the advisory and says for how many societies."""
    verified_societies(client, db, force, "charkop", 3)
    officer = sign_in(db, force, client.app, "charkop.incharge", role="station_incharge")
    form = {"station_id": "charkop", "text": ADVICE}
    assert officer.client.post("/advisories", data=form).status_code == 403  # no CSRF token
    done = officer.client.post("/advisories", data=form | {"csrf_token": officer.csrf})
    assert done.status_code == 303 and "queued%20for%203%20societies" in done.headers["location"]
    [made] = all_rows(db, advisories)
    assert (made["station_id"], made["text"], made["created_by"]) == ("charkop", ADVICE, officer.actor)
    assert len(advisory_rows(db, made["id"])) == 3


# -- the command line --------------------------------------------------------------------------------------


def thana(*args: str):
    result = CliRunner().invoke(cli_app, list(args))
    result.plain = " ".join(result.output.split())
    return result


@pytest.fixture
def officers(db, force):
    for username, unit in (("charkop.desk", "charkop"), ("kandivali.desk", "kandivali")):
        create_user(db, force, username, role="desk_officer", unit_id=unit, password="a long password 1")
    create_user(db, force, "dcp.11", role="dcp", unit_id="zone-11", password="a long password 1")


def test_cli_society_list_verify_and_reject_within_the_officers_stations(db, force, client, officers):
    """`thana society list/verify/reject --as USER`: an officer lists and decides their own stations' societies
    (the secretary's number masked in the table); another station's society or an unknown one is a clear
    error with exit code 2 and no change."""
    first = register(client, "Sai Darshan CHS", "+91 98200 12345").json()["id"]
    second = register(client, "Green Acres CHS", phone_of(7)).json()["id"]
    listed = thana("society", "list", "--as", "charkop.desk", "--json")
    assert listed.exit_code == 0, listed.output
    assert {(s["id"], s["station_id"], s["status"]) for s in json.loads(listed.stdout)} == {
        (first, "charkop", "pending"),
        (second, "charkop", "pending"),
    }
    table = thana("society", "list", "--as", "charkop.desk")
    assert table.exit_code == 0 and "Sai Darshan CHS" in table.plain and "Charkop" in table.plain
    assert "919820012345" not in table.output and "9198…45" in table.plain
    assert thana("society", "list", "--as", "kandivali.desk").plain == "no societies"

    hidden = thana("society", "verify", str(first), "--as", "kandivali.desk")
    assert hidden.exit_code == 2 and f"error: no society {first} of your station" in hidden.plain
    assert society(db, first)["status"] == "pending"
    unknown = thana("society", "verify", "999", "--as", "charkop.desk")
    assert unknown.exit_code == 2 and "no society 999 of your station" in unknown.plain
    nobody = thana("society", "verify", str(first), "--as", "no.such.officer")
    assert nobody.exit_code == 2 and "no active officer 'no.such.officer'" in nobody.plain
    not_a_number = thana("society", "verify", "first", "--as", "charkop.desk")
    assert not_a_number.exit_code == 2

    verified = thana("society", "verify", str(first), "--as", "charkop.desk")
    assert verified.exit_code == 0 and f"society {first}: verified" in verified.plain
    rejected = thana("society", "reject", str(second), "--as", "charkop.desk")
    assert rejected.exit_code == 0 and f"society {second}: rejected" in rejected.plain
    verifier = society(db, first)["verified_by"]
    assert verifier.startswith("user:") and society(db, second)["status"] == "rejected"
    only_verified = json.loads(thana("society", "list", "--as", "dcp.11", "--status", "verified", "--json").stdout)
    assert [s["id"] for s in only_verified] == [first]


def test_cli_advise_and_follow_an_advisory(db, force, client, officers, graph):
    """`thana society advise STATION TEXT --as USER` queues one message per verified society; `thana society
    advisory ID --as USER` follows it; another station's officer is refused (exit 2) in both."""
    members = verified_societies(client, db, force, "charkop", 2)
    hidden = thana("society", "advise", "charkop", ADVICE, "--as", "kandivali.desk")
    assert hidden.exit_code == 2 and "error: no station 'charkop' of yours" in hidden.plain
    sent = thana("society", "advise", "charkop", ADVICE, "--as", "charkop.desk", "--language", "mr")
    assert sent.exit_code == 0, sent.output
    assert "advisory 1: queued for 2 verified societies" in sent.plain
    assert {r["recipient"] for r in advisory_rows(db, 1)} == set(members.values())
    assert {r["template"]["language"]["code"] for r in advisory_rows(db, 1)} == {"mr"}
    send_everything(db)
    followed = thana("society", "advisory", "1", "--as", "charkop.desk", "--json")
    assert followed.exit_code == 0
    assert {(d["society_id"], d["status"], d["attempts"]) for d in json.loads(followed.stdout)} == {
        (sid, "sent", 1) for sid in members
    }
    table = thana("society", "advisory", "1", "--as", "charkop.desk")
    assert table.exit_code == 0 and table.plain.count(" sent ") == 2
    other = thana("society", "advisory", "1", "--as", "kandivali.desk")
    assert other.exit_code == 2 and "no advisory 1 of yours" in other.plain
    empty = thana("society", "advise", "charkop", "   ", "--as", "charkop.desk")
    assert empty.exit_code == 2 and "1..1000 characters" in empty.plain


def test_cli_advise_without_a_number_to_send_from_says_which_setting(db, force, client, officers):
    verified_societies(client, db, force, "charkop", 1)
    result = thana("society", "advise", "charkop", ADVICE, "--as", "charkop.desk")
    assert result.exit_code == 2 and "THANA_WHATSAPP_PHONE_NUMBER_ID is not set" in result.plain
    assert advisory_rows(db) == []


def test_cli_counselling_lists_centres_by_region(force):
    """`thana counselling`: every region's centre, one region's with --region, an unknown region an error."""
    everything = thana("counselling", "--json")
    assert everything.exit_code == 0
    assert {c["region_id"] for c in json.loads(everything.stdout)} == {
        "region-south",
        "region-central",
        "region-east",
        "region-west",
        "region-north",
    }
    [north] = json.loads(thana("counselling", "--region", "region-north", "--json").stdout)
    assert north["id"] == "counselling-north" and north["source"].startswith("https://")
    table = thana("counselling", "--region", "region-north")
    assert table.exit_code == 0 and "North Region" in table.plain and "not published" in table.plain
    unknown = thana("counselling", "--region", "region-nowhere")
    assert unknown.exit_code == 2 and "no unit 'region-nowhere'" in unknown.plain

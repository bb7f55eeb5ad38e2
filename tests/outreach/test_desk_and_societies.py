"""The women's-safety desk end to end, on SQLite and PostgreSQL: which queue a case lands in, who may see the
victim (and that each look is recorded), Nirbhaya squad dispatches through the API and the case page (and the
zone monitor's figures for them), counselling referrals with the citizen's consent — and housing societies:
registering on the public page and API, verification by their own station only, and a verified secretary's
message raised with the society's details at its station.

Cases come from the real pipeline (tests.cases.open_cases); officers are real users with sessions (pages, API)
or tokens (integrations); everything is read back from the database, not from what the code under test says.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.cases import caller, case_row, cheap_passwords, drain, events_of, message, open_case, open_cases, use_force
from tests.channels import force_with_women_helpline
from tests.outreach import (
    ago,
    all_rows,
    iso,
    phone_of,
    recent,
    referral_rows,
    register,
    sign_in,
    society,
)
from thana.store.inbound import save_incoming
from thana.store.schema import cases, dispatches, inbound, societies
from thana.web.app import create_app

PHONE = "9876543210"
WOMAN = "a woman is being followed and harassed by a man near the bus stop right now, call me on 9876543210"
HELPLINE = "+91 98200 11104"  # made up: Mumbai publishes no station-level women's helpline for Charkop


@pytest.fixture
def force(monkeypatch):
    cheap_passwords(monkeypatch)
    return use_force(monkeypatch, "mumbai")


@pytest.fixture
def app(force):
    return create_app()


@pytest.fixture
def client(app):
    return TestClient(app, raise_server_exceptions=False, follow_redirects=False)


@pytest.fixture
def desk(db, force, app):
    """Charkop's women's desk: a desk officer of Charkop on the desk "women"."""
    return sign_in(db, force, app, "priya.desk", desks="women")


def womens_case(db, force, key: str = "w1", station: str = "charkop") -> str:
    """A women's-safety WhatsApp message to the station, with the sender's name and phone number in it."""
    msg = message(key, station, WOMAN, force=force, channel="whatsapp", sender_name="Sunita Kale")
    reference = open_cases(db, force, [msg])[key]
    row = case_row(db, reference)
    assert (row["category"], row["desk"], row["station_id"]) == ("women_safety", "women", station), row
    return reference


def incoming(case: dict) -> dict:
    [found] = [m for m in case["conversation"] if m["direction"] == "in"]
    return found


# -- the women's desk: the queue and who may see the victim ------------------------------------------------


def test_womens_safety_case_lands_in_its_stations_womens_desk_queue(db, force, app, desk):
    """A women's-safety case at Charkop is in Charkop's women's-desk queue (API and inbox page, with the desk in
    the menu); a theft case is not; Kandivali's women's desk does not see it at all."""
    women = womens_case(db, force)
    theft = open_case(db, force, "charkop", "theft", key="t1")
    listed = desk.get("/api/v1/cases", params={"desk": "women"}).json()
    assert [(i["reference"], i["desk"]) for i in listed["items"]] == [(women, "women")]
    page = desk.get("/inbox?desk=women", headers={"Accept": "text/html"})
    assert page.status_code == 200 and women in page.text and theft not in page.text
    assert 'href="/inbox?desk=women&amp;lang=en"' in page.text  # the desk's own entry in the menu
    plain = sign_in(db, force, app, "off.desk")  # not on the desk: no desk entry in the menu
    assert "/inbox?desk=women" not in plain.get("/inbox", headers={"Accept": "text/html"}).text
    elsewhere = sign_in(db, force, app, "kandivali.desk", "kandivali", desks="women")
    assert elsewhere.get("/api/v1/cases", params={"desk": "women"}).json()["total"] == 0
    assert women not in elsewhere.get("/inbox?desk=women", headers={"Accept": "text/html"}).text


def test_message_to_a_stations_womens_helpline_number_goes_to_its_womens_desk(db, monkeypatch, tmp_path):
    """Mumbai publishes no women's helpline per station (only headquarters'), so the scenario is built from the
    routing rule: a force whose Charkop station publishes one. A WhatsApp message written to that number is
    Charkop's and on its women's desk even when it reads as theft; the same text sent elsewhere is not."""
    from thana.packages import get_force

    assert not [c for c in get_force("mumbai").channels if c.unit_id == "charkop" and c.channel == "women_helpline"]
    cheap_passwords(monkeypatch)
    force = use_force(monkeypatch, force_with_women_helpline(tmp_path, "charkop", HELPLINE))
    text = "my purse was stolen at the market yesterday"
    to_helpline = dataclasses.replace(
        message("h1", None, text, force=force, channel="whatsapp"), addressed_to="919820011104"
    )
    to_handle = message("h2", "charkop", text, force=force, channel="whatsapp")
    refs = open_cases(db, force, [to_helpline, to_handle])
    helpline_case, handle_case = case_row(db, refs["h1"]), case_row(db, refs["h2"])
    assert (helpline_case["station_id"], helpline_case["desk"], helpline_case["routed_by"]) == (
        "charkop",
        "women",
        "number",
    )
    assert (handle_case["station_id"], handle_case["desk"]) == ("charkop", None)
    app = create_app()
    desk = sign_in(db, force, app, "priya.desk", desks="women")
    listed = desk.get("/api/v1/cases", params={"desk": "women"}).json()
    assert [i["reference"] for i in listed["items"]] == [refs["h1"]]
    assert desk.get(f"/api/v1/cases/{refs['h1']}", params={"reveal": "true"}).status_code == 200
    assert desk.get(f"/api/v1/cases/{refs['h2']}", params={"reveal": "true"}).status_code == 403


def test_recategorising_a_helpline_case_keeps_it_on_the_womens_desk(db, monkeypatch, tmp_path):
    """The women's helpline is the desk's own number: a correction of the category does not take the case away."""
    cheap_passwords(monkeypatch)
    force = use_force(monkeypatch, force_with_women_helpline(tmp_path, "charkop", HELPLINE))
    text = "my purse was stolen at the market yesterday"
    msg = dataclasses.replace(message("h1", None, text, force=force, channel="whatsapp"), addressed_to="919820011104")
    reference = open_cases(db, force, [msg])["h1"]
    assert case_row(db, reference)["desk"] == "women"
    desk = sign_in(db, force, create_app(), "priya.desk", desks="women")
    moved = desk.post(f"/api/v1/cases/{reference}/recategorise", json={"category": "nuisance", "reason": "noise"})
    assert moved.status_code == 200, moved.text
    assert case_row(db, reference)["desk"] == "women"
    assert [i["reference"] for i in desk.get("/api/v1/cases", params={"desk": "women"}).json()["items"]] == [reference]
    assert desk.get(f"/api/v1/cases/{reference}", params={"reveal": "true"}).status_code == 200


def test_womens_desk_officer_of_the_station_sees_the_victim_and_the_look_is_recorded(db, force, desk):
    """Masked by default (may_reveal true); with reveal the sender's name, number and words are shown, and a
    personal_data_viewed event names the officer."""
    reference = womens_case(db, force)
    masked = desk.get(f"/api/v1/cases/{reference}").json()
    assert (masked["identity_visible"], masked["may_reveal"], masked["citizen"]) == (False, True, None)
    assert incoming(masked)["from"] == "citizen" and PHONE not in incoming(masked)["text"]
    assert events_of(db, reference, "personal_data_viewed") == []
    shown = desk.get(f"/api/v1/cases/{reference}", params={"reveal": "true"})
    assert shown.status_code == 200, shown.text
    full = shown.json()
    assert full["identity_visible"] is True and full["citizen"] == case_row(db, reference)["citizen"]
    assert incoming(full)["from"] == "Sunita Kale" and PHONE in incoming(full)["text"]
    [viewed] = events_of(db, reference, "personal_data_viewed")
    assert viewed["actor"] == desk.actor and viewed["detail"] == {"by": "Priya.Desk"} and recent(viewed["at"])
    page = desk.get(f"/cases/{reference}?reveal=true", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Sunita Kale" in page.text
    assert len(events_of(db, reference, "personal_data_viewed")) == 2  # the page's look is recorded too


def test_another_stations_officers_get_404_even_on_the_womens_desk(db, force, app, client):
    """Kandivali (a plain desk officer by token, and its women's desk by session) cannot read, reveal, dispatch
    to or refer Charkop's case: 404, as if it did not exist, and nothing is written."""
    reference = womens_case(db, force)
    token = caller(db, force, "desk_officer", "kandivali")
    assert client.get(f"/api/v1/cases/{reference}", headers=token.headers).status_code == 404
    other = sign_in(db, force, app, "kandivali.desk", "kandivali", desks="women")
    assert other.get(f"/api/v1/cases/{reference}", params={"reveal": "true"}).status_code == 404
    assert other.get(f"/cases/{reference}", headers={"Accept": "text/html"}).status_code == 404
    squad = {"squad": "Nirbhaya squad, Kandivali", "dispatched_at": iso(ago(minutes=5))}
    assert other.post(f"/api/v1/cases/{reference}/dispatches", json=squad).status_code == 404
    assert client.post(f"/api/v1/cases/{reference}/dispatches", json=squad, headers=token.headers).status_code == 404
    referral = {"centre_id": "counselling-north", "consent": True, "consent_note": "on the phone"}
    assert other.post(f"/api/v1/cases/{reference}/referrals", json=referral).status_code == 404
    assert events_of(db, reference, "personal_data_viewed") == [] and all_rows(db, dispatches) == []
    assert referral_rows(db) == []


@pytest.mark.parametrize("role", ["desk_officer", "station_incharge"])
def test_same_station_officer_off_the_desk_and_not_assigned_sees_it_masked_and_may_not_reveal(db, force, app, role):
    """The rule (thana.cases.access.may_see_identity): the officers assigned, and the women's desk of the
    station for its cases. Anyone else at Charkop — the Senior PI included — reads the case masked; asking to
    reveal is 403 and records nothing."""
    reference = womens_case(db, force)
    other = sign_in(db, force, app, "charkop.other", role=role)
    masked = other.get(f"/api/v1/cases/{reference}")
    assert masked.status_code == 200
    case = masked.json()
    assert (case["identity_visible"], case["may_reveal"], case["citizen"]) == (False, False, None)
    assert PHONE not in incoming(case)["text"] and PHONE not in case["summary"] and incoming(case)["from"] == "citizen"
    refused = other.get(f"/api/v1/cases/{reference}", params={"reveal": "true"})
    assert refused.status_code == 403 and "women's desk" in refused.json()["error"]
    assert other.get(f"/cases/{reference}?reveal=true", headers={"Accept": "text/html"}).status_code == 403
    assert events_of(db, reference, "personal_data_viewed") == []


def test_the_assigned_officer_sees_the_victim(db, force, app, desk):
    """The desk assigns an officer who is not on the desk: that officer may then reveal (recorded)."""
    reference = womens_case(db, force)
    constable = sign_in(db, force, app, "constable.more")
    assert constable.get(f"/api/v1/cases/{reference}", params={"reveal": "true"}).status_code == 403
    assigned = desk.post(f"/api/v1/cases/{reference}/assign", json={"user_id": constable.id})
    assert assigned.status_code == 200, assigned.text
    shown = constable.get(f"/api/v1/cases/{reference}", params={"reveal": "true"})
    assert shown.status_code == 200 and PHONE in incoming(shown.json())["text"]
    assert [e["actor"] for e in events_of(db, reference, "personal_data_viewed")] == [constable.actor]


def test_womens_desk_may_not_reveal_a_case_off_the_desk(db, force, desk):
    """Being on the women's desk opens its own cases only: a theft case at Charkop stays masked to it."""
    reference = open_case(db, force, "charkop", "theft_with_phone", channel="whatsapp")
    assert desk.get(f"/api/v1/cases/{reference}").json()["may_reveal"] is False
    assert desk.get(f"/api/v1/cases/{reference}", params={"reveal": "true"}).status_code == 403


# -- Nirbhaya squad dispatches -----------------------------------------------------------------------------


def test_dispatch_recorded_then_reached_with_outcome_and_audited(db, force, desk):
    """POST a dispatch, PATCH the arrival and outcome: the row holds what was said, the case's first response
    is the dispatch, each step is an event naming the officer with the values before and after, and the
    case page lists the squad with its minutes to arrive."""
    reference = womens_case(db, force)
    sent, reached = ago(minutes=20).replace(microsecond=0), ago(minutes=8).replace(microsecond=0)
    body = {"squad": "Nirbhaya squad, Charkop", "vehicle": "MH-47-AB-1091", "dispatched_at": iso(sent)}
    created = desk.post(f"/api/v1/cases/{reference}/dispatches", json=body)
    assert created.status_code == 200, created.text
    dispatch_id = created.json()["id"]
    update = {"reached_at": iso(reached), "outcome": "harasser detained, woman escorted home"}
    patched = desk.patch(f"/api/v1/cases/{reference}/dispatches/{dispatch_id}", json=update)
    assert patched.status_code == 200, patched.text
    [row] = all_rows(db, dispatches)
    assert (row["id"], row["case_id"], row["squad"], row["vehicle"]) == (
        dispatch_id,
        case_row(db, reference)["id"],
        "Nirbhaya squad, Charkop",
        "MH-47-AB-1091",
    )
    assert (row["dispatched_at"], row["reached_at"], row["outcome"]) == (sent, reached, update["outcome"])
    assert row["recorded_by"] == desk.actor and recent(row["recorded_at"])
    assert case_row(db, reference)["first_response_at"] == sent
    [dispatched] = events_of(db, reference, "squad_dispatched")
    assert dispatched["actor"] == desk.actor
    assert dispatched["after"]["squad"] == body["squad"] and dispatched["after"]["reached_at"] is None
    assert datetime.fromisoformat(dispatched["after"]["dispatched_at"]) == sent
    [updated] = events_of(db, reference, "squad_updated")
    assert updated["actor"] == desk.actor
    assert updated["before"] == {"reached_at": None, "outcome": None}
    assert datetime.fromisoformat(updated["after"]["reached_at"]) == reached
    assert updated["after"]["outcome"] == update["outcome"]
    page = desk.get(f"/cases/{reference}", headers={"Accept": "text/html"}).text
    assert "Nirbhaya squad, Charkop · MH-47-AB-1091" in page and "(12 min)" in page and update["outcome"] in page


def test_dispatch_refusals_are_clear_4xx_and_write_nothing(db, force, desk):
    """Arrival before dispatch (on create and on update), no squad, a blank squad, a time without a zone, a
    dispatch in the future, an unknown case or dispatch, an empty update: each a 4xx saying what is wrong."""
    reference = womens_case(db, force)
    url = f"/api/v1/cases/{reference}/dispatches"
    sent = ago(minutes=30)
    refusals = [
        ({"squad": "Nirbhaya", "dispatched_at": iso(sent), "reached_at": iso(sent - timedelta(minutes=1))}, 400,
         "cannot reach before"),
        ({"dispatched_at": iso(sent)}, 400, "squad"),
        ({"squad": "   ", "dispatched_at": iso(sent)}, 400, "name the squad"),
        ({"squad": "Nirbhaya", "dispatched_at": "2026-06-15T10:00:00"}, 400, "time zone"),
        ({"squad": "Nirbhaya", "dispatched_at": iso(datetime.now(UTC) + timedelta(hours=1))}, 400, "future"),
        ({"squad": "N" * 121, "dispatched_at": iso(sent)}, 400, "squad"),
        ({"squad": "Nirbhaya", "dispatched_at": "yesterday evening"}, 400, "dispatched_at"),
    ]  # fmt: skip
    for body, status, words in refusals:
        response = desk.post(url, json=body)
        assert response.status_code == status and words in response.json()["error"], (body, response.text)
    unknown = desk.post("/api/v1/cases/MUM-26-999999/dispatches", json={"squad": "N", "dispatched_at": iso(sent)})
    assert unknown.status_code == 404
    assert all_rows(db, dispatches) == [] and events_of(db, reference, "squad_dispatched") == []

    dispatch_id = desk.post(url, json={"squad": "Nirbhaya", "dispatched_at": iso(sent)}).json()["id"]
    early = desk.patch(f"{url}/{dispatch_id}", json={"reached_at": iso(sent - timedelta(seconds=1))})
    assert early.status_code == 400 and "cannot reach before" in early.json()["error"]
    empty = desk.patch(f"{url}/{dispatch_id}", json={})
    assert empty.status_code == 400 and "reached_at or outcome" in empty.json()["error"]
    assert desk.patch(f"{url}/{dispatch_id + 1}", json={"outcome": "x"}).status_code == 404
    other = womens_case(db, force, key="w2")  # a dispatch id is only good on its own case
    assert desk.patch(f"/api/v1/cases/{other}/dispatches/{dispatch_id}", json={"outcome": "x"}).status_code == 404
    [row] = all_rows(db, dispatches)
    assert (row["reached_at"], row["outcome"]) == (None, None)
    assert events_of(db, reference, "squad_updated") == []


def test_an_arrival_in_the_future_is_refused(db, force, desk):
    reference = womens_case(db, force)
    url = f"/api/v1/cases/{reference}/dispatches"
    later = iso(datetime.now(UTC) + timedelta(hours=3))
    created = desk.post(url, json={"squad": "Nirbhaya", "dispatched_at": iso(ago(minutes=10)), "reached_at": later})
    assert created.status_code == 400 and "future" in created.json()["error"], created.text
    dispatch_id = desk.post(url, json={"squad": "Nirbhaya", "dispatched_at": iso(ago(minutes=10))}).json()["id"]
    patched = desk.patch(f"{url}/{dispatch_id}", json={"reached_at": later})
    assert patched.status_code == 400 and "future" in patched.json()["error"], patched.text
    assert [r["reached_at"] for r in all_rows(db, dispatches)] == [None]


def test_dispatch_on_another_stations_case_is_404(db, force, app, desk):
    """Kandivali's women's desk cannot record or update a squad on Charkop's case (404, nothing written)."""
    reference = womens_case(db, force)
    url = f"/api/v1/cases/{reference}/dispatches"
    dispatch_id = desk.post(url, json={"squad": "Nirbhaya", "dispatched_at": iso(ago(minutes=9))}).json()["id"]
    other = sign_in(db, force, app, "kandivali.desk", "kandivali", desks="women")
    assert other.post(url, json={"squad": "N", "dispatched_at": iso(ago(minutes=5))}).status_code == 404
    assert other.patch(f"{url}/{dispatch_id}", json={"reached_at": iso(ago(minutes=1))}).status_code == 404
    [row] = all_rows(db, dispatches)
    assert row["reached_at"] is None and len(events_of(db, reference, "squad_dispatched")) == 1


def test_dispatch_from_the_case_page_reads_the_local_time_and_needs_the_csrf_token(db, force, app, desk):
    """The case page's form gives Mumbai wall-clock time (datetime-local): stored as the same instant in UTC.
    Without the session's CSRF token the form is refused; another station's officer is sent back to the inbox."""
    reference = womens_case(db, force)
    sent = ago(minutes=40).replace(second=0, microsecond=0)
    local = sent.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%Y-%m-%dT%H:%M")
    form = {"kind": "dispatch", "squad": "Nirbhaya squad 2", "vehicle": "", "dispatched_at": local}
    forged = desk.client.post(f"/cases/{reference}/desk", data=form)
    assert forged.status_code == 403 and all_rows(db, dispatches) == []
    done = desk.client.post(f"/cases/{reference}/desk", data=form | {"csrf_token": desk.csrf})
    assert done.status_code == 303 and done.headers["location"].startswith(f"/cases/{reference}?done=dispatch")
    [row] = all_rows(db, dispatches)
    assert (row["squad"], row["vehicle"], row["dispatched_at"]) == ("Nirbhaya squad 2", None, sent)
    other = sign_in(db, force, app, "kandivali.desk", "kandivali", desks="women")
    away = other.client.post(f"/cases/{reference}/desk", data=form | {"csrf_token": other.csrf})
    assert away.status_code == 303 and away.headers["location"].startswith("/inbox")
    assert len(all_rows(db, dispatches)) == 1


def test_zone_monitor_csv_counts_the_dispatches_and_their_median_time_to_reach(db, force, desk, client):
    """Three squads sent to Charkop's cases through the API (12 and 20 minutes to arrive, one on its way):
    the DCP of zone 11 sees 3 dispatches and a median of 16 minutes at Charkop, and nothing at Kandivali."""
    refs = [womens_case(db, force, key=f"w{i}") for i in range(3)]
    for reference, minutes in zip(refs, (12, 20, None), strict=True):
        sent = ago(hours=2)
        body = {"squad": "Nirbhaya squad, Charkop", "dispatched_at": iso(sent)}
        if minutes:
            body["reached_at"] = iso(sent + timedelta(minutes=minutes))
        assert desk.post(f"/api/v1/cases/{reference}/dispatches", json=body).status_code == 200
    dcp = caller(db, force, "dcp", "zone-11")
    response = client.get("/monitor?format=csv", headers=dcp.headers | {"Accept": "text/csv"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = {r["station_id"]: r for r in csv.DictReader(io.StringIO(response.text))}
    assert (rows["charkop"]["dispatches"], float(rows["charkop"]["median_dispatch_reach_min"])) == ("3", 16.0)
    assert (rows["kandivali"]["dispatches"], rows["kandivali"]["median_dispatch_reach_min"]) == ("0", "")


# -- counselling referrals ---------------------------------------------------------------------------------


def test_referral_is_refused_without_consent_and_for_the_wrong_centre_or_case(db, force, desk):
    """No consent, consent without saying how, an unknown centre, a centre of another region, a case that is
    not a women's-safety case: 400 saying why, and no referral or event is written."""
    reference = womens_case(db, force)
    theft = open_case(db, force, "charkop", "theft", key="t1")
    good = {"centre_id": "counselling-north", "consent": True, "consent_note": "on the phone, 15 June, 16:40"}
    refusals = [
        (reference, good | {"consent": False}, "consent"),
        (reference, good | {"consent_note": "   "}, "how the consent was given"),
        (reference, good | {"centre_id": "counselling-mars"}, "counselling-north"),
        (reference, good | {"centre_id": "counselling-south"}, "another region"),
        (theft, good, "women's-safety"),
        (reference, {"centre_id": "counselling-north", "consent_note": "x"}, "consent"),
    ]
    for ref, body, words in refusals:
        response = desk.post(f"/api/v1/cases/{ref}/referrals", json=body)
        assert response.status_code == 400 and words in response.json()["error"], (body, response.text)
    assert referral_rows(db) == [] and events_of(db, reference, "referred") == []


def test_referral_with_consent_records_who_and_when_and_its_status_moves(db, force, desk):
    """The referral keeps the consent and who recorded it when; status updates are events with before and
    after; an unknown status or referral is refused."""
    reference = womens_case(db, force)
    note = "she agreed on the phone, 15 June, 16:40"
    created = desk.post(
        f"/api/v1/cases/{reference}/referrals",
        json={"centre_id": "counselling-north", "consent": True, "consent_note": note},
    )
    assert created.status_code == 200, created.text
    referral_id = created.json()["id"]
    [row] = referral_rows(db)
    assert (row["id"], row["case_id"], row["centre_id"], row["status"]) == (
        referral_id,
        case_row(db, reference)["id"],
        "counselling-north",
        "referred",
    )
    assert (row["consent"], row["consent_note"], row["created_by"]) == (True, note, desk.actor)
    assert recent(row["created_at"])
    [referred] = events_of(db, reference, "referred")
    assert referred["actor"] == desk.actor and referred["detail"] == {"consent": note}
    url = f"/api/v1/cases/{reference}/referrals/{referral_id}"
    for status in ("accepted", "attended"):
        moved = desk.patch(url, json={"status": status})
        assert moved.status_code == 200 and moved.json() == {"id": referral_id, "status": status}
    wrong = desk.patch(url, json={"status": "done"})
    assert wrong.status_code == 400 and "referred, accepted, attended" in wrong.json()["error"]
    assert (
        desk.patch(f"/api/v1/cases/{reference}/referrals/{referral_id + 1}", json={"status": "closed"}).status_code
        == 404
    )
    assert referral_rows(db)[0]["status"] == "attended"
    moves = [(e["actor"], e["before"], e["after"]) for e in events_of(db, reference, "referral_updated")]
    assert moves == [
        (desk.actor, {"status": "referred"}, {"status": "accepted"}),
        (desk.actor, {"status": "accepted"}, {"status": "attended"}),
    ]
    page = desk.get(f"/cases/{reference}", headers={"Accept": "text/html"}).text
    assert "North Region counselling centre" in page and "attended" in page


def test_referrals_only_on_cases_the_officer_may_see(db, force, app, desk, client):
    """Kandivali (desk token, women's-desk session) can neither refer Charkop's case nor move its referral."""
    reference = womens_case(db, force)
    body = {"centre_id": "counselling-north", "consent": True, "consent_note": "in person at the station"}
    referral_id = desk.post(f"/api/v1/cases/{reference}/referrals", json=body).json()["id"]
    token = caller(db, force, "desk_officer", "kandivali")
    other = sign_in(db, force, app, "kandivali.desk", "kandivali", desks="women")
    url = f"/api/v1/cases/{reference}/referrals"
    assert client.post(url, json=body, headers=token.headers).status_code == 404
    assert other.post(url, json=body).status_code == 404
    assert other.patch(f"{url}/{referral_id}", json={"status": "closed"}).status_code == 404
    assert client.patch(f"{url}/{referral_id}", json={"status": "closed"}, headers=token.headers).status_code == 404
    assert [r["status"] for r in referral_rows(db)] == ["referred"]


def test_counselling_lists_the_centres_of_a_region(client):
    """GET /api/v1/counselling: public; every region's centre, or one region's, each with its source."""
    everything = client.get("/api/v1/counselling")
    assert everything.status_code == 200
    regions = {c["region_id"] for c in everything.json()["items"]}
    assert regions == {"region-south", "region-central", "region-east", "region-west", "region-north"}
    [north] = client.get("/api/v1/counselling", params={"region": "region-north"}).json()["items"]
    assert north["id"] == "counselling-north" and north["name"].startswith("North Region counselling centre")
    assert north["source"].startswith("https://")
    assert client.get("/api/v1/counselling", params={"region": "zone-11"}).json()["items"] == []


# -- housing societies: registering, verifying, and their messages -----------------------------------------


def test_society_registers_on_the_public_page_and_goes_to_the_station_of_its_address(db, force, client):
    """The public form (no sign-in): the society is stored pending, at Charkop (found from the address), with
    the secretary's number normalised; the page tells the secretary which station will verify it."""
    form = {
        "name": "Sai Darshan CHS",
        "address": "Plot 21, Sector 8, Charkop, Kandivali West, Mumbai 400067",
        "secretary_name": "Mr. R. Patil",
        "secretary_phone": "+91 98200 12345",
    }
    page = client.get("/societies/register", headers={"Accept": "text/html"})
    assert page.status_code == 200 and 'action="/societies/register"' in page.text
    done = client.post("/societies/register", data=form, headers={"Accept": "text/html"})
    assert done.status_code == 200 and "Charkop" in done.text
    [row] = all_rows(db, societies)
    assert (row["name"], row["station_id"], row["status"], row["secretary_phone"]) == (
        "Sai Darshan CHS",
        "charkop",
        "pending",
        "919820012345",
    )
    assert row["lat"] is not None and row["lon"] is not None and recent(row["registered_at"])


def test_society_registers_through_the_api_by_coordinates_or_not_at_all(db, force, client):
    """Coordinates win over the address (a pin inside Kandivali's jurisdiction, an address naming Charkop);
    an address no station can be found for is kept for headquarters (station None)."""
    point = force.jurisdictions["kandivali"].representative_point()
    pinned = register(client, "Green Acres CHS", phone_of(1), lat=point.y, lon=point.x)
    assert pinned.status_code == 200, pinned.text
    assert pinned.json() | {"id": 0} == {"id": 0, "station_id": "kandivali", "station": "Kandivali"}
    row = society(db, pinned.json()["id"])
    assert (row["station_id"], row["lat"], row["lon"]) == ("kandivali", point.y, point.x)
    nowhere = register(client, "Far Away CHS", phone_of(2), address="Baner Road, Pune")
    assert nowhere.status_code == 200 and nowhere.json()["station_id"] is None
    out_of_range = register(client, "Bad Pin CHS", phone_of(3), lat=91.0, lon=72.8)
    assert out_of_range.status_code == 400 and "lat" in out_of_range.json()["error"]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)  # refused before any database is touched
@pytest.mark.parametrize("value", ["NaN", "Infinity"])
def test_non_finite_coordinates_are_a_400(db, force, client, value):
    body = (
        '{"name": "Sai Darshan CHS", "address": "Charkop", "secretary_name": "R. Patil", '
        f'"secretary_phone": "+91 98200 12345", "lat": {value}, "lon": 72.8}}'
    )
    response = client.post("/api/v1/societies", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and "lat" in response.json()["error"], response.text
    assert all_rows(db, societies) == []


def test_a_nul_character_in_a_registration_is_not_a_server_error(db, force, client):
    api = register(client, "Sai\x00 Darshan CHS", "+91 98200 12345")
    form = {"name": "Green\x00 Acres CHS", "address": "Charkop", "secretary_name": "R", "secretary_phone": phone_of(2)}
    page = client.post("/societies/register", data=form, headers={"Accept": "text/html"})
    assert (api.status_code, page.status_code) in ((200, 200), (400, 400)), (api.status_code, page.status_code)
    assert not any("\x00" in (r["name"] + r["secretary_name"]) for r in all_rows(db, societies))


def test_duplicate_registration_is_refused_until_the_first_is_rejected(db, force, app, client):
    """The same society (name in any case) from the same number (in any format) is refused; once the station
    rejects the first registration, the society may register again."""
    first = register(client, "Sai Darshan CHS", "+91 98200 12345")
    assert first.status_code == 200
    again = register(client, "  sai darshan chs ", "098200 12345")
    assert again.status_code == 400 and "already registered" in again.json()["error"]
    page = client.post(
        "/societies/register",
        data={"name": "SAI DARSHAN CHS", "address": "Charkop", "secretary_name": "R", "secretary_phone": "9820012345"},
        headers={"Accept": "text/html"},
    )
    assert page.status_code == 400 and "already registered" in page.text
    assert len(all_rows(db, societies)) == 1
    charkop = sign_in(db, force, app, "charkop.desk")
    assert charkop.post(f"/api/v1/societies/{first.json()['id']}/reject").status_code == 200
    assert register(client, "Sai Darshan CHS", "+91 98200 12345").status_code == 200


@pytest.mark.parametrize("phone", ["12345", "call me", "+91 98200 1234x", "+91-", "98200 12345 ext 9"])
def test_malformed_phone_is_refused_on_the_page_and_the_api(db, force, client, phone):
    """A secretary's number that is not a phone number: 400 with the reason, the form keeps what was typed."""
    response = register(client, "Sai Darshan CHS", phone)
    assert response.status_code == 400 and "mobile number" in response.json()["error"]
    form = {"name": "Sai Darshan CHS", "address": "Charkop", "secretary_name": "R. Patil", "secretary_phone": phone}
    page = client.post("/societies/register", data=form, headers={"Accept": "text/html"})
    assert page.status_code == 400 and "mobile number" in page.text and "Sai Darshan CHS" in page.text
    assert all_rows(db, societies) == []


def test_oversized_or_missing_fields_are_refused_and_the_limits_themselves_accepted(db, force, client):
    """Over the limits (name 200, address 1000, secretary 200, phone 24) or blank: 400 on the API and the
    page naming the field, nothing stored; exactly at the limits: stored whole."""
    base = {
        "name": "Sai Darshan CHS",
        "address": "Charkop",
        "secretary_name": "R. Patil",
        "secretary_phone": phone_of(1),
    }
    too_long = {
        "name": "N" * 201,
        "address": "A" * 1001,
        "secretary_name": "S" * 201,
        "secretary_phone": "+91 98200 12345 " + "0" * 10,
    }
    for field, value in too_long.items():
        response = client.post("/api/v1/societies", json=base | {field: value})
        assert response.status_code == 400 and field in response.json()["error"], (field, response.text)
        page = client.post("/societies/register", data=base | {field: value}, headers={"Accept": "text/html"})
        assert page.status_code == 400 and field in page.text, field
    blank = client.post("/api/v1/societies", json=base | {"name": "   ", "secretary_name": ""})
    assert blank.status_code == 400 and "missing: name, secretary_name" in blank.json()["error"]
    assert all_rows(db, societies) == []
    limits = {"name": "N" * 200, "address": "Charkop " + "A" * 992, "secretary_name": "S" * 200}
    at_limits = client.post("/api/v1/societies", json=base | limits)
    assert at_limits.status_code == 200, at_limits.text
    row = society(db, at_limits.json()["id"])
    assert (row["name"], row["address"], row["secretary_name"]) == tuple(limits.values())


def test_only_the_societys_own_station_verifies_it(db, force, app, client):
    """Kandivali neither lists nor verifies Charkop's society (404, still pending); Charkop does (the officer
    recorded); the DCP of the zone lists it; listing needs a sign-in; /approve is not a decision."""
    society_id = register(client, "Sai Darshan CHS", phone_of(1)).json()["id"]
    assert client.get("/api/v1/societies").status_code == 401
    kandivali = caller(db, force, "desk_officer", "kandivali")
    assert client.get("/api/v1/societies", headers=kandivali.headers).json()["items"] == []
    refused = client.post(f"/api/v1/societies/{society_id}/verify", headers=kandivali.headers)
    assert refused.status_code == 404 and society(db, society_id)["status"] == "pending"
    charkop = sign_in(db, force, app, "charkop.desk")
    assert charkop.post(f"/api/v1/societies/{society_id}/approve").status_code == 404
    assert charkop.post(f"/api/v1/societies/{society_id + 1}/verify").status_code == 404
    assert charkop.client.post(f"/api/v1/societies/{society_id}/verify").status_code == 403  # no CSRF token
    verified = charkop.post(f"/api/v1/societies/{society_id}/verify")
    assert verified.status_code == 200 and verified.json() == {"id": society_id, "status": "verified"}
    row = society(db, society_id)
    assert (row["status"], row["verified_by"]) == ("verified", charkop.actor) and recent(row["verified_at"])
    [listed] = charkop.get("/api/v1/societies", params={"status": "verified"}).json()["items"]
    assert (listed["id"], listed["secretary_phone"]) == (society_id, "919820000001")
    dcp = caller(db, force, "dcp", "zone-11")
    assert [s["id"] for s in client.get("/api/v1/societies", headers=dcp.headers).json()["items"]] == [society_id]
    page = charkop.get("/societies", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "Sai Darshan CHS" in page.text


def test_verified_secretarys_message_opens_a_case_with_the_society_at_its_station(db, force, app, client):
    """A WhatsApp message naming no place, from the verified secretary's number, is Charkop's (routed by the
    society) and carries the society (route and a raised_by_society event, in the API too). The same message
    from a society still pending verification goes to headquarters' queue without it."""
    verified_id = register(client, "Sai Darshan CHS", "+91 98200 12345").json()["id"]
    pending_id = register(client, "Pending Heights CHS", "+91 98200 54321").json()["id"]
    charkop = sign_in(db, force, app, "charkop.desk")
    assert charkop.post(f"/api/v1/societies/{verified_id}/verify").status_code == 200
    text = "loud music from the neighbours every night after midnight"
    from_society = message("s1", None, text, force=force, channel="whatsapp", sender="919820012345")
    from_pending = message("s2", None, text, force=force, channel="whatsapp", sender="919820054321")
    refs = open_cases(db, force, [from_society, from_pending])
    raised = case_row(db, refs["s1"])
    assert (raised["station_id"], raised["routed_by"]) == ("charkop", "society")
    assert raised["route"]["society"] == {"id": verified_id, "name": "Sai Darshan CHS"}
    [event] = events_of(db, refs["s1"], "raised_by_society")
    assert event["after"] == {"id": verified_id, "name": "Sai Darshan CHS"}
    shown = charkop.get(f"/api/v1/cases/{refs['s1']}").json()
    assert shown["station"]["id"] == "charkop" and shown["route"]["society"]["name"] == "Sai Darshan CHS"
    unverified = case_row(db, refs["s2"])
    assert unverified["station_id"] is None and "society" not in unverified["route"]
    assert events_of(db, refs["s2"], "raised_by_society") == []
    assert society(db, pending_id)["status"] == "pending"


def test_two_messages_in_one_batch_from_the_secretary_are_both_raised_with_the_society(db, force, app, client):
    """Two separate chats from the same verified number drained in one batch: each case carries the society."""
    society_id = register(client, "Sai Darshan CHS", "+91 98200 12345").json()["id"]
    charkop = sign_in(db, force, app, "charkop.desk")
    assert charkop.post(f"/api/v1/societies/{society_id}/verify").status_code == 200
    first = message("b1", None, "nuisance", force=force, channel="whatsapp", sender="919820012345")
    second = message("b2", None, "theft", force=force, channel="whatsapp", sender="919820012345")
    save_incoming(db, [first, second])
    drain(db, force)
    with db.engine.connect() as conn:
        found = conn.execute(select(inbound.c.external_id, inbound.c.outcome, inbound.c.case_id)).all()
    assert {(k, outcome) for k, outcome, _ in found} == {("b1", "new_case"), ("b2", "new_case")}
    for key, _, case_id in found:
        [row] = all_rows(db, cases, cases.c.id == case_id)
        assert (row["station_id"], row["route"].get("society")) == (
            "charkop",
            {"id": society_id, "name": "Sai Darshan CHS"},
        ), key

"""Each case action end to end through the API, on SQLite and PostgreSQL: the case afterwards, its audit event
(actor, kind, before, after) and its side effects — the reply in the outbox on the citizen's channel, no trace
of an internal note outside the force, the notification of a transfer, the triage correction of a
recategorisation — plus canned replies, revealing who wrote, and the case list's filters.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.cases import (
    RECEIVED,
    TEXTS,
    api,
    caller,
    case_row,
    cheap_passwords,
    drain,
    events_of,
    labels_of,
    message,
    notifications_of,
    open_case,
    open_cases,
    outbox_of,
    system_act,
    use_force,
)
from thana.store.inbound import save_incoming
from thana.store.schema import inbound, outbox
from thana.store.users import create_user, start_session
from thana.web.auth import SESSION_COOKIE

PHONE = "9876543210"
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


@pytest.fixture
def force(monkeypatch):
    cheap_passwords(monkeypatch)
    return use_force(monkeypatch, "mumbai")


@pytest.fixture
def client():
    with api() as c:
        yield c


@pytest.fixture
def desk(db, force):
    """A desk-officer token of Charkop police station."""
    return caller(db, force, "desk_officer", "charkop")


def post(client, who, reference: str, action: str, body: dict | None = None):
    return client.post(f"/api/v1/cases/{reference}/{action}", json=body or {}, headers=who.headers)


def detail(client, who, reference: str, **params):
    return client.get(f"/api/v1/cases/{reference}", params=params, headers=who.headers)


def officer(db, force, username: str, unit: str | None = "charkop", role: str = "desk_officer") -> int:
    return create_user(
        db, force, username, role=role, unit_id=unit, password="a long password 1", display_name=username.title()
    )


def as_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def recent(value: str | datetime | None) -> bool:
    when = as_time(value) if isinstance(value, str) else value
    return when is not None and abs(datetime.now(UTC) - when) < timedelta(minutes=5)


# -- acknowledge, assign, start, resolve, close: the times and the trail -----------------------------------


def test_acknowledge_records_who_what_when_before_and_after(db, force, client, desk):
    """Acknowledging sets the status and time; the event names the token, with the values before and after."""
    reference = open_case(db, force, "charkop", "theft")
    response = post(client, desk, reference, "acknowledge")
    assert response.status_code == 200, response.text
    assert (response.json()["reference"], response.json()["status"]) == (reference, "acknowledged")
    [event] = events_of(db, reference, "acknowledged")
    assert event["actor"] == desk.actor
    assert recent(event["at"])
    assert event["before"]["status"] == "new" and event["before"]["acknowledged_at"] is None
    assert event["after"]["status"] == "acknowledged" and recent(event["after"]["acknowledged_at"])
    shown = detail(client, desk, reference).json()
    assert [e["kind"] for e in shown["events"]] == ["created", "acknowledged"]
    assert shown["events"][1]["actor"] == desk.actor and shown["events"][1]["after"] == event["after"]
    assert recent(shown["times"]["acknowledged_at"]) and shown["times"]["first_response_at"] is None


def test_assign_start_resolve_close_store_first_response_and_resolution_times(db, force, client, desk):
    """The whole way from new to closed through the API, each step an event with its before and after."""
    reference = open_case(db, force, "charkop", "theft")
    assignee = officer(db, force, "constable.pawar")
    assert post(client, desk, reference, "assign", {"user_id": assignee}).json()["status"] == "assigned"
    assert post(client, desk, reference, "start").json()["status"] == "in_progress"
    assert post(client, desk, reference, "resolve", {"resolution": "bike found"}).json()["status"] == "resolved"
    assert post(client, desk, reference, "close", {"reason": "citizen thanked"}).json()["status"] == "closed"
    shown = detail(client, desk, reference).json()
    assert shown["assigned_to"] == {"id": assignee, "name": "Constable.Pawar"}
    assert [e["kind"] for e in shown["events"]] == ["created", "assigned", "started", "resolved", "closed"]
    times = shown["times"]
    assert all(recent(times[k]) for k in ("acknowledged_at", "first_response_at", "resolved_at", "closed_at"))
    assert as_time(times["first_response_at"]) <= as_time(times["resolved_at"]) <= as_time(times["closed_at"])
    assigned, started, resolved, closed = (
        events_of(db, reference, k)[0] for k in ("assigned", "started", "resolved", "closed")
    )
    assert assigned["detail"] == {"user_id": assignee}
    assert assigned["before"]["assigned_to"] is None and assigned["after"]["assigned_to"] == assignee
    assert started["before"]["status"] == "assigned" and started["after"]["status"] == "in_progress"
    assert resolved["detail"] == {"resolution": "bike found"} and resolved["after"]["resolved_at"]
    assert closed["before"]["status"] == "resolved" and closed["after"]["closed_at"]
    assert {e["actor"] for e in (assigned, started, resolved, closed)} == {desk.actor}


def test_the_audit_trail_only_grows(db, force, client, desk):
    """Every change appends an event; the events already written are never altered."""
    reference = open_case(db, force, "charkop", "theft")
    snapshots = [events_of(db, reference)]
    for action, body in (
        ("note", {"text": "called the citizen"}),
        ("acknowledge", {}),
        ("recategorise", {"priority": "P4"}),
        ("reply", {"text": "We are on it."}),
        ("resolve", {}),
        ("reopen", {"reason": "not found after all"}),
    ):
        assert post(client, desk, reference, action, body).status_code == 200, action
        snapshots.append(events_of(db, reference))
    for before, after in zip(snapshots, snapshots[1:], strict=False):
        assert after[: len(before)] == before
        assert len(after) == len(before) + 1


def test_illegal_transition_is_409_with_the_reason_and_changes_nothing(db, force, client, desk):
    """Resolving a new case is refused with what to do first; the case and its trail stay as they were."""
    reference = open_case(db, force, "charkop", "theft")
    before = (case_row(db, reference), events_of(db, reference))
    response = post(client, desk, reference, "resolve")
    assert response.status_code == 409
    assert response.json()["error"] == "cannot resolve a case that is new: acknowledge it first"
    assert post(client, desk, reference, "reopen").status_code == 409
    assert (case_row(db, reference), events_of(db, reference)) == before


def test_unknown_action_is_404_and_unknown_field_400(db, force, client, desk):
    """An action that does not exist, or a body field no action takes, is refused saying so."""
    reference = open_case(db, force, "charkop", "theft")
    response = post(client, desk, reference, "escalate")
    assert response.status_code == 404 and "the actions are: acknowledge" in response.json()["error"]
    response = post(client, desk, reference, "note", {"text": "x", "colour": "red"})
    assert response.status_code == 400 and "colour" in response.json()["error"]
    assert post(client, desk, reference, "note", {"text": "  "}).status_code == 400


def test_reopen_by_an_officer_restarts_the_acknowledgement_clock(db, force, client, desk):
    """A resolved case reopened by an officer is open again, unacknowledged, with fresh deadlines."""
    reference = open_case(db, force, "charkop", "theft")
    post(client, desk, reference, "acknowledge")
    post(client, desk, reference, "resolve")
    response = post(client, desk, reference, "reopen", {"reason": "the citizen called"})
    assert response.status_code == 200 and response.json()["status"] == "reopened"
    row = case_row(db, reference)
    assert row["resolved_at"] is None and row["acknowledged_at"] is None
    assert row["ack_due_at"] > datetime.now(UTC)
    assert row["open_key"] == row["thread_key"]
    [event] = events_of(db, reference, "reopened")
    assert event["before"]["status"] == "resolved" and event["detail"] == {"reason": "the citizen called"}


# -- replies and notes ---------------------------------------------------------------------------------------


def test_reply_to_a_public_x_post_goes_out_on_x_with_phone_numbers_masked(db, force, client, desk):
    """A reply is queued in the outbox on X, in the citizen's thread, public, with phone numbers masked."""
    reference = open_case(db, force, "charkop", "theft_with_phone", key="post-1", kind="post")
    text = f"Please come to the station or call us back on {PHONE}."
    response = post(client, desk, reference, "reply", {"text": text})
    assert response.status_code == 200 and response.json()["status"] == "acknowledged"
    [reply] = outbox_of(db, reference, "reply")
    assert (reply["channel"], reply["recipient"], reply["reply_to"]) == ("x", "@citizen_post-1", "post-1")
    assert (reply["thread_id"], reply["sender_address"]) == ("thread-post-1", "@charkopps")
    assert reply["public"] is True and reply["status"] == "pending"
    assert PHONE not in reply["body"] and reply["body"].startswith("Please come to the station")
    assert reply["author"] == "test desk_officer charkop"
    [event] = events_of(db, reference, "replied")
    assert event["actor"] == desk.actor and event["detail"]["text"] == text
    assert recent(case_row(db, reference)["first_response_at"])


def test_reply_on_whatsapp_goes_out_privately_to_the_citizen(db, force, client, desk):
    """A WhatsApp citizen gets the reply on WhatsApp, to their number, not public and not masked."""
    msg = message("wa-1", "charkop", "theft", force=force, channel="whatsapp", kind="message", addressed=False)
    reference = open_cases(db, force, [msg])["wa-1"]
    assert case_row(db, reference)["station_id"] == "charkop"
    text = f"Call the duty officer on {PHONE}."
    assert post(client, desk, reference, "reply", {"text": text}).status_code == 200
    [reply] = outbox_of(db, reference, "reply")
    assert (reply["channel"], reply["recipient"], reply["public"], reply["body"]) == (
        "whatsapp",
        msg.sender,
        False,
        text,
    )


def test_an_internal_note_never_leaves_the_force(db, force, client, desk):
    """A note is an event for officers: nothing in the outbox, nothing in the conversation the citizen sees."""
    reference = open_case(db, force, "charkop", "theft")
    outbox_before = outbox_of(db, reference)
    note = "Suspect is the neighbour's nephew, do not tell the complainant yet."
    response = post(client, desk, reference, "note", {"text": note})
    assert response.status_code == 200 and response.json()["status"] == "new"
    assert outbox_of(db, reference) == outbox_before
    with db.engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(outbox).where(outbox.c.body.contains("nephew"))).scalar() == 0
        )
    [event] = events_of(db, reference, "noted")
    assert event["detail"] == {"text": note} and event["actor"] == desk.actor
    shown = detail(client, desk, reference).json()
    assert not any("nephew" in (m["text"] or "") for m in shown["conversation"])
    assert case_row(db, reference)["first_response_at"] is None  # a note is not a response to the citizen


def test_the_citizen_follow_page_shows_replies_never_notes(db, force, client, desk):
    """On the citizen's private follow page (/track/TOKEN) the officer's reply appears and the note never does."""
    token = secrets.token_urlsafe(24)
    msg = dataclasses.replace(
        message("web-1", "charkop", "theft", force=force, channel="web", kind="message", addressed=False),
        public_token=token,
    )
    reference = open_cases(db, force, [msg])["web-1"]
    assert post(client, desk, reference, "note", {"text": "Suspect is the watchman"}).status_code == 200
    assert post(client, desk, reference, "reply", {"text": "An officer will visit you today"}).status_code == 200
    page = client.get(f"/track/{token}")
    assert page.status_code == 200 and reference in page.text
    assert "An officer will visit you today" in page.text
    assert "watchman" not in page.text


def test_reply_on_a_sensitive_case_from_a_public_post_says_nothing_in_public(db, force, client, desk):
    """A reply to a women's-safety complaint posted publicly on X: the public post carries only the reference
    and a request to write privately; the officer's words stay in the case (DESIGN.md: never identifiable)."""
    reference = open_case(db, force, "charkop", "women_safety", key="ws-1", kind="post")
    assert case_row(db, reference)["sensitive"] is True
    words = "Our women's desk officer will meet you at the Charkop bus depot at 6 pm about the man following you."
    assert post(client, desk, reference, "reply", {"text": words}).status_code == 200
    [reply] = outbox_of(db, reference, "reply")
    assert reply["public"] is True and reply["body"].startswith(reference)
    assert "direct message" in reply["body"] and "bus depot" not in reply["body"]


# -- transfer, redirect, merge -----------------------------------------------------------------------------


def test_transfer_keeps_the_reference_tells_the_new_station_and_hides_it_from_the_old(db, force, client, desk):
    """Zero FIR: Charkop transfers to Borivali with a reason; same reference, Borivali told, Charkop locked out."""
    reference = open_case(db, force, "charkop", "theft")
    response = post(client, desk, reference, "transfer", {"station_id": "borivali", "reason": "happened in Borivali"})
    assert response.status_code == 200, response.text
    moved = response.json()
    assert (moved["reference"], moved["status"], moved["station"]) == (
        reference,
        "transferred",
        {"id": "borivali", "name": "Borivali"},
    )
    [note] = notifications_of(db, reference)
    assert (note["unit_id"], note["kind"]) == ("borivali", "transfer")
    assert reference in note["text"] and "happened in Borivali" in note["text"]
    [event] = events_of(db, reference, "transferred")
    assert event["detail"] == {"reason": "happened in Borivali", "from": "charkop", "to": "borivali"}
    assert (event["before"]["station_id"], event["after"]["station_id"]) == ("charkop", "borivali")
    assert detail(client, desk, reference).status_code == 404
    assert post(client, desk, reference, "note", {"text": "one more thing"}).status_code == 404
    borivali = caller(db, force, "desk_officer", "borivali")
    assert detail(client, borivali, reference).json()["reference"] == reference
    assert post(client, borivali, reference, "acknowledge").json()["status"] == "acknowledged"


def test_transfer_is_refused_without_a_reason_or_to_a_non_station(db, force, client, desk):
    """A transfer needs a reason and an active station of the force."""
    reference = open_case(db, force, "charkop", "theft")
    response = post(client, desk, reference, "transfer", {"station_id": "borivali"})
    assert response.status_code == 409 and response.json()["error"] == "a transfer needs a reason"
    for station in ("zone-11", "nowhere", "madh-marve"):  # a zone, an unknown unit, a sanctioned station
        response = post(client, desk, reference, "transfer", {"station_id": station, "reason": "x"})
        assert response.status_code == 400 and "active station" in response.json()["error"], station
    assert case_row(db, reference)["station_id"] == "charkop"


def test_transferred_police_conduct_complaint_is_not_announced_to_the_station(db, force, client):
    """Moving a complaint about officers to Borivali tells Borivali's supervisors, never Borivali itself."""
    reference = open_case(db, force, "charkop", "police_conduct")
    dcp = caller(db, force, "dcp", "zone-11")
    response = post(
        client, dcp, reference, "transfer", {"station_id": "borivali", "reason": "the officers are at Borivali"}
    )
    assert response.status_code == 200, response.text
    assert [n["unit_id"] for n in notifications_of(db, reference)] == ["zone-11"]


def test_redirect_to_an_agency_then_close(db, force, client, desk):
    """A case redirected to the municipal corporation is redirected, then can be closed; bad agencies refused."""
    reference = open_case(db, force, "charkop", "nuisance")
    response = post(client, desk, reference, "redirect", {"agency_id": "nowhere"})
    assert response.status_code == 400 and "bmc" in response.json()["error"]
    response = post(client, desk, reference, "redirect", {"agency_id": "bmc", "reason": "loudspeaker permits"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["agency_id"]) == ("redirected", "bmc")
    [event] = events_of(db, reference, "redirected")
    assert event["detail"] == {"agency_id": "bmc", "reason": "loudspeaker permits"}
    assert case_row(db, reference)["open_key"] is None
    assert post(client, desk, reference, "close").json()["status"] == "closed"


def test_merge_into_another_case(db, force, client, desk):
    """A duplicate is merged into the first case: merged, pointing at it, and finished but for notes."""
    refs = open_cases(
        db, force, [message("first", "charkop", "theft", force=force), message("dup", "charkop", "theft", force=force)]
    )
    first, dup = refs["first"], refs["dup"]
    response = post(client, desk, dup, "merge", {"into": first})
    assert response.status_code == 200 and response.json()["status"] == "merged"
    assert case_row(db, dup)["merged_into_id"] == case_row(db, first)["id"]
    [event] = events_of(db, dup, "merged")
    assert event["detail"] == {"into": first} and event["after"]["status"] == "merged"
    assert post(client, desk, dup, "acknowledge").status_code == 409
    assert post(client, desk, dup, "note", {"text": "same bike as the first"}).status_code == 200
    response = post(client, desk, first, "merge", {"into": first})
    assert response.status_code == 409 and "into itself" in response.json()["error"]
    response = post(client, desk, first, "merge", {"into": dup})
    assert response.status_code == 400 and "itself merged" in response.json()["error"]


# -- recategorise: triage corrections and a change of owner ------------------------------------------------


def test_recategorise_records_a_triage_correction(db, force, client, desk):
    """A new category and priority go into triage_labels with what the model said, for retraining."""
    reference = open_case(db, force, "charkop", "theft")
    before = case_row(db, reference)
    body = {"category": "nuisance", "priority": "P4", "reason": "it was a prank"}
    response = post(client, desk, reference, "recategorise", body)
    assert response.status_code == 200
    assert (response.json()["category"], response.json()["priority"]) == ("nuisance", "P4")
    [label] = labels_of(db, reference)
    assert (label["category"], label["priority"]) == ("nuisance", "P4")
    assert (label["was_category"], label["was_priority"]) == ("theft", before["priority"])
    assert label["model_version"] == before["model_version"] and label["labelled_by"] == desk.actor
    assert label["text"].endswith(TEXTS["theft"])
    [event] = events_of(db, reference, "recategorised")
    assert event["before"]["category"] == "theft" and event["after"]["category"] == "nuisance"
    assert event["detail"] == {"reason": "it was a prank"}
    assert post(client, desk, reference, "recategorise", {"category": "burglary"}).status_code == 400
    assert post(client, desk, reference, "recategorise", {}).status_code == 409


def test_recategorised_as_police_conduct_the_station_loses_sight_of_it(db, force, client, desk):
    """When a complaint turns out to be about the station's officers it goes above the station at once."""
    reference = open_case(db, force, "charkop", "theft")
    response = post(client, desk, reference, "recategorise", {"category": "police_conduct", "reason": "bribe"})
    assert response.status_code == 200
    assert detail(client, desk, reference).status_code == 404
    assert post(client, desk, reference, "note", {"text": "?"}).status_code == 404
    row = case_row(db, reference)
    assert (row["owner_unit_id"], row["zone_id"], row["sensitive"]) == ("zone-11", "zone-11", True)
    dcp = caller(db, force, "dcp", "zone-11")
    assert detail(client, dcp, reference).json()["category"] == "police_conduct"
    [label] = labels_of(db, reference)
    assert (label["was_category"], label["category"]) == ("theft", "police_conduct")


# -- canned replies --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "words"),
    [("theft", "en", "Please visit Charkop"), ("theft_hi", "hi", "ऑनलाइन ई-एफआईआर"), ("theft_mr", "mr", "ई-एफआयआर")],
)
def test_canned_replies_come_in_the_case_language(db, force, client, desk, text, language, words):
    """The canned replies for a theft are the theft ones, in the language the citizen wrote in, with the ref."""
    reference = open_case(db, force, "charkop", text)
    assert case_row(db, reference)["language"] == language
    response = client.get(f"/api/v1/cases/{reference}/canned", headers=desk.headers)
    assert response.status_code == 200
    replies = response.json()["replies"]
    assert len(replies) == 3 and words in replies[0]
    assert all(reference in r for r in replies)
    assert all(bool(DEVANAGARI.search(r)) == (language != "en") for r in replies)


def test_canned_replies_name_the_station_in_the_case_language(db, force, client, desk):
    """A Hindi canned reply names चारकोप, not Charkop."""
    reference = open_case(db, force, "charkop", "theft_hi")
    replies = client.get(f"/api/v1/cases/{reference}/canned", headers=desk.headers).json()["replies"]
    assert any("चारकोप" in r for r in replies) and not any("Charkop" in r for r in replies)


def test_canned_replies_for_police_conduct_never_name_the_station_complained_about(db, force, client):
    """Canned replies for a complaint about Charkop's officers do not say it is with Charkop."""
    reference = open_case(db, force, "charkop", "police_conduct")
    dcp = caller(db, force, "dcp", "zone-11")
    replies = client.get(f"/api/v1/cases/{reference}/canned", headers=dcp.headers).json()["replies"]
    assert not any("Charkop" in r for r in replies)


# -- who wrote: masked unless the assigned officer asks --------------------------------------------------


def test_reveal_by_an_officer_not_assigned_is_403_and_not_recorded(db, force, client, desk):
    """Asking to see who wrote without being assigned is refused, and nothing is recorded as viewed."""
    reference = open_case(db, force, "charkop", "theft_with_phone")
    response = detail(client, desk, reference, reveal="true")
    assert response.status_code == 403 and "assigned" in response.json()["error"]
    assert events_of(db, reference, "personal_data_viewed") == []


def test_reveal_by_the_assigned_officer_shows_the_sender_and_is_recorded(db, force, client, desk):
    """The assigned officer sees the sender and the full text; the view is an event. Without reveal: masked."""
    msg = message("wa-2", "charkop", "theft_with_phone", force=force, channel="whatsapp", sender_name="Asha Patil")
    reference = open_cases(db, force, [msg])["wa-2"]
    officer_id = officer(db, force, "si.more")
    assert post(client, desk, reference, "assign", {"user_id": officer_id}).status_code == 200
    cookie, _ = start_session(db, officer_id)
    with api() as session:
        session.cookies.set(SESSION_COOKIE, cookie)
        masked = session.get(f"/api/v1/cases/{reference}")
        shown = session.get(f"/api/v1/cases/{reference}", params={"reveal": "true"})
    assert masked.status_code == 200
    plain = masked.json()
    assert (plain["identity_visible"], plain["may_reveal"], plain["citizen"]) == (False, True, None)
    [incoming] = [m for m in plain["conversation"] if m["direction"] == "in"]
    assert incoming["from"] == "citizen" and PHONE not in incoming["text"] and PHONE not in plain["summary"]
    assert shown.status_code == 200
    full = shown.json()
    assert (full["identity_visible"], full["citizen"]) == (True, msg.sender)
    [incoming] = [m for m in full["conversation"] if m["direction"] == "in"]
    assert incoming["from"] == "Asha Patil" and PHONE in incoming["text"]
    [viewed] = events_of(db, reference, "personal_data_viewed")
    assert viewed["actor"] == f"user:{officer_id}" and recent(viewed["at"])
    assert PHONE not in str(detail(client, desk, reference).json()["conversation"])


def test_assign_to_an_officer_who_cannot_see_the_case_is_refused(db, force, client, desk):
    """Charkop cannot assign its case to a Colaba officer."""
    reference = open_case(db, force, "charkop", "theft")
    colaba = officer(db, force, "colaba.officer", unit="colaba")
    response = post(client, desk, reference, "assign", {"user_id": colaba})
    assert response.status_code == 400


# -- the citizen writes back --------------------------------------------------------------------------------


def _resolved_case(db, force) -> str:
    reference = open_case(db, force, "charkop", "theft", key="c-1", received_at=RECEIVED)
    system_act(db, force, reference, "acknowledge", "resolve", now=RECEIVED + timedelta(hours=1))
    return reference


def _citizen_writes_again(db, force, after: timedelta, text: str | None = None) -> dict:
    again = message(
        "c-2",
        "charkop",
        text or "my stolen bike is still not found and nobody came to check, please reopen my complaint",
        force=force,
        sender="@citizen_c-1",
        thread="thread-c-1",
        received_at=RECEIVED + after,
    )
    save_incoming(db, [again])
    drain(db, force, at=RECEIVED + after)
    with db.engine.connect() as conn:
        return dict(conn.execute(select(inbound).where(inbound.c.external_id == "c-2")).mappings().one())


def test_citizen_writing_back_within_seven_days_reopens_the_case(db, force):
    """Two days after the resolution the citizen says it is not solved: their case is reopened, no new one."""
    reference = _resolved_case(db, force)
    row = _citizen_writes_again(db, force, timedelta(days=2))
    assert row["case_id"] == case_row(db, reference)["id"]
    assert case_row(db, reference)["status"] == "reopened"
    assert events_of(db, reference, "reopened")


def test_a_thank_you_after_the_resolution_joins_the_case_without_reopening_it(db, force):
    """'Thank you, got my bike back' the next day is kept on the resolved case; it does not reopen it."""
    reference = _resolved_case(db, force)
    row = _citizen_writes_again(db, force, timedelta(days=1), "thank you so much Charkop police, great work, got it")
    assert (row["outcome"], row["case_id"]) == ("attached", case_row(db, reference)["id"])
    assert case_row(db, reference)["status"] == "resolved"
    assert not events_of(db, reference, "reopened")


def test_citizen_writing_back_after_seven_days_opens_a_new_case(db, force):
    """Eight days after the resolution, a message in the same thread opens a new case."""
    reference = _resolved_case(db, force)
    row = _citizen_writes_again(db, force, timedelta(days=8))
    assert row["outcome"] == "new_case" and row["case_id"] != case_row(db, reference)["id"]
    assert case_row(db, reference)["status"] == "resolved"


def test_reopening_when_the_citizen_has_a_newer_open_case_is_not_a_server_error(db, force, client, desk):
    """An officer reopens a resolved case whose citizen has since opened another in the same thread: no 500."""
    reference = _resolved_case(db, force)
    assert _citizen_writes_again(db, force, timedelta(days=8))["outcome"] == "new_case"
    response = post(client, desk, reference, "reopen", {"reason": "the citizen called"})
    assert response.status_code in (200, 409), response.text


# -- the list: filters and pages ---------------------------------------------------------------------------


def test_list_filters_and_pages(db, force, client):
    """Station, zone, status, category, priority, overdue and text filters; pages with a total; bad filters 400."""
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(days=2)
    refs = open_cases(
        db,
        force,
        [
            message("a", "charkop", "theft", force=force, received_at=old),
            message("b", "charkop", "nuisance", force=force, received_at=now),
            message("c", "borivali", "theft", force=force, received_at=old),
            message("d", "dahisar", "theft", force=force, received_at=now),
        ],
        at=now,
    )
    hq = caller(db, force, "hq")
    post(client, hq, refs["c"], "acknowledge")

    def listed(**params) -> list[str]:
        response = client.get("/api/v1/cases", params=params, headers=hq.headers)
        assert response.status_code == 200, response.text
        return sorted(item["reference"] for item in response.json()["items"])

    assert listed(station="charkop") == sorted([refs["a"], refs["b"]])
    assert listed(zone="zone-12") == [refs["d"]]
    assert listed(status="acknowledged") == [refs["c"]]
    assert listed(status="new,acknowledged") == sorted(refs.values())
    assert listed(category="nuisance") == [refs["b"]]
    assert listed(priority="P3") == sorted(r for r in refs.values() if case_row(db, r)["priority"] == "P3")
    assert listed(overdue="true") == sorted([refs["a"], refs["c"]])
    assert listed(overdue="false") == sorted([refs["b"], refs["d"]])
    assert listed(text="loud music") == [refs["b"]]
    assert listed(text=refs["d"]) == [refs["d"]]
    body = client.get("/api/v1/cases", params={"per_page": 3}, headers=hq.headers).json()
    second = client.get("/api/v1/cases", params={"per_page": 3, "page": 2}, headers=hq.headers).json()
    assert (body["total"], len(body["items"]), len(second["items"])) == (4, 3, 1)
    assert {i["reference"] for i in body["items"] + second["items"]} == set(refs.values())
    item = next(i for i in body["items"] + second["items"] if i["reference"] == refs["a"])
    assert item["station"] == {"id": "charkop", "name": "Charkop"}
    assert (item["category"], item["status"], item["channel"]) == ("theft", "new", "x")
    assert as_time(item["received_at"]) == old and as_time(item["due_at"]) == case_row(db, refs["a"])["ack_due_at"]
    assert item["overdue"] is True
    for params, words in (
        ({"status": "lost"}, "unknown status lost"),
        ({"category": "burglary"}, "unknown category"),
        ({"priority": "P9"}, "priority"),
        ({"per_page": 500}, "per_page"),
        ({"page": 0}, "page"),
    ):
        response = client.get("/api/v1/cases", params=params, headers=hq.headers)
        assert response.status_code == 400 and words in response.json()["error"], params

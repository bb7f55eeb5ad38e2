"""The intake pipeline, in process, on SQLite and PostgreSQL: inbound message -> routed, triaged case.

Routing (handle, women's-helpline number, coordinates, places in the text, headquarters), ownership
(police conduct, cyber fraud, emergencies, redirects), follow-ups, spam, references, the
acknowledgement's words, redelivery, over-long text, bad lines in a file and a triage failure.

Example texts come from the shipped triage corpus: the first one the corpus labels with the wanted
category *and* the shipped model reads the same way (so these tests exercise the pipeline, not triage).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from thana.channels import TEXT_LIMIT, IncomingMessage
from thana.cli import app
from thana.config import reload_settings, settings
from thana.ingest import parse_line
from thana.packages import BUNDLED_DIR, get_force
from thana.pipeline import SUMMARY_LIMIT, Pipeline
from thana.store.db import Database
from thana.store.inbound import save_incoming
from thana.store.schema import case_events, cases, inbound, outbox, unparsed
from thana.triage.model import get_model
from thana.triage.train import training_corpus

REFERENCE_RE = re.compile(r"^MUM-(\d{2})-(\d{6})$")
DEVANAGARI_RE = re.compile(r"[\u0900-\u097F]")
RECEIVED = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=UTC)
HELPLINE = "022-0000-1091"  # a made-up women's helpline given to Powai in a test copy of the package

THEFT_AT_POWAI_LAKE = "my bike was stolen from outside my building near Powai lake last night"
THEFT_NO_PLACE = "my bike was stolen from outside my building last night"


# -- helpers ---------------------------------------------------------------------------------------------


@functools.cache
def _labelled_corpus() -> list[tuple[dict, object]]:
    corpus = training_corpus()
    decisions = get_model().classify_many([r["text"] for r in corpus], force=get_force("mumbai"))
    return list(zip(corpus, decisions, strict=True))


def example(category: str, language: str = "en", priority: str | None = None, skip: int = 0) -> str:
    """A corpus text of that category and language that the model also reads that way."""
    found = [
        row["text"]
        for row, d in _labelled_corpus()
        if row["category"] == category == d.category
        and d.language == language
        and (priority is None or d.priority == priority)
    ]
    assert len(found) > skip, f"the corpus has no {category}/{language}/{priority} text the model agrees on"
    return found[skip]


def msg(external_id: str, text: str, *, channel: str = "whatsapp", sender: str | None = None, **kw) -> IncomingMessage:
    kw.setdefault("received_at", RECEIVED)
    return IncomingMessage(
        channel=channel, external_id=external_id, text=text, sender=sender or f"+9198{external_id}", **kw
    )


def pipeline(db: Database, force=None) -> Pipeline:
    return Pipeline(db, force or get_force(settings().force), worker_id="test", batch_size=200, clock=lambda: NOW)


def run(db: Database, messages: list[IncomingMessage], p: Pipeline | None = None) -> Pipeline:
    """Store the messages and process everything pending; the pipeline used."""
    p = p or pipeline(db)
    save_incoming(db, messages)
    p.drain()
    return p


def fetch(db: Database, table, *where) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).where(*where).order_by(table.c.id)).mappings()]


def inbound_row(db: Database, external_id: str, channel: str = "whatsapp") -> dict:
    [row] = fetch(db, inbound, inbound.c.channel == channel, inbound.c.external_id == external_id)
    return row


def case_for(db: Database, external_id: str, channel: str = "whatsapp") -> dict:
    row = inbound_row(db, external_id, channel)
    assert row["status"] == "processed", row
    assert row["case_id"] is not None, f"{external_id} opened no case: outcome {row['outcome']}"
    [case] = fetch(db, cases, cases.c.id == row["case_id"])
    return case


def ack_for(db: Database, case_id: int) -> dict:
    [ack] = fetch(db, outbox, outbox.c.case_id == case_id, outbox.c.kind == "ack")
    return ack


def events_of(db: Database, case_id: int) -> list[dict]:
    return fetch(db, case_events, case_events.c.case_id == case_id)


def count(db: Database, table) -> int:
    return len(fetch(db, table))


@pytest.fixture
def powai_helpline_force(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A copy of the Mumbai package where Powai publishes a women's helpline; THANA_FORCE points at it."""
    package = tmp_path / "mumbai-with-powai-helpline"
    shutil.copytree(BUNDLED_DIR / "mumbai", package)
    channels = package / "channels.csv"
    text = channels.read_text(encoding="utf-8")
    text += ("" if text.endswith("\n") else "\n") + f"powai,women_helpline,{HELPLINE},https://example.test/src,test\n"
    channels.write_text(text, encoding="utf-8")
    monkeypatch.setenv("THANA_FORCE", str(package))
    reload_settings()
    force = get_force(settings().force)
    assert force.source_dir == str(package.resolve())
    return force


# -- routing ---------------------------------------------------------------------------------------------


def test_the_fixed_example_texts_read_as_theft():
    """The routing tests' own texts are theft to the model (else their owner and status would differ)."""
    texts = [THEFT_AT_POWAI_LAKE, THEFT_NO_PLACE, "my bike was stolen from outside my building in Colaba last night"]
    assert [d.category for d in get_model().classify_many(texts)] == ["theft"] * 3


def test_handle_written_to_routes_to_that_station_over_a_place_in_the_text(db):
    """A message to @AndheriPS goes to Andheri even though it names Powai lake."""
    run(db, [msg("1", THEFT_AT_POWAI_LAKE, channel="x", addressed_to="@AndheriPS", kind="post")])
    case = case_for(db, "1", "x")
    assert (case["station_id"], case["owner_unit_id"], case["routed_by"]) == ("andheri", "andheri", "handle")
    assert case["desk"] is None
    assert case["zone_id"] == "zone-10"
    assert case["region_id"] == "region-west"


def test_womens_helpline_number_routes_to_that_stations_womens_desk(db, powai_helpline_force):
    """A message to Powai's women's helpline (written another way) lands on Powai's women's desk."""
    women = example("women_safety")  # names Lokhandwala and Andheri W: the number written to wins
    p = pipeline(db, powai_helpline_force)
    run(db, [msg("1", women, addressed_to="+91 22 0000 1091"), msg("2", THEFT_NO_PLACE, addressed_to="02200001091")], p)
    for external_id in ("1", "2"):
        case = case_for(db, external_id)
        assert (case["station_id"], case["owner_unit_id"], case["routed_by"], case["desk"]) == (
            "powai",
            "powai",
            "number",
            "women",
        )
    women_case = case_for(db, "1")
    assert women_case["category"] == "women_safety"
    body = ack_for(db, women_case["id"])["body"]
    assert HELPLINE in body
    assert "103" not in body
    assert "Powai Police Station" in body


def test_coordinates_inside_a_jurisdiction_route_to_its_station(db, mumbai):
    """A WhatsApp location inside Powai's jurisdiction goes to Powai, even when the text names Colaba."""
    point = mumbai.jurisdictions["powai"].representative_point()
    text = "my bike was stolen from outside my building in Colaba last night"
    run(db, [msg("1", text, lat=point.y, lon=point.x)])
    case = case_for(db, "1")
    assert (case["station_id"], case["owner_unit_id"], case["routed_by"]) == ("powai", "powai", "coordinates")
    assert (case["lat"], case["lon"]) == pytest.approx((point.y, point.x))
    assert case["route"]["approximate"] is True  # Mumbai's jurisdictions are approximate


def test_place_named_in_the_text_routes_to_its_station(db):
    """'near Powai lake' with no handle and no location goes to Powai, by place."""
    run(db, [msg("1", THEFT_AT_POWAI_LAKE, channel="web")])
    case = case_for(db, "1", "web")
    assert (case["station_id"], case["owner_unit_id"], case["routed_by"]) == ("powai", "powai", "place")
    assert case["place_name"] is not None
    assert "powai" in case["place_name"].lower()


def test_message_with_nothing_to_route_by_goes_to_the_hq_queue(db):
    """No handle, number, location or place: headquarters' queue, station NULL, owner NULL."""
    run(db, [msg("1", THEFT_NO_PLACE, channel="web")])
    case = case_for(db, "1", "web")
    assert (case["station_id"], case["owner_unit_id"], case["routed_by"]) == (None, None, "hq")
    assert (case["zone_id"], case["region_id"], case["division_id"]) == (None, None, None)
    assert case["status"] == "new"
    assert "Mumbai Police headquarters' social media cell" in ack_for(db, case["id"])["body"]


def test_unknown_handle_falls_back_to_the_place_in_the_text(db):
    """A handle that is no station's is ignored: the place in the text decides."""
    run(db, [msg("1", THEFT_AT_POWAI_LAKE, channel="x", addressed_to="@SomeoneElse", kind="post")])
    case = case_for(db, "1", "x")
    assert (case["station_id"], case["routed_by"]) == ("powai", "place")


# -- ownership -------------------------------------------------------------------------------------------


def test_police_conduct_is_never_owned_by_the_station_complained_about(db, mumbai):
    """A complaint about Andheri's officers is owned above Andheri (its division, else its zone)."""
    run(db, [msg("1", example("police_conduct"), channel="x", addressed_to="@andherips", kind="post")])
    case = case_for(db, "1", "x")
    assert case["category"] == "police_conduct"
    assert case["station_id"] == "andheri"
    above = mumbai.ancestor_of_kind("andheri", "division") or mumbai.ancestor_of_kind("andheri", "zone")
    assert case["owner_unit_id"] == above.id == "zone-10"
    assert case["owner_unit_id"] != "andheri"
    [created] = [e for e in events_of(db, case["id"]) if e["kind"] == "created"]
    assert created["after"]["owner_unit_id"] == "zone-10"


def test_cyber_fraud_is_owned_by_the_regions_cyber_police_station(db, mumbai):
    """Money lost online at Andheri (West Region) goes to the West Region cyber police station."""
    run(db, [msg("1", example("cyber_fraud"), addressed_to="@andherips")])
    case = case_for(db, "1")
    assert case["category"] == "cyber_fraud"
    assert (case["station_id"], case["owner_unit_id"]) == ("andheri", "cyber-west")
    assert mumbai.units["cyber-west"].kind == "cyber_station"
    assert mumbai.units["cyber-west"].parent_id == case["region_id"] == "region-west"


def test_emergency_notifies_the_control_room(db):
    """An emergency is owned by the station and a 'notified' event tells the control room."""
    run(db, [msg("1", example("emergency", priority="P1"), addressed_to="@powaips")])
    case = case_for(db, "1")
    assert (case["category"], case["priority"], case["owner_unit_id"]) == ("emergency", "P1", "powai")
    events = events_of(db, case["id"])
    assert [e["kind"] for e in events] == ["created", "notified"]
    assert events[1]["after"] == {"unit_id": "control-room"}
    assert events[1]["detail"]["inbound_id"] == inbound_row(db, "1")["id"]
    assert case["ack_due_at"] == RECEIVED + timedelta(minutes=5)
    assert case["action_due_at"] == RECEIVED + timedelta(minutes=15)


@pytest.mark.parametrize(
    ("category", "agency", "agency_name", "channels"),
    [
        ("railway", "grp", "Government Railway Police, Mumbai", ["1512"]),
        ("traffic", "traffic", "Mumbai Traffic Police", ["@MTPHereToHelp", "8454999999"]),
        ("civic", "bmc", "Brihanmumbai Municipal Corporation (BMC)", ["1916", "@mybmc", "https://portal.mcgm.gov.in"]),
    ],
)
def test_railway_traffic_and_civic_cases_are_redirected_to_the_agency(db, category, agency, agency_name, channels):
    """Redirected at once: status redirected, the agency named, its channels in the acknowledgement."""
    run(db, [msg("1", example(category), addressed_to="@powaips")])
    case = case_for(db, "1")
    assert (case["category"], case["status"], case["agency_id"]) == (category, "redirected", agency)
    assert case["open_key"] is None  # a redirected case takes no follow-ups
    assert (case["ack_due_at"], case["action_due_at"]) == (None, None)
    body = ack_for(db, case["id"])["body"]
    assert f"This is handled by {agency_name}: {channels[0]}" in body
    assert body.endswith("We have passed it on.")
    for address in channels:
        assert address in body
    [created] = [e for e in events_of(db, case["id"]) if e["kind"] == "created"]
    assert created["after"]["agency_id"] == agency


def test_redirect_acknowledgement_names_each_address_once(db):
    """'Mumbai Traffic Police: @MTPHereToHelp, 8454999999' — not '…, 8454999999, 8454999999'."""
    run(db, [msg("1", example("traffic"), addressed_to="@powaips")])
    body = ack_for(db, case_for(db, "1")["id"])["body"]
    assert body.count("8454999999") == 1, body


# -- follow-ups and spam ---------------------------------------------------------------------------------


def test_follow_up_in_the_same_chat_attaches_without_a_second_case_or_acknowledgement(db):
    """Two later messages in the citizen's chat join their case as message_added events."""
    p = pipeline(db)
    run(db, [msg("1", THEFT_NO_PLACE, thread_id="chat-7")], p)
    run(db, [msg("2", "it was a red Honda Activa MH02AB1234", thread_id="chat-7")], p)
    run(db, [msg("3", "I have the CCTV footage from the building too", thread_id="chat-7")], p)
    [case] = fetch(db, cases)
    assert [inbound_row(db, e)["outcome"] for e in ("1", "2", "3")] == ["new_case", "attached", "attached"]
    assert {inbound_row(db, e)["case_id"] for e in ("1", "2", "3")} == {case["id"]}
    events = events_of(db, case["id"])
    assert [e["kind"] for e in events] == ["created", "message_added", "message_added"]
    assert [e["detail"]["inbound_id"] for e in events] == [inbound_row(db, e)["id"] for e in ("1", "2", "3")]
    assert count(db, outbox) == 1


def test_follow_up_in_the_same_batch_attaches_to_the_case_it_opens(db):
    """Both messages in one batch: one case, one created and one message_added event, one ack."""
    run(
        db,
        [
            msg("1", THEFT_NO_PLACE, thread_id="chat-7"),
            msg("2", "it was a new phone, bought last month", thread_id="chat-7"),
        ],
    )
    [case] = fetch(db, cases)
    assert [e["kind"] for e in events_of(db, case["id"])] == ["created", "message_added"]
    assert count(db, outbox) == 1


def test_other_citizens_and_other_chats_get_cases_of_their_own(db):
    """Same text, different chats or senders: separate cases and separate acknowledgements."""
    run(
        db,
        [
            msg("1", THEFT_NO_PLACE, sender="+919800000001", thread_id="chat-1"),
            msg("2", THEFT_NO_PLACE, sender="+919800000002", thread_id="chat-2"),
            msg("3", THEFT_NO_PLACE, channel="sms", sender="+919800000001"),
        ],
    )
    assert count(db, cases) == 3
    assert count(db, outbox) == 3


def test_urgent_follow_up_raises_the_cases_priority(db):
    """A P1 follow-up to a P3 case raises it to P1, with new due times and a reprioritised event."""
    theft = example("theft", priority="P3")
    p = pipeline(db)
    run(db, [msg("1", theft, thread_id="chat-9")], p)
    run(db, [msg("2", example("emergency", priority="P1"), thread_id="chat-9")], p)
    [case] = fetch(db, cases)
    assert case["priority"] == "P1"
    assert case["ack_due_at"] == NOW + timedelta(minutes=5)
    assert case["action_due_at"] == NOW + timedelta(minutes=15)
    events = events_of(db, case["id"])
    assert [e["kind"] for e in events] == ["created", "message_added", "reprioritised"]
    assert (events[2]["before"], events[2]["after"]) == ({"priority": "P3"}, {"priority": "P1"})
    assert events[2]["detail"]["inbound_id"] == inbound_row(db, "2")["id"]


def test_less_urgent_follow_up_never_lowers_the_priority(db):
    """A P4 question after a P1 emergency leaves the case at P1."""
    p = pipeline(db)
    run(db, [msg("1", example("emergency", priority="P1"), thread_id="chat-9")], p)
    run(db, [msg("2", example("information", priority="P4"), thread_id="chat-9")], p)
    [case] = fetch(db, cases)
    assert case["priority"] == "P1"
    assert "reprioritised" not in [e["kind"] for e in events_of(db, case["id"])]


def test_urgent_follow_up_in_the_same_batch_raises_the_priority(db):
    """A P3 theft and a P1 follow-up claimed in one batch: the case is written P1, with P1's due times, and
    the raise is an event after the follow-up's."""
    run(
        db,
        [
            msg("1", example("theft", priority="P3"), thread_id="chat-9"),
            msg("2", example("emergency", priority="P1"), thread_id="chat-9"),
        ],
    )
    [case] = fetch(db, cases)
    assert case["priority"] == "P1"
    assert case["ack_due_at"] == NOW + timedelta(minutes=5)
    assert case["action_due_at"] == NOW + timedelta(minutes=15)
    assert case["escalate_at"] == NOW + timedelta(minutes=5)
    events = events_of(db, case["id"])
    assert [e["kind"] for e in events] == ["created", "message_added", "reprioritised"]
    assert events[0]["after"]["priority"] == "P3"  # as triaged; the raise is its own event
    assert (events[2]["before"], events[2]["after"]) == ({"priority": "P3"}, {"priority": "P1"})


def test_two_follow_ups_in_one_batch_never_lower_the_priority(db):
    """Case P3; one batch brings a P1 then a P2 follow-up: the case stays P1."""
    p = pipeline(db)
    run(db, [msg("1", example("theft", priority="P3"), thread_id="chat-9")], p)
    run(
        db,
        [
            msg("2", example("emergency", priority="P1"), thread_id="chat-9"),
            msg("3", example("missing_person", priority="P2"), thread_id="chat-9"),
        ],
        p,
    )
    [case] = fetch(db, cases)
    assert case["priority"] == "P1"


def test_another_citizens_reply_under_a_public_x_post_gets_a_case_of_their_own(db):
    """Bob's own complaint posted as a reply under Alice's post is Bob's case, acknowledged to Bob."""
    p = pipeline(db)
    alice = msg("1001", THEFT_NO_PLACE, channel="x", sender="@alice", kind="post", thread_id="1001")
    run(db, [alice], p)
    reply = "my phone was also stolen at the same bus stop yesterday"
    run(db, [msg("1002", reply, channel="x", sender="@bob", kind="post", reply_to="1001")], p)
    assert count(db, cases) == 2
    assert sorted(a["recipient"] for a in fetch(db, outbox)) == ["@alice", "@bob"]


def test_spam_opens_no_case(db):
    """Advertising from a new sender: processed as spam, no case, no event, nothing queued."""
    spam = example("spam")
    run(db, [msg("1", spam)])
    row = inbound_row(db, "1")
    assert (row["status"], row["outcome"], row["case_id"], row["error"]) == ("processed", "spam", None, None)
    assert (count(db, cases), count(db, case_events), count(db, outbox)) == (0, 0, 0)


def test_spam_looking_text_in_an_open_thread_attaches_to_the_case(db):
    """Two texts the model reads as spam, sent in the citizen's open chat, belong to their case."""
    spam_1, spam_2 = example("spam"), example("spam", skip=1)
    assert [d.category for d in get_model().classify_many([spam_1, spam_2])] == ["spam", "spam"]
    p = pipeline(db)
    run(db, [msg("1", THEFT_NO_PLACE, thread_id="chat-3")], p)
    run(db, [msg("2", spam_1, thread_id="chat-3"), msg("3", spam_2, thread_id="chat-3")], p)
    [case] = fetch(db, cases)
    assert [inbound_row(db, e)["outcome"] for e in ("2", "3")] == ["attached", "attached"]
    assert [e["kind"] for e in events_of(db, case["id"])] == ["created", "message_added", "message_added"]
    assert count(db, outbox) == 1


def test_reactions_and_deletions_open_no_case(db):
    """A reaction or a delete notice is recorded as no_case and touches no case."""
    run(db, [msg("1", "👍", kind="reaction"), msg("2", "", kind="delete")])
    assert [inbound_row(db, e)["outcome"] for e in ("1", "2")] == ["no_case", "no_case"]
    assert (count(db, cases), count(db, outbox)) == (0, 0)


# -- references ------------------------------------------------------------------------------------------


def test_references_are_unique_well_formed_and_increasing(db):
    """Forty cases: MUM-<yy>-<six digits>, all different, rising with the case id, per year of receipt."""
    messages = [msg(str(i), THEFT_NO_PLACE, sender=f"+91980000{i:04d}") for i in range(40)]
    messages.append(msg("old", THEFT_NO_PLACE, received_at=datetime(2025, 7, 1, tzinfo=UTC)))
    p = pipeline(db)
    run(db, messages[:25], p)
    run(db, messages[25:], p)
    refs = [c["reference"] for c in fetch(db, cases)]
    assert len(refs) == 41 == len(set(refs))
    parsed = [REFERENCE_RE.match(r) for r in refs]
    assert all(parsed), refs
    this_year = [int(m[2]) for m in parsed if m[1] == "26"]
    assert len(this_year) == 40
    assert this_year == sorted(this_year) and len(set(this_year)) == 40 and this_year[0] >= 1
    assert case_for(db, "old")["reference"] == "MUM-25-000001"  # its own year's counter
    created = {e["after"]["reference"] for e in fetch(db, case_events) if e["kind"] == "created"}
    assert created == set(refs)


# -- acknowledgements ------------------------------------------------------------------------------------

STATION_PHRASE = {"en": "Andheri Police Station", "hi": "अंधेरी पुलिस थाने", "mr": "अंधेरी पोलीस ठाणे"}
COMPLAINT_WORD = {"hi": "शिकायत", "mr": "तक्रार"}


@pytest.mark.parametrize("language", ["en", "hi", "mr"])
@pytest.mark.parametrize(
    ("category", "must_say"),
    [
        ("emergency", ["112"]),
        ("women_safety", ["103", "112"]),
        ("cyber_fraud", ["1930", "cybercrime.gov.in"]),
        ("traffic", ["@MTPHereToHelp", "8454999999"]),
    ],
)
def test_acknowledgement_speaks_the_citizens_language_and_says_what_to_do(db, category, must_say, language):
    """WhatsApp ack: the reference, the station's name and the category's numbers, in en/hi/mr."""
    run(db, [msg("1", example(category, language), addressed_to="@andherips")])
    case = case_for(db, "1")
    assert (case["category"], case["language"]) == (category, language)
    ack = ack_for(db, case["id"])
    body = ack["body"]
    assert ack["language"] == language
    assert (ack["public"], ack["recipient"], ack["channel"], ack["status"]) == (False, "+91981", "whatsapp", "pending")
    assert ack["idempotency_key"] == f"ack:{inbound_row(db, '1')['id']}"
    assert case["reference"] in body
    assert STATION_PHRASE[language] in body
    for needed in must_say:
        assert needed in body
    if language == "en":
        assert not DEVANAGARI_RE.search(body)
    else:
        assert COMPLAINT_WORD[language] in body
        other = "mr" if language == "hi" else "hi"
        assert COMPLAINT_WORD[other] not in body


def test_latin_script_hindi_is_answered_in_english(db):
    """Hinglish (hi-Latn) gets the English acknowledgement."""
    run(db, [msg("1", example("theft", "hi-Latn"), addressed_to="@andherips")])
    case = case_for(db, "1")
    assert case["language"] == "hi-Latn"
    ack = ack_for(db, case["id"])
    assert ack["language"] == "en"
    assert ack["body"].startswith(f"Thank you. Your complaint is registered with reference {case['reference']}")
    assert not DEVANAGARI_RE.search(ack["body"])


@pytest.mark.parametrize(("language", "dm_phrase"), [("en", "direct message"), ("hi", "डायरेक्ट मैसेज")])
def test_public_x_reply_to_a_womens_safety_case_has_no_number_and_asks_for_a_dm(db, language, dm_phrase):
    """Said in public: the reference and station only, no phone number, and 'continue by DM'."""
    run(db, [msg("1", example("women_safety", language), channel="x", sender="priya_k", kind="post")])
    case = case_for(db, "1", "x")
    assert (case["category"], case["sensitive"]) == ("women_safety", True)
    ack = ack_for(db, case["id"])
    assert ack["public"] is True
    body = ack["body"]
    assert case["reference"] in body
    assert dm_phrase in body
    assert not re.search(r"\d{3,}", body.replace(case["reference"], "")), body
    assert "priya" not in body.lower()


def test_direct_message_on_x_gets_the_full_womens_safety_acknowledgement(db):
    """An X DM is private: the helpline numbers are given."""
    run(db, [msg("1", example("women_safety"), channel="x", sender="priya_k", kind="dm", thread_id="dm-1")])
    ack = ack_for(db, case_for(db, "1", "x")["id"])
    assert ack["public"] is False
    assert "103" in ack["body"] and "112" in ack["body"]


# -- redelivery, size, bad input, failures ---------------------------------------------------------------


def test_redelivery_of_the_same_external_ids_creates_nothing_new(db):
    """The same three messages delivered again (before and after processing) add no row anywhere."""
    batch = [msg(str(i), THEFT_NO_PLACE, sender=f"+9198000{i}") for i in range(3)]
    assert save_incoming(db, batch) == (3, 0)
    assert save_incoming(db, batch) == (0, 3)
    p = pipeline(db)
    assert p.drain() == 3
    before = [count(db, t) for t in (inbound, cases, case_events, outbox)]
    assert before == [3, 3, 3, 3]
    assert save_incoming(db, batch + [msg("0", "different text, same id")]) == (0, 4)
    assert p.drain() == 0
    assert [count(db, t) for t in (inbound, cases, case_events, outbox)] == before
    assert {r["attempts"] for r in fetch(db, inbound)} == {1}


def test_same_external_id_on_another_channel_is_another_message(db):
    """Uniqueness is per channel: id '1' on SMS and on WhatsApp are two messages."""
    assert save_incoming(db, [msg("1", THEFT_NO_PLACE), msg("1", THEFT_NO_PLACE, channel="sms")]) == (2, 0)


def test_over_long_text_is_kept_whole_in_raw_and_truncated_for_display(db):
    """100,000 characters through the file path: raw keeps them all, text keeps TEXT_LIMIT, the case 280."""
    text = (THEFT_NO_PLACE + ". ") * (100_000 // (len(THEFT_NO_PLACE) + 2) + 1)
    text = text[:100_000]
    line = json.dumps({"channel": "web", "external_id": "long-1", "sender": "s", "text": text})
    assert save_incoming(db, [parse_line(line)]) == (1, 0)
    row = inbound_row(db, "long-1", "web")
    assert len(row["text"]) == TEXT_LIMIT == 4000
    assert row["text"] == text[:TEXT_LIMIT]
    assert row["text_truncated"] is True
    assert row["raw"] == line
    assert json.loads(row["raw"])["text"] == text
    pipeline(db).drain()
    case = case_for(db, "long-1", "web")
    assert case["summary"] == text[:SUMMARY_LIMIT]


def test_text_at_the_limit_is_not_marked_truncated(db):
    """Exactly TEXT_LIMIT characters is kept as is."""
    save_incoming(db, [msg("1", "a" * TEXT_LIMIT)])
    row = inbound_row(db, "1")
    assert (len(row["text"]), row["text_truncated"]) == (TEXT_LIMIT, False)


def test_over_long_text_without_a_raw_payload_is_not_lost(db):
    """A 100,000-character message given without raw is still stored whole somewhere."""
    text = "x" * 100_000
    save_incoming(db, [msg("1", text)])
    row = inbound_row(db, "1")
    assert (row["raw"] or "").count(text) == 1, "the text past TEXT_LIMIT is stored nowhere"


def test_malformed_lines_in_a_file_are_kept_with_line_number_and_reason(db, tmp_path):
    """Each unreadable line goes to unparsed_payloads as '<file>:<line>: <reason>' with the line itself."""
    good = {"channel": "web", "sender": "s", "text": THEFT_NO_PLACE}
    lines = [
        json.dumps(good | {"external_id": "ok-1"}),
        "{not json",
        "[1, 2]",
        json.dumps(good | {"external_id": "f-4", "channel": "fax"}),
        json.dumps({"channel": "web", "text": "no id"}),
        "",
        json.dumps(good | {"external_id": "f-7", "lat": 19.1}),
        json.dumps(good | {"external_id": "f-8", "lat": 95.0, "lon": 72.0}),
        json.dumps(good | {"external_id": "f-9", "received_at": "yesterday"}),
        json.dumps(good | {"external_id": "f-10", "text": 42}),
        json.dumps(good | {"external_id": "ok-11", "sender": "another citizen"}),
    ]
    file = tmp_path / "feed.jsonl"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(file), "--process"])
    assert result.exit_code == 0, result.output
    assert "stored 2, already there 0, rejected 8" in " ".join(result.output.split())
    got = [(r["channel"], r["reason"], r["raw"].rstrip("\n")) for r in fetch(db, unparsed)]
    expected_reasons = {
        2: "not JSON: ",
        3: "a line must be a JSON object",
        4: "channel 'fax' is not one of x, whatsapp, sms, web, open311, file",
        5: "external_id is required",
        7: "lat and lon go together",
        8: "lat must be -90..90 and lon -180..180",
        9: "received_at 'yesterday' is not an ISO 8601 time",
        10: "text must be a string",
    }
    assert len(got) == len(expected_reasons)
    for (channel, reason, raw), (number, why) in zip(got, expected_reasons.items(), strict=True):
        assert channel == "file"
        assert reason.startswith(f"feed.jsonl:{number}: {why}"), reason
        assert raw == lines[number - 1]
    assert sorted(r["external_id"] for r in fetch(db, inbound)) == ["ok-1", "ok-11"]
    assert count(db, cases) == 2


def test_triage_failure_for_one_message_does_not_stop_the_batch(db, monkeypatch):
    """The classifier raises on one text: the others become cases, that one is marked failed with the error."""
    p = pipeline(db)
    real = p.classifier.classify_many

    def classify_many(texts, force=None):
        if any("BOOM" in t for t in texts):
            raise RuntimeError("model exploded on this text")
        return real(texts, force=force)

    monkeypatch.setattr(p.classifier, "classify_many", classify_many)
    messages = [msg(str(i), THEFT_NO_PLACE, sender=f"+9198000{i}") for i in range(5)]
    messages.insert(2, msg("bad", "BOOM my bike was stolen", sender="+919999"))
    assert run(db, messages, p) is p
    bad = inbound_row(db, "bad")
    assert (bad["status"], bad["outcome"], bad["case_id"]) == ("failed", "failed", None)
    assert bad["error"] == "triage: RuntimeError: model exploded on this text"
    assert bad["attempts"] == 1
    good = [inbound_row(db, str(i)) for i in range(5)]
    assert [(r["status"], r["outcome"]) for r in good] == [("processed", "new_case")] * 5
    assert count(db, cases) == 5
    assert count(db, outbox) == 5
    assert p.run_once() == 0  # a failed message is not picked up again and again


def test_message_with_an_out_of_range_time_does_not_stop_processing(db):
    """A far-future receipt time (a client clock gone wrong) must not poison the batch or the worker."""
    bad = msg("future", THEFT_NO_PLACE, received_at=datetime(9999, 12, 31, 23, 30, tzinfo=UTC))
    good = [msg(str(i), THEFT_NO_PLACE, sender=f"+9198000{i}") for i in range(2)]
    save_incoming(db, [good[0], bad, good[1]])
    pipeline(db).drain()
    assert [inbound_row(db, str(i))["outcome"] for i in range(2)] == ["new_case", "new_case"]
    assert inbound_row(db, "future")["status"] != "pending"


@pytest.mark.parametrize("lat, lon", [(1.0e8, 72.87), (float("nan"), 72.87), (19.07, float("inf")), (91.0, 72.87)])
def test_a_position_that_is_no_place_is_kept_in_the_raw_payload_and_stops_nothing(db, lat, lon):
    """A channel's lat 1e8 or NaN: stored without a position (the raw payload keeps what came), and two
    such reports, of one fire, both become cases routed from their words."""
    run(db, [msg("junk1", FIRE, lat=lat, lon=lon)])
    run(db, [msg("junk2", FIRE, lat=lat, lon=lon, received_at=RECEIVED + timedelta(minutes=1))])
    for name in ("junk1", "junk2"):
        row = inbound_row(db, name)
        assert (row["lat"], row["lon"]) == (None, None)
        assert repr(lat) in row["raw"] and repr(lon) in row["raw"]
        assert case_for(db, name)["routed_by"] != "coordinates"


# -- incidents: many people, one event ---------------------------------------------------------------

FIRE = "there is a big fire in the building near the market, smoke everywhere, people trapped"


def _fire(external_id: str, lat: float, lon: float, minutes: int = 0) -> IncomingMessage:
    return msg(external_id, FIRE, lat=lat, lon=lon, received_at=RECEIVED + timedelta(minutes=minutes))


def test_reports_of_one_fire_straddling_a_grid_cell_become_one_incident(db):
    """19.2049 and 19.2076 fall in different ~1 km cells of the lookup but are 300 m apart: one event."""
    run(db, [_fire("f1", 19.2049, 72.8258)])
    run(db, [_fire("f2", 19.2076, 72.8258, minutes=5), _fire("f3", 19.2300, 72.8258, minutes=6)])
    first, second, far = (case_for(db, e) for e in ("f1", "f2", "f3"))
    assert first["incident_id"] == second["incident_id"] == first["id"]
    assert far["incident_id"] is None  # 2.8 km away: another fire


def test_a_report_joins_the_incident_not_a_new_one_in_a_batch_spread_over_the_city(db):
    """A batch with reports in many cells (one box round them all) still finds each report's incident."""
    run(db, [_fire("g0", 19.0760, 72.8777)])
    spread = [_fire(f"g{i}", 19.0 + 0.03 * i, 72.85, minutes=10) for i in range(1, 16)]
    run(db, [*spread, _fire("g-again", 19.0762, 72.8779, minutes=12)])
    assert case_for(db, "g-again")["incident_id"] == case_for(db, "g0")["id"]
    assert {case_for(db, f"g{i}")["incident_id"] for i in range(1, 16)} == {None}


def test_a_report_after_two_hours_is_a_new_event(db):
    run(db, [_fire("h1", 19.2049, 72.8258), _fire("h2", 19.2050, 72.8259, minutes=150)])
    assert case_for(db, "h2")["incident_id"] is None


def test_an_event_reported_for_hours_stays_one_incident(db):
    """Reports every 40 minutes: each within two hours of the newest, though not of the first."""
    for k, minutes in enumerate((0, 40, 80, 120, 150, 200)):
        run(db, [_fire(f"long{k}", 19.2049, 72.8258, minutes=minutes)])
    first = case_for(db, "long0")
    assert {case_for(db, f"long{k}")["incident_id"] for k in range(6)} == {first["id"]}
    newest = [k for k in range(6) if case_for(db, f"long{k}")["incident_latest"]]
    assert newest == [5]  # one newest report per incident


def test_an_event_that_moves_stays_one_incident(db):
    """A fire spreading north 400 m at a time: each report meets the one before, 800 m from the first."""
    run(db, [_fire("move0", 19.0700, 72.8700)])
    run(db, [_fire("move1", 19.0736, 72.8700, minutes=5)])
    run(db, [_fire("move2", 19.0772, 72.8700, minutes=10), _fire("move3", 19.0808, 72.8700, minutes=11)])
    first = case_for(db, "move0")["id"]
    assert [case_for(db, f"move{k}")["incident_id"] for k in range(4)] == [first] * 4


@pytest.mark.parametrize(
    "minutes, newest",
    [
        pytest.param(30, "start", id="a new report there becomes the newest"),
        pytest.param(15, "walk4", id="a delayed report there leaves the newest as it was"),
    ],
)
def test_a_report_where_a_moving_event_began_leaves_it_one_newest_report(db, minutes, newest):
    """The event moved 1.8 km north, beyond the lookup around its start. A report at the start joins it
    through its first report; the old newest, never among the candidates, is looked up by the incident's
    id, and whichever was received later is the one newest report."""
    for k in range(5):
        run(db, [_fire(f"walk{k}", 19.0700 + 0.0040 * k, 72.8700, minutes=5 * k)])
    run(db, [_fire("start", 19.0701, 72.8701, minutes=minutes)])
    first = case_for(db, "walk0")["id"]
    names = [f"walk{k}" for k in range(5)] + ["start"]
    assert {case_for(db, n)["incident_id"] for n in names} == {first}
    assert [n for n in names if case_for(db, n)["incident_latest"]] == [newest]


def test_reports_of_one_event_in_one_batch_are_written_once_as_they_stay(db):
    """Three reports of a new fire in one batch: one incident named after the first, the last its newest."""
    run(db, [_fire("b1", 19.1500, 72.8500), _fire("b2", 19.1501, 72.8501, 1), _fire("b3", 19.1502, 72.8500, 2)])
    rows = [case_for(db, e) for e in ("b1", "b2", "b3")]
    assert [r["incident_id"] for r in rows] == [rows[0]["id"]] * 3
    assert [r["incident_latest"] for r in rows] == [None, None, True]
    assert rows[0]["id"] < rows[1]["id"] < rows[2]["id"]  # ids in the order the messages came


def test_a_delayed_report_joining_an_earlier_one_stays_within_reach_of_later_reports(db):
    """R, received before X though processed after it, joins X's new incident and is its newest: S,
    400 m from R and 700 m from X, still meets the incident through R."""
    run(db, [_fire("x", 19.0700, 72.8700, minutes=10)])
    run(db, [_fire("r", 19.0727, 72.8700, minutes=5)])
    run(db, [_fire("s", 19.0763, 72.8700, minutes=15)])
    x, r, s = (case_for(db, e) for e in ("x", "r", "s"))
    assert x["incident_id"] == r["incident_id"] == s["incident_id"] == x["id"]
    assert [c["incident_latest"] for c in (x, r, s)] == [None, None, True]

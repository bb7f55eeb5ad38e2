"""WhatsApp Cloud API: every pywa payload kind, the webhook's verification and signatures, replies and statuses.

End to end: the fake Graph API delivers a signed citizen message to the running app, the pipeline opens a case,
the outbox sender answers through the fake from the number the citizen wrote to, and the fake's signed status
webhooks come back to the app and update the outgoing message.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime

import httpx
import pytest

from tests.channels import (
    CITIZEN_WA,
    HTTP,
    SQLITE_ONLY,
    configure,
    count,
    force_with_women_helpline,
    hex_signature,
    nothing_stored,
    only,
    recorded,
    rows,
    x_signature,
)
from tests.fakes.graph_api import FakeGraphApi, load_pywa_case, signed_inbound
from thana.channels import MAX_PAYLOAD_BYTES, PayloadError
from thana.channels.outbox import OutboxSender
from thana.channels.senders import senders
from thana.channels.whatsapp import Status, parse
from thana.config import settings
from thana.packages import get_force
from thana.pipeline import Pipeline
from thana.store.schema import cases, inbound, outbox, unparsed

VERIFY_TOKEN = "meta-verify-token-for-tests"
PYWA_FILES = (
    "message",
    "message_status",
    "edited_message",
    "deleted_message",
    "system",
    "callback_button",
    "callback_selection",
    "flow_completion",
)


def pywa(stem: str, case: str) -> dict:
    recorded(f"whatsapp/pywa/{stem}.json")  # skips when the fixtures are absent
    return load_pywa_case(stem, case)


def raw_case(stem: str, case: str) -> bytes:
    """A pywa case exactly as the file has it, as the bytes of a webhook body."""
    return json.dumps(pywa(stem, case)).encode()


def parse_case(stem: str, case: str):
    return parse(raw_case(stem, case))


def one_message(stem: str, case: str):
    messages, statuses = parse_case(stem, case)
    assert len(messages) == 1 and statuses == [], (messages, statuses)
    return messages[0]


def inside(force, station_id: str) -> tuple[float, float]:
    """A point inside the station's jurisdiction (lat, lon)."""
    point = force.jurisdictions[station_id].representative_point()
    return point.y, point.x


@pytest.fixture
def graph(_graph_server: FakeGraphApi, app_url, monkeypatch) -> FakeGraphApi:
    """The fake Graph API, emptied, delivering to our app; Thana configured with its secrets and address."""
    _graph_server.reset()
    _graph_server.callback_url = app_url + "/webhooks/whatsapp"
    _graph_server.window_errors = "webhook"
    _graph_server.auto_statuses = ()
    configure(
        monkeypatch,
        whatsapp_app_secret=_graph_server.app_secret,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_access_token=_graph_server.access_token,
        whatsapp_api_base=_graph_server.url + "/v21.0",
    )
    yield _graph_server
    _graph_server.drain()


def post_wa(app_url: str, raw: bytes, signature: str | None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature is not None:
        headers["x-hub-signature-256"] = signature
    return HTTP.post(app_url + "/webhooks/whatsapp", content=raw, headers=headers, timeout=30)


def signed(graph: FakeGraphApi, case: dict, **fill) -> tuple[bytes, dict]:
    fill.setdefault("wa_id", CITIZEN_WA)
    return signed_inbound(
        case,
        app_secret=graph.app_secret,
        phone_number_id=graph.phone_number_id,
        display_phone_number=graph.display_phone_number,
        waba_id=graph.waba_id,
        **fill,
    )


def text_case(body: str) -> dict:
    case = pywa("message", "text")
    case["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = body
    return case


def location_case(lat: float, lon: float) -> dict:
    case = pywa("message", "current_location")
    case["entry"][0]["changes"][0]["value"]["messages"][0]["location"] = {"latitude": lat, "longitude": lon}
    return case


def drain(db, force) -> int:
    return Pipeline(db, force, worker_id="test").drain()


def send_outbox(db, client: httpx.Client | None = None) -> int:
    return OutboxSender(db, senders(settings(), client or HTTP)).run_once()


# ----- parsing every pywa payload ------------------------------------------------------------------------------


def test_every_pywa_case_parses():
    """All cases of all pywa files parse: each yields messages or statuses, never an error."""
    seen = 0
    for stem in PYWA_FILES:
        for name, case in recorded(f"whatsapp/pywa/{stem}.json").items():
            messages, statuses = parse(json.dumps(case).encode())
            assert messages or statuses, (stem, name)
            assert all(m.channel == "whatsapp" and m.external_id and m.raw for m in messages), (stem, name)
            seen += 1
    assert seen >= 40


def test_text_message_carries_sender_name_number_written_to_and_chat():
    """Text: body, the citizen's wa_id and profile name, the business number written to, the chat id."""
    case = pywa("message", "text")
    value = case["entry"][0]["changes"][0]["value"]
    message = one_message("message", "text")
    assert (message.kind, message.text, message.sender) == ("message", "Body Text", "972987654321")
    assert message.sender_name == value["contacts"][0]["profile"]["name"]
    assert message.addressed_to == value["metadata"]["display_phone_number"]
    assert message.thread_id == f"{value['metadata']['phone_number_id']}:972987654321"
    assert message.received_at == datetime.fromtimestamp(1697043223, UTC)
    assert message.external_id == "wamid.xyzxyz"


def test_media_kinds_keep_their_media_and_captions():
    """Image, video with caption, document with filename, audio, voice and stickers keep their media ids."""
    image = one_message("message", "image")
    assert image.media == [{"type": "image", "id": "65463453", "mime_type": "image/jpeg", "filename": None}]
    video = one_message("message", "video")
    assert (video.text, video.media[0]["type"], video.media[0]["id"]) == ("caption", "video", "765756756")
    document = one_message("message", "document")
    assert (document.text, document.media[0]["filename"]) == ("caption", "filename.pdf")
    for case in ("audio", "voice"):
        assert one_message("message", case).media[0]["type"] == "audio"
    for case in ("static_sticker", "animated_sticker"):
        assert one_message("message", case).media[0]["type"] == "sticker"
    assert one_message("message", "media_with_url").media[0]["id"] == "65463453"


def test_locations_give_coordinates():
    """A current-location pin gives lat/lon; a chosen place adds its name and address as text."""
    pin = one_message("message", "current_location")
    assert (pin.lat, pin.lon, pin.text) == (12.25089, 43.90539, "")
    place = one_message("message", "chosen_location")
    assert (place.lat, place.lon) == (37.4611978, -122.2164385)
    assert place.text == "Facebook HQ 1 Hacker Way, Menlo Park, CA 94025"


def test_contacts_reactions_replies_and_interactive_answers():
    """Contacts (names), reactions (kind reaction, also removed), replies (reply_to) and button/list/flow answers."""
    people = pywa("message", "contacts")["entry"][0]["changes"][0]["value"]["messages"][0]["contacts"]
    contacts = one_message("message", "contacts")
    assert contacts.text == "; ".join(p["name"]["formatted_name"] for p in people)
    assert contacts.text.startswith("Chandler Bing; Monica")
    assert contacts.media == [{"type": "contacts", "count": len(people)}]
    reaction = one_message("message", "reaction")
    assert (reaction.kind, reaction.text) == ("reaction", "\U0001f62e")
    for case in ("unreaction_empty", "unreaction_no_emoji"):
        assert (one_message("message", case).kind, one_message("message", case).text) == ("reaction", "")
    reply = one_message("message", "reply")
    assert (reply.text, reply.reply_to) == ("replied text", "wamid.xyzxyz==")
    assert one_message("callback_button", "button").text == "title"
    assert one_message("callback_button", "quick_reply").text == "title"
    assert one_message("callback_selection", "description").text == "title"
    assert one_message("flow_completion", "completion").text == "Sent"
    assert one_message("message", "interactive_message_with_err").text == ""


def test_edit_points_at_the_original_and_carries_the_new_content():
    """An edit is kind edit, reply_to the original message id, with the edited message's caption and media."""
    case = pywa("edited_message", "image")
    msg = case["entry"][0]["changes"][0]["value"]["messages"][0]
    edit = one_message("edited_message", "image")
    assert (edit.kind, edit.external_id) == ("edit", msg["id"])
    assert edit.reply_to == msg["edit"]["original_message_id"]
    assert edit.text == "Updated image caption" and edit.media[0]["type"] == "image"


def test_delete_points_at_the_original():
    """A revoke is kind delete, reply_to the deleted message's id."""
    deleted = one_message("deleted_message", "revoke")
    assert (deleted.kind, deleted.reply_to) == ("delete", "<ORIGINAL_WHATSAPP_MESSAGE_ID>")


def test_system_messages_are_status_kind():
    """A number change and an identity change are kind status (no case), the number change with its text."""
    change = one_message("system", "phone_number_change")
    assert change.kind == "status" and "changed from" in change.text
    assert change.sender_name is None  # this payload has no contacts[]
    assert one_message("system", "identity_change").kind == "status"


def test_statuses_become_status_objects():
    """Every recorded status parses to a Status: ids, times, our tracker, a failure's code and title."""
    expected = {"sent": "sent", "delivered": "delivered", "read": "read", "played": "played", "failed": "failed"}
    for case, status in expected.items():
        messages, statuses = parse_case("message_status", case)
        assert messages == [] and len(statuses) == 1 and isinstance(statuses[0], Status)
        assert (statuses[0].provider_id, statuses[0].status) == ("wamid.xyzxyz", status)
    (failed,) = parse_case("message_status", "failed")[1]
    assert (failed.error_code, failed.error_title) == (130472, "User's number is part of an experiment")
    assert failed.at == datetime.fromtimestamp(1689380458, UTC)
    (tracked,) = parse_case("message_status", "with_tracker")[1]
    assert tracked.tracker == "some data"
    (group,) = parse_case("message_status", "group")[1]
    assert (group.provider_id, group.status) == ("<WHATSAPP_MESSAGE_ID>", "read")


def test_batched_entries_changes_and_items_are_all_read():
    """One body with several entries, changes, messages and statuses: every one is read."""
    body = pywa("message", "text")
    body["entry"].append(pywa("message", "image")["entry"][0])
    body["entry"][1]["changes"].append(pywa("message_status", "delivered")["entry"][0]["changes"][0])
    second = copy.deepcopy(body["entry"][0]["changes"][0]["value"]["messages"][0])
    second["id"] = "wamid.second"
    body["entry"][0]["changes"][0]["value"]["messages"].append(second)
    messages, statuses = parse(json.dumps(body).encode())
    assert [m.external_id for m in messages] == ["wamid.xyzxyz", "wamid.second", "wamid.xyzxyz"]
    assert [s.status for s in statuses] == ["delivered"]


@pytest.mark.parametrize(
    "value",
    [
        {"messages": [{"id": "a", "from": "b", "type": "text", "text": "not an object"}]},
        {"statuses": ["not an object"]},
        {"statuses": [{"id": "w", "status": "failed", "timestamp": "1", "errors": ["not an object"]}]},
    ],
    ids=["text-not-object", "status-not-object", "error-not-object"],
)
def test_malformed_shapes_inside_a_body_are_payload_errors(value):
    """Wrong types deep inside a body are 'malformed' (PayloadError: the webhook's 400 + kept), never a crash."""
    body = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"value": value}]}]}
    with pytest.raises(PayloadError):
        parse(json.dumps(body).encode())


def test_entry_that_is_not_an_object_is_a_payload_error():
    """entry: ["x"] is malformed, not a crash."""
    with pytest.raises(PayloadError):
        parse(b'{"object": "whatsapp_business_account", "entry": ["x"]}')


# ----- the webhook: verification and signatures ---------------------------------------------------------------


def test_get_verification_echoes_the_challenge(app_url, graph):
    """hub.mode=subscribe with our verify token: 200 and hub.challenge exactly, as plain text."""
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    answer = HTTP.get(app_url + "/webhooks/whatsapp", params=params)
    assert (answer.status_code, answer.text) == (200, "1158201444")
    assert answer.headers["content-type"].startswith("text/plain")


def test_get_verification_refuses_a_wrong_token_or_mode(app_url, graph):
    """A wrong verify token or a mode other than subscribe: 403 and no challenge echoed."""
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"},
        {"hub.challenge": "42"},
    ):
        answer = HTTP.get(app_url + "/webhooks/whatsapp", params=params)
        assert answer.status_code == 403 and "42" not in answer.text


def test_signed_message_is_stored_once_and_a_replay_stores_nothing(db, app_url, graph):
    """The same signed body twice: stored, then a no-op (Meta redelivers; dedupe on the wamid)."""
    raw, headers = signed(graph, text_case("my phone was stolen"), message_id="wamid.ONE")
    first = post_wa(app_url, raw, headers["X-Hub-Signature-256"])
    again = post_wa(app_url, raw, headers["X-Hub-Signature-256"])
    assert (first.status_code, first.json()) == (200, {"stored": 1, "duplicates": 0, "statuses": 0})
    assert (again.status_code, again.json()) == (200, {"stored": 0, "duplicates": 1, "statuses": 0})
    assert count(db, inbound) == 1


def test_signature_is_checked_over_the_raw_escaped_bytes(db, app_url, graph):
    """Meta escapes non-ASCII; the raw bytes verify, and the text arrives decoded."""
    delivery = graph.deliver_inbound(pywa("message", "text"), wa_id=CITIZEN_WA, text="मेरा फोन चोरी हो गया")
    assert delivery.status_code == 200 and b"\\u092e" in delivery.body
    assert only(db, inbound)["text"] == "मेरा फोन चोरी हो गया"


@SQLITE_ONLY
def test_missing_signature_is_401_and_nothing_stored(db, app_url, graph):
    """No X-Hub-Signature-256 (or an empty one): 401, nothing stored."""
    raw, _ = signed(graph, text_case("my phone was stolen"))
    assert post_wa(app_url, raw, None).status_code == 401
    assert post_wa(app_url, raw, "").status_code == 401
    assert nothing_stored(db)


@SQLITE_ONLY
def test_forged_signatures_are_403_and_nothing_stored(db, app_url, graph):
    """Wrong secret, another body's signature, X's base64 form, no prefix, SHA-1: each 403, nothing stored."""
    raw, headers = signed(graph, text_case("my phone was stolen"))
    good = headers["X-Hub-Signature-256"]
    tampered = raw.replace(b"phone", b"purse")
    for signature in (
        hex_signature("not-the-app-secret", raw),
        hex_signature(graph.app_secret, tampered),
        x_signature(graph.app_secret, raw),
        good.removeprefix("sha256="),
        "sha1=" + good.removeprefix("sha256="),
    ):
        assert post_wa(app_url, raw, signature).status_code == 403, signature
    assert post_wa(app_url, tampered, good).status_code == 403
    assert post_wa(app_url, json.dumps(json.loads(raw)).encode(), good).status_code == 403  # a re-serialisation
    assert nothing_stored(db)


@SQLITE_ONLY
def test_channel_without_app_secret_is_off_503_and_stores_nothing(db, app_url, graph, monkeypatch):
    """No THANA_WHATSAPP_APP_SECRET: POSTs and the GET verification answer 503; nothing is stored."""
    raw, headers = signed(graph, text_case("my phone was stolen"))
    configure(monkeypatch, whatsapp_app_secret=None)
    refused = post_wa(app_url, raw, headers["X-Hub-Signature-256"])
    assert refused.status_code == 503 and "THANA_WHATSAPP_APP_SECRET" in refused.json()["error"]
    params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"}
    assert HTTP.get(app_url + "/webhooks/whatsapp", params=params).status_code == 503
    configure(monkeypatch, whatsapp_app_secret=graph.app_secret, whatsapp_verify_token=None)
    assert HTTP.get(app_url + "/webhooks/whatsapp", params=params).status_code == 503
    assert nothing_stored(db)


@SQLITE_ONLY
def test_oversized_body_is_413_and_nothing_stored(db, app_url, graph):
    """A correctly signed body over the size limit: 413, nothing stored."""
    raw, headers = signed(graph, text_case("x" * MAX_PAYLOAD_BYTES))
    assert post_wa(app_url, raw, headers["X-Hub-Signature-256"]).status_code == 413
    assert nothing_stored(db)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe not json", "not JSON"),
        (b'{"object": "whatsapp_business_account"}', "no entry[] list"),
        (b'{"entry": [{"changes": [{"value": {"messages": [{"type": "text"}]}}]}]}', "without id or from"),
    ],
)
def test_malformed_but_signed_body_is_400_and_kept_with_the_reason(db, app_url, graph, raw, reason):
    """Verified but unreadable: 400, kept in unparsed_payloads with the reason, no inbound row."""
    answer = post_wa(app_url, raw, hex_signature(graph.app_secret, raw))
    assert answer.status_code == 400 and reason in answer.json()["error"]
    kept = only(db, unparsed)
    assert kept["channel"] == "whatsapp" and reason in kept["reason"]
    assert count(db, inbound) == 0


# ----- end to end ----------------------------------------------------------------------------------------------


def test_message_naming_a_place_is_answered_from_the_number_written_to(db, mumbai, app_url, graph):
    """Text naming a place -> case at its station -> reply to the citizen's wa_id from our phone_number_id."""
    delivery = graph.deliver_inbound(
        text_case("my bag was stolen at Kandivali market"), wa_id=CITIZEN_WA, message_id="wamid.IN1"
    )
    assert delivery.status_code == 200
    assert drain(db, mumbai) == 1
    case = only(db, cases)
    assert (case["station_id"], case["channel"], case["citizen"]) == ("kandivali", "whatsapp", CITIZEN_WA)

    assert send_outbox(db) == 1
    (request,) = graph.requests("/v21.0/", method="POST")
    assert request.path == f"/v21.0/{graph.phone_number_id}/messages"
    assert (request.json["to"], request.json["type"]) == (CITIZEN_WA, "text")
    assert case["reference"] in request.json["text"]["body"]
    ack = only(db, outbox)
    assert request.json["biz_opaque_callback_data"] == ack["idempotency_key"]
    assert (ack["status"], ack["provider_id"]) == ("sent", graph.messages[0].id)


def test_status_webhooks_move_the_reply_to_delivered(db, mumbai, app_url, graph):
    """The fake's signed sent/delivered/read statuses, posted to our app, mark our message delivered and read."""
    graph.deliver_inbound(text_case("my bag was stolen at Kandivali market"), wa_id=CITIZEN_WA)
    drain(db, mumbai)
    send_outbox(db)
    deliveries = graph.deliver_statuses(graph.messages[0].id)
    assert [d.status_code for d in deliveries] == [200, 200, 200]
    ack = only(db, outbox)
    assert ack["status"] == "delivered"
    assert ack["delivered_at"] is not None and ack["read_at"] is not None
    graph.deliver_status(graph.messages[0].id, "sent")  # late and out of order: never a step back
    assert only(db, outbox)["status"] == "delivered"


def test_location_pin_inside_a_jurisdiction_opens_a_case_at_that_station(db, mumbai, app_url, graph):
    """A bare location pin (pywa current_location, moved into Borivali) -> case at Borivali by coordinates."""
    lat, lon = inside(mumbai, "borivali")
    assert graph.deliver_inbound(location_case(lat, lon), wa_id=CITIZEN_WA).status_code == 200
    drain(db, mumbai)
    case = only(db, cases)
    assert (case["station_id"], case["routed_by"]) == ("borivali", "coordinates")


@SQLITE_ONLY
def test_location_is_stored_with_its_coordinates(db, mumbai, app_url, graph):
    """The pin reaches the inbound table with its coordinates (what routing by coordinates needs)."""
    lat, lon = inside(mumbai, "borivali")
    graph.deliver_inbound(location_case(lat, lon), wa_id=CITIZEN_WA)
    row = only(db, inbound)
    assert (row["lat"], row["lon"]) == (pytest.approx(lat), pytest.approx(lon))


def test_message_to_a_station_womens_helpline_goes_to_its_womens_desk(db, app_url, tmp_path, monkeypatch):
    """A message to Malad's women's helpline number -> case at Malad, desk women, answered from that number."""
    helpline = "+91 98200 11103"
    package = force_with_women_helpline(tmp_path, "malad", helpline)
    configure(monkeypatch, force=package)
    force = get_force(str(package))
    with FakeGraphApi(
        callback_url=app_url + "/webhooks/whatsapp",
        phone_number_id="301000000000001",
        display_phone_number="919820011103",
    ) as helpline_graph:
        configure(
            monkeypatch,
            whatsapp_app_secret=helpline_graph.app_secret,
            whatsapp_access_token=helpline_graph.access_token,
            whatsapp_api_base=helpline_graph.url + "/v21.0",
        )
        text = "my purse was stolen at the market yesterday"  # theft: the desk comes from the number written to
        delivery = helpline_graph.deliver_inbound(text_case(text), wa_id=CITIZEN_WA)
        assert delivery.status_code == 200
        assert only(db, inbound)["addressed_to"] == "919820011103"
        drain(db, force)
        case = only(db, cases)
        assert (case["station_id"], case["desk"], case["routed_by"]) == ("malad", "women", "number")

        send_outbox(db)
        (request,) = helpline_graph.requests("/v21.0/", method="POST")
        assert request.path == "/v21.0/301000000000001/messages" and request.json["to"] == CITIZEN_WA
        assert case["reference"] in request.json["text"]["body"]


def test_reactions_deletions_and_system_messages_open_no_case(db, mumbai, app_url, graph):
    """Reaction, delete and system notices are stored but open no case and get no reply."""
    for stem, case in (("message", "reaction"), ("deleted_message", "revoke"), ("system", "identity_change")):
        assert graph.deliver_inbound(pywa(stem, case), wa_id=CITIZEN_WA).status_code == 200
    assert drain(db, mumbai) == 3
    assert {r["outcome"] for r in rows(db, inbound)} == {"no_case"}
    assert count(db, cases) == 0 and count(db, outbox) == 0


def _window_closed_reply(db, mumbai, graph) -> dict:
    """A citizen who wrote more than 24 hours ago: the case's free-form reply is accepted, then fails (131047)."""
    graph.deliver_inbound(text_case("my bag was stolen at Kandivali market"), wa_id=CITIZEN_WA)
    drain(db, mumbai)
    graph.customer_wrote(CITIZEN_WA, at=time.time() - 25 * 3600)
    callback, graph.callback_url = graph.callback_url, None  # the failed status is delivered below, in order
    try:
        send_outbox(db)
    finally:
        graph.callback_url = callback
    (first,) = graph.messages
    assert first.error and first.error["code"] == 131047
    (failed,) = graph.deliver_statuses(first.id)
    assert failed.status_code == 200
    return only(db, outbox)


def test_outside_the_24_hour_window_the_reply_is_resent_as_a_template(db, mumbai, app_url, graph):
    """Async 131047 (a failed status webhook) -> the reply goes again as the approved template with the reference."""
    row = _window_closed_reply(db, mumbai, graph)
    assert row["status"] == "window_closed"

    send_outbox(db)
    first, template = graph.messages
    assert template.type == "template" and template.error is None and template.wa_id == CITIZEN_WA
    reference = only(db, cases)["reference"]
    assert template.payload["template"]["name"] == settings().whatsapp_template
    assert reference in json.dumps(template.payload["template"]["components"])
    row = only(db, outbox)
    assert (row["status"], row["provider_id"]) == ("sent", template.id)
    send_outbox(db)
    assert len(graph.messages) == 2


def test_a_redelivered_failed_status_does_not_send_the_template_twice(db, mumbai, app_url, graph):
    """Meta redelivers webhooks: the same failed status again after the template was sent changes nothing."""
    _window_closed_reply(db, mumbai, graph)
    send_outbox(db)
    assert len(graph.messages) == 2
    failed = next(d for d in graph.deliveries if b'"failed"' in d.body)
    again = HTTP.post(graph.callback_url, content=failed.body, headers=failed.headers, timeout=10)
    assert again.status_code == 200
    send_outbox(db)
    send_outbox(db)
    assert [m.type for m in graph.messages] == ["text", "template"]


def test_synchronous_131047_is_resent_as_a_template(db, mumbai, app_url, graph):
    """The synchronous form (400, code 131047): requeued at once as the template, which is then sent."""
    graph.window_errors = "response"
    graph.deliver_inbound(text_case("my bag was stolen at Kandivali market"), wa_id=CITIZEN_WA)
    drain(db, mumbai)
    graph.customer_wrote(CITIZEN_WA, at=time.time() - 25 * 3600)
    send_outbox(db)
    assert graph.messages == []  # refused outright
    row = only(db, outbox)
    assert row["status"] == "pending" and row["template"] and "24-hour" in row["last_error"]

    send_outbox(db)
    (template,) = graph.messages
    assert template.type == "template" and only(db, cases)["reference"] in json.dumps(template.payload)
    assert only(db, outbox)["status"] == "sent"
    assert [r.json["type"] for r in graph.requests("/v21.0/", method="POST")] == ["text", "template"]


def _statuses_first_client(graph: FakeGraphApi) -> httpx.Client:
    """An HTTP client that lets the fake's background status webhooks land before our code sees the answer."""
    return httpx.Client(timeout=10, event_hooks={"response": [lambda _response: graph.drain()]})


def test_window_closed_status_arriving_before_the_send_is_recorded_still_gets_a_template(db, mumbai, graph):
    """Meta's failed status can beat our own bookkeeping: the reply must still go out as a template."""
    graph.deliver_inbound(text_case("my bag was stolen at Kandivali market"), wa_id=CITIZEN_WA)
    drain(db, mumbai)
    graph.customer_wrote(CITIZEN_WA, at=time.time() - 25 * 3600)
    with _statuses_first_client(graph) as client:
        send_outbox(db, client)
        send_outbox(db, client)
    assert [m.type for m in graph.messages] == ["text", "template"]


def test_delivered_status_arriving_before_the_send_is_recorded_is_kept(db, mumbai, graph):
    """Statuses can beat our own bookkeeping: the row stays 'delivered', not 'sent'."""
    graph.auto_statuses = ("sent", "delivered")
    graph.deliver_inbound(text_case("my bag was stolen at Kandivali market"), wa_id=CITIZEN_WA)
    drain(db, mumbai)
    with _statuses_first_client(graph) as client:
        send_outbox(db, client)
    assert only(db, outbox)["status"] == "delivered"

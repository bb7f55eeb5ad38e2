"""SMS through the gateway: the signed form it posts to us, replay protection, and replies through its HTTP API.

End to end: the fake gateway posts a signed citizen SMS to the running app, the pipeline opens a case at the
station of the place named, and the outbox sender answers through the gateway's API to the citizen's number.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from urllib.parse import urlencode

import pytest

from tests.channels import (
    CITIZEN_PHONE,
    HTTP,
    SQLITE_ONLY,
    configure,
    count,
    hex_signature,
    nothing_stored,
    only,
    x_signature,
)
from tests.fakes.sms_gateway import FakeSmsGateway, signed_sms_inbound
from thana.channels import MAX_PAYLOAD_BYTES, PayloadError
from thana.channels import sms as sms_channel
from thana.channels.outbox import OutboxSender
from thana.channels.senders import senders
from thana.config import settings
from thana.pipeline import Pipeline
from thana.store.schema import cases, inbound, outbox, unparsed

SECRET = "sms-shared-secret-for-tests"


@pytest.fixture(scope="module")
def _gateway_server(app_url):
    with FakeSmsGateway(webhook_secret=SECRET, callback_url=app_url + "/webhooks/sms") as fake:
        yield fake


@pytest.fixture
def gateway(_gateway_server: FakeSmsGateway, monkeypatch) -> FakeSmsGateway:
    """The fake gateway, emptied, posting to our app; Thana configured with the shared secret and its API."""
    _gateway_server.reset()
    configure(
        monkeypatch,
        sms_secret=SECRET,
        sms_api_base=_gateway_server.url,
        sms_api_key=_gateway_server.api_key,
    )
    return _gateway_server


def form(body: str = "someone stole my purse near Borivali market", **fields) -> tuple[bytes, dict]:
    return signed_sms_inbound(
        SECRET, from_=CITIZEN_PHONE, to="+919000012345", body=body, **({"message_id": "IN-1"} | fields)
    )


def post_sms(app_url: str, raw: bytes, signature: str | None) -> object:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["x-thana-signature"] = signature
    return HTTP.post(app_url + "/webhooks/sms", content=raw, headers=headers)


# ----- parsing -------------------------------------------------------------------------------------------------


def test_form_parses_to_a_message_from_the_citizen_to_our_number():
    """from, to, body, message_id and timestamp become the message; the chat is the citizen's number."""
    now = int(time.time())
    raw, _ = form("चोरी हुई है", message_id="IN-42", timestamp=now)
    message = sms_channel.parse(raw)
    assert (message.channel, message.external_id, message.kind) == ("sms", "IN-42", "message")
    assert (message.sender, message.addressed_to, message.thread_id) == (CITIZEN_PHONE, "+919000012345", CITIZEN_PHONE)
    assert message.text == "चोरी हुई है"
    assert message.received_at == datetime.fromtimestamp(now, UTC)
    assert message.raw == raw.decode()


@pytest.mark.parametrize("offset", [-sms_channel.REPLAY_WINDOW - 60, sms_channel.REPLAY_WINDOW + 60])
def test_timestamp_outside_the_window_is_a_stale_request(offset):
    """A timestamp far in the past (a replay) or the future (a bad clock) is refused as stale."""
    raw, _ = form(timestamp=int(time.time()) + offset)
    with pytest.raises(sms_channel.StaleRequest):
        sms_channel.parse(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (urlencode({"from": CITIZEN_PHONE, "body": "x"}).encode(), "missing field(s): to, message_id, timestamp"),
        (urlencode({"from": "1", "to": "2", "body": "x", "message_id": "m", "timestamp": "soon"}).encode(), "Unix"),
        (b"\xff\xfe", "not a form-encoded body"),
    ],
)
def test_malformed_forms_are_payload_errors_with_a_reason(raw, reason):
    """Missing fields, a timestamp that is not a number, bytes that are not UTF-8: a PayloadError saying which."""
    with pytest.raises(PayloadError, match=re.escape(reason)):
        sms_channel.parse(raw)


def test_signature_is_hex_hmac_over_the_raw_body():
    """ "sha256=" + hex HMAC-SHA256(shared secret, raw body) verifies; anything else does not."""
    raw, headers = form()
    assert headers["X-Thana-Signature"] == hex_signature(SECRET, raw)
    assert sms_channel.verify(raw, hex_signature(SECRET, raw), SECRET)
    assert not sms_channel.verify(raw, hex_signature("other", raw), SECRET)
    assert not sms_channel.verify(raw, x_signature(SECRET, raw), SECRET)
    assert not sms_channel.verify(raw, hex_signature(SECRET, raw).removeprefix("sha256="), SECRET)
    assert not sms_channel.verify(raw, None, SECRET)


# ----- the webhook ---------------------------------------------------------------------------------------------


def test_signed_sms_is_stored_and_a_repeat_inside_the_window_stores_nothing(db, app_url, gateway):
    """The gateway's delivery is stored; the same message_id again is a no-op (gateways redeliver)."""
    raw, headers = form()
    first = post_sms(app_url, raw, headers["X-Thana-Signature"])
    again = post_sms(app_url, raw, headers["X-Thana-Signature"])
    assert (first.status_code, first.json()) == (200, {"stored": 1, "duplicates": 0})
    assert (again.status_code, again.json()) == (200, {"stored": 0, "duplicates": 1})
    assert count(db, inbound) == 1


def test_replayed_request_with_a_stale_timestamp_is_403_and_nothing_stored(db, app_url, gateway):
    """A captured, correctly signed request replayed ten minutes later: 403, nothing stored, nothing kept."""
    raw, headers = form(timestamp=int(time.time()) - 600, message_id="IN-OLD")
    answer = post_sms(app_url, raw, headers["X-Thana-Signature"])
    assert answer.status_code == 403 and "window" in answer.json()["error"]
    assert nothing_stored(db)


@SQLITE_ONLY
def test_missing_signature_is_401_and_nothing_stored(db, app_url, gateway):
    """No X-Thana-Signature (or an empty one): 401, nothing stored."""
    raw, _ = form()
    assert post_sms(app_url, raw, None).status_code == 401
    assert post_sms(app_url, raw, "").status_code == 401
    assert nothing_stored(db)


@SQLITE_ONLY
def test_forged_signatures_are_403_and_nothing_stored(db, app_url, gateway):
    """Wrong secret, another body's signature, base64 form, no prefix: each 403, nothing stored."""
    raw, headers = form()
    tampered = raw.replace(b"purse", b"phone")
    good = headers["X-Thana-Signature"]
    for signature in (
        hex_signature("not-the-secret", raw),
        hex_signature(SECRET, tampered),
        x_signature(SECRET, raw),
        good.removeprefix("sha256="),
    ):
        assert post_sms(app_url, raw, signature).status_code == 403, signature
    assert post_sms(app_url, tampered, good).status_code == 403
    assert nothing_stored(db)


@SQLITE_ONLY
def test_channel_without_secret_is_off_503_and_stores_nothing(db, app_url, gateway, monkeypatch):
    """No THANA_SMS_SECRET: 503 naming the setting, whatever the signature; nothing stored."""
    configure(monkeypatch, sms_secret=None)
    raw, headers = form()
    answer = post_sms(app_url, raw, headers["X-Thana-Signature"])
    assert answer.status_code == 503 and "THANA_SMS_SECRET" in answer.json()["error"]
    assert nothing_stored(db)


@SQLITE_ONLY
def test_oversized_body_is_413_and_nothing_stored(db, app_url, gateway):
    """A correctly signed form over the size limit: 413, nothing stored."""
    raw, headers = form("x" * MAX_PAYLOAD_BYTES)
    assert post_sms(app_url, raw, headers["X-Thana-Signature"]).status_code == 413
    assert nothing_stored(db)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (urlencode({"from": CITIZEN_PHONE, "body": "help"}).encode(), "missing field(s)"),
        (b"from=1&to=2&body=x&message_id=m&timestamp=", "Unix seconds"),
        (b"\xff\xfe", "not a form-encoded body"),
    ],
)
def test_malformed_but_signed_form_is_400_and_kept_with_the_reason(db, app_url, gateway, raw, reason):
    """Verified but unreadable: 400, kept in unparsed_payloads with the reason, no inbound row."""
    answer = post_sms(app_url, raw, hex_signature(SECRET, raw))
    assert answer.status_code == 400 and reason in answer.json()["error"]
    kept = only(db, unparsed)
    assert kept["channel"] == "sms" and reason in kept["reason"]
    assert count(db, inbound) == 0


# ----- end to end ----------------------------------------------------------------------------------------------


def test_sms_naming_a_place_becomes_a_case_there_and_is_answered_by_sms(db, mumbai, app_url, gateway):
    """SMS naming Borivali -> case at Borivali -> an SMS to the citizen's number, through the gateway's API."""
    delivery = gateway.deliver_inbound(from_=CITIZEN_PHONE, body="someone stole my purse near Borivali market")
    assert delivery.status_code == 200
    assert Pipeline(db, mumbai, worker_id="test").drain() == 1
    case = only(db, cases)
    assert (case["station_id"], case["routed_by"], case["channel"]) == ("borivali", "place", "sms")

    assert OutboxSender(db, senders(settings(), HTTP)).run_once() == 1
    (sent,) = gateway.sent
    assert (sent.to, sent.sender) == (CITIZEN_PHONE, settings().sms_sender_id)
    assert case["reference"] in sent.body
    ack = only(db, outbox)
    assert (sent.reference, ack["status"], ack["provider_id"]) == (ack["idempotency_key"], "sent", sent.id)
    (request,) = gateway.requests("/messages", method="POST")
    assert request.header("authorization") == f"Bearer {gateway.api_key}"
    assert request.form["to"] == CITIZEN_PHONE

"""The outbox sender against the fake services: rate limits, retries with backoff, permanent failures, never twice.

Rows are queued as the pipeline queues them; every send goes over HTTP to a fake that answers like the real
service (429 with x-rate-limit-reset or Retry-After, Graph error codes, 5xx, a failure after the service acted).
Also here: which channels are on, as start-up logs it and `thana channel status --json` prints it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert
from typer.testing import CliRunner

from tests.channels import (
    CITIZEN_PHONE,
    CITIZEN_WA,
    HTTP,
    as_dead_sender_left_it,
    configure,
    only,
    queue,
    rows,
)
from tests.fakes.graph_api import FakeGraphApi
from tests.fakes.sms_gateway import FakeSmsGateway
from tests.fakes.x_api import FakeXApi
from thana.channels.outbox import OutboxSender
from thana.channels.senders import senders
from thana.config import settings
from thana.store.schema import outbox


@pytest.fixture(scope="module")
def _servers(app_url):
    with (
        FakeXApi() as x_api,
        FakeGraphApi(callback_url=app_url + "/webhooks/whatsapp") as graph,
        FakeSmsGateway() as gateway,
    ):
        yield SimpleNamespace(x=x_api, graph=graph, sms=gateway)


@pytest.fixture
def fakes(_servers, monkeypatch) -> SimpleNamespace:
    """The three fakes, emptied, with Thana configured to send through all of them (and take Meta's statuses)."""
    for fake in (_servers.x, _servers.graph, _servers.sms):
        fake.reset()
    configure(
        monkeypatch,
        x_bearer_token=_servers.x.bearer_token,
        x_api_base=_servers.x.url,
        whatsapp_app_secret=_servers.graph.app_secret,
        whatsapp_verify_token="verify",
        whatsapp_access_token=_servers.graph.access_token,
        whatsapp_api_base=_servers.graph.url + "/v21.0",
        sms_api_base=_servers.sms.url,
        sms_api_key=_servers.sms.api_key,
    )
    yield _servers
    _servers.graph.drain()


def sender(db, at: datetime | None = None, **options) -> OutboxSender:
    """The outbox sender; `at` fixes its clock (what 'now' is when it picks due rows)."""
    if at is not None:
        options["clock"] = lambda: at
    return OutboxSender(db, senders(settings(), HTTP), **options)


def x_row(db, fakes, key: str = "ack:1") -> int:
    """A public reply to a citizen's post that exists on the fake X."""
    post = fakes.x.add_mention("@charkopps my phone was stolen in the market")
    body = f"Thank you. Your complaint is registered: reference {key}, Charkop Police Station."
    return queue(db, "x", key, public=True, reply_to=post["id"], recipient="@citizen", body=body)


def wa_row(db, fakes, key: str = "ack:1", pnid: str | None = None) -> int:
    fakes.graph.customer_wrote(CITIZEN_WA)
    thread = f"{pnid or fakes.graph.phone_number_id}:{CITIZEN_WA}"
    return queue(db, "whatsapp", key, recipient=CITIZEN_WA, thread_id=thread, sender_address="15550783881")


def sms_row(db, fakes, key: str = "ack:1", recipient: str = CITIZEN_PHONE) -> int:
    return queue(db, "sms", key, recipient=recipient, thread_id=recipient)


def posts(fakes) -> list:
    return fakes.x.requests("/2/tweets", method="POST")


def row(db) -> dict:
    return only(db, outbox)


# ----- rate limits ---------------------------------------------------------------------------------------------


def test_x_429_waits_until_x_rate_limit_reset_then_sends_once(db, fakes):
    """429 with x-rate-limit-reset: pending until exactly the reset, not tried before it, then sent once."""
    x_row(db, fakes)
    fakes.x.fail("/2/tweets", 429, reset_in=120)
    before = int(time.time())
    sender(db).run_once()
    after = int(time.time())

    waiting = row(db)
    assert waiting["status"] == "pending" and "429" in waiting["last_error"]
    reset = waiting["next_attempt_at"].timestamp()
    assert before + 120 <= reset <= after + 120  # the header's epoch second, not a guess

    sender(db, at=waiting["next_attempt_at"] - timedelta(seconds=1)).run_once()
    assert len(posts(fakes)) == 1  # not tried again before the reset
    sender(db, at=waiting["next_attempt_at"] + timedelta(seconds=1)).run_once()
    assert len(posts(fakes)) == 2 and len(fakes.x.own_posts) == 1
    assert row(db)["status"] == "sent" and row(db)["provider_id"] == fakes.x.own_posts[0]["id"]
    sender(db, at=waiting["next_attempt_at"] + timedelta(hours=1)).run_once()
    assert len(posts(fakes)) == 2


def test_x_429_holds_every_pending_x_reply_until_the_reset(db, fakes):
    """One rate limit per account: after a 429, the other queued X replies wait for the same reset."""
    first, second = x_row(db, fakes, "ack:1"), x_row(db, fakes, "ack:2")
    fakes.x.fail("/2/tweets", 429, reset_in=300)
    sender(db).run_once(limit=1)
    held = {r["id"]: r for r in rows(db, outbox)}
    assert held[first]["next_attempt_at"] == held[second]["next_attempt_at"]
    assert held[second]["next_attempt_at"] > datetime.now(UTC) + timedelta(seconds=290)
    sender(db).run_once()
    assert len(posts(fakes)) == 1  # only the one that met the 429


def test_sms_429_honours_retry_after(db, fakes):
    """The gateway's 429 with Retry-After: 30 -> tried again no sooner than 30 seconds later, then sent once."""
    sms_row(db, fakes)
    fakes.sms.fail("/messages", 429, retry_after=30)
    started = datetime.now(UTC)
    sender(db).run_once()
    waiting = row(db)
    assert waiting["status"] == "pending"
    assert timedelta(seconds=29) <= waiting["next_attempt_at"] - started <= timedelta(seconds=60)
    sender(db, at=waiting["next_attempt_at"] + timedelta(seconds=1)).run_once()
    assert len(fakes.sms.sent) == 1 and row(db)["status"] == "sent"


# ----- server errors and permanent failures --------------------------------------------------------------------


def test_sms_server_errors_are_retried_with_growing_backoff_then_sent_once(db, fakes):
    """Two 503s: each retry later than the last (exponential backoff), then one message sent."""
    sms_row(db, fakes)
    fakes.sms.fail("/messages", 503, times=2)
    delays, at = [], None
    for _ in range(2):
        started = datetime.now(UTC)
        sender(db, at=at).run_once()
        waiting = row(db)
        assert waiting["status"] == "pending" and "503" in waiting["last_error"]
        delays.append(waiting["next_attempt_at"] - started)
        at = waiting["next_attempt_at"] + timedelta(seconds=1)
    assert timedelta(seconds=5) <= delays[0] < delays[1] <= timedelta(hours=1)
    sender(db, at=at).run_once()
    assert row(db)["status"] == "sent" and row(db)["attempts"] == 3
    assert len(fakes.sms.sent) == 1 and len(fakes.sms.requests("/messages", method="POST")) == 3


def test_whatsapp_throttling_and_server_errors_are_retried_then_sent_once(db, fakes):
    """Graph 130429 (429) then 131000 (500): both retried later; the citizen gets one message."""
    wa_row(db, fakes)
    fakes.graph.fail("/v21.0/", 429, times=1)
    fakes.graph.fail("/v21.0/", 500, times=1)
    at = None
    for code in ("130429", "131000"):
        sender(db, at=at).run_once()
        waiting = row(db)
        assert waiting["status"] == "pending" and code in waiting["last_error"]
        at = waiting["next_attempt_at"] + timedelta(seconds=1)
    sender(db, at=at).run_once()
    assert row(db)["status"] == "sent" and len(fakes.graph.messages) == 1


def test_x_server_error_backs_off_instead_of_waiting_for_the_window(db, fakes):
    """A 503 from X with requests remaining: retried after a short backoff, not at the rate-limit reset."""
    x_row(db, fakes)
    fakes.x.fail("/2/tweets", 503)
    started = datetime.now(UTC)
    sender(db).run_once()
    assert row(db)["next_attempt_at"] - started <= timedelta(minutes=2)


def _refused_for_good(db, fakes, channel: str) -> Callable[[], int]:
    """A row each service refuses for good, and how to count the attempts it saw."""
    if channel == "x":
        queue(db, "x", "ack:1", public=True, reply_to="1", body="A reply to a post that does not exist")
        return lambda: len(posts(fakes))
    if channel == "whatsapp":
        wa_row(db, fakes, pnid="999000999")  # a number that is not ours: Graph error 100, subcode 33
        return lambda: len(fakes.graph.requests("/v21.0/", method="POST"))
    sms_row(db, fakes, recipient="not-a-number")
    return lambda: len(fakes.sms.requests("/messages", method="POST"))


@pytest.mark.parametrize("channel", ["x", "whatsapp", "sms"])
def test_permanent_refusal_fails_at_once_and_is_never_retried(db, fakes, channel):
    """A 400 the service will always give (bad recipient, unknown post, not our number): failed, one attempt."""
    attempts = _refused_for_good(db, fakes, channel)
    sender(db).run_once()
    failed = row(db)
    assert failed["status"] == "failed" and "400" in failed["last_error"]
    sender(db, at=datetime.now(UTC) + timedelta(days=1)).run_once()
    assert attempts() == 1 and row(db)["status"] == "failed"


def test_gives_up_after_max_attempts(db, fakes):
    """Server errors every time: after max_attempts the row is failed, with the last error, and left alone."""
    sms_row(db, fakes)
    fakes.sms.fail("/messages", 503, times=10)
    at = None
    for _ in range(3):
        sender(db, at=at, max_attempts=3).run_once()
        at = row(db)["next_attempt_at"] + timedelta(seconds=1)
    failed = row(db)
    assert failed["status"] == "failed" and failed["attempts"] == 3
    assert failed["last_error"].startswith("gave up after 3 attempts") and "503" in failed["last_error"]
    sender(db, at=at + timedelta(days=1), max_attempts=3).run_once()
    assert len(fakes.sms.requests("/messages", method="POST")) == 3 and fakes.sms.sent == []


# ----- killed between sending and recording --------------------------------------------------------------------


def test_x_reply_sent_before_the_crash_is_found_among_our_posts_not_sent_again(db, fakes):
    """Sent, then the process died before recording: reconcile reads our posts, finds the reply, marks it sent."""
    outbox_id = x_row(db, fakes)
    sender(db).run_once()
    (posted,) = fakes.x.own_posts
    as_dead_sender_left_it(db, outbox_id)

    sender(db).run_once()
    recovered = row(db)
    assert (recovered["status"], recovered["provider_id"]) == ("sent", posted["id"])
    assert len(posts(fakes)) == 1 and len(fakes.x.own_posts) == 1
    assert fakes.x.requests(f"/2/users/{fakes.x.me['id']}/tweets", method="GET")  # it asked X, it did not guess


def test_x_reply_not_sent_before_the_crash_is_sent_once(db, fakes):
    """Claimed, then the process died before sending: reconcile finds no such reply, so it is sent, once."""
    outbox_id = x_row(db, fakes)
    as_dead_sender_left_it(db, outbox_id)
    sender(db).run_once()
    sender(db).run_once()
    assert row(db)["status"] == "sent" and len(fakes.x.own_posts) == 1 and len(posts(fakes)) == 1


def test_sms_sent_before_the_crash_is_confirmed_by_its_reference_not_sent_again(db, fakes):
    """Sent, then died: reconcile resends with the same reference; the gateway answers with the first message."""
    outbox_id = sms_row(db, fakes)
    sender(db).run_once()
    (first,) = fakes.sms.sent
    as_dead_sender_left_it(db, outbox_id)

    sender(db).run_once()
    recovered = row(db)
    assert (recovered["status"], recovered["provider_id"]) == ("sent", first.id)
    assert len(fakes.sms.sent) == 1  # ONE message in total at the gateway


def test_sms_failure_after_the_gateway_sent_is_retried_safely(db, fakes):
    """A 502 after the gateway had already sent: the retry carries the reference, so still one message."""
    sms_row(db, fakes)
    fakes.sms.fail("/messages", 502, after_handler=True)
    sender(db).run_once()
    assert row(db)["status"] == "pending" and len(fakes.sms.sent) == 1
    sender(db, at=row(db)["next_attempt_at"] + timedelta(seconds=1)).run_once()
    assert row(db)["status"] == "sent" and row(db)["provider_id"] == fakes.sms.sent[0].id
    assert len(fakes.sms.sent) == 1


def test_whatsapp_interrupted_send_is_uncertain_never_resent(db, fakes):
    """Meta cannot be asked what was sent: without a status webhook the row is 'uncertain', and not sent again."""
    outbox_id = wa_row(db, fakes)
    sender(db).run_once()
    (message,) = fakes.graph.messages
    as_dead_sender_left_it(db, outbox_id)

    sender(db).run_once()
    assert row(db)["status"] == "uncertain" and "status webhook" in row(db)["last_error"]
    sender(db, at=datetime.now(UTC) + timedelta(days=1)).run_once()
    assert len(fakes.graph.messages) == 1

    assert fakes.graph.deliver_status(message.id, "delivered").status_code == 200  # it did go out, after all
    assert (row(db)["status"], row(db)["provider_id"]) == ("delivered", message.id)


def test_whatsapp_interrupted_send_with_a_status_webhook_for_our_key_is_sent(db, fakes):
    """A status webhook echoing our key (biz_opaque_callback_data) tells that the interrupted send went out."""
    outbox_id = wa_row(db, fakes)
    sender(db).run_once()
    (message,) = fakes.graph.messages
    as_dead_sender_left_it(db, outbox_id)
    assert message.payload["biz_opaque_callback_data"] == "ack:1"

    assert fakes.graph.deliver_status(message.id, "sent").status_code == 200
    assert (row(db)["status"], row(db)["provider_id"]) == ("sent", message.id)
    sender(db).run_once()
    assert row(db)["status"] == "sent" and len(fakes.graph.messages) == 1


def test_whatsapp_error_after_graph_accepted_waits_for_the_status_and_is_not_sent_twice(db, fakes):
    """A 500 that came after the message was accepted: the retry waits a minute, the 'sent' status webhook
    carrying our key arrives meanwhile, and the reply is not sent a second time."""
    wa_row(db, fakes)
    fakes.graph.fail("/v21.0/", 500, after_handler=True)
    before = datetime.now(UTC)
    sender(db).run_once()
    (message,) = fakes.graph.messages
    waiting = row(db)
    assert waiting["status"] == "pending" and _aware(waiting["next_attempt_at"]) >= before + timedelta(seconds=60)
    assert fakes.graph.deliver_status(message.id, "sent").status_code == 200
    sender(db, at=_aware(row(db)["next_attempt_at"]) + timedelta(seconds=1)).run_once()
    assert (row(db)["status"], row(db)["provider_id"]) == ("sent", message.id)
    assert len(fakes.graph.messages) == 1


def test_whatsapp_error_with_no_status_after_the_wait_is_sent_again(db, fakes):
    """No status webhook within the wait: Meta most likely did not send it, and an unanswered citizen is the
    worse failure, so the reply goes again (the one case where a duplicate is possible)."""
    wa_row(db, fakes)
    fakes.graph.fail("/v21.0/", 500, after_handler=True)
    sender(db).run_once()
    sender(db, at=_aware(row(db)["next_attempt_at"]) + timedelta(seconds=1)).run_once()
    first, second = fakes.graph.messages
    assert (row(db)["status"], row(db)["provider_id"], row(db)["attempts"]) == ("sent", second.id, 2)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# ----- two senders at once (PostgreSQL) ------------------------------------------------------------------------


def test_two_senders_in_two_threads_send_each_of_200_messages_exactly_once(pg, fakes):
    """FOR UPDATE SKIP LOCKED: two OutboxSenders racing over 200 pending SMS never send one twice."""
    now = datetime.now(UTC)
    with pg.engine.begin() as conn:
        conn.execute(
            insert(outbox),
            [
                {
                    "idempotency_key": f"ack:{n}",
                    "kind": "ack",
                    "channel": "sms",
                    "recipient": f"+9198{n:08d}",
                    "body": f"Your complaint is registered with reference MUM-26-{n:06d}.",
                    "public": False,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for n in range(200)
            ],
        )
    errors: list[BaseException] = []
    handled = [0, 0]
    clients = [httpx.Client(timeout=30) for _ in range(2)]
    workers = [OutboxSender(pg, senders(settings(), client)) for client in clients]
    start = threading.Barrier(2)

    def run(index: int) -> None:
        try:
            start.wait(30)
            while n := workers[index].run_once(limit=20):
                handled[index] += n
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for client in clients:
        client.close()
    assert not errors and all(h > 0 for h in handled), (errors, handled)

    requests = fakes.sms.requests("/messages", method="POST")
    assert len(requests) == 200 and len({r.form["reference"] for r in requests}) == 200
    assert len(fakes.sms.sent) == 200 and sum(handled) == 200
    assert {r["status"] for r in rows(pg, outbox)} == {"sent"}
    assert len({r["provider_id"] for r in rows(pg, outbox)}) == 200


# ----- which channels are on -----------------------------------------------------------------------------------


def test_start_up_logs_one_line_per_channel_saying_on_or_what_is_missing(monkeypatch, caplog):
    """create_app()'s lifespan logs each channel: 'on', or 'off' naming the setting that is missing."""
    from thana.web.app import create_app

    configure(monkeypatch, x_consumer_secret="s", x_bearer_token="t", sms_secret="s")
    caplog.set_level(logging.INFO, logger="thana.webhooks")
    with TestClient(create_app()):
        pass
    lines = {r.getMessage().split(":", 1)[0]: r for r in caplog.records if r.name == "thana.webhooks"}
    assert list(lines) == [f"channel {c}" for c in ("x", "x_replies", "whatsapp", "whatsapp_replies", "sms",
                                                    "sms_replies", "open311")]  # fmt: skip
    assert lines["channel x"].getMessage() == "channel x: on" and lines["channel x"].levelno == logging.INFO
    assert lines["channel sms"].getMessage() == "channel sms: on"
    whatsapp = lines["channel whatsapp"]
    assert whatsapp.levelno == logging.WARNING and "off" in whatsapp.getMessage()
    assert "THANA_WHATSAPP_APP_SECRET" in whatsapp.getMessage()
    assert "THANA_SMS_API_BASE" in lines["channel sms_replies"].getMessage()


def test_channel_status_json_says_what_is_on_and_what_is_missing(monkeypatch):
    """`thana channel status --json`: every channel, 'on' or 'off: <setting> is not set'."""
    from thana.cli import app

    configure(monkeypatch, whatsapp_app_secret="a", whatsapp_verify_token="v", whatsapp_access_token="t")
    result = CliRunner().invoke(app, ["channel", "status", "--json"])
    assert result.exit_code == 0, result.output
    states = json.loads(result.stdout)
    assert states["whatsapp"] == "on" and states["whatsapp_replies"] == "on"
    assert states["x"] == "off: THANA_X_CONSUMER_SECRET is not set"
    assert states["sms"] == "off: THANA_SMS_SECRET is not set"
    assert set(states) == {"x", "x_replies", "whatsapp", "whatsapp_replies", "sms", "sms_replies", "open311"}

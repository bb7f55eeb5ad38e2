"""Helpers for the channel tests: settings, signing the way each service signs, X Account Activity bodies, rows.

The signatures here are computed independently of thana.channels (hmac + base64/hex from the standard library),
so a test that passes proves the code matches the documented rule, not that it agrees with itself.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from tests.fakes.base import FIXTURES_DIR, load_fixture
from tests.fakes.server import ServerThread
from thana.config import Settings, reload_settings
from thana.store.db import Database
from thana.store.schema import cases, inbound, outbox, unparsed

X_SEARCH = "x/v1.1/testsearchtweets.00.GET.1_1_search_tweets_json.json"
X_OWN_POST = "x/v1.1/testupdateanddestroystatus.00.POST.1_1_statuses_update_json.json"
X_TIMELINE = "x/v1.1/testusertimeline.01.GET.1_1_statuses_user_timeline_json.json"
X_DM_EVENT = "x/v1.1/testsendanddeletedirectmessage.02.POST.1_1_direct_messages_events_new_json.json"
X_MENTIONS = "x/v2/test_client_get_users_mentions.00.GET.2_users_783214_mentions.json"
X_MENTIONS_ASYNC = "x/v2/test_asyncclient_get_users_mentions.00.GET.2_users_783214_mentions.json"
X_MENTIONS_WITH_FIELDS = "x/supplemental-sns-sdks/search_tweets_query.json"

# One client for every request a test makes: building an httpx.Client costs an SSL context (a tenth of a second
# or more on a busy machine), and the tests make hundreds of requests. Senders and pollers get it too.
HTTP = httpx.Client(timeout=30)

# Refusals happen before anything touches the database: one database is enough to show that nothing was stored.
SQLITE_ONLY = pytest.mark.parametrize("db", ["sqlite"], indirect=True)

OUR_X_ID = "1072250532645998596"  # the account in the recorded DM (and FakeXApi's default user id)
CITIZEN_WA = "919812345678"
CITIZEN_PHONE = "+919812345678"


def recorded(relative_path: str) -> Any:
    """A recorded payload from ../shared/fixtures (a fresh copy), or skip saying where they should be."""
    if not (FIXTURES_DIR / relative_path).is_file():
        pytest.skip(f"{FIXTURES_DIR / relative_path} is absent (set THANA_FIXTURES to the fixtures directory)")
    return load_fixture(relative_path)


def configure(monkeypatch: pytest.MonkeyPatch, **values: object) -> Settings:
    """Set THANA_<NAME> for each keyword (None removes it) and reload the settings."""
    for name, value in values.items():
        key = "THANA_" + name.upper()
        if value is None:
            monkeypatch.delenv(key, raising=False)
        else:
            monkeypatch.setenv(key, str(value))
    return reload_settings()


# ----- the app on loopback -----------------------------------------------------------------------------------


class _OneLineServerErrors(logging.Filter):
    """Server threads log an exception as one line (type and message) instead of a traceback.

    On CPython 3.11.7, formatting a traceback in a server thread while pytest formats one in the main thread can
    crash pytest ("SystemError: AST constructor recursion depth mismatch", CPython gh-106905): both call
    ast.parse. The status code and the one line still say what went wrong.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()}: {type(exc).__name__}: {exc}"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


@contextmanager
def running_app() -> Iterator[str]:
    """Thana's web app (create_app()) on a loopback port; yields its base URL."""
    from thana.web.app import create_app

    quiet = _OneLineServerErrors()
    logger = logging.getLogger("uvicorn.error")
    logger.addFilter(quiet)
    try:
        with ServerThread(create_app()) as server:
            yield server.url
    finally:
        logger.removeFilter(quiet)


# ----- signatures, computed here from the documented rules ----------------------------------------------------


def x_signature(secret: str, raw: bytes) -> str:
    """X: "sha256=" + base64 HMAC-SHA256(consumer secret, raw body)."""
    return "sha256=" + base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


def hex_signature(secret: str, raw: bytes) -> str:
    """Meta and the SMS gateway: "sha256=" + lowercase hex HMAC-SHA256(secret, raw body)."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


# ----- X Account Activity bodies built from recorded v1.1 objects --------------------------------------------


def v1_tweet(
    *,
    id_str: str,
    text: str,
    user_id: str,
    screen_name: str,
    mentions: tuple[str, ...] = (),
    in_reply_to: str | None = None,
    template: int = 4,
) -> dict:
    """A v1.1 Tweet object X really sent (search fixture, status `template`) re-addressed to our scenario."""
    tweet = copy.deepcopy(recorded(X_SEARCH)["statuses"][template])
    tweet.pop("retweeted_status", None)
    tweet.pop("extended_tweet", None)
    tweet.update(id=int(id_str), id_str=id_str, text=text, truncated=False)
    tweet["in_reply_to_status_id"] = int(in_reply_to) if in_reply_to else None
    tweet["in_reply_to_status_id_str"] = in_reply_to
    user = tweet["user"]
    user.update(id=int(user_id), id_str=user_id, screen_name=screen_name, name=screen_name.title())
    tweet["entities"]["user_mentions"] = [
        {"screen_name": h.lstrip("@"), "name": h.lstrip("@"), "id": 1, "id_str": "1", "indices": [0, len(h)]}
        for h in mentions
    ]
    return tweet


def aaa_body(for_user_id: str = OUR_X_ID, *, tweets=(), dms=(), users: dict | None = None, **extra) -> bytes:
    """An Account Activity webhook body: for_user_id and the event arrays, as compact JSON bytes."""
    body: dict[str, Any] = {"for_user_id": for_user_id}
    if tweets:
        body["tweet_create_events"] = list(tweets)
    if dms:
        body["direct_message_events"] = list(dms)
    if users:
        body["users"] = users
    body.update(extra)
    return json.dumps(body, ensure_ascii=False).encode()


def dm_event(sender_id: str, recipient_id: str = OUR_X_ID, text: str | None = None) -> dict:
    """The recorded v1.1 message_create event, sent by `sender_id` to `recipient_id`."""
    event = recorded(X_DM_EVENT)["event"]
    event["message_create"]["sender_id"] = sender_id
    event["message_create"]["target"]["recipient_id"] = recipient_id
    if text is not None:
        event["message_create"]["message_data"]["text"] = text
    return event


# ----- the database ------------------------------------------------------------------------------------------


def rows(db: Database, table, *where) -> list[dict]:
    with db.engine.connect() as conn:
        return [
            dict(r) for r in conn.execute(select(table).where(*where).order_by(*table.primary_key.columns)).mappings()
        ]


def count(db: Database, table) -> int:
    with db.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def nothing_stored(db: Database) -> bool:
    return count(db, inbound) == 0 and count(db, unparsed) == 0 and count(db, cases) == 0


def only(db: Database, table, *where) -> dict:
    found = rows(db, table, *where)
    assert len(found) == 1, found
    return found[0]


def set_outbox(db: Database, outbox_id: int, **values) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(**values))


def as_dead_sender_left_it(db: Database, outbox_id: int) -> None:
    """What a process killed between sending and recording leaves: 'sending', no provider id, an old attempt."""
    set_outbox(
        db,
        outbox_id,
        status="sending",
        provider_id=None,
        sent_at=None,
        last_attempt_at=datetime.now(UTC) - timedelta(minutes=10),
    )


def queue(db: Database, channel: str, key: str, **values) -> int:
    """An outbox row as the pipeline writes one (tests of the sender alone)."""
    now = datetime.now(UTC)
    row = {
        "idempotency_key": key,
        "kind": "ack",
        "channel": channel,
        "recipient": None,
        "thread_id": None,
        "reply_to": None,
        "sender_address": None,
        "body": f"Thank you. Your complaint is registered with reference {key}.",
        "public": False,
        "language": "en",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "author": "system",
    } | values
    with db.engine.begin() as conn:
        return int(conn.execute(outbox.insert().values(**row)).inserted_primary_key[0])


# ----- force packages ----------------------------------------------------------------------------------------


def force_with_women_helpline(tmp_path: Path, station_id: str, number: str) -> Path:
    """A copy of the bundled Mumbai package whose station `station_id` publishes a women's helpline `number`."""
    from thana.packages import BUNDLED_DIR

    target = tmp_path / "force-with-helpline"
    shutil.copytree(BUNDLED_DIR / "mumbai", target)
    with (target / "channels.csv").open("a", encoding="utf-8") as f:
        f.write(
            f"{station_id},women_helpline,{number},https://example.org/test-fixture-source,\"Test: the station's "
            "own women's helpline on WhatsApp, made up for this test.\"\n"
        )
    return target

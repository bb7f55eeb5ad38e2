"""`thana channel x poll`: the v2 mentions timeline, for deployments without Account Activity webhooks.

since_id is kept in the database (table kv) per account, so a restart neither misses nor repeats
posts (and repeats would be no-ops anyway: inbound is unique on channel + id). On 429 the poller
waits until x-rate-limit-reset, as X asks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from thana.channels.x import parse_mentions
from thana.config import Settings
from thana.force.model import Force
from thana.store.db import Database
from thana.store.inbound import save_incoming
from thana.store.schema import kv, utcnow

log = logging.getLogger("thana.x.poll")
FIELDS = {
    "max_results": 100,
    "tweet.fields": "author_id,created_at,conversation_id,entities,geo,referenced_tweets",
    "expansions": "author_id",
    "user.fields": "username,name",
}


def _key(user_id: str) -> str:
    return f"x:since_id:{user_id}"


def load_since(db: Database, user_id: str) -> str | None:
    with db.engine.connect() as conn:
        return conn.execute(select(kv.c.value).where(kv.c.key == _key(user_id))).scalar()


def save_since(db: Database, user_id: str, since_id: str) -> None:
    with db.engine.begin() as conn:
        updated = conn.execute(
            kv.update().where(kv.c.key == _key(user_id)).values(value=since_id, updated_at=utcnow())
        ).rowcount
        if not updated:
            conn.execute(kv.insert().values(key=_key(user_id), value=since_id, updated_at=utcnow()))


class MentionsPoller:
    def __init__(
        self,
        db: Database,
        force: Force,
        settings: Settings,
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.db, self.force = db, force
        self.base = settings.x_api_base.rstrip("/")
        self.headers = {"Authorization": f"Bearer {settings.x_bearer_token}"}
        self.client = client or httpx.Client(timeout=httpx.Timeout(15.0, connect=5.0))
        self.sleep = sleep

    def poll_once(self, user_id: str) -> int:
        """Read every new mention of one account (following pages); the number stored."""
        since = load_since(self.db, user_id)
        params = dict(FIELDS) | ({"since_id": since} if since else {})
        stored, newest = 0, since
        while True:
            response = self.client.get(f"{self.base}/2/users/{user_id}/mentions", params=params, headers=self.headers)
            if response.status_code == 429:
                self._wait_for_reset(response)
                continue
            response.raise_for_status()
            body = response.json()
            messages = parse_mentions(body, self.force, user_id)
            stored += save_incoming(self.db, messages)[0]
            meta = body.get("meta") or {}
            if meta.get("newest_id") and (newest is None or int(meta["newest_id"]) > int(newest)):
                newest = meta["newest_id"]
            if not meta.get("next_token"):
                break
            params["pagination_token"] = meta["next_token"]
        if newest and newest != since:
            save_since(self.db, user_id, newest)  # only after everything up to it is stored
        return stored

    def _wait_for_reset(self, response: httpx.Response) -> None:
        reset = response.headers.get("x-rate-limit-reset")
        now = datetime.now(UTC).timestamp()
        delay = max(1.0, int(reset) - now) if reset and reset.isdigit() else 60.0
        log.warning("X rate limit reached; waiting %.0f s until x-rate-limit-reset", delay)
        self.sleep(delay)

"""X (Twitter): webhook verification, Account Activity events, the v2 mentions poller, replies.

Verification (docs.x.com, webhooks quickstart): the CRC answer is "sha256=" + base64 HMAC-SHA256
of crc_token keyed with the consumer secret; every POST carries x-twitter-webhooks-signature, the
same over the raw body. We accept, from Account Activity: posts that mention a handle of the force
(a station's or headquarters'), replies in a thread we are part of, and direct messages; our own
posts and DMs (echoes) are ignored. Ids are always the *_str forms (numbers lose precision).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from thana.channels import IncomingMessage, PayloadError
from thana.force.model import Force, normalise_handle


def signature(secret: str, message: bytes) -> str:
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(crc_token: str, secret: str) -> dict:
    return {"response_token": signature(secret, crc_token.encode())}


def verify(raw: bytes, header: str | None, secret: str) -> bool:
    return bool(header) and hmac.compare_digest(signature(secret, raw), header.strip())


def _time(value: str | None, ms: str | None = None) -> datetime:
    if ms:
        try:
            return datetime.fromtimestamp(int(ms) / 1000, UTC)
        except (TypeError, ValueError, OverflowError, OSError):
            pass  # a nonsense timestamp: fall back to the time we received it
    if value and isinstance(value, str):
        try:
            return parsedate_to_datetime(value).astimezone(UTC)  # "Wed Oct 10 20:19:24 +0000 2018"
        except (TypeError, ValueError):
            try:
                parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            except ValueError:
                pass
    return datetime.now(UTC)


def _post_text(tweet: dict) -> str:
    extended = tweet.get("extended_tweet") or {}
    return extended.get("full_text") or tweet.get("full_text") or tweet.get("text") or ""


def _mentions(tweet: dict) -> list[str]:
    entities = (tweet.get("extended_tweet") or {}).get("entities") or tweet.get("entities") or {}
    return ["@" + m.get("screen_name", "") for m in entities.get("user_mentions", []) if m.get("screen_name")]


def _force_handle(force: Force, handles: list[str]) -> str | None:
    """The first mentioned handle that is one of the force's, stations before headquarters."""
    ours = [h for h in handles if normalise_handle(h) in force.units_by_handle]
    stations = [h for h in ours if force.units[force.units_by_handle[normalise_handle(h)]].is_station]
    return (stations or ours or [None])[0]


def parse_account_activity(raw: bytes, force: Force) -> list[IncomingMessage]:
    """Account Activity webhook body -> the messages to take in (possibly none)."""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise PayloadError("the body must be a JSON object")
    try:
        return _activity_messages(body, force, raw)
    except PayloadError:
        raise
    except (AttributeError, TypeError, ValueError, IndexError, KeyError) as exc:
        # A body of the right outline but the wrong shapes inside: refuse it clearly, never a 500.
        raise PayloadError(f"malformed Account Activity event: {type(exc).__name__}: {exc}") from None


def _activity_messages(body: dict, force: Force, raw: bytes) -> list[IncomingMessage]:
    me = str(body.get("for_user_id") or "")
    out: list[IncomingMessage] = []
    for tweet in body.get("tweet_create_events") or []:
        message = _from_post(tweet, me, force, raw)
        if message is not None:
            out.append(message)
    users = body.get("users") or {}
    for event in body.get("direct_message_events") or []:
        message = _from_dm(event, me, users, raw)
        if message is not None:
            out.append(message)
    return out


def _from_post(tweet: dict, me: str, force: Force, raw: bytes) -> IncomingMessage | None:
    if not isinstance(tweet, dict) or "id_str" not in tweet:
        raise PayloadError("a tweet_create_event without id_str")
    user = tweet.get("user") or {}
    if me and str(user.get("id_str")) == me:
        return None  # our own post
    if tweet.get("retweeted_status"):
        return None  # a retweet repeats someone else's words
    handle = _force_handle(force, _mentions(tweet))
    reply_to = tweet.get("in_reply_to_status_id_str")
    if handle is None and not reply_to:
        return None  # neither addressed to the force nor part of a thread
    coords = (tweet.get("coordinates") or {}).get("coordinates")
    return IncomingMessage(
        channel="x",
        external_id=tweet["id_str"],
        text=_post_text(tweet),
        sender="@" + user["screen_name"] if user.get("screen_name") else user.get("id_str"),
        sender_name=user.get("name"),
        kind="post",
        lat=float(coords[1]) if coords else None,
        lon=float(coords[0]) if coords else None,
        media=[
            {"type": m.get("type"), "url": m.get("media_url_https")}
            for m in ((tweet.get("extended_entities") or {}).get("media") or [])
        ],
        addressed_to=handle,
        thread_id=None if reply_to else tweet["id_str"],
        reply_to=reply_to,
        raw=raw.decode("utf-8", "replace"),
        received_at=_time(tweet.get("created_at"), tweet.get("timestamp_ms")),
    )


def _from_dm(event: dict, me: str, users: dict, raw: bytes) -> IncomingMessage | None:
    if not isinstance(event, dict) or event.get("type") != "message_create":
        return None
    create = event.get("message_create") or {}
    sender = str(create.get("sender_id") or "")
    if not sender or sender == me:
        return None  # our own DM, echoed back
    recipient = str((create.get("target") or {}).get("recipient_id") or "")
    profile = users.get(sender) or {}
    data = create.get("message_data") or {}
    return IncomingMessage(
        channel="x",
        external_id=f"dm-{event.get('id')}",
        text=data.get("text") or "",
        sender=sender,
        sender_name=profile.get("name"),
        kind="dm",
        addressed_to="@" + users[recipient]["screen_name"] if users.get(recipient, {}).get("screen_name") else None,
        thread_id="dm-" + "-".join(sorted([sender, recipient])),
        raw=raw.decode("utf-8", "replace"),
        received_at=_time(None, event.get("created_timestamp")),
    )


def parse_mentions(body: dict, force: Force, me: str) -> list[IncomingMessage]:
    """A page of GET /2/users/:id/mentions (with author_id, created_at, conversation_id, referenced_tweets)."""
    users = {u["id"]: u for u in (body.get("includes") or {}).get("users", [])}
    out = []
    for post in body.get("data") or []:
        if post.get("author_id") == me:
            continue
        author = users.get(post.get("author_id"), {})
        handles = ["@" + m["username"] for m in (post.get("entities") or {}).get("mentions", []) if m.get("username")]
        replied = next((r["id"] for r in post.get("referenced_tweets", []) if r.get("type") == "replied_to"), None)
        geo = ((post.get("geo") or {}).get("coordinates") or {}).get("coordinates")
        out.append(
            IncomingMessage(
                channel="x",
                external_id=post["id"],
                text=post.get("text", ""),
                sender="@" + author["username"] if author.get("username") else post.get("author_id"),
                sender_name=author.get("name"),
                kind="post",
                lat=float(geo[1]) if geo else None,
                lon=float(geo[0]) if geo else None,
                addressed_to=_force_handle(force, handles),
                thread_id=post.get("conversation_id") if not replied else None,
                reply_to=replied,
                raw=json.dumps(post, ensure_ascii=False),
                received_at=_time(post.get("created_at")),
            )
        )
    return out

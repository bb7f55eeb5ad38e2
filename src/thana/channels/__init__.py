"""Channels: X, WhatsApp, SMS, the web form, Open311 and file ingest. Each turns its payloads into
IncomingMessage and sends replies; everything after that is the same for all of them."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from thana.force.geo import is_position

CHANNELS = ("x", "whatsapp", "sms", "web", "open311", "file")
TEXT_LIMIT = 4000  # characters kept for display; the raw payload keeps everything
MAX_PAYLOAD_BYTES = 1_000_000


@dataclass
class IncomingMessage:
    channel: str
    external_id: str
    text: str = ""
    sender: str | None = None
    sender_name: str | None = None
    kind: str = "message"  # message, post, dm, edit, delete, reaction
    lat: float | None = None
    lon: float | None = None
    media: list[dict] = field(default_factory=list)
    addressed_to: str | None = None
    thread_id: str | None = None
    reply_to: str | None = None
    raw: str | None = None
    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    public_token: str | None = None  # the citizen's private follow link (web form, Open311)

    def row(self) -> dict:
        """The inbound_messages row: display text cut at TEXT_LIMIT, the raw payload whole."""
        text = storable(self.text or "")
        raw = storable(self.raw) if self.raw is not None else None
        placed = is_position(self.lat, self.lon)  # else a channel sent what is no place: kept in the raw only
        kept = {"text": text}  # when there is no raw payload, the whole text and a position that is no place
        if not placed and (self.lat, self.lon) != (None, None):
            kept |= {"lat": repr(self.lat), "lon": repr(self.lon)}
        if raw is None and (len(text) > TEXT_LIMIT or len(kept) > 1):
            raw = json.dumps(kept, ensure_ascii=False)
        return {
            "channel": self.channel,
            "external_id": storable(self.external_id),
            "kind": self.kind,
            "sender": storable(self.sender) if self.sender else self.sender,
            "sender_name": storable(self.sender_name) if self.sender_name else self.sender_name,
            "text": text[:TEXT_LIMIT],
            "text_truncated": len(text) > TEXT_LIMIT,
            "lat": self.lat if placed else None,
            "lon": self.lon if placed else None,
            "media": self.media or None,
            "addressed_to": self.addressed_to,
            "thread_id": self.thread_id,
            "reply_to": self.reply_to,
            "raw": raw,
            "received_at": plausible_time(self.received_at),
            "public_token": self.public_token,
        }


_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(text: str) -> str:
    """Text any database keeps: no NUL (PostgreSQL refuses it), no lone surrogates (not UTF-8)."""
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def plausible_time(at: datetime) -> datetime:
    """A channel's clock may be wrong: a time in the future is taken as now (deadlines count from it)."""
    now = datetime.now(UTC)
    return now if at > now + timedelta(minutes=5) else at


class PayloadError(ValueError):
    """A payload that cannot be read as a message; kept with this reason for administrators."""

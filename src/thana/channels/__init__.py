"""Channels: X, WhatsApp, SMS, the web form, Open311 and file ingest. Each turns its payloads into
IncomingMessage and sends replies; everything after that is the same for all of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

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
        text = self.text or ""
        return {
            "channel": self.channel,
            "external_id": self.external_id,
            "kind": self.kind,
            "sender": self.sender,
            "sender_name": self.sender_name,
            "text": text[:TEXT_LIMIT],
            "text_truncated": len(text) > TEXT_LIMIT,
            "lat": self.lat,
            "lon": self.lon,
            "media": self.media or None,
            "addressed_to": self.addressed_to,
            "thread_id": self.thread_id,
            "reply_to": self.reply_to,
            "raw": self.raw,
            "received_at": self.received_at,
            "public_token": self.public_token,
        }


class PayloadError(ValueError):
    """A payload that cannot be read as a message; kept with this reason for administrators."""

"""SMS through a gateway: the signed form it posts to us, and its HTTP API for replies.

The contract (the gateway fake in tests/fakes/sms_gateway.py documents it in full): the gateway
POSTs form fields from, to, body, message_id, timestamp with X-Thana-Signature = "sha256=" + hex
HMAC-SHA256(shared secret, raw body). A timestamp more than REPLAY_WINDOW away from now is refused,
so a captured request cannot be replayed later; a repeat inside the window is a no-op (message_id).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs

from thana.channels import IncomingMessage, PayloadError

REPLAY_WINDOW = 300  # seconds


def verify(raw: bytes, header: str | None, secret: str) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


def parse(raw: bytes, now: float | None = None) -> IncomingMessage:
    try:
        fields = {
            k: v[0] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True).items()
        }
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError(f"not a form-encoded body: {exc}") from None
    missing = [k for k in ("from", "to", "body", "message_id", "timestamp") if k not in fields]
    if missing:
        raise PayloadError(f"missing field(s): {', '.join(missing)}")
    try:
        ts = int(fields["timestamp"])
    except ValueError:
        raise PayloadError("timestamp must be Unix seconds") from None
    if abs((now or time.time()) - ts) > REPLAY_WINDOW:
        raise StaleRequest(f"timestamp {ts} is outside the {REPLAY_WINDOW}-second window: a replay, or a bad clock")
    return IncomingMessage(
        channel="sms",
        external_id=fields["message_id"][:160],
        text=fields["body"],
        sender=fields["from"][:40],
        addressed_to=fields["to"][:40],
        thread_id=fields["from"][:40],
        raw=raw.decode("utf-8", "replace"),
        received_at=datetime.fromtimestamp(ts, UTC),
    )


class StaleRequest(PayloadError):
    """Signed correctly but too old (or from the future): refused as a replay."""

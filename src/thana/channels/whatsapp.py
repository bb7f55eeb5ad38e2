"""WhatsApp Cloud API: verification, every message kind Meta sends, delivery statuses, replies.

GET verification echoes hub.challenge when hub.verify_token matches. Every POST is verified with
X-Hub-Signature-256 = "sha256=" + lowercase hex HMAC-SHA256(app secret, raw body). A body may batch
many entries, changes, messages and statuses: all are read. metadata.display_phone_number tells
which of the force's numbers was written to (a station's women's helpline goes to its women's
desk); the chat is (phone_number_id, wa_id), which is also where replies are sent from and to.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from thana.channels import IncomingMessage, PayloadError

MEDIA_KINDS = ("image", "audio", "video", "document", "sticker", "voice")


def verify(raw: bytes, header: str | None, app_secret: str) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


@dataclass(frozen=True)
class Status:
    """A delivery status of one of our outgoing messages."""

    provider_id: str
    status: str  # sent, delivered, read, failed, played
    at: datetime
    tracker: str | None  # biz_opaque_callback_data: our outbox idempotency key
    error_code: int | None = None
    error_title: str | None = None


def _when(ts) -> datetime:
    try:
        return datetime.fromtimestamp(int(ts), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return datetime.now(UTC)


def parse(raw: bytes) -> tuple[list[IncomingMessage], list[Status]]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"not JSON: {exc}") from None
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        raise PayloadError("not a WhatsApp webhook: no entry[] list")
    try:
        return _walk(body, raw.decode("utf-8", "replace"))
    except PayloadError:
        raise
    except (AttributeError, TypeError, ValueError, IndexError, KeyError) as exc:
        # The right envelope with the wrong shapes inside: a clear refusal, never a 500.
        raise PayloadError(f"malformed WhatsApp webhook: {type(exc).__name__}: {exc}") from None


def _walk(body: dict, text_raw: str) -> tuple[list[IncomingMessage], list[Status]]:
    messages: list[IncomingMessage] = []
    statuses: list[Status] = []
    for entry in body["entry"]:
        for change in (entry or {}).get("changes") or []:
            value = (change or {}).get("value") or {}
            meta = value.get("metadata") or {}
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name") for c in value.get("contacts") or []}
            for msg in value.get("messages") or []:
                parsed = _message(msg, meta, names, text_raw)
                if parsed is not None:
                    messages.append(parsed)
            for st in value.get("statuses") or []:
                err = (st.get("errors") or [{}])[0]
                statuses.append(
                    Status(
                        str(st.get("id")),
                        str(st.get("status")),
                        _when(st.get("timestamp")),
                        st.get("biz_opaque_callback_data"),
                        err.get("code"),
                        err.get("title"),
                    )
                )
    return messages, statuses


def _message(msg: dict, meta: dict, names: dict, raw: str) -> IncomingMessage | None:
    if not isinstance(msg, dict) or not msg.get("id") or not msg.get("from"):
        raise PayloadError("a message without id or from")
    kind = msg.get("type", "unknown")
    sender = str(msg["from"])
    text, lat, lon, media, out_kind = _content(msg, kind)
    if kind == "edit":
        original = (msg.get("edit") or {}).get("original_message_id")
        inner = (msg.get("edit") or {}).get("message") or {}
        text, lat, lon, media, _ = _content(inner, inner.get("type", "text"))
        reply_to = original
    elif kind == "revoke":
        reply_to = (msg.get("revoke") or {}).get("original_message_id")
    else:
        reply_to = (msg.get("context") or {}).get("id")
    return IncomingMessage(
        channel="whatsapp",
        external_id=str(msg["id"]),
        text=text,
        sender=sender,
        sender_name=names.get(sender),
        kind=out_kind,
        lat=lat,
        lon=lon,
        media=media,
        addressed_to=meta.get("display_phone_number"),
        thread_id=f"{meta.get('phone_number_id')}:{sender}",
        reply_to=reply_to,
        raw=raw,
        received_at=_when(msg.get("timestamp")),
    )


def _content(msg: dict, kind: str):
    """(text, lat, lon, media, kind) for one message of any type."""
    text, lat, lon, media, out_kind = "", None, None, [], "message"
    if kind == "text":
        text = (msg.get("text") or {}).get("body", "")
    elif kind == "location":
        loc = msg.get("location") or {}
        lat, lon = _float(loc.get("latitude")), _float(loc.get("longitude"))
        text = " ".join(str(x) for x in (loc.get("name"), loc.get("address")) if x)
    elif kind in MEDIA_KINDS:
        part = msg.get(kind) or {}
        media = [
            {"type": kind, "id": part.get("id"), "mime_type": part.get("mime_type"), "filename": part.get("filename")}
        ]
        text = part.get("caption") or ""
    elif kind == "interactive":
        inter = msg.get("interactive") or {}
        reply = inter.get("button_reply") or inter.get("list_reply") or {}
        text = reply.get("title") or inter.get("nfm_reply", {}).get("body") or ""
    elif kind == "button":
        text = (msg.get("button") or {}).get("text", "")
    elif kind == "contacts":
        people = msg.get("contacts") or []
        text = "; ".join(((c.get("name") or {}).get("formatted_name") or "") for c in people)
        media = [{"type": "contacts", "count": len(people)}]
    elif kind == "reaction":
        text, out_kind = (msg.get("reaction") or {}).get("emoji", ""), "reaction"
    elif kind == "revoke":
        out_kind = "delete"
    elif kind == "edit":
        out_kind = "edit"
    elif kind in ("system", "unsupported", "order", "request_welcome"):
        out_kind = "status" if kind == "system" else "message"
        text = (msg.get("system") or {}).get("body") or ""
    return text, lat, lon, media, out_kind


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def split_thread(thread_id: str | None) -> tuple[str | None, str | None]:
    """'phone_number_id:wa_id' -> (phone_number_id, wa_id)."""
    if not thread_id or ":" not in thread_id:
        return None, None
    pnid, wa_id = thread_id.split(":", 1)
    return pnid or None, wa_id or None

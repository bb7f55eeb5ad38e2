"""Messages from a JSONL file, through the same path as the channels (store first, once)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from thana.channels import CHANNELS, IncomingMessage, PayloadError
from thana.force.geo import is_position


def parse_line(line: str) -> IncomingMessage:
    """One line: {"channel", "external_id", "sender", "text", "lat"?, "lon"?, "addressed_to"?, "received_at"?}."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"not JSON: {exc.msg} at column {exc.colno}") from None
    if not isinstance(data, dict):
        raise PayloadError("a line must be a JSON object")
    channel = data.get("channel", "file")
    if channel not in CHANNELS:
        raise PayloadError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
    external_id = data.get("external_id")
    if not isinstance(external_id, str | int) or not str(external_id).strip():
        raise PayloadError("external_id is required (it makes a second delivery a no-op)")
    text = data.get("text")
    if not isinstance(text, str):
        raise PayloadError("text must be a string")
    lat, lon = data.get("lat"), data.get("lon")
    if (lat is None) != (lon is None):
        raise PayloadError("lat and lon go together")
    numbers = all(isinstance(v, int | float) for v in (lat, lon))
    if lat is not None and not (numbers and is_position(lat, lon)):
        raise PayloadError("lat must be -90..90 and lon -180..180")
    received = data.get("received_at")
    if received is not None:
        try:
            received = datetime.fromisoformat(str(received).replace("Z", "+00:00"))
        except ValueError:
            raise PayloadError(f"received_at {received!r} is not an ISO 8601 time") from None
        if received.tzinfo is None:
            received = received.replace(tzinfo=UTC)
        if received > datetime.now(UTC) + timedelta(days=1) or received.year < 2000:
            raise PayloadError(f"received_at {received.isoformat()} is not a plausible time for a message")
    return IncomingMessage(
        channel=channel,
        external_id=str(external_id)[:160],
        text=text,
        sender=_opt(data.get("sender")),
        sender_name=_opt(data.get("sender_name")),
        kind=str(data.get("kind") or "message")[:16],
        lat=float(lat) if lat is not None else None,
        lon=float(lon) if lon is not None else None,
        addressed_to=_opt(data.get("addressed_to")),
        thread_id=_opt(data.get("thread_id")),
        raw=line,
        received_at=received or datetime.now(UTC),
    )


def _opt(value) -> str | None:
    return str(value)[:200] if value not in (None, "") else None


def read_file(lines: Iterator[str]) -> Iterator[tuple[int, IncomingMessage | None, str | None, str]]:
    """(line number, message or None, problem or None, raw line) for each non-empty line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, parse_line(line), None, line
        except PayloadError as exc:
            yield number, None, str(exc), line

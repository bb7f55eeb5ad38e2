"""Webhooks: X, WhatsApp and SMS. Verified before anything is stored; stored before answering 200.

A channel without its secret answers 503 and stores nothing. A missing signature is 401, a wrong
one 403, a body over the size limit 413 — nothing stored. A verified body that cannot be read is
kept with the reason (for administrators) and answered 400. Redeliveries are stored once.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from thana.channels import MAX_PAYLOAD_BYTES, PayloadError
from thana.channels import sms as sms_channel
from thana.channels import whatsapp as wa_channel
from thana.channels import x as x_channel
from thana.channels.outbox import apply_status
from thana.config import settings
from thana.store.db import get_database
from thana.store.inbound import save_incoming, save_unparsed
from thana.web.deps import current_force

log = logging.getLogger("thana.webhooks")
router = APIRouter(prefix="/webhooks", tags=["webhooks"])


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_PAYLOAD_BYTES:
        raise HTTPException(413, f"payload larger than {MAX_PAYLOAD_BYTES} bytes")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_PAYLOAD_BYTES:
            raise HTTPException(413, f"payload larger than {MAX_PAYLOAD_BYTES} bytes")
    return raw


def _off(channel: str, setting: str) -> HTTPException:
    return HTTPException(503, f"the {channel} channel is off: {setting} is not set")


def _check(raw: bytes, header: str | None, ok: bool) -> None:
    if not header:
        raise HTTPException(401, "missing signature")
    if not ok:
        raise HTTPException(403, "signature does not match")


def _unreadable(channel: str, exc: Exception, raw: bytes) -> JSONResponse:
    save_unparsed(get_database(), channel, str(exc), raw)
    return JSONResponse({"error": f"payload not understood: {exc}"}, status_code=400)


def _stored(messages) -> dict:
    stored, duplicates = save_incoming(get_database(), messages)
    return {"stored": stored, "duplicates": duplicates}


# -- X -------------------------------------------------------------------------------------------------


@router.get("/x", summary="X CRC challenge")
def x_crc(crc_token: str = Query(..., max_length=1000)) -> dict:
    secret = settings().x_consumer_secret
    if not secret:
        raise _off("X", "THANA_X_CONSUMER_SECRET")
    return x_channel.crc_response(crc_token, secret)


@router.post("/x", summary="X Account Activity events")
async def x_events(request: Request):
    secret = settings().x_consumer_secret
    if not secret:
        raise _off("X", "THANA_X_CONSUMER_SECRET")
    raw = await _body(request)
    header = request.headers.get("x-twitter-webhooks-signature")
    _check(raw, header, bool(header) and x_channel.verify(raw, header, secret))
    try:
        messages = x_channel.parse_account_activity(raw, current_force())
    except PayloadError as exc:
        return _unreadable("x", exc, raw)
    return _stored(messages)


# -- WhatsApp ------------------------------------------------------------------------------------------


@router.get("/whatsapp", summary="Meta webhook verification", response_class=PlainTextResponse)
def whatsapp_verify(
    mode: str = Query("", alias="hub.mode"),
    token: str = Query("", alias="hub.verify_token"),
    challenge: str = Query("", alias="hub.challenge", max_length=1000),
) -> str:
    expected = settings().whatsapp_verify_token
    if not expected or not settings().whatsapp_app_secret:
        raise _off("WhatsApp", "THANA_WHATSAPP_VERIFY_TOKEN / THANA_WHATSAPP_APP_SECRET")
    if mode != "subscribe" or token != expected:
        raise HTTPException(403, "verification token does not match")
    return challenge


@router.post("/whatsapp", summary="WhatsApp Cloud API notifications")
async def whatsapp_events(request: Request):
    secret = settings().whatsapp_app_secret
    if not secret:
        raise _off("WhatsApp", "THANA_WHATSAPP_APP_SECRET")
    raw = await _body(request)
    header = request.headers.get("x-hub-signature-256")
    _check(raw, header, bool(header) and wa_channel.verify(raw, header, secret))
    try:
        messages, statuses = wa_channel.parse(raw)
    except PayloadError as exc:
        return _unreadable("whatsapp", exc, raw)
    result = _stored(messages)
    db = get_database()
    result["statuses"] = sum(apply_status(db, s) for s in statuses)
    return result


# -- SMS -----------------------------------------------------------------------------------------------


@router.post("/sms", summary="Inbound SMS from the gateway")
async def sms_event(request: Request):
    secret = settings().sms_secret
    if not secret:
        raise _off("SMS", "THANA_SMS_SECRET")
    raw = await _body(request)
    header = request.headers.get("x-thana-signature")
    _check(raw, header, bool(header) and sms_channel.verify(raw, header, secret))
    try:
        message = sms_channel.parse(raw)
    except sms_channel.StaleRequest as exc:
        raise HTTPException(403, str(exc)) from None
    except PayloadError as exc:
        return _unreadable("sms", exc, raw)
    return _stored([message])


def channel_status() -> dict[str, str]:
    """Which channels are on, and for those off, what is missing."""
    s = settings()
    checks = {
        "x": (s.x_consumer_secret, "THANA_X_CONSUMER_SECRET"),
        "x_replies": (s.x_bearer_token, "THANA_X_BEARER_TOKEN"),
        "whatsapp": (s.whatsapp_app_secret and s.whatsapp_verify_token, "THANA_WHATSAPP_APP_SECRET and _VERIFY_TOKEN"),
        "whatsapp_replies": (s.whatsapp_access_token, "THANA_WHATSAPP_ACCESS_TOKEN"),
        "sms": (s.sms_secret, "THANA_SMS_SECRET"),
        "sms_replies": (s.sms_api_base and s.sms_api_key, "THANA_SMS_API_BASE and THANA_SMS_API_KEY"),
        "open311": (s.open311_api_keys, "THANA_OPEN311_API_KEYS"),
    }
    return {name: "on" if ok else f"off: {setting} {_be(setting)} not set" for name, (ok, setting) in checks.items()}


def _be(settings_named: str) -> str:
    return "are" if " and " in settings_named else "is"


def log_channel_status() -> None:
    for name, state in channel_status().items():
        (log.info if state == "on" else log.warning)("channel %s: %s", name, state)

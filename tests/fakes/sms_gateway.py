"""Fake SMS gateway, and the gateway contract Thana is written against.

There is no single real service here: Indian gateways differ in detail, so Thana talks to this one documented
shape (modelled on the common ones) and an adapter per real provider maps onto it. This docstring IS the contract.

Sending: POST {base}/messages
    Authorization: Bearer <api_key>
    Content-Type: application/x-www-form-urlencoded
    to         recipient, E.164 digits with optional "+" (e.g. +919812345678)          required
    from       sender id (DLT header such as "THANAP") or long number                   required
    body       the text (UTF-8; the gateway splits it into parts)                       required
    reference  the client's own unique id for this message, at most 64 characters       optional

    201 {"id": "SM...", "status": "queued", "reference": <reference or null>}   accepted, will be sent once
    200 the same body as the first accepted send, when `reference` was already used with the same `to` and
        `body`: the gateway does NOT send again. This makes a retry after a timeout safe.
    409 {"error": {"code": "reference_conflict", ...}}  the reference was used for a different `to` or `body`
    400 {"error": {"code": "invalid_request", "message", "field"}}  a field is missing or malformed
    401 {"error": {"code": "unauthorized", "message"}}  missing or wrong api key
    429 {"error": {"code": "rate_limited", "message"}} with Retry-After: <seconds>   nothing was sent
    5xx {"error": {"code": "server_error" | "unavailable", "message"}}, Retry-After optional; the message may or
        may not have been sent, so retry with the same reference

Looking a message up: GET {base}/messages/{id} -> 200 {"id", "status", "to", "from", "body", "reference",
    "created_at"} or 404 {"error": {"code": "not_found", ...}}.

Inbound (the gateway POSTs each citizen SMS to Thana's webhook URL):
    Content-Type: application/x-www-form-urlencoded
    from        the citizen's number, E.164 with "+"
    to          Thana's number or short code that received it
    body        the text, UTF-8
    message_id  the gateway's unique id for this inbound SMS (deliveries may repeat: dedupe on it)
    timestamp   when the gateway received it, Unix seconds
    X-Thana-Signature: sha256=<lowercase hex HMAC-SHA256(shared secret, raw request body bytes)>
    Thana answers 2xx to acknowledge; anything else is retried by the gateway.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import asdict, dataclass
from urllib.parse import parse_qsl, urlencode

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from .base import Delivery, FailRule, FakeService, RecordedRequest, ServiceError, hmac_sha256_hex

PHONE = re.compile(r"^\+?[1-9]\d{7,14}$")
ERROR_CODES = {401: "unauthorized", 404: "not_found", 409: "reference_conflict", 429: "rate_limited",
               503: "unavailable"}  # fmt: skip


@dataclass
class SmsMessage:
    id: str
    status: str
    to: str
    body: str
    reference: str | None
    created_at: int
    sender: str

    def public(self) -> dict:
        data = asdict(self)
        data["from"] = data.pop("sender")
        return data


def gateway_error(status: int, message: str, field: str | None = None, headers: dict | None = None) -> JSONResponse:
    code = ERROR_CODES.get(status, "server_error" if status >= 500 else "invalid_request")
    error = {"code": code, "message": message}
    if field:
        error["field"] = field
    return JSONResponse({"error": error}, status_code=status, headers=headers)


def signed_sms_inbound(
    secret: str,
    *,
    from_: str,
    to: str,
    body: str,
    message_id: str | None = None,
    timestamp: int | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The exact bytes and headers the gateway POSTs to Thana for one inbound SMS (see the module docstring)."""
    fields = {
        "from": from_,
        "to": to,
        "body": body,
        "message_id": message_id or "IN" + secrets.token_hex(16),
        "timestamp": str(timestamp if timestamp is not None else int(time.time())),
    }
    raw = urlencode(fields).encode()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Thana-Signature": "sha256=" + hmac_sha256_hex(secret, raw),
    }
    return raw, headers


class FakeSmsGateway(FakeService):
    def __init__(
        self,
        *,
        api_key: str = "test-sms-api-key",
        webhook_secret: str = "test-sms-webhook-secret",
        number: str = "+919000012345",
        callback_url: str | None = None,
    ) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.number = number
        self.callback_url = callback_url
        super().__init__()
        self.reset_state()
        self._add_routes()

    # ----- what tests call ------------------------------------------------------------------------------------

    @property
    def sent(self) -> list[SmsMessage]:
        """Messages actually handed to the network: one per accepted send, never one per retry."""
        with self._lock:
            return list(self._messages.values())

    def deliver_inbound(self, *, from_: str, body: str, **fields) -> Delivery:
        if not self.callback_url:
            raise RuntimeError("set callback_url (Thana's SMS webhook URL) before delivering inbound SMS")
        fields.setdefault("timestamp", self.now())
        raw, headers = signed_sms_inbound(self.webhook_secret, from_=from_, to=self.number, body=body, **fields)
        return self.post_webhook(self.callback_url, raw, headers)

    def reset_state(self) -> None:
        with self._lock:
            self._messages: dict[str, SmsMessage] = {}
            self._by_reference: dict[str, SmsMessage] = {}

    # ----- FakeService hooks ----------------------------------------------------------------------------------

    def admit(self, request: RecordedRequest) -> tuple[Response | None, dict[str, str]]:
        if not self.bearer_ok(request, self.api_key):
            return gateway_error(401, "missing or invalid API key"), {}
        return None, {}

    def failure_response(self, rule: FailRule, request: RecordedRequest) -> Response:
        headers = {}
        if rule.retry_after is not None or rule.status == 429:
            headers["Retry-After"] = str(rule.retry_after if rule.retry_after is not None else 1)
        messages = {429: "too many requests", 503: "temporarily unavailable"}
        return gateway_error(rule.status, messages.get(rule.status, "internal error"), headers=headers)

    # ----- routes ---------------------------------------------------------------------------------------------

    def _add_routes(self) -> None:
        @self.app.post("/messages", status_code=201)
        async def send_message(request: Request, response: Response) -> dict:
            message, created = self._send(await _form(request))
            if not created:
                response.status_code = 200  # an idempotent replay: nothing new was sent
            return {"id": message.id, "status": "queued", "reference": message.reference}

        @self.app.get("/messages/{message_id}")
        def get_message(message_id: str) -> dict:
            with self._lock:
                message = self._messages.get(message_id)
            if message is None:
                raise ServiceError(gateway_error(404, f"no message {message_id}"))
            return message.public()

    def _send(self, form: dict[str, str]) -> tuple[SmsMessage, bool]:
        to, sender, body, reference = (form.get(k) for k in ("to", "from", "body", "reference"))
        _check(to, sender, body, reference)
        with self._lock:
            earlier = self._by_reference.get(reference) if reference else None
            if earlier is not None:
                if (earlier.to, earlier.body) != (to, body):
                    raise ServiceError(gateway_error(409, f"reference {reference!r} was used for another message"))
                return earlier, False
            message = SmsMessage(id="SM" + secrets.token_hex(16), status="queued", to=to, body=body,
                                 reference=reference, created_at=self.now(), sender=sender)  # fmt: skip
            self._messages[message.id] = message
            if reference:
                self._by_reference[reference] = message
            return message, True


async def _form(request: Request) -> dict[str, str]:
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        raise ServiceError(gateway_error(400, "expected an application/x-www-form-urlencoded body"))
    return dict(parse_qsl((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True))


def _check(to: str | None, sender: str | None, body: str | None, reference: str | None) -> None:
    for name, value in (("to", to), ("from", sender), ("body", body)):
        if not value:
            raise ServiceError(gateway_error(400, f"{name} is required", field=name))
    if not PHONE.match(to):
        raise ServiceError(gateway_error(400, f"{to!r} is not an E.164 number", field="to"))
    if reference is not None and not 0 < len(reference) <= 64:
        raise ServiceError(gateway_error(400, "reference must be 1 to 64 characters", field="reference"))

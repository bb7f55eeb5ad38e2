"""Fake WhatsApp Cloud API (Meta Graph API), plus signed webhook bodies in Meta's shape.

Endpoint
    POST /{version}/{phone_number_id}/messages
        {"messaging_product": "whatsapp", "recipient_type"?, "to", "type", "text"?: {"body"}, "template"?: {"name",
         "language": {"code"}, "components"?}, "biz_opaque_callback_data"?, "context"?: {"message_id"}}
        -> 200 {"messaging_product": "whatsapp", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}
        {"messaging_product": "whatsapp", "status": "read", "message_id"} -> 200 {"success": true}

Behaviour, as Meta documents it or as integrators have recorded it:
- errors are {"error": {"message", "type": "OAuthException", "code", "error_data"?: {"messaging_product",
  "details"}, "error_subcode"?, "fbtrace_id"}}; a bad token is 401 code 190;
- the 24-hour customer-service window: a free-form message to someone who has not written in 24 h fails with
  code 131047 "Re-engagement message"; templates always pass. Meta accepts such a message (200 + wamid) and
  reports the failure later in a `failed` status webhook; that is the default here (window_errors="webhook").
  window_errors="response" answers 400 with code 131047 instead, the synchronous form Meta also documents;
- throttling: 130429 (throughput), 131056 (pair rate), 80007, 4 -> HTTP 429; 131000 -> 500; 131016 -> 503.
- status webhooks (sent, delivered, read, failed) are POSTed to callback_url signed with X-Hub-Signature-256 =
  "sha256=" + lowercase hex HMAC-SHA256(app secret, raw body), echoing biz_opaque_callback_data.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from .base import FIXTURES_DIR, Delivery, FailRule, FakeService, RecordedRequest, ServiceError, hmac_sha256_hex

WINDOW_SECONDS = 24 * 60 * 60
ERROR_CODES_URL = "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"

# code -> (default HTTP status, message, error_data.details or None, error_subcode or None)
GRAPH_ERRORS: dict[int, tuple[int, str, str | None, int | None]] = {
    2: (503, "An unexpected error has occurred. Please retry your request later.", None, None),
    4: (429, "(#4) Application request limit reached", None, None),
    10: (403, "(#10) Application does not have permission for this action", None, None),
    100: (400, "(#100) Invalid parameter", None, None),
    190: (401, "Invalid OAuth access token - Cannot parse access token", None, None),
    80007: (429, "(#80007) Rate limit issues", "The WhatsApp Business Account has reached its rate limit.", None),
    130429: (429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached.", 2494055),
    131000: (500, "(#131000) Something went wrong", "Message failed to send due to an unknown error.", None),
    131016: (503, "(#131016) Service unavailable", "A service is temporarily unavailable.", None),
    131047: (
        400,
        "(#131047) Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
        None,
    ),
    131056: (
        429,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone number to the same phone "
        "number in a short period of time.",
        None,
    ),
}
DEFAULT_CODE_FOR_STATUS = {400: 100, 401: 190, 403: 10, 429: 130429, 500: 131000, 503: 131016}


def graph_error(code: int, *, status: int | None = None, message: str | None = None, subcode: int | None = None):
    default_status, default_message, details, default_subcode = GRAPH_ERRORS.get(code, (400, f"(#{code})", None, None))
    error: dict[str, Any] = {"message": message or default_message, "type": "OAuthException", "code": code}
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if subcode or default_subcode:
        error["error_subcode"] = subcode or default_subcode
    error["fbtrace_id"] = secrets.token_urlsafe(17)[:23]
    headers = {}
    if code == 190:
        headers["www-authenticate"] = f'OAuth "Facebook Platform" "invalid_token" "{error["message"]}"'
    return JSONResponse({"error": error}, status_code=status or default_status, headers=headers)


def webhook_error(code: int) -> dict:
    """The errors[] entry of a `failed` status webhook, which names the title where API errors do not."""
    _, message, details, _ = GRAPH_ERRORS[code]
    title = re.sub(r"^\(#\d+\) ", "", message)
    return {"code": code, "title": title, "message": title, "error_data": {"details": details}, "href": ERROR_CODES_URL}


@dataclass
class SentMessage:
    id: str
    to: str
    wa_id: str
    type: str
    payload: dict
    accepted_at: int
    error: dict | None = None  # set when Meta would later report this message as failed
    statuses: list[str] = field(default_factory=list)  # the statuses delivered so far


class FakeGraphApi(FakeService):
    def __init__(
        self,
        *,
        access_token: str = "test-wa-access-token",
        app_secret: str = "test-wa-app-secret",
        phone_number_id: str = "106540352242922",
        display_phone_number: str = "15550783881",
        waba_id: str = "102290129340398",
        callback_url: str | None = None,
        window_errors: str = "webhook",
        auto_statuses: Iterable[str] = (),
    ) -> None:
        if window_errors not in ("webhook", "response"):
            raise ValueError("window_errors is 'webhook' (Meta's usual way) or 'response'")
        self.access_token = access_token
        self.app_secret = app_secret
        self.phone_number_id = phone_number_id
        self.display_phone_number = display_phone_number
        self.waba_id = waba_id
        self.callback_url = callback_url
        self.window_errors = window_errors
        self.auto_statuses = tuple(auto_statuses)  # delivered in the background after each accepted send
        self._background: list[threading.Thread] = []
        super().__init__()
        self.reset_state()
        self._add_routes()

    # ----- what tests call ------------------------------------------------------------------------------------

    def customer_wrote(self, wa_id: str, at: float | datetime | None = None) -> None:
        """Open (or date) the 24-hour window: the customer's last message to the business was at `at`."""
        moment = at.timestamp() if isinstance(at, datetime) else at
        with self._lock:
            self._last_inbound[_digits(wa_id)] = self.clock() if moment is None else moment

    @property
    def messages(self) -> list[SentMessage]:
        with self._lock:
            return list(self._messages.values())

    @property
    def marked_read(self) -> list[str]:
        """Inbound message ids Thana marked as read ({"status": "read", "message_id"})."""
        with self._lock:
            return list(self._read)

    def message(self, message_id: str) -> SentMessage:
        with self._lock:
            return self._messages[message_id]

    def deliver_status(self, message_id: str, status: str, *, error_code: int | None = None) -> Delivery:
        """POST one signed status webhook for an accepted message to callback_url (synchronously)."""
        sent = self.message(message_id)
        error = webhook_error(error_code) if error_code else sent.error or webhook_error(131000)
        body = self.status_body(sent, status, error=error if status == "failed" else None)
        with self._lock:
            sent.statuses.append(status)
        return self._post_signed(body)

    def deliver_statuses(self, message_id: str, statuses: Iterable[str] = ("sent", "delivered", "read")) -> list:
        """The natural sequence for a message; a message Meta would refuse only ever gets `failed`."""
        statuses = ["failed"] if self.message(message_id).error else list(statuses)
        return [self.deliver_status(message_id, s) for s in statuses]

    def deliver_inbound(self, case: dict, *, wa_id: str, **fill: Any) -> Delivery:
        """Deliver a citizen's message (one pywa fixture case) to callback_url, opening their 24-hour window."""
        fill.setdefault("timestamp", self.now())
        raw, headers = signed_inbound(case, app_secret=self.app_secret, wa_id=wa_id, **self._business_ids(), **fill)
        self.customer_wrote(wa_id, at=fill["timestamp"])
        return self.post_webhook(self._callback(), raw, headers)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait for background (auto_statuses / refused-message) webhooks to finish."""
        for thread in list(self._background):
            thread.join(timeout)

    def status_body(self, sent: SentMessage, status: str, *, error: dict | None = None) -> dict:
        now = str(self.now())
        entry: dict[str, Any] = {"id": sent.id, "status": status, "timestamp": now, "recipient_id": sent.wa_id}
        if "biz_opaque_callback_data" in sent.payload:
            entry["biz_opaque_callback_data"] = sent.payload["biz_opaque_callback_data"]
        if error is not None:
            entry["errors"] = [error]
        else:
            entry.update(self._billing(sent, status))
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": self.display_phone_number, "phone_number_id": self.phone_number_id},
            "statuses": [entry],
        }
        return _envelope(self.waba_id, value)

    def reset_state(self) -> None:
        self.drain()
        with self._lock:
            self._messages: dict[str, SentMessage] = {}
            self._last_inbound: dict[str, float] = {}
            self._conversations: dict[str, str] = {}
            self._read: list[str] = []
            self._background = []

    # ----- FakeService hooks ----------------------------------------------------------------------------------

    def admit(self, request: RecordedRequest) -> tuple[Response | None, dict[str, str]]:
        if not self.bearer_ok(request, self.access_token):
            return graph_error(190), {}
        return None, {}

    def failure_response(self, rule: FailRule, request: RecordedRequest) -> Response:
        code = rule.code or DEFAULT_CODE_FOR_STATUS.get(rule.status, 2 if rule.status >= 500 else 100)
        return graph_error(code, status=rule.status)

    # ----- the route ------------------------------------------------------------------------------------------

    def _add_routes(self) -> None:
        @self.app.post("/{version}/{phone_number_id}/messages")
        async def messages(version: str, phone_number_id: str, request: Request) -> dict:
            if not re.fullmatch(r"v\d+\.\d+", version):
                raise ServiceError(graph_error(2500, message=f"Unknown path components: /{phone_number_id}/messages"))
            if phone_number_id != self.phone_number_id:
                raise ServiceError(graph_error(100, subcode=33, message=_unsupported_post(phone_number_id)))
            try:
                payload = await request.json()
            except ValueError:
                payload = None
            if not isinstance(payload, dict):
                raise _missing("messaging_product")
            return self._accept(payload)

    def _accept(self, payload: dict) -> dict:
        if payload.get("messaging_product") != "whatsapp":
            raise _missing("messaging_product")
        if payload.get("status") == "read":
            with self._lock:
                self._read.append(str(payload.get("message_id")))
            return {"success": True}
        kind = payload.get("type", "text")
        _validate(payload, kind)
        to = str(payload["to"])
        sent = SentMessage(
            id=_wamid(to), to=to, wa_id=_digits(to), type=kind, payload=copy.deepcopy(payload), accepted_at=self.now()
        )
        if kind != "template" and not self._window_open(sent.wa_id):
            if self.window_errors == "response":
                raise ServiceError(graph_error(131047))
            sent.error = webhook_error(131047)
        with self._lock:
            self._messages[sent.id] = sent
        self._schedule_statuses(sent)
        reply_message: dict[str, str] = {"id": sent.id}
        if kind == "template":
            reply_message["message_status"] = "accepted"
        return {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": sent.wa_id}],
                "messages": [reply_message]}  # fmt: skip

    # ----- helpers --------------------------------------------------------------------------------------------

    def _window_open(self, wa_id: str) -> bool:
        with self._lock:
            last = self._last_inbound.get(wa_id)
        return last is not None and self.clock() - last < WINDOW_SECONDS

    def _schedule_statuses(self, sent: SentMessage) -> None:
        # Meta always reports a refused message, whether or not the test asked for automatic statuses.
        if self.callback_url is None or not (self.auto_statuses or sent.error):
            return
        thread = threading.Thread(target=self.deliver_statuses, args=(sent.id, self.auto_statuses), daemon=True)
        with self._lock:
            self._background.append(thread)
        thread.start()

    def _billing(self, sent: SentMessage, status: str) -> dict:
        category = "utility" if sent.type == "template" else "service"
        with self._lock:
            conversation_id = self._conversations.setdefault(sent.wa_id, uuid.uuid4().hex[:30])
        conversation: dict[str, Any] = {"id": conversation_id, "origin": {"type": category}}
        if status == "sent":
            conversation["expiration_timestamp"] = str(sent.accepted_at + WINDOW_SECONDS)
        pricing = {"billable": True, "pricing_model": "CBP", "category": category}
        return {"conversation": conversation, "pricing": pricing}

    def _business_ids(self) -> dict[str, str]:
        return {"phone_number_id": self.phone_number_id, "display_phone_number": self.display_phone_number,
                "waba_id": self.waba_id}  # fmt: skip

    def _callback(self) -> str:
        if not self.callback_url:
            raise RuntimeError("set callback_url (Thana's webhook URL) before delivering webhooks")
        return self.callback_url

    def _post_signed(self, body: dict) -> Delivery:
        raw = _compact(body)
        delivery = self.post_webhook(self._callback(), raw, signature_headers(self.app_secret, raw))
        delivery.payload = body
        return delivery


# ----- inbound webhooks built from the pywa fixtures ----------------------------------------------------------


def load_pywa_case(file_stem: str, case: str) -> dict:
    """One complete webhook body from whatsapp/pywa/<file_stem>.json, e.g. ("message", "text")."""
    return json.loads((FIXTURES_DIR / "whatsapp" / "pywa" / f"{file_stem}.json").read_text(encoding="utf-8"))[case]


def signature_headers(app_secret: str, raw_body: bytes) -> dict[str, str]:
    signature = "sha256=" + hmac_sha256_hex(app_secret, raw_body)
    return {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


def signed_inbound(
    case: dict,
    *,
    app_secret: str,
    wa_id: str,
    phone_number_id: str,
    display_phone_number: str,
    waba_id: str,
    message_id: str | None = None,
    timestamp: int | None = None,
    text: str | None = None,
    name: str | None = None,
    original_message_id: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """Fill a pywa case's placeholder ids and numbers by meaning (not by string search) and sign it like Meta.

    Returns the exact bytes to POST and the headers. The citizen is `wa_id`; the business is the phone number id /
    display number / WABA id. Free text inside the case (e.g. a system message's "changed from ... to ...") is
    left alone.
    """
    body = copy.deepcopy(case)
    business = {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id}
    for entry in body.get("entry", []):
        entry["id"] = waba_id
        for change in entry.get("changes", []):
            value = change.get("value", {})
            _fill_value(value, business, wa_id, message_id, timestamp, text, name, original_message_id)
    raw = _compact(body)
    return raw, signature_headers(app_secret, raw)


def _fill_value(value, business, wa_id, message_id, timestamp, text, name, original_message_id) -> None:
    value["metadata"] = dict(business)
    for contact in value.get("contacts", []):
        contact["wa_id"] = wa_id
        if name is not None:
            contact.setdefault("profile", {})["name"] = name
    when = str(timestamp if timestamp is not None else int(datetime.now().timestamp()))
    for message in value.get("messages", []):
        message.update({"from": wa_id, "id": message_id or _wamid(wa_id), "timestamp": when})
        if text is not None and message.get("type") == "text":
            message["text"]["body"] = text
        if "context" in message and "from" in message["context"]:
            message["context"]["from"] = business["display_phone_number"]
        for kind in ("revoke", "edit"):
            if kind in message and original_message_id is not None:
                message[kind]["original_message_id"] = original_message_id
    for status in value.get("statuses", []):
        status.update({"recipient_id": wa_id, "id": message_id or status["id"], "timestamp": when})


# ----- small pure helpers -------------------------------------------------------------------------------------


def _envelope(waba_id: str, value: dict) -> dict:
    return {"object": "whatsapp_business_account",
            "entry": [{"id": waba_id, "changes": [{"value": value, "field": "messages"}]}]}  # fmt: skip


def _compact(body: dict) -> bytes:
    # Meta sends compact JSON with non-ASCII escaped; a receiver that re-serialises before verifying will fail.
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode()


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def _wamid(to: str) -> str:
    # Real ids are base64 of a small record holding the recipient and a random id, e.g. "wamid.HBgM...".
    record = b"\x18\x0c" + _digits(to).encode() + b"\x15\x02\x00\x11\x18\x12" + secrets.token_hex(9).upper().encode()
    return "wamid." + base64.b64encode(record).decode()


def _missing(parameter: str) -> ServiceError:
    return ServiceError(graph_error(100, message=f"(#100) The parameter {parameter} is required."))


def _validate(payload: dict, kind: str) -> None:
    if not payload.get("to"):
        raise _missing("to")
    if kind == "text" and not (payload.get("text") or {}).get("body"):
        raise _missing("text['body']")
    if kind == "template":
        template = payload.get("template") or {}
        if not template.get("name"):
            raise _missing("template['name']")
        if not (template.get("language") or {}).get("code"):
            raise _missing("template['language']['code']")
    elif kind not in payload:
        raise _missing(kind)


def _unsupported_post(object_id: str) -> str:
    return (
        f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing "
        "permissions, or does not support this operation. Please read the Graph API documentation at "
        "https://developers.facebook.com/docs/graph-api"
    )

"""What every fake service shares: the request log, failure injection, bearer auth, webhook delivery and /_fake/.

A fake is an ASGI app (a FakeService subclass) that wraps its own FastAPI app. Wrapping at the ASGI level, not
in FastAPI middleware, lets one place see the raw bytes of every request, answer with an injected failure before
any route runs, and add headers (X's rate-limit headers) to every response, errors included.

Control API, the same on every fake (tests mostly call the Python methods of the same names):
    GET  /_fake/requests   everything received, in order: method, path, query, headers, body, json, form
    POST /_fake/fail       {"path_prefix", "status", "times"?, "retry_after"?, "reset_in"?, "code"?, "method"?,
                            "after_handler"?}: the next `times` matching calls fail the way the real service
                            fails with that status ("code" picks the service's own error code where it has them)
    POST /_fake/reset      forget requests, failure rules, deliveries and all service state

Typical use in a test:
    with FakeGraphApi(callback_url=thana_url + "/webhooks/whatsapp") as graph:
        settings.whatsapp_api_base = graph.url + "/v21.0"
        graph.deliver_inbound(load_pywa_case("message", "text"), wa_id="919812345678", text="my phone was stolen")
        graph.fail("/v21.0/", 429, times=1)          # Thana's first reply attempt is throttled
        ...                                           # run Thana
        assert graph.requests("/v21.0/", method="POST")[-1].json["text"]["body"].startswith("...")
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from .server import ServerThread

CONTROL_PREFIX = "/_fake/"

# Payloads recorded from (or modelled on) the real services; read at run time, never copied into the repo.
FIXTURES_DIR = Path(os.environ.get("THANA_FIXTURES", "/work/shared/fixtures"))


def load_fixture(relative_path: str) -> Any:
    return json.loads((FIXTURES_DIR / relative_path).read_text(encoding="utf-8"))


def hmac_sha256_hex(secret: str, raw_body: bytes) -> str:
    """Lowercase hex HMAC-SHA256, the signature primitive of both Meta's and our SMS gateway's webhooks."""
    return hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    json: Any = None
    form: dict[str, str] | None = None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["body"] = self.body.decode("utf-8", errors="replace")
        return data


@dataclass
class FailRule:
    path_prefix: str
    status: int
    times: int = 1
    retry_after: int | None = None  # seconds; rendered as Retry-After where the service sends one
    reset_in: int | None = None  # seconds until the rate-limit window resets (X's x-rate-limit-reset)
    code: int | None = None  # the service's own error code, e.g. Graph 131056 instead of the default 130429
    method: str | None = None
    # True: the call is processed (the message IS sent) but the client still sees the failure, like a timeout
    # after the service acted. This is the case that makes "did we already reply?" reconciliation necessary.
    after_handler: bool = False

    def matches(self, request: RecordedRequest) -> bool:
        method_ok = self.method is None or self.method.upper() == request.method
        return method_ok and request.path.startswith(self.path_prefix)


@dataclass
class Delivery:
    """One webhook POST a fake made to the system under test, and how it answered."""

    url: str
    body: bytes
    headers: dict[str, str]
    status_code: int | None = None
    error: str | None = None
    payload: Any = field(default=None, repr=False)


class ServiceError(Exception):
    """Raised inside a route to answer with a service-shaped error response."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class FakeService:
    """Base of the three fakes. Subclasses add routes to self.app and override the hooks below."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._requests: list[RecordedRequest] = []
        self._rules: list[FailRule] = []
        self.deliveries: list[Delivery] = []
        self.clock: Callable[[], float] = time.time  # tests may replace it to move time
        self.app = FastAPI()
        self.app.add_exception_handler(ServiceError, lambda _request, exc: exc.response)
        self._add_control_routes()
        self._server = ServerThread(self)

    # ----- hooks for subclasses -------------------------------------------------------------------------------

    def failure_response(self, rule: FailRule, request: RecordedRequest) -> Response:
        """The response the real service gives for rule.status (and rule.code)."""
        raise NotImplementedError

    def admit(self, request: RecordedRequest) -> tuple[Response | None, dict[str, str]]:
        """Before routing: a refusal (bad token, rate limit) or None, plus headers to add to whatever answers."""
        return None, {}

    def reset_state(self) -> None:
        """Forget everything the service accumulated (messages, posts, windows...)."""

    # ----- lifecycle ------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self._server.url

    def start(self) -> FakeService:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----- control API (Python) -------------------------------------------------------------------------------

    def requests(self, path_prefix: str = "", method: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self._requests
                if r.path.startswith(path_prefix) and (method is None or r.method == method.upper())
            ]

    def fail(self, path_prefix: str, status: int, times: int = 1, **options: Any) -> FailRule:
        rule = FailRule(path_prefix=path_prefix, status=status, times=times, **options)
        with self._lock:
            self._rules.append(rule)
        return rule

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._rules.clear()
            self.deliveries.clear()
        # Outside the lock: a fake may first wait for its own background deliveries, which need the lock.
        self.reset_state()

    def _add_control_routes(self) -> None:
        @self.app.get(CONTROL_PREFIX + "requests")
        def list_requests() -> dict:
            return {"requests": [r.as_dict() for r in self.requests()]}

        @self.app.post(CONTROL_PREFIX + "fail")
        async def add_rule(request: Request):
            try:
                rule = self.fail(**(await request.json()))
            except (TypeError, ValueError) as exc:
                return JSONResponse({"error": f"bad failure rule: {exc}"}, status_code=400)
            return {"rule": asdict(rule)}

        @self.app.post(CONTROL_PREFIX + "reset")
        def reset() -> dict:
            self.reset()
            return {"reset": True}

    # ----- shared behaviour -----------------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock())

    @staticmethod
    def bearer_ok(request: RecordedRequest, token: str) -> bool:
        given = request.header("authorization") or ""
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip(), token)

    def post_webhook(self, url: str, raw_body: bytes, headers: dict[str, str]) -> Delivery:
        """POST exactly these bytes (the signature covers them) and remember what the receiver answered."""
        delivery = Delivery(url=url, body=raw_body, headers=dict(headers))
        try:
            answer = httpx.post(url, content=raw_body, headers=headers, timeout=10)
            delivery.status_code = answer.status_code
        except httpx.HTTPError as exc:  # a receiver that is down is a test outcome, not a fake crash
            delivery.error = repr(exc)
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    # ----- the ASGI layer -------------------------------------------------------------------------------------

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        request = self._record(scope, body)
        replay = _replaying(body, receive)
        rule = self._take_rule(request)
        if rule is not None and not rule.after_handler:
            await self.failure_response(rule, request)(scope, replay, send)
            return
        refusal, headers = self.admit(request)
        if refusal is not None:
            await refusal(scope, replay, _adding_headers(send, headers))
            return
        if rule is None:
            await self.app(scope, replay, _adding_headers(send, headers))
            return
        await self.app(scope, replay, _discard)
        await self.failure_response(rule, request)(scope, replay, send)

    def _record(self, scope, body: bytes) -> RecordedRequest:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request = RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            query=parse_qs(scope["query_string"].decode("latin-1")),
            headers=headers,
            body=body,
        )
        content_type = headers.get("content-type", "")
        if "json" in content_type:
            with contextlib.suppress(ValueError):  # the route answers a malformed body the way its service does
                request.json = json.loads(body)
        elif "x-www-form-urlencoded" in content_type:
            request.form = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        with self._lock:
            self._requests.append(request)
        return request

    def _take_rule(self, request: RecordedRequest) -> FailRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.matches(request):
                    rule.times -= 1
                    if rule.times <= 0:
                        self._rules.remove(rule)
                    return rule
        return None


async def _read_body(receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive):
    """A receive() that hands the already-read body to the app once, then defers to the real channel."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _adding_headers(send, headers: dict[str, str]):
    if not headers:
        return send
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def wrapped(message):
        if message["type"] == "http.response.start":
            present = {name for name, _ in message.get("headers", [])}
            message = {**message, "headers": [*message.get("headers", []), *(h for h in extra if h[0] not in present)]}
        await send(message)

    return wrapped


async def _discard(message) -> None:
    return None

"""Sending on each channel's real HTTP API (or a local server answering the same way).

Every sender maps the service's answers onto three outcomes: sent (with the service's id), try
again later (rate limits and server errors, with when), or failed for good (bad recipient, auth).
`reconcile` answers, for a message whose sending was interrupted before we recorded the result,
whether it actually went out — so that it is never sent twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx

from thana.channels.whatsapp import split_thread
from thana.config import Settings

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
WHATSAPP_STATUS_WAIT = 60.0  # seconds for a "sent" status webhook to arrive after an unanswered send


class RetryLater(Exception):
    def __init__(self, reason: str, at: datetime):
        super().__init__(reason)
        self.at = at


class Failed(Exception):
    """The service refused the message for good."""


class WindowClosed(Failed):
    """WhatsApp: more than 24 hours since the citizen wrote; only a template may be sent."""


class Uncertain(Exception):
    """We cannot tell whether an interrupted send went out: a person must look (never send twice)."""


@dataclass
class Outgoing:
    """What a sender needs of an outbox row."""

    key: str
    channel: str
    recipient: str | None
    body: str
    reply_to: str | None
    thread_id: str | None
    sender_address: str | None
    public: bool
    template: dict | None
    language: str | None

    @classmethod
    def from_row(cls, row: dict) -> Outgoing:
        return cls(
            row["idempotency_key"],
            row["channel"],
            row["recipient"],
            row["body"],
            row["reply_to"],
            row["thread_id"],
            row["sender_address"],
            row["public"],
            row["template"],
            row["language"],
        )


MAX_WAIT = 3600.0  # no header from a service may park a message for longer than this


def _retry_after(response: httpx.Response, default: float, attempt: int) -> datetime:
    """When to try again: the service's own word for rate limits, else exponential backoff."""
    now = datetime.now(UTC)
    backoff = now + timedelta(seconds=min(default * 2**attempt, MAX_WAIT))
    if response.status_code != 429:
        return backoff  # X sends x-rate-limit-reset on every answer; it only binds when we were limited
    reset = response.headers.get("x-rate-limit-reset")
    if reset and reset.isdigit():
        return max(now, datetime.fromtimestamp(min(int(reset), now.timestamp() + MAX_WAIT), UTC))
    after = response.headers.get("retry-after")
    if after and after.replace(".", "", 1).isdigit():
        return now + timedelta(seconds=min(float(after), MAX_WAIT))
    return backoff


def _problem(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        return f"HTTP {response.status_code}: {err.get('code')} {err.get('message', '')}".strip()
    detail = body.get("detail") or body.get("title") if isinstance(body, dict) else None
    return f"HTTP {response.status_code}: {detail or body}"


class XSender:
    def __init__(self, settings: Settings, client: httpx.Client | None = None):
        self.base = settings.x_api_base.rstrip("/")
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.headers = {"Authorization": f"Bearer {settings.x_bearer_token}"}
        self._me: str | None = None

    def send(self, out: Outgoing, attempt: int = 0) -> str:
        if out.public:
            payload = {"text": out.body[:280]}
            if out.reply_to:
                payload["reply"] = {"in_reply_to_tweet_id": out.reply_to}
            response = self._post("/2/tweets", payload, attempt)
            return response.json()["data"]["id"]
        response = self._post(f"/2/dm_conversations/with/{out.recipient}/messages", {"text": out.body}, attempt)
        return response.json()["data"]["dm_event_id"]

    def _post(self, path: str, payload: dict, attempt: int) -> httpx.Response:
        try:
            response = self.client.post(self.base + path, json=payload, headers=self.headers)
        except httpx.TransportError as exc:
            raise RetryLater(f"X unreachable: {exc}", datetime.now(UTC) + timedelta(seconds=5 * 2**attempt)) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryLater(_problem(response), _retry_after(response, 15, attempt))
        if response.status_code == 403 and "duplicate" in response.text.lower():
            raise Uncertain("X calls it a duplicate: the reply may already be posted")
        if response.status_code >= 400:
            raise Failed(_problem(response))
        return response

    def me(self) -> str:
        if self._me is None:
            response = self.client.get(self.base + "/2/users/me", headers=self.headers)
            response.raise_for_status()
            self._me = response.json()["data"]["id"]
        return self._me

    def reconcile(self, out: Outgoing) -> str | None:
        """Our recent posts: is there already a reply to this post with this text?"""
        if not out.public:
            raise Uncertain("an interrupted X direct message cannot be checked")
        response = self.client.get(
            f"{self.base}/2/users/{self.me()}/tweets",
            headers=self.headers,
            params={"max_results": 100, "tweet.fields": "referenced_tweets,text"},
        )
        if response.status_code != 200:
            raise Uncertain(f"could not read our posts: {_problem(response)}")
        for post in response.json().get("data", []):
            replied = {r.get("id") for r in post.get("referenced_tweets", []) if r.get("type") == "replied_to"}
            if out.reply_to in replied and post.get("text", "").strip() == out.body[:280].strip():
                return post["id"]
        return None


class WhatsAppSender:
    def __init__(self, settings: Settings, client: httpx.Client | None = None):
        self.base = settings.whatsapp_api_base.rstrip("/")
        self.template = settings.whatsapp_template
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.headers = {"Authorization": f"Bearer {settings.whatsapp_access_token}"}

    def send(self, out: Outgoing, attempt: int = 0) -> str:
        pnid, wa_id = split_thread(out.thread_id)
        to = out.recipient or wa_id
        if not pnid or not to:
            raise Failed("no WhatsApp number to send from or to")
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "biz_opaque_callback_data": out.key,
        }
        if out.template:
            payload |= {"type": "template", "template": out.template}
        else:
            payload |= {"type": "text", "text": {"body": out.body[:4096], "preview_url": False}}
        try:
            response = self.client.post(f"{self.base}/{pnid}/messages", json=payload, headers=self.headers)
        except httpx.ConnectError as exc:  # never reached Meta: nothing can have been sent
            raise RetryLater(
                f"Graph unreachable: {exc}", datetime.now(UTC) + timedelta(seconds=5 * 2**attempt)
            ) from None
        except httpx.TransportError as exc:
            # The request may have gone out. Meta cannot be asked, but the status webhook carries our key;
            # waiting for it before trying again is what keeps a citizen from getting the message twice.
            raise RetryLater(f"Graph did not answer: {exc}", _ambiguous_wait(attempt)) from None
        if response.status_code == 200:
            return response.json()["messages"][0]["id"]
        code = (response.json().get("error") or {}).get("code") if _is_json(response) else None
        if code == 131047:
            raise WindowClosed(_problem(response))
        if response.status_code >= 500 or code == 131000:  # "something went wrong": it may have been sent
            raise RetryLater(_problem(response), _ambiguous_wait(attempt))
        if response.status_code == 429 or code in (4, 80007, 130429, 131056):
            raise RetryLater(_problem(response), _retry_after(response, 30, attempt))
        raise Failed(_problem(response))

    def template_for(self, out: Outgoing, reference: str | None) -> dict:
        """The approved template that may open a conversation after 24 hours, carrying the reference."""
        lang = {"hi": "hi", "mr": "mr"}.get(out.language or "", "en")
        params = [{"type": "text", "text": reference or out.key}]
        return {
            "name": self.template,
            "language": {"code": lang},
            "components": [{"type": "body", "parameters": params}],
        }

    def reconcile(self, out: Outgoing) -> str | None:
        # Meta offers no way to list sent messages; a status webhook carrying our key would have recorded it.
        raise Uncertain("WhatsApp send interrupted and no status webhook for it has arrived")


class SmsSender:
    def __init__(self, settings: Settings, client: httpx.Client | None = None):
        self.base = (settings.sms_api_base or "").rstrip("/")
        self.sender_id = settings.sms_sender_id
        self.client = client or httpx.Client(timeout=TIMEOUT)
        self.headers = {"Authorization": f"Bearer {settings.sms_api_key}"}

    def send(self, out: Outgoing, attempt: int = 0) -> str:
        form = {"to": out.recipient or "", "from": self.sender_id, "body": out.body, "reference": out.key[:64]}
        try:
            response = self.client.post(f"{self.base}/messages", data=form, headers=self.headers)
        except httpx.TransportError as exc:
            raise RetryLater(
                f"gateway unreachable: {exc}", datetime.now(UTC) + timedelta(seconds=5 * 2**attempt)
            ) from None
        if response.status_code in (200, 201):
            return response.json()["id"]
        if response.status_code == 429 or response.status_code >= 500:
            raise RetryLater(_problem(response), _retry_after(response, 10, attempt))
        raise Failed(_problem(response))

    def reconcile(self, out: Outgoing) -> str | None:
        # The gateway does not send a reference twice: sending again is how we find out, safely.
        return self.send(out)


def _ambiguous_wait(attempt: int) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=min(WHATSAPP_STATUS_WAIT * 2**attempt, MAX_WAIT))


def _is_json(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("application/json")


def senders(settings: Settings, client: httpx.Client | None = None) -> dict:
    """The senders of the channels that are switched on."""
    out = {}
    if settings.x_bearer_token:
        out["x"] = XSender(settings, client)
    if settings.whatsapp_access_token:
        out["whatsapp"] = WhatsAppSender(settings, client)
    if settings.sms_api_base and settings.sms_api_key:
        out["sms"] = SmsSender(settings, client)
    return out

"""The fakes answer like the real services: shapes match recorded payloads, auth, limits, windows, signatures."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI, Request

from tests.fakes.base import FIXTURES_DIR, load_fixture
from tests.fakes.graph_api import FakeGraphApi, load_pywa_case, signed_inbound
from tests.fakes.server import ServerThread
from tests.fakes.sms_gateway import FakeSmsGateway, signed_sms_inbound
from tests.fakes.x_api import FakeXApi

X_TWEET = "x/v2/test_client_create_and_delete_tweet.00.POST.2_tweets.json"
X_DM = "x/v2/test_manage_and_lookup_direct_messages.00.POST.2_dm_conversations_with_750362064426721281_messages.json"
X_MENTIONS = "x/v2/test_client_get_users_mentions.00.GET.2_users_783214_mentions.json"
X_EMPTY = "x/v2/test_manage_and_lookup_direct_messages.03.GET.2_dm_events.json"
X_DM_EVENTS = (
    "x/v2/test_manage_and_lookup_direct_messages.05.GET.2_dm_conversations_with_750362064426721281_dm_events.json"
)
X_WITH_FIELDS = "x/supplemental-sns-sdks/search_tweets_query.json"
CITIZEN = "919812345678"


def recorded(relative_path: str):
    if not FIXTURES_DIR.is_dir():
        pytest.skip(f"recorded fixtures not found at {FIXTURES_DIR} (set THANA_FIXTURES to their directory)")
    return load_fixture(relative_path)


def pywa(file_stem: str, case: str) -> dict:
    recorded(f"whatsapp/pywa/{file_stem}.json")  # skips when absent
    return load_pywa_case(file_stem, case)


class WebhookSink:
    """A real HTTP receiver standing in for Thana's webhook endpoint; keeps the raw bytes it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> dict:
            self.received.append((await request.body(), dict(request.headers)))
            return {}

        self._server = ServerThread(app)

    def __enter__(self) -> WebhookSink:
        self._server.start()
        self.url = self._server.url + "/hook"
        return self

    def __exit__(self, *exc) -> None:
        self._server.stop()


def keys_of(obj) -> set[str]:
    return set(obj)


# ----- server helper ------------------------------------------------------------------------------------------


def test_server_thread_serves_on_loopback_and_stops():
    app = FastAPI()
    app.get("/ping")(lambda: {"pong": True})
    with ServerThread(app) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert httpx.get(server.url + "/ping").json() == {"pong": True}
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/ping", timeout=1)


# ----- X ------------------------------------------------------------------------------------------------------


@pytest.fixture
def x():
    with FakeXApi() as fake:
        fake.client = httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {fake.bearer_token}"})
        yield fake
        fake.client.close()


def test_x_create_post_matches_recorded_shape_plus_edit_history(x):
    answer = x.client.post("/2/tweets", json={"text": "Test Tweet"})
    assert answer.status_code == 201
    data = answer.json()["data"]
    assert keys_of(recorded(X_TWEET)["data"]) <= keys_of(data) == {"id", "text", "edit_history_tweet_ids"}
    assert data["edit_history_tweet_ids"] == [data["id"]] and data["text"] == "Test Tweet"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
def test_x_refuses_missing_or_wrong_token(x, headers):
    answer = httpx.post(x.url + "/2/tweets", json={"text": "hi"}, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"title": "Unauthorized", "detail": "Unauthorized", "type": "about:blank", "status": 401}
    assert answer.headers["content-type"] == "application/problem+json" and "x-rate-limit-reset" in answer.headers
    assert x.own_posts == []


def test_x_mentions_match_recorded_shape_and_honour_since_id(x):
    fixture = recorded(X_MENTIONS)
    for post in reversed(fixture["data"]):
        x.add_post(post)
    me = x.me["id"]
    everything = x.client.get(f"/2/users/{me}/mentions", params={"max_results": 100}).json()
    assert [keys_of(p) for p in everything["data"]] == [keys_of(p) for p in fixture["data"]]
    assert keys_of(everything["meta"]) == keys_of(fixture["meta"]) - {"next_token"}
    assert everything["data"] == sorted(fixture["data"], key=lambda p: int(p["id"]), reverse=True)

    newest = everything["meta"]["newest_id"]
    assert x.client.get(f"/2/users/{me}/mentions", params={"since_id": newest}).json() == recorded(X_EMPTY)
    fresh = x.add_mention("@ThanaCityPolice a streetlight is out")
    newer = x.client.get(f"/2/users/{me}/mentions", params={"since_id": newest}).json()
    assert [p["id"] for p in newer["data"]] == [fresh["id"]]


def test_x_mentions_paginate_with_next_token_and_validate_max_results(x):
    ids = [x.add_mention(f"@ThanaCityPolice report {n}")["id"] for n in range(12)]
    me = x.me["id"]
    first = x.client.get(f"/2/users/{me}/mentions", params={"max_results": 5}).json()
    assert keys_of(first["meta"]) == keys_of(recorded(X_MENTIONS)["meta"])
    second = x.client.get(
        f"/2/users/{me}/mentions", params={"max_results": 5, "pagination_token": first["meta"]["next_token"]}
    ).json()
    assert [p["id"] for p in first["data"] + second["data"]] == ids[::-1][:10]

    too_small = x.client.get(f"/2/users/{me}/mentions", params={"max_results": 3})
    assert too_small.status_code == 400
    assert too_small.json()["errors"][0]["parameters"] == {"max_results": ["3"]}
    assert too_small.json()["type"].endswith("/2/problems/invalid-request")


def test_x_reply_shows_in_own_timeline_with_reply_fields_as_x_gives_them(x):
    citizen = x.add_user("citizen_a")
    mention = x.add_mention("@ThanaCityPolice my phone was stolen", author=citizen)
    reply = x.client.post(
        "/2/tweets", json={"text": "Sorry to hear it.", "reply": {"in_reply_to_tweet_id": mention["id"]}}
    )
    assert reply.status_code == 201

    fields = "author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets"
    params = {"tweet.fields": fields, "expansions": "referenced_tweets.id,in_reply_to_user_id"}
    timeline = x.client.get(f"/2/users/{x.me['id']}/tweets", params=params).json()
    post = timeline["data"][0]
    assert post["in_reply_to_user_id"] == citizen["id"]
    assert post["referenced_tweets"] == [{"type": "replied_to", "id": mention["id"]}]
    assert post["conversation_id"] == mention["conversation_id"]
    recorded_reply = recorded(X_WITH_FIELDS)["data"][1]  # a reply recorded with these fields requested
    reply_fields = {"author_id", "created_at", "in_reply_to_user_id", "referenced_tweets"}
    assert reply_fields <= keys_of(recorded_reply) and reply_fields <= keys_of(post)
    assert keys_of(post["referenced_tweets"][0]) == keys_of(recorded_reply["referenced_tweets"][0])
    assert [u["id"] for u in timeline["includes"]["users"]] == [citizen["id"]]
    assert [t["id"] for t in timeline["includes"]["tweets"]] == [mention["id"]]
    assert "in_reply_to_user_id" not in x.client.get(f"/2/users/{x.me['id']}/tweets").json()["data"][0]
    assert x.client.get(f"/2/users/{x.me['id']}/tweets", params={"exclude": "replies"}).json() == recorded(X_EMPTY)


def test_x_refuses_duplicate_text_and_replies_to_unknown_posts(x):
    assert x.client.post("/2/tweets", json={"text": "We are on it."}).status_code == 201
    duplicate = x.client.post("/2/tweets", json={"text": "We are on it."})
    assert duplicate.status_code == 403
    assert duplicate.json()["detail"] == "You are not allowed to create a Tweet with duplicate content."
    orphan = x.client.post("/2/tweets", json={"text": "?", "reply": {"in_reply_to_tweet_id": "1"}})
    assert orphan.status_code == 400 and orphan.json()["title"] == "Invalid Request"


def test_x_every_response_carries_rate_limit_headers_and_429_when_exhausted(x):
    x.set_rate_limit("GET /2/users/:id/mentions", 2)
    path = f"/2/users/{x.me['id']}/mentions"
    answers = [x.client.get(path) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["x-rate-limit-remaining"] for a in answers] == ["1", "0", "0"]
    assert all(a.headers["x-rate-limit-limit"] == "2" for a in answers)
    reset = int(answers[2].headers["x-rate-limit-reset"])
    assert time.time() < reset <= time.time() + 15 * 60 + 1
    assert answers[2].json() == {
        "title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429,
    }  # fmt: skip
    assert x.client.post("/2/tweets", json={"text": "other endpoint, other window"}).status_code == 201


def test_x_injected_429_carries_the_reset_the_test_asked_for(x):
    x.fail("/2/tweets", 429, times=1, reset_in=120)
    limited = x.client.post("/2/tweets", json={"text": "first try"})
    assert limited.status_code == 429 and limited.headers["x-rate-limit-remaining"] == "0"
    assert abs(int(limited.headers["x-rate-limit-reset"]) - (time.time() + 120)) <= 2
    assert x.own_posts == []
    assert x.client.post("/2/tweets", json={"text": "first try"}).status_code == 201


def test_x_dm_send_and_lookup_match_recorded_shapes(x):
    x.add_incoming_dm("750362064426721281", "Testing 1")
    sent = x.client.post("/2/dm_conversations/with/750362064426721281/messages", json={"text": "Testing 2"})
    assert sent.status_code == 201
    assert keys_of(sent.json()["data"]) == keys_of(recorded(X_DM)["data"])
    assert sent.json()["data"]["dm_conversation_id"] == f"750362064426721281-{x.me['id']}"
    events = x.client.get("/2/dm_conversations/with/750362064426721281/dm_events").json()
    assert [keys_of(e) for e in events["data"]] == [keys_of(e) for e in recorded(X_DM_EVENTS)["data"]]
    assert [e["text"] for e in events["data"]] == ["Testing 2", "Testing 1"]
    assert [dm["text"] for dm in x.sent_dms] == ["Testing 2"]


# ----- WhatsApp (Graph) ---------------------------------------------------------------------------------------


@pytest.fixture
def graph():
    with WebhookSink() as sink, FakeGraphApi(callback_url=sink.url) as fake:
        fake.sink = sink
        fake.client = httpx.Client(base_url=f"{fake.url}/v21.0/{fake.phone_number_id}",
                                   headers={"Authorization": f"Bearer {fake.access_token}"})  # fmt: skip
        yield fake
        fake.client.close()


def text_message(to: str = "+91 98123 45678", body: str = "Your complaint is registered.", **extra) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": "text",
            "text": {"body": body}, **extra}  # fmt: skip


def template_message(to: str = CITIZEN) -> dict:
    return {"messaging_product": "whatsapp", "to": to, "type": "template",
            "template": {"name": "case_update", "language": {"code": "en"}}}  # fmt: skip


def verify_meta_signature(secret: str, raw: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_graph_send_within_window_answers_like_cloud_api(graph):
    graph.customer_wrote(CITIZEN)
    answer = graph.client.post("/messages", json=text_message())
    assert answer.status_code == 200
    body = answer.json()
    assert keys_of(body) == {"messaging_product", "contacts", "messages"}
    assert body["contacts"] == [{"input": "+91 98123 45678", "wa_id": CITIZEN}]
    assert body["messages"][0]["id"].startswith("wamid.")
    assert graph.message(body["messages"][0]["id"]).error is None


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer expired"}])
def test_graph_refuses_bad_token_with_oauth_exception(graph, headers):
    answer = httpx.post(f"{graph.url}/v21.0/{graph.phone_number_id}/messages", json=text_message(), headers=headers)
    assert answer.status_code == 401
    error = answer.json()["error"]
    assert keys_of(error) == {"message", "type", "code", "fbtrace_id"}
    assert (error["type"], error["code"]) == ("OAuthException", 190)
    assert graph.messages == []


def test_graph_window_closed_free_form_fails_later_by_webhook_and_templates_pass(graph):
    graph.customer_wrote(CITIZEN, at=time.time() - 25 * 3600)
    accepted = graph.client.post("/messages", json=text_message())
    assert accepted.status_code == 200  # Meta accepts it, then reports the failure
    graph.drain()
    ((raw, headers),) = graph.sink.received
    status = json.loads(raw)["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert (status["status"], status["id"]) == ("failed", accepted.json()["messages"][0]["id"])
    assert status["errors"][0]["code"] == 131047 and status["errors"][0]["title"] == "Re-engagement message"
    assert keys_of(status["errors"][0]) == keys_of(pywa("message_status", "failed")["entry"][0]["changes"][0]
                                                  ["value"]["statuses"][0]["errors"][0])  # fmt: skip

    template = graph.client.post("/messages", json=template_message())
    assert template.status_code == 200 and template.json()["messages"][0]["message_status"] == "accepted"
    assert graph.message(template.json()["messages"][0]["id"]).error is None


def test_graph_window_closed_can_fail_synchronously_with_131047():
    with FakeGraphApi(window_errors="response") as graph:
        headers = {"Authorization": f"Bearer {graph.access_token}"}
        url = f"{graph.url}/v21.0/{graph.phone_number_id}/messages"
        refused = httpx.post(url, json=text_message(), headers=headers)
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == 131047
        assert "24 hours" in refused.json()["error"]["error_data"]["details"]
        graph.customer_wrote(CITIZEN)
        assert httpx.post(url, json=text_message(), headers=headers).status_code == 200


def test_graph_status_webhooks_are_signed_shaped_and_echo_callback_data(graph):
    graph.customer_wrote(CITIZEN)
    sent = graph.client.post("/messages", json=text_message(biz_opaque_callback_data="case-42/reply-1")).json()
    message_id = sent["messages"][0]["id"]
    deliveries = graph.deliver_statuses(message_id)
    assert [d.status_code for d in deliveries] == [200, 200, 200]
    recorded_sent = pywa("message_status", "with_tracker")
    for (raw, headers), expected in zip(graph.sink.received, ("sent", "delivered", "read"), strict=True):
        assert verify_meta_signature(graph.app_secret, raw, headers["x-hub-signature-256"])
        body = json.loads(raw)
        assert keys_of(body) == keys_of(recorded_sent)
        value = body["entry"][0]["changes"][0]["value"]
        assert keys_of(value) == keys_of(recorded_sent["entry"][0]["changes"][0]["value"]) - {"contacts"}
        status = value["statuses"][0]
        assert (status["id"], status["status"], status["recipient_id"]) == (message_id, expected, CITIZEN)
        assert status["biz_opaque_callback_data"] == "case-42/reply-1"
    first = json.loads(graph.sink.received[0][0])["entry"][0]["changes"][0]["value"]["statuses"][0]
    assert keys_of(first) == keys_of(recorded_sent["entry"][0]["changes"][0]["value"]["statuses"][0])


def test_graph_auto_statuses_arrive_without_being_asked():
    with WebhookSink() as sink, FakeGraphApi(callback_url=sink.url, auto_statuses=("sent", "delivered")) as graph:
        graph.customer_wrote(CITIZEN)
        headers = {"Authorization": f"Bearer {graph.access_token}"}
        httpx.post(f"{graph.url}/v21.0/{graph.phone_number_id}/messages", json=text_message(), headers=headers)
        graph.drain()
        assert [json.loads(raw)["entry"][0]["changes"][0]["value"]["statuses"][0]["status"]
                for raw, _ in sink.received] == ["sent", "delivered"]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "code", "expected_code"),
    [(429, None, 130429), (429, 131056, 131056), (500, None, 131000), (503, None, 131016)],
)
def test_graph_injected_failures_look_like_graph(graph, status, code, expected_code):
    graph.customer_wrote(CITIZEN)
    graph.fail("/v21.0/", status, times=1, code=code)
    failed = graph.client.post("/messages", json=text_message())
    assert failed.status_code == status
    error = failed.json()["error"]
    assert (error["code"], error["type"]) == (expected_code, "OAuthException")
    assert error["message"].startswith(f"(#{expected_code})") and "details" in error["error_data"]
    assert graph.messages == []
    assert graph.client.post("/messages", json=text_message()).status_code == 200


def test_graph_refuses_other_phone_number_ids_and_missing_fields(graph):
    other = httpx.post(f"{graph.url}/v21.0/999/messages", json=text_message(), headers=graph.client.headers)
    assert other.status_code == 400 and other.json()["error"]["error_subcode"] == 33
    missing = graph.client.post("/messages", json={"messaging_product": "whatsapp", "type": "text"})
    assert missing.status_code == 400 and missing.json()["error"]["code"] == 100


def test_signed_inbound_fills_every_pywa_case_and_signs_the_raw_bytes():
    ids = {"phone_number_id": "106540352242922", "display_phone_number": "15550783881", "waba_id": "102290129340398"}
    for stem in ("message", "callback_button", "callback_selection", "flow_completion", "edited_message",
                 "deleted_message", "system", "message_status"):  # fmt: skip
        for name, case in recorded(f"whatsapp/pywa/{stem}.json").items():
            raw, headers = signed_inbound(case, app_secret="s3cret", wa_id=CITIZEN, message_id="wamid.T", **ids)
            assert verify_meta_signature("s3cret", raw, headers["X-Hub-Signature-256"]), (stem, name)
            value = json.loads(raw)["entry"][0]["changes"][0]["value"]
            assert json.loads(raw)["entry"][0]["id"] == ids["waba_id"]
            assert value["metadata"] == {k: ids[k] for k in ("display_phone_number", "phone_number_id")}
            assert all(c["wa_id"] == CITIZEN for c in value.get("contacts", []))
            for item in value.get("messages", []) + value.get("statuses", []):
                assert item["id"] == "wamid.T"
                assert item.get("from", item.get("recipient_id")) == CITIZEN


def test_deliver_inbound_posts_the_signed_case_and_opens_the_window(graph):
    delivery = graph.deliver_inbound(pywa("message", "text"), wa_id=CITIZEN, text="मेरा फोन चोरी हो गया", name="Asha")
    assert delivery.status_code == 200
    ((raw, headers),) = graph.sink.received
    assert b"\\u092e" in raw  # non-ASCII escaped like Meta does: verify the bytes, never a re-serialisation
    assert verify_meta_signature(graph.app_secret, raw, headers["x-hub-signature-256"])
    message = json.loads(raw)["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["text"]["body"] == "मेरा फोन चोरी हो गया" and message["from"] == CITIZEN
    assert graph.client.post("/messages", json=text_message()).status_code == 200
    assert graph.messages[0].error is None


# ----- SMS gateway --------------------------------------------------------------------------------------------


@pytest.fixture
def sms():
    with FakeSmsGateway() as fake:
        fake.client = httpx.Client(base_url=fake.url, headers={"Authorization": f"Bearer {fake.api_key}"})
        yield fake
        fake.client.close()


def sms_form(reference: str | None = "case-42/reply-1", body: str = "Complaint 42 registered.") -> dict:
    form = {"to": "+919812345678", "from": "THANAP", "body": body}
    return form if reference is None else {**form, "reference": reference}


def test_sms_send_dedupes_on_reference(sms):
    first = sms.client.post("/messages", data=sms_form())
    assert first.status_code == 201
    assert first.json() == {"id": first.json()["id"], "status": "queued", "reference": "case-42/reply-1"}
    again = sms.client.post("/messages", data=sms_form())
    assert again.status_code == 200 and again.json() == first.json()
    assert len(sms.sent) == 1
    conflict = sms.client.post("/messages", data=sms_form(body="Something else"))
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "reference_conflict"
    without = [sms.client.post("/messages", data=sms_form(reference=None)) for _ in range(2)]
    assert [a.status_code for a in without] == [201, 201] and len(sms.sent) == 3
    assert sms.client.get(f"/messages/{first.json()['id']}").json()["to"] == "+919812345678"


def test_sms_refuses_bad_key_and_bad_fields(sms):
    assert httpx.post(sms.url + "/messages", data=sms_form()).status_code == 401
    missing = sms.client.post("/messages", data={"to": "+919812345678", "from": "THANAP"})
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "body"
    assert sms.client.post("/messages", json=sms_form()).status_code == 400
    assert sms.sent == []


def test_sms_429_carries_retry_after_and_5xx_is_injectable(sms):
    sms.fail("/messages", 429, retry_after=30)
    limited = sms.client.post("/messages", data=sms_form())
    assert limited.status_code == 429 and limited.headers["retry-after"] == "30"
    assert limited.json()["error"]["code"] == "rate_limited"
    sms.fail("/messages", 503, times=2)
    assert [sms.client.post("/messages", data=sms_form()).status_code for _ in range(3)] == [503, 503, 201]
    assert len(sms.sent) == 1


def test_sms_failure_after_sending_then_retry_with_reference_sends_once(sms):
    sms.fail("/messages", 502, after_handler=True)
    assert sms.client.post("/messages", data=sms_form()).status_code == 502
    assert len(sms.sent) == 1  # it went out although the client saw an error
    assert sms.client.post("/messages", data=sms_form()).status_code == 200
    assert len(sms.sent) == 1


def test_sms_inbound_is_form_encoded_and_signed():
    raw, headers = signed_sms_inbound("shared", from_="+919812345678", to="+919000012345", body="चोरी", timestamp=1)
    assert dict(parse_qsl(raw.decode())) == {
        "from": "+919812345678", "to": "+919000012345", "body": "चोरी",
        "message_id": dict(parse_qsl(raw.decode()))["message_id"], "timestamp": "1",
    }  # fmt: skip
    expected = "sha256=" + hmac.new(b"shared", raw, hashlib.sha256).hexdigest()
    assert headers["X-Thana-Signature"] == expected
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    with WebhookSink() as sink, FakeSmsGateway(callback_url=sink.url, webhook_secret="shared") as sms:
        assert sms.deliver_inbound(from_="+919812345678", body="help").status_code == 200
        raw, headers = sink.received[0]
        assert headers["x-thana-signature"] == "sha256=" + hmac.new(b"shared", raw, hashlib.sha256).hexdigest()


# ----- the control API, over HTTP -----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [FakeXApi, FakeGraphApi, FakeSmsGateway])
def test_control_api_records_fails_and_resets_over_http(make):
    with make() as fake:
        httpx.post(fake.url + "/anything", json={"a": 1}, headers={"X-Trace": "t1"})
        httpx.post(fake.url + "/form", data={"b": "2"})
        logged = httpx.get(fake.url + "/_fake/requests").json()["requests"]
        assert [(r["method"], r["path"]) for r in logged] == [("POST", "/anything"), ("POST", "/form")]
        assert logged[0]["json"] == {"a": 1} and logged[0]["headers"]["x-trace"] == "t1"
        assert logged[1]["form"] == {"b": "2"}

        httpx.post(fake.url + "/_fake/fail", json={"path_prefix": "/down", "status": 503, "times": 2})
        assert [httpx.get(fake.url + "/down").status_code for _ in range(3)][:2] == [503, 503]
        assert httpx.post(fake.url + "/_fake/fail", json={"path_prefix": "/", "colour": "red"}).status_code == 400
        httpx.post(fake.url + "/_fake/reset")
        assert httpx.get(fake.url + "/_fake/requests").json() == {"requests": []}

"""X (Twitter): Account Activity parsing on recorded v1.1 objects, the webhook's CRC and signatures, end to end.

End to end: a signed Account Activity body goes to the running app, the pipeline opens a case at the right
station, and the outbox sender replies on the fake X API in the citizen's thread (or by DM).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from datetime import UTC, datetime

import httpx
import pytest

from tests.channels import (
    HTTP,
    OUR_X_ID,
    SQLITE_ONLY,
    X_DM_EVENT,
    X_MENTIONS,
    X_MENTIONS_ASYNC,
    X_MENTIONS_WITH_FIELDS,
    X_OWN_POST,
    X_SEARCH,
    X_TIMELINE,
    aaa_body,
    configure,
    count,
    dm_event,
    nothing_stored,
    only,
    recorded,
    rows,
    running_app,
    v1_tweet,
    x_signature,
)
from tests.fakes.x_api import FakeXApi
from thana.channels import MAX_PAYLOAD_BYTES, PayloadError
from thana.channels.outbox import OutboxSender
from thana.channels.senders import senders
from thana.channels.x import crc_response, parse_account_activity, parse_mentions
from thana.config import settings
from thana.pipeline import Pipeline
from thana.store.schema import cases, inbound, outbox, unparsed

SECRET = "x-consumer-secret-for-tests"
PUBLISHED_VECTOR = "sha256=Aymga2LNFrM+tnkr6MYLFY2Jou46h2/Omogeu0iMCRQ="  # HMAC-SHA256("secret", "test"), base64
PUBLISHED_HEX = "0329a06b62cd16b33eb6792be8c60b158d89a2ee3a876fce9a881ebb488c0914"


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def _x_server():
    with FakeXApi() as fake:
        yield fake


@pytest.fixture
def x_api(_x_server: FakeXApi, monkeypatch) -> FakeXApi:
    """The fake X API, emptied, with Thana configured to verify webhooks and to reply through it."""
    _x_server.reset()
    _x_server.citizens = {}  # screen name -> the fake's user, so a citizen's posts share one author
    configure(
        monkeypatch,
        x_consumer_secret=SECRET,
        x_bearer_token=_x_server.bearer_token,
        x_api_base=_x_server.url,
    )
    return _x_server


def post_x(app_url: str, raw: bytes, signature: str | None = "auto", **headers) -> httpx.Response:
    if signature == "auto":
        signature = x_signature(SECRET, raw)
    if signature is not None:
        headers["x-twitter-webhooks-signature"] = signature
    headers.setdefault("content-type", "application/json")
    return HTTP.post(app_url + "/webhooks/x", content=raw, headers=headers, timeout=30)


def citizen_post(x_api: FakeXApi, text: str, *, screen_name: str = "asha_k", in_reply_to: str | None = None) -> dict:
    """The citizen's post as the fake X holds it, and as Account Activity delivers it (a v1.1 object)."""
    author = x_api.citizens.get(screen_name) or x_api.citizens.setdefault(screen_name, x_api.add_user(screen_name))
    post = x_api.add_mention(text, author=author, in_reply_to=in_reply_to)
    handles = tuple(re.findall(r"@\w+", text))
    return v1_tweet(
        id_str=post["id"],
        text=text,
        user_id=author["id"],
        screen_name=screen_name,
        mentions=handles,
        in_reply_to=in_reply_to,
    )


def drain(db, force) -> int:
    return Pipeline(db, force, worker_id="test").drain()


def send_outbox(db) -> int:
    return OutboxSender(db, senders(settings(), HTTP)).run_once()


# ----- parsing the recorded payloads ---------------------------------------------------------------------------


def test_long_reply_uses_id_str_full_text_and_prefers_a_station_handle(mumbai):
    """A recorded truncated reply, its numeric id rounded as a double would, parses by id_str and full_text."""
    tweet = recorded(X_SEARCH)["statuses"][7]
    assert tweet["truncated"] is True and len(tweet["entities"]["user_mentions"]) == 8
    full = tweet["text"] + " @MumbaiPolice @CharkopPS my phone was stolen near the market"
    extra = [
        {"screen_name": h, "name": h, "id": 1, "id_str": "1", "indices": [0, 1]} for h in ("MumbaiPolice", "CharkopPS")
    ]
    tweet["extended_tweet"] = {
        "full_text": full,
        "display_text_range": [0, len(full)],
        "entities": {**tweet["entities"], "user_mentions": tweet["entities"]["user_mentions"] + extra},
    }
    tweet["id"] = int(float(tweet["id_str"]))  # what a JavaScript client (or the docs' example) does to the id
    assert str(tweet["id"]) != tweet["id_str"]

    (message,) = parse_account_activity(aaa_body(tweets=[tweet]), mumbai)

    assert message.external_id == "1149678185375600641"
    assert message.text == full
    assert message.addressed_to == "@CharkopPS"  # a station before headquarters, whatever the order
    assert (message.kind, message.reply_to, message.thread_id) == ("post", "1149676837204717568", None)
    assert (message.sender, message.sender_name) == ("@jluisperezg", tweet["user"]["name"])
    assert message.received_at == datetime(2019, 7, 12, 13, 53, 34, tzinfo=UTC)
    assert json.loads(message.raw)["tweet_create_events"][0]["id_str"] == "1149678185375600641"


def test_post_mentioning_a_station_keeps_media_and_starts_its_own_thread(mumbai):
    """A recorded photo post, addressed to @charkopps, keeps the photo and is its own thread."""
    tweet = recorded(X_SEARCH)["statuses"][4]
    tweet["entities"]["user_mentions"] = [{"screen_name": "charkopps", "id_str": "1", "indices": [0, 10]}]

    (message,) = parse_account_activity(aaa_body(tweets=[tweet]), mumbai)

    assert (message.external_id, message.thread_id, message.reply_to) == (tweet["id_str"], tweet["id_str"], None)
    assert message.addressed_to == "@charkopps"
    assert message.media and message.media[0]["type"] == "photo"
    assert message.media[0]["url"] == tweet["extended_entities"]["media"][0]["media_url_https"]


def test_headquarters_handle_alone_is_enough(mumbai):
    """A post naming only a headquarters handle is taken (addressed to headquarters)."""
    tweet = recorded(X_SEARCH)["statuses"][5]
    tweet["entities"]["user_mentions"] = [{"screen_name": "MumbaiPolice", "id_str": "1", "indices": [0, 13]}]
    (message,) = parse_account_activity(aaa_body(tweets=[tweet]), mumbai)
    assert message.addressed_to == "@MumbaiPolice"


def test_posts_not_for_us_retweets_and_our_own_posts_are_ignored(mumbai):
    """Recorded posts that name no force handle, retweets (even naming one) and our own posts give nothing."""
    statuses = recorded(X_SEARCH)["statuses"]
    plain = [s for s in statuses if not s.get("retweeted_status") and not s.get("in_reply_to_status_id_str")]
    assert plain and parse_account_activity(aaa_body(tweets=plain), mumbai) == []

    retweets = [s for s in statuses if s.get("retweeted_status")]
    for rt in retweets:
        rt["entities"]["user_mentions"].append({"screen_name": "charkopps", "id_str": "1", "indices": [0, 1]})
    assert retweets and parse_account_activity(aaa_body(tweets=retweets), mumbai) == []

    own = recorded(X_OWN_POST)
    own["entities"]["user_mentions"] = [{"screen_name": "charkopps", "id_str": "1", "indices": [0, 1]}]
    assert parse_account_activity(aaa_body(own["user"]["id_str"], tweets=[own]), mumbai) == []

    timeline = recorded(X_TIMELINE)  # @Twitter's own replies, delivered to @Twitter's subscription
    assert parse_account_activity(aaa_body(timeline[0]["user"]["id_str"], tweets=timeline), mumbai) == []


def test_other_event_kinds_and_string_booleans_are_tolerated(mumbai):
    """Favourites, deletes, typing events and "user_has_blocked": "false" are read without error and give nothing."""
    raw = aaa_body(
        user_has_blocked="false",
        is_blocked_by="false",
        favorite_events=[{"id": "a", "favorited_status": recorded(X_SEARCH)["statuses"][4]}],
        tweet_delete_events=[{"status": {"id": "1", "user_id": "2"}, "timestamp_ms": "1563133949197"}],
        direct_message_indicate_typing_events=[{"created_timestamp": "1", "sender_id": "5", "target": {}}],
    )
    assert parse_account_activity(raw, mumbai) == []


def test_recorded_dm_event_from_a_citizen_becomes_a_dm(mumbai):
    """The recorded message_create event, sent to us by a citizen, is a DM with its ms timestamp and users."""
    citizen = "750362064426721281"
    users = {
        citizen: {"id": citizen, "name": "Ravi M", "screen_name": "ravi_m"},
        OUR_X_ID: {"id": OUR_X_ID, "name": "Charkop PS", "screen_name": "charkopps"},
    }
    (message,) = parse_account_activity(aaa_body(dms=[dm_event(citizen)], users=users), mumbai)

    assert (message.kind, message.external_id, message.text) == ("dm", "dm-1150493286110552068", "test message")
    assert (message.sender, message.sender_name, message.addressed_to) == (citizen, "Ravi M", "@charkopps")
    assert message.thread_id == f"dm-{min(citizen, OUR_X_ID)}-{max(citizen, OUR_X_ID)}"
    assert message.received_at == datetime.fromtimestamp(1563133949.197, UTC)


def test_recorded_dm_we_sent_ourselves_is_an_echo_and_ignored(mumbai):
    """The recorded event as X recorded it (sender = our account) is our own DM echoed back."""
    event = recorded(X_DM_EVENT)["event"]
    assert event["message_create"]["sender_id"] == OUR_X_ID
    assert parse_account_activity(aaa_body(dms=[event]), mumbai) == []


def test_v2_mentions_page_parses_every_recorded_post(mumbai):
    """The recorded mentions page (default fields) gives one post per mention, ids and texts exact."""
    for path in (X_MENTIONS, X_MENTIONS_ASYNC):
        page = recorded(path)
        messages = parse_mentions(page, mumbai, me="783214")
        assert [m.external_id for m in messages] == [p["id"] for p in page["data"]]
        assert [m.text for m in messages] == [p["text"] for p in page["data"]]
        assert {m.kind for m in messages} == {"post"} and {m.channel for m in messages} == {"x"}
    assert any("’" in m.text for m in parse_mentions(recorded(X_MENTIONS_ASYNC), mumbai, me="783214"))


def test_v2_mentions_with_expansions_give_author_reply_and_skip_our_own(mumbai):
    """The recorded page with author_id, entities, referenced_tweets and includes.users."""
    page = recorded(X_MENTIONS_WITH_FIELDS)
    me = "17200003"  # @snowman: its own posts in the page are skipped
    messages = parse_mentions(page, mumbai, me=me)
    theirs = [p for p in page["data"] if p["author_id"] != me]
    assert [m.external_id for m in messages] == [p["id"] for p in theirs]
    first = messages[0]
    assert (first.sender, first.sender_name) == ("@happycamper", "Emily Waligoske \U0001f3d5")
    assert (first.reply_to, first.thread_id) == ("1275653067283759104", None)
    assert first.received_at == datetime(2020, 6, 25, 6, 14, 19, tzinfo=UTC)


# ----- the webhook: CRC ----------------------------------------------------------------------------------------


def test_crc_answers_the_published_vector(app_url, monkeypatch):
    """GET ?crc_token=test under consumer secret "secret" answers the README's base64 vector."""
    configure(monkeypatch, x_consumer_secret="secret")
    answer = HTTP.get(app_url + "/webhooks/x", params={"crc_token": "test"})
    assert answer.status_code == 200
    assert answer.json() == {"response_token": PUBLISHED_VECTOR}
    assert base64.b64decode(PUBLISHED_VECTOR.removeprefix("sha256=")).hex() == PUBLISHED_HEX


def test_crc_answer_equals_an_independent_computation(app_url, x_api):
    """Any token: "sha256=" + base64 HMAC-SHA256(token, consumer secret), computed here with hmac."""
    token = secrets.token_urlsafe(32)
    answer = HTTP.get(app_url + "/webhooks/x", params={"crc_token": token})
    assert answer.json() == {"response_token": x_signature(SECRET, token.encode())}
    assert crc_response(token, SECRET) == answer.json()


def test_crc_without_a_token_is_a_400(app_url, x_api):
    """A GET without crc_token is a bad request, not a response token for an empty string."""
    assert HTTP.get(app_url + "/webhooks/x").status_code == 400


# ----- the webhook: refusing what is not verified --------------------------------------------------------------


def test_signed_event_is_stored_once_and_a_replay_stores_nothing(db, app_url, x_api):
    """The same signed body twice: stored the first time, a no-op the second (X redelivers; dedupe by id)."""
    raw = aaa_body(tweets=[citizen_post(x_api, "@charkopps my phone was stolen")])
    first, again = post_x(app_url, raw), post_x(app_url, raw)
    assert (first.status_code, first.json()) == (200, {"stored": 1, "duplicates": 0})
    assert (again.status_code, again.json()) == (200, {"stored": 0, "duplicates": 1})
    assert count(db, inbound) == 1


@SQLITE_ONLY
def test_missing_signature_is_401_and_nothing_stored(db, app_url, x_api):
    """No x-twitter-webhooks-signature (or an empty one): 401, nothing stored."""
    raw = aaa_body(tweets=[citizen_post(x_api, "@charkopps my phone was stolen")])
    assert post_x(app_url, raw, signature=None).status_code == 401
    assert post_x(app_url, raw, signature="").status_code == 401
    assert nothing_stored(db)


@SQLITE_ONLY
def test_forged_signatures_are_403_and_nothing_stored(db, app_url, x_api):
    """Wrong secret, another body's signature, Meta's hex form, no prefix: each 403, nothing stored."""
    raw = aaa_body(tweets=[citizen_post(x_api, "@charkopps my phone was stolen")])
    tampered = raw.replace(b"phone", b"purse")
    good = x_signature(SECRET, raw)
    forged = [
        x_signature("not-the-secret", raw),
        x_signature(SECRET, tampered),
        "sha256=" + base64.b64decode(good.removeprefix("sha256=")).hex(),
        good.removeprefix("sha256="),
    ]
    for signature in forged:
        assert post_x(app_url, raw, signature=signature).status_code == 403, signature
    assert post_x(app_url, tampered, signature=good).status_code == 403
    assert nothing_stored(db)


@SQLITE_ONLY
def test_channel_without_consumer_secret_is_off_503_and_stores_nothing(db, app_url, x_api, monkeypatch):
    """No THANA_X_CONSUMER_SECRET: the CRC and events answer 503 naming the setting; nothing is stored."""
    configure(monkeypatch, x_consumer_secret=None)
    raw = aaa_body(tweets=[citizen_post(x_api, "@charkopps my phone was stolen")])
    refused = post_x(app_url, raw)
    assert refused.status_code == 503 and "THANA_X_CONSUMER_SECRET" in refused.json()["error"]
    assert HTTP.get(app_url + "/webhooks/x", params={"crc_token": "t"}).status_code == 503
    assert nothing_stored(db)


@SQLITE_ONLY
def test_oversized_body_is_413_and_nothing_stored(db, app_url, x_api):
    """Over the size limit, with or without Content-Length (chunked), and correctly signed: 413."""
    raw = aaa_body(tweets=[citizen_post(x_api, "@charkopps " + "x" * MAX_PAYLOAD_BYTES)])
    assert post_x(app_url, raw).status_code == 413

    def chunks():
        for i in range(0, len(raw), 65536):
            yield raw[i : i + 65536]

    chunked = HTTP.post(
        app_url + "/webhooks/x",
        content=chunks(),
        headers={"x-twitter-webhooks-signature": x_signature(SECRET, raw), "content-type": "application/json"},
        timeout=30,
    )
    assert chunked.status_code == 413
    assert nothing_stored(db)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (json.dumps({"for_user_id": OUR_X_ID, "tweet_create_events": [{"text": "no id"}]}).encode(), "id_str"),
    ],
)
def test_malformed_but_signed_body_is_400_and_kept_with_the_reason(db, app_url, x_api, raw, reason):
    """Verified but unreadable: 400, kept in unparsed_payloads with the reason and the raw body, no inbound row."""
    answer = post_x(app_url, raw)
    assert answer.status_code == 400 and reason in answer.json()["error"]
    kept = only(db, unparsed)
    assert kept["channel"] == "x" and reason in kept["reason"] and kept["raw"] == raw.decode()
    assert count(db, inbound) == 0


@pytest.mark.parametrize(
    "event",
    [
        {"tweet_create_events": [{"id_str": "11", "user": {"id_str": "9"}, "entities": {"user_mentions": ["@a"]}}]},
        {
            "tweet_create_events": [
                {
                    "id_str": "13",
                    "user": {"id_str": "9"},
                    "in_reply_to_status_id_str": "5",
                    "coordinates": {"coordinates": [72.8]},
                }
            ]
        },  # fmt: skip
        {"direct_message_events": [{"type": "message_create", "id": "14", "message_create": "hello"}]},
    ],
    ids=["mention-not-object", "one-coordinate", "message-create-not-object"],
)
def test_malformed_shapes_inside_a_body_are_payload_errors(mumbai, event):
    """Wrong types deep inside a body are 'malformed' (PayloadError: the webhook's 400 + kept), never a crash."""
    with pytest.raises(PayloadError):
        parse_account_activity(json.dumps({"for_user_id": OUR_X_ID, **event}).encode(), mumbai)


@pytest.mark.parametrize("stamp", ["yesterday", "99999999999999999999999", "-5"])
def test_a_nonsense_timestamp_keeps_the_message_with_the_time_we_received_it(mumbai, stamp):
    """A complaint is never refused over its clock: an unreadable timestamp_ms becomes the time of receipt."""
    tweet = {"id_str": "12", "user": {"id_str": "9"}, "in_reply_to_status_id_str": "5", "timestamp_ms": stamp}
    before = datetime.now(UTC)
    [message] = parse_account_activity(
        json.dumps({"for_user_id": OUR_X_ID, "tweet_create_events": [tweet]}).encode(), mumbai
    )
    assert message.external_id == "12"
    assert stamp == "-5" or message.received_at >= before


# ----- end to end ----------------------------------------------------------------------------------------------


def test_post_to_station_becomes_a_case_there_and_is_answered_in_its_thread(db, mumbai, app_url, x_api):
    """@charkopps post in -> case at Charkop -> a reply to the citizen's post carrying the reference."""
    tweet = citizen_post(x_api, "@charkopps my phone was stolen in the market this evening")
    assert post_x(app_url, aaa_body(tweets=[tweet])).json() == {"stored": 1, "duplicates": 0}

    assert drain(db, mumbai) == 1
    case = only(db, cases)
    assert (case["station_id"], case["routed_by"], case["channel"]) == ("charkop", "handle", "x")
    assert case["citizen"] == "@asha_k"

    assert send_outbox(db) == 1
    (request,) = x_api.requests("/2/tweets", method="POST")
    assert request.json["reply"] == {"in_reply_to_tweet_id": tweet["id_str"]}
    assert case["reference"] in request.json["text"]
    assert "asha" not in request.json["text"].lower()  # said in public: nothing about the citizen
    assert request.header("authorization") == f"Bearer {x_api.bearer_token}"
    ack = only(db, outbox)
    (our_reply,) = x_api.own_posts
    assert (ack["status"], ack["provider_id"], ack["public"]) == ("sent", our_reply["id"], True)
    assert our_reply["referenced_tweets"] == [{"type": "replied_to", "id": tweet["id_str"]}]

    assert send_outbox(db) == 0  # nothing more to send
    assert len(x_api.requests("/2/tweets", method="POST")) == 1


def test_citizen_reply_to_our_answer_joins_the_same_case(db, mumbai, app_url, x_api):
    """A reply in the thread (to our acknowledgement, without naming a handle) is added to the citizen's case."""
    first = citizen_post(x_api, "@charkopps my phone was stolen in the market this evening")
    post_x(app_url, aaa_body(tweets=[first]))
    drain(db, mumbai)
    send_outbox(db)
    ack = only(db, outbox)

    follow_up = citizen_post(x_api, "It is a black Redmi, I was near the bus stop", in_reply_to=ack["provider_id"])
    assert post_x(app_url, aaa_body(tweets=[follow_up])).json()["stored"] == 1
    drain(db, mumbai)

    case = only(db, cases)
    second = only(db, inbound, inbound.c.external_id == follow_up["id_str"])
    assert (second["outcome"], second["case_id"]) == ("attached", case["id"])
    assert count(db, outbox) == 1  # no second acknowledgement


SENSITIVE = [
    ("@charkopps a man keeps following and harassing me, call me on 9820012345", "women_safety"),
    ("@charkopps a child is being beaten and made to beg at the signal", "child_safety"),
    ("@charkopps drugs are being sold openly near the school every evening", "drugs_illegal"),
    ("@charkopps the constable at the station demanded a bribe to register my complaint", "police_conduct"),
]


@SQLITE_ONLY
@pytest.mark.parametrize(("text", "category"), SENSITIVE, ids=[c for _, c in SENSITIVE])
def test_sensitive_case_public_reply_has_no_number_and_asks_for_a_dm(db, mumbai, app_url, x_api, text, category):
    """Sensitive cases: the public reply carries only the reference, no phone digits, and asks for a DM."""
    tweet = citizen_post(x_api, text, screen_name="priya_s")
    post_x(app_url, aaa_body(tweets=[tweet]))
    drain(db, mumbai)
    case = only(db, cases)
    assert (case["category"], case["station_id"], case["sensitive"]) == (category, "charkop", True)
    if category == "women_safety":
        assert case["desk"] == "women"

    send_outbox(db)
    (request,) = x_api.requests("/2/tweets", method="POST")
    body = request.json["text"]
    assert request.json["reply"] == {"in_reply_to_tweet_id": tweet["id_str"]}
    assert case["reference"] in body
    assert not re.search(r"\d", body.replace(case["reference"], "")), body  # no 103, 112, helpline or citizen digits
    assert "direct message" in body.lower()
    assert "priya" not in body.lower() and "9820012345" not in body


def test_direct_message_becomes_a_case_and_is_answered_by_direct_message(db, mumbai, app_url, x_api):
    """The recorded DM event from a citizen naming a place -> case at that station -> our answer as a DM."""
    citizen = "750362064426721281"
    users = {
        citizen: {"id": citizen, "name": "Ravi M", "screen_name": "ravi_m"},
        OUR_X_ID: {"id": OUR_X_ID, "name": "Thana City Police", "screen_name": "ThanaCityPolice"},
    }
    event = dm_event(citizen, text="my bag was stolen at Kandivali market")
    assert post_x(app_url, aaa_body(dms=[event], users=users)).json()["stored"] == 1
    drain(db, mumbai)
    case = only(db, cases)
    assert (case["station_id"], case["channel"]) == ("kandivali", "x")

    send_outbox(db)
    assert x_api.requests("/2/tweets", method="POST") == []  # nothing said in public
    (request,) = x_api.requests(f"/2/dm_conversations/with/{citizen}/messages", method="POST")
    assert case["reference"] in request.json["text"]
    (dm,) = x_api.sent_dms
    assert only(db, outbox)["provider_id"] == dm["id"]
    assert rows(db, outbox)[0]["public"] is False

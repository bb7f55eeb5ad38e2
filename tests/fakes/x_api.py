"""Fake X API v2: the endpoints Thana uses to read mentions and DMs and to reply, answering like api.x.com.

Endpoints
    GET  /2/users/me
    POST /2/tweets                                         {"text", "reply"?: {"in_reply_to_tweet_id"}} -> 201
    GET  /2/users/{id}/mentions                            since_id, until_id, max_results, pagination_token,
                                                           tweet.fields, expansions
    GET  /2/users/{id}/tweets                              the same parameters plus exclude=replies,retweets
    POST /2/dm_conversations/with/{participant_id}/messages {"text"} -> 201
    GET  /2/dm_conversations/with/{participant_id}/dm_events  dm_event.fields, max_results

Behaviour taken from X's documentation and from bodies X really sent (see the fixtures README):
- every response carries x-rate-limit-limit / -remaining / -reset (epoch seconds), per endpoint, 15-minute windows;
  an exhausted window answers 429 with the problem body {"title": "Too Many Requests", ...};
- errors are problem JSON: {"title", "detail", "type": "about:blank", "status"} for generic statuses, and
  {"errors": [{"parameters", "message"}], "title": "Invalid Request", "type": ".../invalid-request"} for bad params;
- a missing or wrong bearer token answers 401 {"title": "Unauthorized", ...};
- a post whose text repeats one of the account's posts answers 403 "...duplicate content.";
- posts carry only id, text and edit_history_tweet_ids unless tweet.fields asks for more; an empty page is
  {"meta": {"result_count": 0}} with no "data" key; max_results must be 5..100 (default 10).
"""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from .base import FailRule, FakeService, RecordedRequest, ServiceError

PROBLEMS = "https://api.x.com/2/problems/"
WINDOW_SECONDS = 15 * 60
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here, so ids sort by time

TWEET_FIELDS = {
    "article", "attachments", "author_id", "card_uri", "community_id", "context_annotations", "conversation_id",
    "created_at", "display_text_range", "edit_controls", "edit_history_tweet_ids", "entities", "geo", "id",
    "in_reply_to_user_id", "lang", "media_metadata", "non_public_metrics", "note_tweet", "organic_metrics",
    "possibly_sensitive", "promoted_metrics", "public_metrics", "referenced_tweets", "reply_settings", "scopes",
    "source", "text", "withheld",
}  # fmt: skip
EXPANSIONS = {
    "attachments.media_keys", "attachments.poll_ids", "author_id", "edit_history_tweet_ids",
    "entities.mentions.username", "geo.place_id", "in_reply_to_user_id", "referenced_tweets.id",
    "referenced_tweets.id.author_id",
}  # fmt: skip
DM_EVENT_FIELDS = {"attachments", "created_at", "dm_conversation_id", "entities", "event_type", "id",
                   "participant_ids", "referenced_tweets", "sender_id", "text"}  # fmt: skip
DEFAULT_POST_FIELDS = ("id", "text", "edit_history_tweet_ids")

# Arbitrary but finite defaults; tests that care set their own with set_rate_limit().
ROUTES: list[tuple[str, re.Pattern[str], str, int]] = [
    ("GET", re.compile(r"^/2/users/me$"), "GET /2/users/me", 75),
    ("POST", re.compile(r"^/2/tweets$"), "POST /2/tweets", 300),
    ("GET", re.compile(r"^/2/users/[^/]+/mentions$"), "GET /2/users/:id/mentions", 450),
    ("GET", re.compile(r"^/2/users/[^/]+/tweets$"), "GET /2/users/:id/tweets", 900),
    ("POST", re.compile(r"^/2/dm_conversations/with/[^/]+/messages$"),
     "POST /2/dm_conversations/with/:participant_id/messages", 200),
    ("GET", re.compile(r"^/2/dm_conversations/with/[^/]+/dm_events$"),
     "GET /2/dm_conversations/with/:participant_id/dm_events", 300),
]  # fmt: skip


@dataclass
class _Window:
    limit: int
    remaining: int
    reset_at: int

    def headers(self, remaining: int | None = None, reset_at: int | None = None) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(self.limit),
            "x-rate-limit-remaining": str(self.remaining if remaining is None else remaining),
            "x-rate-limit-reset": str(self.reset_at if reset_at is None else reset_at),
        }


def problem(status: int, detail: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    """X's generic problem body, e.g. {"title": "Unauthorized", "type": "about:blank", "status": 401, ...}."""
    phrase = HTTPStatus(status).phrase
    body = {"title": phrase, "detail": detail or phrase, "type": "about:blank", "status": status}
    return JSONResponse(body, status_code=status, headers=headers, media_type="application/problem+json")


def invalid_request(parameter: str, value: Any, message: str) -> ServiceError:
    body = {
        "errors": [{"parameters": {parameter: [str(value)]}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": PROBLEMS + "invalid-request",
    }
    return ServiceError(JSONResponse(body, status_code=400, media_type="application/problem+json"))


class FakeXApi(FakeService):
    def __init__(
        self,
        *,
        bearer_token: str = "test-x-user-token",
        user_id: str = "1072250532645998596",
        username: str = "ThanaCityPolice",
        name: str = "Thana City Police",
    ) -> None:
        self.bearer_token = bearer_token
        self.me = {"id": user_id, "name": name, "username": username}
        self._limits = {key: limit for _, _, key, limit in ROUTES}
        super().__init__()
        self.reset_state()
        self._add_routes()

    # ----- what tests call ------------------------------------------------------------------------------------

    def add_user(self, username: str, name: str | None = None, user_id: str | None = None) -> dict:
        user = {"id": user_id or self._next_id(), "name": name or username, "username": username}
        with self._lock:
            self._users[user["id"]] = user
        return user

    def add_mention(
        self,
        text: str,
        *,
        author: dict | None = None,
        in_reply_to: str | None = None,
        **fields: Any,
    ) -> dict:
        """A citizen's post mentioning the account; returns the full stored post (all fields)."""
        author = author or self.add_user(f"citizen{len(self._users)}")
        post = self._new_post(text, author["id"], in_reply_to, fields)
        with self._lock:
            self._mention_ids.add(post["id"])
        return post

    def add_post(self, post: dict, *, mention: bool = True) -> dict:
        """Store a post as given (e.g. one from a recorded fixture), as a mention of the account by default."""
        post = copy.deepcopy(post)
        post.setdefault("edit_history_tweet_ids", [post["id"]])
        with self._lock:
            self._posts[post["id"]] = post
            if mention:
                self._mention_ids.add(post["id"])
        return post

    def add_incoming_dm(self, participant_id: str, text: str) -> dict:
        return self._new_dm(sender_id=participant_id, participant_id=participant_id, text=text)

    def set_rate_limit(self, route_key: str, limit: int) -> None:
        """route_key as in ROUTES, e.g. "POST /2/tweets". Starts a fresh 15-minute window."""
        if route_key not in self._limits:
            raise KeyError(f"unknown route {route_key!r}; known: {sorted(self._limits)}")
        with self._lock:
            self._limits[route_key] = limit
            self._windows.pop(route_key, None)

    @property
    def own_posts(self) -> list[dict]:
        """Posts the account made through POST /2/tweets, oldest first."""
        with self._lock:
            return [p for p in self._posts.values() if p.get("author_id") == self.me["id"]]

    @property
    def sent_dms(self) -> list[dict]:
        with self._lock:
            return [e for e in self._dm_events if e["sender_id"] == self.me["id"]]

    def reset_state(self) -> None:
        with self._lock:
            self._users = {self.me["id"]: dict(self.me)}
            self._posts: dict[str, dict] = {}
            self._mention_ids: set[str] = set()
            self._dm_events: list[dict] = []
            self._windows: dict[str, _Window] = {}
            self._last_id = 0

    # ----- FakeService hooks ----------------------------------------------------------------------------------

    def admit(self, request: RecordedRequest) -> tuple[Response | None, dict[str, str]]:
        key = _route_key(request)
        with self._lock:
            window = self._window(key) if key else None
            if not self.bearer_ok(request, self.bearer_token):
                return problem(401, headers=window.headers() if window else None), {}
            if window is None:
                return None, {}
            if window.remaining == 0:
                return problem(429, headers=window.headers()), {}
            window.remaining -= 1
            return None, window.headers()

    def failure_response(self, rule: FailRule, request: RecordedRequest) -> Response:
        key = _route_key(request)
        with self._lock:
            window = self._window(key) if key else _Window(limit=0, remaining=0, reset_at=self.now())
        if rule.status == 429:
            reset_at = self.now() + (rule.reset_in if rule.reset_in is not None else WINDOW_SECONDS)
            return problem(429, headers=window.headers(remaining=0, reset_at=reset_at))
        return problem(rule.status, headers=window.headers())

    # ----- routes ---------------------------------------------------------------------------------------------

    def _add_routes(self) -> None:
        app = self.app

        @app.get("/2/users/me")
        def users_me() -> dict:
            return {"data": dict(self.me)}

        @app.post("/2/tweets", status_code=201)
        async def create_post(request: Request) -> dict:
            body = await _json_object(request)
            post = self._create_own_post(body)
            return {"data": {k: post[k] for k in DEFAULT_POST_FIELDS}}

        @app.get("/2/users/{user_id}/mentions")
        def mentions(user_id: str, request: Request) -> dict:
            with self._lock:
                ids = self._mention_ids if user_id == self.me["id"] else set()
                posts = [self._posts[i] for i in ids]
            return self._timeline(posts, request.query_params)

        @app.get("/2/users/{user_id}/tweets")
        def user_posts(user_id: str, request: Request) -> dict:
            with self._lock:
                posts = [p for p in self._posts.values() if p.get("author_id") == user_id]
            return self._timeline(_excluding(posts, request.query_params), request.query_params)

        @app.post("/2/dm_conversations/with/{participant_id}/messages", status_code=201)
        async def send_dm(participant_id: str, request: Request) -> dict:
            text = (await _json_object(request)).get("text")
            if not isinstance(text, str) or not text:
                raise invalid_request("text", text, "The `text` field is required when no attachments are given")
            event = self._new_dm(sender_id=self.me["id"], participant_id=participant_id, text=text)
            return {"data": {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}}

        @app.get("/2/dm_conversations/with/{participant_id}/dm_events")
        def dm_events(participant_id: str, request: Request) -> dict:
            fields = _listed(request.query_params, "dm_event.fields", DM_EVENT_FIELDS)
            limit = _max_results(request.query_params, default=100, low=1, high=100)
            conversation = self._conversation_id(participant_id)
            with self._lock:
                events = [e for e in reversed(self._dm_events) if e["dm_conversation_id"] == conversation]
            page = [{k: e[k] for k in ("event_type", "id", "text", *fields) if k in e} for e in events[:limit]]
            return {"data": page, "meta": {"result_count": len(page)}} if page else {"meta": {"result_count": 0}}

    # ----- behaviour ------------------------------------------------------------------------------------------

    def _create_own_post(self, body: dict) -> dict:
        text = body.get("text")
        if not isinstance(text, str) or not text:
            raise invalid_request("text", text, "The `text` field is required when no media or poll is given")
        parent_id = (body.get("reply") or {}).get("in_reply_to_tweet_id")
        with self._lock:
            if any(p["text"] == text for p in self.own_posts):
                raise ServiceError(problem(403, "You are not allowed to create a Tweet with duplicate content."))
            if parent_id is not None and parent_id not in self._posts:
                message = "The post you are replying to does not exist or is not visible"
                raise invalid_request("reply.in_reply_to_tweet_id", parent_id, message)
            return self._new_post(text, self.me["id"], parent_id, {})

    def _new_post(self, text: str, author_id: str, parent_id: str | None, fields: dict) -> dict:
        with self._lock:
            post_id = self._next_id()
            post = {
                "id": post_id,
                "text": text,
                "edit_history_tweet_ids": [post_id],
                "author_id": author_id,
                "created_at": self._iso_now(),
                "conversation_id": post_id,
                "lang": "und",
            }
            parent = self._posts.get(parent_id) if parent_id else None
            if parent_id:
                post["conversation_id"] = (parent or {}).get("conversation_id", parent_id)
                post["referenced_tweets"] = [{"type": "replied_to", "id": parent_id}]
                if parent and parent.get("author_id"):
                    post["in_reply_to_user_id"] = parent["author_id"]
            post.update(fields)
            self._posts[post_id] = post
            return post

    def _new_dm(self, *, sender_id: str, participant_id: str, text: str) -> dict:
        with self._lock:
            event = {
                "event_type": "MessageCreate",
                "id": self._next_id(),
                "text": text,
                "sender_id": sender_id,
                "dm_conversation_id": self._conversation_id(participant_id),
                "participant_ids": [self.me["id"], participant_id],
                "created_at": self._iso_now(),
            }
            self._dm_events.append(event)
            return event

    def _timeline(self, posts: list[dict], params) -> dict:
        fields = _listed(params, "tweet.fields", TWEET_FIELDS)
        expansions = _listed(params, "expansions", EXPANSIONS)
        limit = _max_results(params, default=10, low=5, high=100)
        since, until = _id_param(params, "since_id"), _id_param(params, "until_id")
        cursor = _decode_token(params.get("pagination_token"))
        matching = [
            p for p in sorted(posts, key=lambda p: int(p["id"]), reverse=True)
            if (since is None or int(p["id"]) > since)
            and (until is None or int(p["id"]) < until)
            and (cursor is None or int(p["id"]) < cursor)
        ]  # fmt: skip
        page, more = matching[:limit], len(matching) > limit
        if not page:
            return {"meta": {"result_count": 0}}
        meta = {"result_count": len(page), "newest_id": page[0]["id"], "oldest_id": page[-1]["id"]}
        if more:
            meta["next_token"] = _encode_token(int(page[-1]["id"]))
        result: dict[str, Any] = {"data": [_render(p, fields) for p in page]}
        includes = self._includes(page, expansions, fields)
        if includes:
            result["includes"] = includes
        result["meta"] = meta
        return result

    def _includes(self, page: list[dict], expansions: list[str], fields: list[str]) -> dict:
        with self._lock:
            user_ids = [p.get(key) for p in page for key in ("author_id", "in_reply_to_user_id") if key in expansions]
            users = {u: self._users[u] for u in user_ids if u in self._users}
            tweets = {}
            if "referenced_tweets.id" in expansions:
                for post in page:
                    for ref in post.get("referenced_tweets", []):
                        if ref["id"] in self._posts:
                            tweets[ref["id"]] = _render(self._posts[ref["id"]], fields)
        includes = {}
        if users:
            includes["users"] = list(users.values())
        if tweets:
            includes["tweets"] = list(tweets.values())
        return includes

    def _window(self, key: str) -> _Window:
        now = self.now()
        window = self._windows.get(key)
        if window is None or now >= window.reset_at:
            limit = self._limits[key]
            window = self._windows[key] = _Window(limit=limit, remaining=limit, reset_at=now + WINDOW_SECONDS)
        return window

    def _next_id(self) -> str:
        with self._lock:
            snowflake = (int(self.clock() * 1000) - TWITTER_EPOCH_MS) << 22
            self._last_id = max(self._last_id + 1, snowflake)
            return str(self._last_id)

    def _conversation_id(self, participant_id: str) -> str:
        return "-".join(sorted((self.me["id"], participant_id), key=int))

    def _iso_now(self) -> str:
        return datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _route_key(request: RecordedRequest) -> str | None:
    for method, pattern, key, _ in ROUTES:
        if request.method == method and pattern.match(request.path):
            return key
    return None


async def _json_object(request: Request) -> dict:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ServiceError(problem(400, "The request body is not valid JSON."))
    return body


def _render(post: dict, fields: list[str]) -> dict:
    return {k: post[k] for k in (*DEFAULT_POST_FIELDS, *fields) if k in post}


def _excluding(posts: list[dict], params) -> list[dict]:
    excluded = _listed(params, "exclude", {"replies", "retweets"})
    if "replies" in excluded:
        posts = [p for p in posts if "in_reply_to_user_id" not in p]
    if "retweets" in excluded:
        posts = [p for p in posts if not any(r["type"] == "retweeted" for r in p.get("referenced_tweets", []))]
    return posts


def _listed(params, name: str, allowed: set[str]) -> list[str]:
    values = [v for v in (params.get(name) or "").split(",") if v]
    for value in values:
        if value not in allowed:
            raise invalid_request(name, value, f"The `{name}` query parameter value [{value}] is not one of "
                                               f"[{','.join(sorted(allowed))}]")  # fmt: skip
    return values


def _max_results(params, *, default: int, low: int, high: int) -> int:
    raw = params.get("max_results")
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid_request(
            "max_results", raw, f"The `max_results` query parameter value [{raw}] is not between {low} and {high}"
        )
    return int(raw)


def _id_param(params, name: str) -> int | None:
    raw = params.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise invalid_request(name, raw, f"The `{name}` query parameter value [{raw}] is not valid")
    return int(raw)


def _encode_token(oldest_id: int) -> str:
    # Opaque to clients like X's tokens; it encodes "continue below this id".
    return base64.b32encode(f"p{oldest_id}".encode()).decode().rstrip("=").lower()


def _decode_token(token: str | None) -> int | None:
    if token is None:
        return None
    try:
        padded = token.upper() + "=" * (-len(token) % 8)
        decoded = base64.b32decode(padded).decode()
        if decoded.startswith("p") and decoded[1:].isdigit():
            return int(decoded[1:])
    except ValueError:
        pass
    message = f"The `pagination_token` query parameter value [{token}] is not valid"
    raise invalid_request("pagination_token", token, message)

"""`thana channel x poll`: the v2 mentions timeline read from the fake X API, since_id kept, 429s waited out."""

from __future__ import annotations

import time

import httpx
import pytest
from typer.testing import CliRunner

from tests.channels import HTTP, X_MENTIONS, configure, count, only, recorded, rows
from tests.fakes.x_api import ROUTES, FakeXApi
from thana.channels.x_poll import MentionsPoller, load_since
from thana.config import settings
from thana.store.schema import inbound, kv

STATION = "charkopps"  # the station's own account: the one whose mentions are read


@pytest.fixture(scope="module")
def _x_server():
    with FakeXApi(username=STATION, name="Charkop Police Station") as fake:
        yield fake


@pytest.fixture
def x_api(_x_server: FakeXApi, monkeypatch) -> FakeXApi:
    """The fake X, emptied, on real time and default limits, with Thana configured to read its account's mentions."""
    _x_server.reset()
    _x_server.clock = time.time
    _x_server.citizens = {}  # screen name -> the fake's user
    for _method, _pattern, route, limit in ROUTES:  # reset() keeps limits a test set
        _x_server.set_rate_limit(route, limit)
    configure(
        monkeypatch,
        x_bearer_token=_x_server.bearer_token,
        x_api_base=_x_server.url,
        x_user_ids=_x_server.me["id"],
    )
    yield _x_server
    _x_server.clock = time.time


class Sleeper:
    """A `sleep` that records each delay and moves the fake X's clock on by it (time passes, windows reset)."""

    def __init__(self, fake: FakeXApi | None = None) -> None:
        self.delays: list[float] = []
        self.fake, self.offset = fake, 0.0
        if fake is not None:
            fake.clock = lambda: time.time() + self.offset

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.offset += seconds


def mention(x_api: FakeXApi, text: str, username: str = "asha_k") -> dict:
    """A citizen's post naming the station, with the entities X gives when tweet.fields asks for them."""
    author = x_api.citizens.get(username) or x_api.citizens.setdefault(username, x_api.add_user(username))
    start = text.index("@" + STATION)
    entities = {"mentions": [{"start": start, "end": start + len(STATION) + 1, "username": STATION}]}
    return x_api.add_mention(text, author=author, entities=entities)


def poller(db, force, sleep=None) -> MentionsPoller:
    return MentionsPoller(db, force, settings(), client=HTTP, sleep=sleep or Sleeper())


def mention_requests(x_api: FakeXApi) -> list:
    return x_api.requests(f"/2/users/{x_api.me['id']}/mentions", method="GET")


def test_mentions_become_inbound_posts_addressed_to_the_station(db, mumbai, x_api):
    """Each new mention is stored once: id, text, the author's handle, addressed to @charkopps, its thread."""
    posts = [mention(x_api, f"@{STATION} my phone was stolen near the market, case {n}") for n in range(3)]
    assert poller(db, mumbai).poll_once(x_api.me["id"]) == 3

    stored = {r["external_id"]: r for r in rows(db, inbound)}
    assert set(stored) == {p["id"] for p in posts}
    for post in posts:
        row = stored[post["id"]]
        assert (row["channel"], row["kind"], row["text"]) == ("x", "post", post["text"])
        assert (row["sender"], row["addressed_to"]) == ("@asha_k", f"@{STATION}")
        assert row["thread_id"] == post["conversation_id"] and row["status"] == "pending"
    (request,) = mention_requests(x_api)
    assert "entities" in request.query["tweet.fields"][0] and request.query["expansions"] == ["author_id"]
    assert request.header("authorization") == f"Bearer {x_api.bearer_token}"


def test_recorded_mentions_are_stored_with_their_exact_ids_and_texts(db, mumbai, x_api):
    """The ten recorded mentions (emoji, typographic quotes, t.co links), served by the fake, stored exactly."""
    page = recorded(X_MENTIONS)
    for post in page["data"]:
        x_api.add_post(post)
    assert poller(db, mumbai).poll_once(x_api.me["id"]) == 10
    stored = {r["external_id"]: r["text"] for r in rows(db, inbound)}
    assert stored == {p["id"]: p["text"] for p in page["data"]}


def test_since_id_survives_a_restart_and_nothing_is_stored_twice(db, mumbai, x_api):
    """A new poller (a restart) asks with the since_id the last one kept, and stores only what is newer."""
    first = [mention(x_api, f"@{STATION} streetlight out at sector {n}") for n in range(2)]
    assert poller(db, mumbai).poll_once(x_api.me["id"]) == 2
    newest = max(first, key=lambda p: int(p["id"]))["id"]
    assert load_since(db, x_api.me["id"]) == newest
    assert only(db, kv)["value"] == newest

    assert poller(db, mumbai).poll_once(x_api.me["id"]) == 0  # a restart with nothing new
    assert mention_requests(x_api)[-1].query["since_id"] == [newest]
    assert count(db, inbound) == 2

    later = mention(x_api, f"@{STATION} my bag was stolen at Kandivali market")
    assert poller(db, mumbai).poll_once(x_api.me["id"]) == 1
    assert mention_requests(x_api)[-1].query["since_id"] == [newest]
    assert load_since(db, x_api.me["id"]) == later["id"] and count(db, inbound) == 3


def test_every_page_is_followed(db, mumbai, x_api):
    """More mentions than one page holds: next_token is followed until the last page, all stored."""
    posts = [mention(x_api, f"@{STATION} complaint number {n}") for n in range(130)]
    assert poller(db, mumbai).poll_once(x_api.me["id"]) == 130
    first, second = mention_requests(x_api)
    assert "pagination_token" not in first.query and second.query["pagination_token"]
    assert count(db, inbound) == 130
    assert load_since(db, x_api.me["id"]) == max(posts, key=lambda p: int(p["id"]))["id"]


def test_429_waits_until_x_rate_limit_reset(db, mumbai, x_api):
    """A 429 with x-rate-limit-reset 90 s away: the poller sleeps those 90 s, then reads the page."""
    mention(x_api, f"@{STATION} my phone was stolen")
    x_api.fail(f"/2/users/{x_api.me['id']}/mentions", 429, reset_in=90)
    sleep = Sleeper()
    assert poller(db, mumbai, sleep).poll_once(x_api.me["id"]) == 1
    assert len(sleep.delays) == 1 and 87 <= sleep.delays[0] <= 91
    assert len(mention_requests(x_api)) == 2


def test_exhausted_window_is_waited_out_to_its_reset(db, mumbai, x_api):
    """The fake's own 15-minute window runs out: the poller sleeps until the reset X announced, then reads."""
    x_api.set_rate_limit("GET /2/users/:id/mentions", 1)
    mention(x_api, f"@{STATION} my phone was stolen")
    sleep = Sleeper(x_api)
    assert poller(db, mumbai, sleep).poll_once(x_api.me["id"]) == 1
    mention(x_api, f"@{STATION} and now my bag too")
    assert poller(db, mumbai, sleep).poll_once(x_api.me["id"]) == 1
    (delay,) = sleep.delays
    assert 15 * 60 - 5 <= delay <= 15 * 60 + 1
    assert [r.query.get("since_id") is not None for r in mention_requests(x_api)] == [False, True, True]


def test_a_failed_poll_keeps_since_id_so_nothing_is_missed(db, mumbai, x_api):
    """A server error on the second page: since_id is not moved, and the next poll stores the rest."""
    for n in range(130):
        mention(x_api, f"@{STATION} complaint number {n}")
    pages = []

    def fail_the_next_page(response: httpx.Response) -> None:
        pages.append(response.url)
        if len(pages) == 1:
            x_api.fail(f"/2/users/{x_api.me['id']}/mentions", 503, times=1)

    with httpx.Client(timeout=30, event_hooks={"response": [fail_the_next_page]}) as client:
        broken = MentionsPoller(db, mumbai, settings(), client=client, sleep=Sleeper())
        with pytest.raises(httpx.HTTPStatusError):
            broken.poll_once(x_api.me["id"])
    assert len(pages) == 2 and count(db, inbound) == 100  # the first page was stored
    assert load_since(db, x_api.me["id"]) is None
    assert poller(db, mumbai).poll_once(x_api.me["id"]) == 30  # the rest; the first page is not stored again
    assert count(db, inbound) == 130 and load_since(db, x_api.me["id"]) is not None


def test_cli_poll_once_reads_every_configured_account(db, x_api):
    """`thana channel x poll --once` reads THANA_X_USER_IDS' mentions into the database and says how many."""
    from thana.cli import app

    mention(x_api, f"@{STATION} my phone was stolen")
    mention(x_api, f"@{STATION} my bag was stolen")
    result = CliRunner().invoke(app, ["channel", "x", "poll", "--once"])
    assert result.exit_code == 0, result.output
    assert f"{x_api.me['id']}: 2 new mention(s)" in result.output
    assert count(db, inbound) == 2


def test_cli_poll_refuses_to_start_without_token_or_accounts(x_api, monkeypatch):
    """Without THANA_X_BEARER_TOKEN, or without THANA_X_USER_IDS, the poller says what is missing and exits 2."""
    from thana.cli import app

    configure(monkeypatch, x_bearer_token=None)
    result = CliRunner().invoke(app, ["channel", "x", "poll", "--once"])
    assert result.exit_code == 2 and "THANA_X_BEARER_TOKEN" in result.output
    configure(monkeypatch, x_bearer_token=x_api.bearer_token, x_user_ids=None)
    result = CliRunner().invoke(app, ["channel", "x", "poll", "--once"])
    assert result.exit_code == 2 and "THANA_X_USER_IDS" in result.output
    assert x_api.requests() == []

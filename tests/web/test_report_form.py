"""The public report form and the citizen's follow page, over HTTP (FastAPI's TestClient) on SQLite and PostgreSQL.

Form -> inbound message -> pipeline -> follow page with the reference, station and status and none of the
citizen's contact details; bad input, CSRF and floods refused with nothing stored; the map without
JavaScript; photos recognised by their bytes; three languages. One browser test (marked `browser`) checks
the page at 360 px and the JavaScript map click.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from thana.config import settings
from thana.packages import get_force
from thana.pipeline import Pipeline
from thana.store.db import Database, get_database
from thana.store.schema import cases, inbound
from thana.web import report
from thana.web.app import create_app

THEFT = "My motorcycle was stolen from the parking lot last night, please help me find it"
PHONE, EMAIL, NAME = "98200 12345", "asha.patil@example.com", "Asha Patil"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 200
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
CHARKOP = (19.2260, 72.8027)  # the middle of Charkop police station's area (1.5 km from its edges)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setattr(report, "CASE_WAIT_SECONDS", 0.0)
    return TestClient(create_app())  # no lifespan: the `db` fixture has migrated the database already


def form_token(client: TestClient, lang: str = "en") -> str:
    page = client.get(f"/report?lang={lang}")
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def submit(client: TestClient, token: str | None = None, photo=None, **fields) -> object:
    data = {"action": "send", **fields}
    if token is not None:
        data["csrf_token"] = token
    files = {"photo": photo} if photo else None
    return client.post("/report", data=data, files=files)


def set_csrf_cookie(client: TestClient, value: str) -> None:
    """Replace the form's cookie (same domain and path as the server set it)."""
    domain = next(c.domain for c in client.cookies.jar if c.name == "thana_csrf")
    client.cookies.set("thana_csrf", value, domain=domain, path="/")


def drain(db: Database) -> int:
    return Pipeline(db, get_force(settings().force), worker_id="t").drain()


def inbound_rows(db: Database) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(inbound)).mappings()]


def track_path(html: str) -> str:
    return re.search(r'href="(/track/[A-Za-z0-9_-]+)', html).group(1)


def media_files() -> list[Path]:
    folder = settings().data_dir / "media"
    return sorted(folder.iterdir()) if folder.exists() else []


def main_text(html: str) -> str:
    """The visible words of <main>, tags removed."""
    main = html.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


# -- the form ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "title", "button"),
    [
        ("en", "Report to the police", "Send report"),
        ("hi", "पुलिस को शिकायत भेजें", "शिकायत भेजें"),
        ("mr", "पोलिसांकडे तक्रार करा", "तक्रार पाठवा"),
    ],
)
def test_form_in_three_languages_works_without_javascript(client, lang, title, button):
    page = client.get(f"/report?lang={lang}")
    assert page.status_code == 200
    html = page.text
    assert f'<html lang="{lang}">' in html and title in html and button in html
    # Plain HTML does everything: a multipart POST form, a textarea, the map as an image button, a photo input.
    assert re.search(r'<form class="report" method="post" action="/report\?lang=' + lang, html)
    assert 'enctype="multipart/form-data"' in html
    assert '<textarea id="text" name="text"' in html
    assert '<input type="image" id="map" name="map"' in html
    assert 'accept="image/jpeg,image/png,image/webp"' in html
    assert '<script src="/static/report.js" defer>' in html
    assert 'id="use-location" class="secondary" hidden' in html  # shown only by JavaScript
    # A signed token in a hidden field and the same one in a strict, HTTP-only cookie.
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.cookies.get("thana_csrf") == token
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    # The first submit button (the one Enter presses) sends the report; a click on the map never does.
    assert html.index('value="send"') < html.index('name="map"')


def test_every_page_links_to_the_form(client):
    assert 'href="/report?lang=en">Report to the police</a>' in client.get("/?lang=en").text
    assert 'href="/report?lang=mr">पोलिसांकडे तक्रार करा</a>' in client.get("/stations?lang=mr").text


def test_map_is_an_svg_of_the_station_areas_without_tiles(client):
    svg = client.get("/report/map.svg?lang=mr&lat=19.226&lon=72.8027")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.startswith("<svg") and 'class="m"' in svg.text  # the marker
    assert "बोरिवली" in svg.text  # place labels in the page's language
    assert "http" not in svg.text.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from elsewhere


def test_a_click_on_the_map_without_javascript_marks_the_point_and_keeps_what_was_typed(client, db):
    m = report.report_map(get_force("mumbai"))
    x, y = m.frame.xy(CHARKOP[1], CHARKOP[0])
    page = client.post(
        "/report?lang=en",
        data={"text": THEFT, "place": "near the garden", "name": NAME, "map.x": f"{x:.0f}", "map.y": f"{y:.0f}"},
    )
    assert page.status_code == 200
    lat = float(re.search(r'id="lat" name="lat" value="([^"]+)"', page.text).group(1))
    lon = float(re.search(r'id="lon" name="lon" value="([^"]+)"', page.text).group(1))
    assert abs(lat - CHARKOP[0]) < 0.003 and abs(lon - CHARKOP[1]) < 0.003  # one pixel is ~150 m
    assert "It lies in the area of Charkop Police Station." in page.text
    assert THEFT in page.text and 'value="near the garden"' in page.text and f'value="{NAME}"' in page.text
    assert inbound_rows(db) == []  # marking a point sends nothing
    # A point outside the force's area is said to be outside.
    page = client.post("/report", data={"text": THEFT, "map.x": "2", "map.y": "2"})
    assert "outside Brihanmumbai Police&#39;s area" in page.text


def test_where_answers_report_js_in_the_page_language(client):
    found = client.get("/report/where", params={"lat": CHARKOP[0], "lon": CHARKOP[1], "lang": "hi"}).json()
    assert found["inside"] is True and "चारकोप पुलिस थाना" in found["text"]


# -- the whole flow ------------------------------------------------------------------------------------


def test_form_to_case_to_follow_page_without_personal_data(client, db):
    text = f"{THEFT}. You can call me on 9820012345 or write to {EMAIL}. {NAME}"
    sent = submit(
        client,
        form_token(client),
        text=text,
        place="Charkop",
        name=NAME,
        phone=PHONE,
        email=EMAIL,
        photo=("bike.jpg", JPEG, "image/jpeg"),
    )
    assert sent.status_code == 200
    assert "Your report has been sent" in sent.text
    assert "Your reference number will appear on your follow page in a moment." in sent.text
    path = track_path(sent.text)
    token = path.rsplit("/", 1)[1]
    assert sent.headers["cache-control"] == "no-store" and sent.headers["referrer-policy"] == "no-referrer"

    (row,) = inbound_rows(db)
    assert row["channel"] == "web" and row["public_token"] == token and row["status"] == "pending"
    assert uuid.UUID(row["external_id"]) and row["thread_id"] == row["external_id"]
    assert row["sender"] == "+919820012345" and row["sender_name"] == NAME
    assert row["text"].startswith("📍 Charkop\n\n") and THEFT in row["text"]
    raw = json.loads(row["raw"])
    assert raw["text"] == text and raw["place"] == "Charkop" and raw["email"] == EMAIL and raw["phone"] == PHONE
    assert raw["photo"]["filename"] == "bike.jpg" and "content" not in json.dumps(raw["photo"])
    (media,) = row["media"]
    assert media["mime_type"] == "image/jpeg" and media["bytes"] == len(JPEG)
    stored = settings().data_dir / media["path"]
    assert stored.read_bytes() == JPEG and re.fullmatch(r"[0-9a-f]{32}\.jpg", stored.name)

    # Before the worker: the follow page says so and refreshes itself.
    waiting = client.get(path)
    assert waiting.status_code == 200
    assert '<meta http-equiv="refresh" content="5">' in waiting.text
    assert "is being registered" in waiting.text

    assert drain(db) == 1
    page = client.get(path + "?lang=en")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' not in page.text
    with db.engine.connect() as conn:
        case = conn.execute(select(cases)).mappings().one()
    words = main_text(page.text)
    assert case["reference"] in words and re.fullmatch(r"MUM-\d{2}-\d{6}", case["reference"])
    assert "Charkop Police Station" in words and "Status Received" in words and "Type Theft" in words
    assert "Thank you. Your complaint is registered with reference " + case["reference"] in words  # the ack
    assert "A photo is attached." in words
    # Nothing that reaches or names the citizen.
    for secret in ("9820012345", "98200 12345", "+919820012345", EMAIL, NAME, "Asha", "asha"):
        assert secret not in page.text
    assert "[phone]" in words and "[email]" in words and "[name]" in words
    assert page.headers["x-robots-tag"] == "noindex, nofollow"

    hindi, marathi = client.get(path + "?lang=hi").text, client.get(path + "?lang=mr").text
    assert "चारकोप पुलिस थाना" in hindi and "प्राप्त" in hindi and "चोरी" in hindi
    assert "चारकोप पोलीस ठाणे" in marathi and "चोरी" in marathi


def test_confirmation_gives_the_reference_when_a_worker_opens_the_case_in_time(client, db, monkeypatch):
    monkeypatch.setattr(report, "CASE_WAIT_SECONDS", 10.0)
    monkeypatch.setattr(report, "POLL_SECONDS", 0.05)
    stop = threading.Event()

    def worker():  # a worker running beside the web app, as in embedded mode
        while not stop.is_set() and not drain(db):
            time.sleep(0.05)

    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    try:
        started = time.monotonic()
        sent = submit(client, form_token(client), text=THEFT, place="Charkop")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(10)
    with db.engine.connect() as conn:
        reference = conn.execute(select(cases.c.reference)).scalar_one()
    assert sent.status_code == 200 and elapsed < 8
    assert "Your reference number" in sent.text and f'<p class="reference">{reference}</p>' in sent.text
    assert "Charkop Police Station" in sent.text


def test_a_message_that_opens_no_case_says_so_and_stops_refreshing(client, db):
    sent = submit(client, form_token(client), text="Buy cheap followers now!!! visit www.cheap.example")
    drain(db)
    page = client.get(track_path(sent.text))
    assert page.status_code == 200 and "was not registered as a complaint" in page.text
    assert 'http-equiv="refresh"' not in page.text


def test_unknown_follow_token_is_a_404_page(client, db):
    for token in ("does-not-exist-but-looks-fine", "x", "a" * 65, "<script>alert(1)</script>"):
        page = client.get(f"/track/{token}", headers={"accept": "text/html"})
        assert page.status_code == 404 and "There is no such page." in page.text, token
        assert "<script>alert" not in page.text


def test_what_the_citizen_typed_is_escaped_on_every_page(client, db):
    attack = "Loud music from the hall next door after midnight every day <script>alert('x')</script> & more"
    token = form_token(client)
    again = submit(client, token, text=attack, email="not an address")  # re-rendered with an error
    assert again.status_code == 400
    assert "<script>alert" not in again.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in again.text
    sent = submit(client, token, text=attack)
    drain(db)
    page = client.get(track_path(sent.text))
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text


# -- refused input -------------------------------------------------------------------------------------

BIG = b"\xff\xd8\xff\xe0" + b"\x00" * 6_000_000


REFUSALS = [
    ("empty text", 400, "Please describe what happened."),
    ("too short", 400, "Please write at least 5 characters"),
    ("5000 characters", 400, "Please write at most 4000 characters (you wrote 5000)."),
    ("an .exe renamed .jpg", 415, "The photo must be a JPEG, PNG or WebP image."),
    ("a 6 MB photo", 413, "The photo is larger than 5 MB."),
    ("bad phone and e-mail", 400, "Please give a 10-digit mobile number"),
    ("tampered map point", 400, "The marked point is not valid."),
    ("missing CSRF token", 403, "This form had expired, so nothing was sent yet."),
    ("forged CSRF token", 403, "This form had expired, so nothing was sent yet."),
]


def test_bad_input_is_refused_with_nothing_stored_and_what_was_typed_kept(client, db):
    for case, status, message in REFUSALS:
        token = form_token(client)
        fields = {"text": THEFT, "place": "Charkop", "name": NAME, "phone": PHONE, "email": EMAIL}
        photo = None
        if case == "empty text":
            fields["text"] = "   "
        elif case == "too short":
            fields["text"] = "help"
        elif case == "5000 characters":
            fields["text"] = "a" * 5000
        elif case == "an .exe renamed .jpg":
            photo = ("holiday.jpg", EXE, "image/jpeg")
        elif case == "a 6 MB photo":
            photo = ("big.jpg", BIG, "image/jpeg")
        elif case == "bad phone and e-mail":
            fields |= {"phone": "12345", "email": "asha at example"}
        elif case == "tampered map point":
            fields |= {"lat": "91.5", "lon": "72.8"}
        elif case == "missing CSRF token":
            token = None
        elif case == "forged CSRF token":
            token = "bm9uY2U.1700000000.Zm9yZ2VkLXNpZ25hdHVyZQ"
            set_csrf_cookie(client, token)
        page = submit(client, token, photo=photo, **fields)
        assert page.status_code == status, (case, page.text[:300])
        assert message in page.text and 'role="alert"' in page.text, case
        assert inbound_rows(db) == [] and media_files() == [], case
        kept = fields["text"].strip()
        assert not kept or kept in page.text, case
        if case != "bad phone and e-mail":
            assert f'value="{EMAIL}"' in page.text and 'value="Charkop"' in page.text, case
        if photo:
            assert "please choose it again" in page.text, case
        if "CSRF" in case:  # a fresh token comes back
            fresh = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            assert fresh != token and client.cookies.get("thana_csrf") == fresh, case
    # ... and with it, sending again works.
    assert submit(client, fresh, **fields).status_code == 200
    assert len(inbound_rows(db)) == 1


def test_a_token_from_another_installation_or_an_old_one_is_refused(client, db):
    token = form_token(client)
    other = report.CsrfTokens(b"x" * 32)
    assert other.valid(other.new()) and not report.csrf_tokens().valid(other.new())
    now = [time.time()]
    timed = report.CsrfTokens(report.web_secret(), clock=lambda: now[0])
    stale = timed.new()
    now[0] += report.CSRF_MAX_AGE + 1
    assert not timed.valid(stale) and timed.valid(timed.new())
    set_csrf_cookie(client, token)
    assert submit(client, token[:-2] + "xx", text=THEFT).status_code == 403  # field and cookie differ
    assert inbound_rows(db) == []


def test_the_secret_is_made_once_and_kept_private_in_the_data_directory(tmp_path):
    first = report.web_secret()
    path = settings().data_dir / report.SECRET_FILE
    assert path.exists() and oct(os.stat(path).st_mode & 0o777) == "0o600"
    report._secrets.clear()
    assert report.web_secret() == first  # read back, not made again


def test_photo_type_comes_from_its_bytes_not_its_name(client, db):
    for content, name, declared, mime, ext in (
        (PNG, "scan.txt", "text/plain", "image/png", "png"),
        (WEBP, "photo.jpg", "image/jpeg", "image/webp", "webp"),
    ):
        assert submit(client, form_token(client), text=THEFT, photo=(name, content, declared)).status_code == 200
        media = inbound_rows(db)[-1]["media"][0]
        assert media["mime_type"] == mime and media["path"].endswith("." + ext)
    assert len(media_files()) == 2 and all(".." not in p.name for p in media_files())
    assert report.sniff_image(EXE) is None and report.sniff_image(b"GIF89a") is None


def _case_of_report(client, db, text: str, photo) -> dict:
    assert submit(client, form_token(client), text=text, place="Charkop", photo=photo).status_code == 200
    drain(db)
    row = inbound_rows(db)[-1]
    with db.engine.connect() as conn:
        case = dict(conn.execute(select(cases).where(cases.c.id == row["case_id"])).mappings().one())
    return case | {"inbound_id": row["id"]}


def _photo_events(db, case_id: int) -> list[dict]:
    from thana.store.schema import case_events

    with db.engine.connect() as conn:
        query = select(case_events.c.actor, case_events.c.detail).where(
            case_events.c.case_id == case_id, case_events.c.kind == "media_viewed"
        )
        return [dict(r) for r in conn.execute(query).mappings()]


def test_officers_see_the_reports_photo_and_every_view_is_recorded(client, db):
    from thana.store.users import create_token

    force = get_force(settings().force)
    case = _case_of_report(client, db, THEFT, ("bike.png", PNG, "image/png"))
    assert case["station_id"] == "charkop" and not case["sensitive"]
    url = f"/api/v1/cases/{case['reference']}/media/{case['inbound_id']}"

    def as_officer(unit: str, path: str):
        token = create_token(db, force, name=f"desk {unit} {uuid.uuid4().hex[:6]}", role="desk_officer", unit_id=unit)
        return client.get(path, headers={"Authorization": f"Bearer {token}"})

    page = as_officer("charkop", f"/cases/{case['reference']}")
    assert page.status_code == 200 and f'href="{url}/0"' in page.text  # the case page links to it
    shown = as_officer("charkop", url + "/0")
    assert shown.status_code == 200 and shown.content == PNG
    assert shown.headers["content-type"] == "image/png" and "no-store" in shown.headers["cache-control"]
    assert shown.headers["x-content-type-options"] == "nosniff"
    assert [e["detail"]["index"] for e in _photo_events(db, case["id"])] == [0]
    assert as_officer("charkop", url + "/1").status_code == 404  # no second file
    assert as_officer("colaba", url + "/0").status_code == 404  # another station's case does not exist for it
    assert client.get(url + "/0").status_code == 401
    page = client.get(f"/api/v1/cases/{case['reference']}", headers={"Authorization": "Bearer x"})
    assert page.status_code == 401
    assert len(_photo_events(db, case["id"])) == 1  # refusals record nothing


def test_a_photo_on_a_womens_safety_case_is_for_the_assigned_and_the_desk_only(client, db):
    from thana.store.users import create_token

    force = get_force(settings().force)
    text = "a man is following me every evening from the station and touching me, please help"
    case = _case_of_report(client, db, text, ("scene.png", PNG, "image/png"))
    assert case["sensitive"], case["category"]
    token = create_token(db, force, name="desk charkop", role="desk_officer", unit_id="charkop")
    url = f"/api/v1/cases/{case['reference']}/media/{case['inbound_id']}/0"
    refused = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and "assigned" in refused.json()["error"]
    assert _photo_events(db, case["id"]) == []


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(client, db, monkeypatch):
    monkeypatch.setenv("THANA_MEDIA_MAX_BYTES", "1000")
    from thana.config import reload_settings

    reload_settings()
    token = form_token(client)
    page = submit(client, token, text=THEFT, photo=("big.jpg", b"\xff\xd8\xff" + b"\x00" * 300_000, "image/jpeg"))
    assert page.status_code == 413 and "too large" in page.text
    assert inbound_rows(db) == [] and media_files() == []


# -- floods --------------------------------------------------------------------------------------------


def test_ten_reports_in_ten_minutes_then_a_friendly_429(client, db):
    token = form_token(client)
    for i in range(report.RATE_LIMIT):
        assert submit(client, token, text=f"{THEFT} ({i})").status_code == 200
    page = submit(client, token, text=f"{THEFT} (one too many)")
    assert page.status_code == 429
    assert "You have sent several reports in a short time." in page.text and "112" in page.text
    assert int(page.headers["retry-after"]) > 0
    assert f"{THEFT} (one too many)" in page.text  # kept for later
    assert len(inbound_rows(db)) == report.RATE_LIMIT
    with db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(inbound)).scalar_one() == report.RATE_LIMIT


def test_rate_limiter_forgets_after_the_window():
    now = [1000.0]
    limiter = report.RateLimiter(limit=2, window=600, clock=lambda: now[0])
    for _ in range(2):
        assert limiter.allowed("1.2.3.4")
        limiter.hit("1.2.3.4")
    assert not limiter.allowed("1.2.3.4") and limiter.allowed("5.6.7.8")
    assert limiter.retry_after("1.2.3.4") == 600
    now[0] += 600
    assert limiter.allowed("1.2.3.4")
    small = report.RateLimiter(limit=1, window=600, max_keys=3, clock=lambda: now[0])
    for n in range(10):
        small.hit(f"10.0.0.{n}")
    assert len(small._hits) <= 3


# -- a browser at 360 px -------------------------------------------------------------------------------


@pytest.mark.browser
def test_at_360_px_the_form_fits_and_a_click_on_the_map_marks_the_point(monkeypatch):
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("Debian's chromium is not installed")
    from tests.fakes.server import ServerThread

    monkeypatch.setattr(report, "CASE_WAIT_SECONDS", 0.0)
    db = get_database()  # SQLite only: this test is about the page, not the database
    db.migrate()
    with ServerThread(create_app()) as server, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.goto(server.url + "/report?lang=mr")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.fill("#text", THEFT)
            page.click("#map-box summary")
            m = report.report_map(get_force("mumbai"))
            x, y = m.frame.xy(CHARKOP[1], CHARKOP[0])
            page.click("#map", position={"x": x, "y": y})  # JavaScript marks it: no round trip
            page.wait_for_function("document.getElementById('point-status').textContent.includes('चारकोप')")
            assert abs(float(page.input_value("#lat")) - CHARKOP[0]) < 0.003
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.click("button.send")
            page.wait_for_selector("p.follow-link")
            assert "तुमची तक्रार पाठवली आहे" in page.content()
        finally:
            browser.close()
    (row,) = inbound_rows(db)
    assert abs(row["lat"] - CHARKOP[0]) < 0.003 and abs(row["lon"] - CHARKOP[1]) < 0.003

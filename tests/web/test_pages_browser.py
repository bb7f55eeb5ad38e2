"""The public pages in a real headless Chromium: search, result, station page, languages, phones, keyboard.

Uses the system Chromium (/usr/bin/chromium) through Playwright; never downloads a browser. One browser
and one app server per module. Screenshots land in test-output/ (find-desktop-en.png, …).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest

from tests.fakes.server import ServerThread
from thana.web.app import create_app

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
EMERGENCY = ("112", "100", "103", "1930", "1098")


@pytest.fixture(scope="module")
def server():
    with ServerThread(create_app()) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: these tests drive the system Chromium and never download one")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
    except Exception as exc:  # pragma: no cover - depends on the machine
        pw.stop()
        pytest.skip(f"{CHROMIUM} did not start: {exc}")
    yield chromium
    chromium.close()
    pw.stop()


@pytest.fixture
def new_context(browser):
    """Make fresh browser contexts (cookies, permissions, viewport); all are closed after the test."""
    made = []

    def make(**options):
        ctx = browser.new_context(**{**DESKTOP, **options})
        ctx.set_default_timeout(10_000)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def card_title(page) -> str:
    return page.locator(".result .card h3").inner_text().strip()


def channel_rows(page) -> dict[str, str]:
    """label -> the text of its value, for the channel list on the page."""
    rows = {}
    for row in page.locator(".channels .channel").all():
        rows[row.locator("dt").inner_text().strip()] = " ".join(row.locator("dd").inner_text().split())
    return rows


def test_search_form_works_without_javascript(new_context, server):
    """With JavaScript off the find page loads and the search form finds Charkop, with its channels."""
    page = new_context(java_script_enabled=False).new_page()
    response = page.goto(server.url + "/")
    assert response.status == 200
    assert page.locator("h1").inner_text() == "Find your police station"
    assert page.locator("label[for=q]").inner_text() == "Where are you?"
    assert not page.locator("#use-location").is_visible(), "the location button needs JavaScript"

    page.fill("#q", "Charkop")
    page.press("#q", "Enter")
    page.wait_for_url(re.compile(r"[?&]q=Charkop"))

    assert page.locator("#result-h").inner_text() == "Your police station"
    assert card_title(page) == "Charkop Police Station"
    assert "Zone 11" in page.locator(".card .hierarchy").inner_text()
    rows = channel_rows(page)
    assert rows["X (Twitter)"].startswith("@charkopps")
    assert rows["Women's helpline"] == "not published"
    assert "approximate" in page.locator(".card .note").inner_text()
    for number in EMERGENCY:
        assert page.locator(f'.emergency a[href="tel:{number}"]').count() == 1


def test_result_links_to_the_station_page(new_context, server):
    """From the result card, the station page: tap-to-call, X profile, inline SVG map, approximate note."""
    page = new_context().new_page()
    errors = watch_errors(page)
    page.goto(server.url + "/?" + urlencode({"q": "Charkop"}))
    page.locator(".result .card h3 a").click()
    page.wait_for_url(re.compile(r"/stations/charkop$"))

    assert page.locator("h1").inner_text() == "Charkop Police Station"
    for number in EMERGENCY:
        link = page.locator(f'a[href="tel:{number}"]')
        assert link.count() == 1 and number in link.inner_text()
    x_link = page.locator('a[href="https://x.com/charkopps"]')
    assert x_link.count() == 1 and x_link.inner_text() == "Open on X"
    assert channel_rows(page)["Women's helpline"] == "not published"

    svg = page.locator("svg.jurisdiction-map")
    assert svg.count() == 1
    assert "Charkop" in svg.get_attribute("aria-label")
    d = svg.locator("path.self").get_attribute("d")
    assert d and d.startswith("M") and d.endswith("Z") and d.count("L") >= 3
    assert svg.locator("path.neighbour").count() >= 3
    assert svg.locator("circle.marker").count() == 1
    box = svg.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    assert "approximate" in page.locator(".map .note").inner_text()
    assert errors == []


def test_language_switch_to_hindi_and_marathi(new_context, server):
    """The language links switch the page to Hindi and Marathi (Devanagari, <html lang>), and it is remembered."""
    page = new_context().new_page()
    page.goto(server.url + "/stations/charkop")
    assert page.evaluate("document.documentElement.lang") == "en"

    page.locator('nav.langs a[hreflang="hi"]').click()
    page.wait_for_url(re.compile(r"lang=hi"))
    assert page.evaluate("document.documentElement.lang") == "hi"
    assert page.locator("h1").inner_text() == "चारकोप पुलिस थाना"
    assert "प्रकाशित नहीं" in page.locator(".channels").inner_text()
    assert DEVANAGARI.search(page.locator(".emergency h2").inner_text())

    page.locator('nav.langs a[hreflang="mr"]').click()
    page.wait_for_url(re.compile(r"lang=mr"))
    assert page.evaluate("document.documentElement.lang") == "mr"
    assert page.locator("h1").inner_text() == "चारकोप पोलीस ठाणे"
    assert "प्रसिद्ध नाही" in page.locator(".channels").inner_text()

    page.goto(server.url + "/")  # no ?lang: the choice is remembered
    assert page.evaluate("document.documentElement.lang") == "mr"
    assert page.locator("h1").inner_text() == "तुमचे पोलीस ठाणे शोधा"

    page.locator('nav.langs a[hreflang="en"]').click()
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.evaluate("document.documentElement.lang") == "en"


def test_station_hierarchy_is_in_the_page_language(new_context, server):
    """On a Marathi station page the zone and region are named in Marathi, as on the stations list."""
    page = new_context().new_page()
    page.goto(server.url + "/stations?lang=mr")
    assert "परिमंडळ ११" in page.locator("main").inner_text()  # the list does it
    page.goto(server.url + "/stations/charkop?lang=mr")
    hierarchy = page.locator(".hierarchy").inner_text()
    assert "परिमंडळ ११" in hierarchy and "उत्तर प्रादेशिक विभाग" in hierarchy, hierarchy


def test_language_switch_keeps_the_search(new_context, server):
    """Switching language on a result keeps the query: the same station, now in Hindi."""
    page = new_context().new_page()
    page.goto(server.url + "/?" + urlencode({"q": "Ghatkoper stn"}))
    assert card_title(page) == "Ghatkopar Police Station"
    page.locator('nav.langs a[hreflang="hi"]').click()
    page.wait_for_url(re.compile(r"lang=hi"))
    assert page.input_value("#q") == "Ghatkoper stn"
    assert card_title(page) == "घाटकोपर पुलिस थाना"


PAGES = {
    "find": "/",
    "result": "/?" + urlencode({"q": "Charkop"}),
    "station": "/stations/charkop",
    "stations": "/stations",
    "report": "/report",
}


@pytest.mark.parametrize("lang", ["en", "hi", "mr"])
def test_screenshots_and_no_horizontal_scroll_on_a_phone(new_context, server, output_dir, lang):
    """Every page in every language fits a 360 px phone (no sideways scroll); screenshots saved for review."""
    for device, options in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_context(**options).new_page()
        for name, path in PAGES.items():
            sep = "&" if "?" in path else "?"
            page.goto(f"{server.url}{path}{sep}lang={lang}")
            assert page.evaluate("document.documentElement.lang") == lang
            if lang != "en":
                assert DEVANAGARI.search(page.locator("h1").inner_text()), (name, lang)
            if device == "phone":
                width = page.evaluate("document.scrollingElement.scrollWidth")
                assert width <= 360, f"{name} ({lang}) is {width}px wide on a 360px phone"
            file = output_dir / f"{name}-{device}-{lang}.png"
            page.screenshot(path=str(file), full_page=True)
            assert file.stat().st_size > 5_000


def test_stations_list_page(new_context, server, mumbai):
    """The list shows the count and every zone, and each station links to its page."""
    page = new_context().new_page()
    page.goto(server.url + "/stations")
    assert page.locator("h1").inner_text() == "All police stations"
    assert f"{len(mumbai.stations())} police stations" in page.locator("main").inner_text()
    headings = page.locator("section.zone h2").all_inner_texts()
    for zone in mumbai.units_of_kind("zone"):
        assert any(h.startswith(zone.name) for h in headings), zone.name
    page.locator('a[href="/stations/kurla"]').click()
    page.wait_for_url(re.compile(r"/stations/kurla$"))
    assert page.locator("h1").inner_text() == "Kurla Police Station"


def test_unknown_station_page_is_a_404_page(new_context, server):
    """A station that does not exist gives a readable 404 page, with a way back to the search."""
    page = new_context().new_page()
    response = page.goto(server.url + "/stations/atlantis")
    assert response.status == 404
    assert "There is no such page." in page.locator("main").inner_text()
    assert page.locator('main a[href^="/"]').count() >= 1


def describe_focus(page) -> str:
    return page.evaluate(
        "(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''))"
        "(document.activeElement)"
    )


def test_keyboard_reaches_the_skip_link_first_then_the_search_box(new_context, server):
    """Tab: the skip link is the first stop, the search box follows the header links; the empty page focuses it."""
    page = new_context().new_page()
    page.goto(server.url + "/")
    assert describe_focus(page) == "input#q", "the empty find page puts the cursor in the search box"

    page.goto(server.url + "/?" + urlencode({"q": "Charkop"}))  # no autofocus on a result
    page.keyboard.press("Tab")
    assert describe_focus(page) == "a.skip"
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    box = page.locator("a.skip").bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0, "the focused skip link is on screen"
    stops = ["a.skip"]
    for _ in range(8):
        page.keyboard.press("Tab")
        stops.append(describe_focus(page))
        if stops[-1] == "input#q":
            break
    assert stops[-1] == "input#q", stops
    assert all(s.startswith("a") for s in stops[:-1]), f"only links come before the search box: {stops}"

    page.keyboard.press("Shift+Tab")
    while describe_focus(page) != "a.skip":
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")


def test_use_my_location_finds_the_station(new_context, server, mumbai):
    """'Use my location' with a granted, faked position inside Kurla's area lands on Kurla police station."""
    p = mumbai.jurisdictions["kurla"].representative_point()
    ctx = new_context(geolocation={"latitude": p.y, "longitude": p.x}, permissions=["geolocation"])
    page = ctx.new_page()
    errors = watch_errors(page)
    page.goto(server.url + "/?lang=hi")
    button = page.locator("#use-location")
    assert button.is_visible()
    assert button.inner_text() == "मेरी लोकेशन लें"
    button.click()
    page.wait_for_url(re.compile(r"[?&]lat="))
    assert "lang=hi" in page.url
    assert card_title(page) == "कुर्ला पुलिस थाना"
    assert page.locator(".card .how").inner_text() == "आपकी लोकेशन इस थाने के क्षेत्र में है।"
    assert errors == []


def test_use_my_location_outside_the_city(new_context, server):
    """A faked position in Navi Mumbai says the location is outside the force's area."""
    ctx = new_context(geolocation={"latitude": 19.03, "longitude": 73.03}, permissions=["geolocation"])
    page = ctx.new_page()
    page.goto(server.url + "/")
    page.locator("#use-location").click()
    page.wait_for_url(re.compile(r"[?&]lat="))
    assert page.locator(".result .card").count() == 0
    assert "outside Brihanmumbai Police's area" in page.locator(".result").inner_text()


XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


@pytest.mark.parametrize("how", ["url", "form"])
def test_xss_in_q_is_shown_as_text(new_context, server, how):
    """Markup typed into the search is shown as text: nothing runs, no element is created from it."""
    page = new_context().new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    if how == "url":
        page.goto(server.url + "/?q=" + quote(XSS))
    else:
        page.goto(server.url + "/")
        page.fill("#q", XSS)
        page.press("#q", "Enter")
        page.wait_for_url(re.compile(r"[?&]q="))
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    assert page.input_value("#q") == XSS
    assert XSS in page.locator(".result").inner_text()
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("script").count() == 1  # only the page's own locate.js

"""End to end in headless Chromium (Debian's, driven by Playwright; never a downloaded browser): the real
application with its in-process worker on a SQLite database, served on a loopback port.

A desk officer of Charkop signs in, watches a new case arrive live, replies with a canned reply and
transfers it to Borivali; the DCP of Zone 11 then sees the monitor reflect it. Screenshots of each page at
desktop (1280 px) and phone (360 px) widths go to test-output/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes.server import ServerThread
from thana.channels import IncomingMessage
from thana.packages import get_force
from thana.store.db import get_database
from thana.store.inbound import save_incoming
from thana.store.users import create_user

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
PASSWORD = "a long test password"


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not at /usr/bin/chromium (apt-get install chromium); none is downloaded")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def live():
    """The application with its worker (create_app(with_worker=True)) on the test's own SQLite database."""
    from thana.web.app import create_app

    app = create_app(with_worker=True)
    with TestClient(app):  # runs the app's lifespan: migrations, then the pipeline worker in a thread
        db = get_database()
        force = get_force("mumbai")
        create_user(db, force, "desk.charkop", role="desk_officer", unit_id="charkop", password=PASSWORD)
        create_user(db, force, "dcp.zone11", role="dcp", unit_id="zone-11", password=PASSWORD)
        create_user(db, force, "hq.one", role="hq", unit_id=None, password=PASSWORD)
        with ServerThread(app) as server:
            yield server.url, db


def sign_in(context, base: str, username: str):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("load")
    return page


def shoot(page, output_dir: Path, name: str) -> None:
    page.screenshot(path=str(output_dir / f"{name}.png"), full_page=True)
    assert (output_dir / f"{name}.png").stat().st_size > 5000


def on_phone(browser, desktop_context, url: str, output_dir: Path, name: str, check_scroll: bool = False):
    """The same page, signed in as the same officer, at 360 px."""
    context = browser.new_context(viewport=PHONE, storage_state=desktop_context.storage_state())
    page = context.new_page()
    page.goto(url)
    page.wait_for_load_state("load")
    if check_scroll:
        widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"{name}: the page scrolls sideways at 360 px ({widths[0]} > {widths[1]})"
    shoot(page, output_dir, f"{name}-phone")
    context.close()


def test_desk_officer_then_dcp(browser, live, output_dir):
    base, db = live

    # -- signing in -------------------------------------------------------------------------------
    login_context = browser.new_context(viewport=DESKTOP)
    page = login_context.new_page()
    page.goto(f"{base}/login")
    shoot(page, output_dir, "login-desktop")
    phone = browser.new_context(viewport=PHONE)
    phone_page = phone.new_page()
    phone_page.goto(f"{base}/login")
    shoot(phone_page, output_dir, "login-phone")
    phone.close()
    login_context.close()

    desk = browser.new_context(viewport=DESKTOP)
    page = sign_in(desk, base, "desk.charkop")
    assert page.url.startswith(f"{base}/inbox"), page.url
    assert page.locator("h1").inner_text().startswith("Inbox")

    # keyboard: Tab from the top of the page reaches the first filter
    page.locator("body").focus()
    reached = False
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == "status":
            reached = True
            break
    assert reached, "Tab never reached the first filter (status)"

    # -- a new case arrives live ------------------------------------------------------------------
    page.wait_for_timeout(1500)  # the page's EventSource is connected
    rows_before = page.locator("#case-rows tr").count()
    save_incoming(
        db,
        [
            IncomingMessage(
                channel="x",
                external_id="e2e-1",
                kind="post",
                text="@CharkopPS my chain was snatched near Charkop market just now, please help",
                sender="citizen_e2e",
                sender_name="A Citizen",
                addressed_to="@charkopps",
                thread_id="e2e-thread-1",
            )
        ],
    )
    fresh = page.locator("#case-rows tr.fresh")
    fresh.first.wait_for(timeout=60_000)  # the worker opens the case; the stream brings its row, no reload
    assert page.locator("#case-rows tr").count() == rows_before + 1
    reference = fresh.first.get_attribute("data-reference")
    assert re.fullmatch(r"[A-Z]+-\d{2}-\d+", reference), reference
    assert reference in page.locator("#live").inner_text()
    if page.locator("#no-cases").count():
        assert page.locator("#no-cases").is_hidden(), "'No cases match' goes once a case has arrived"
    shoot(page, output_dir, "inbox-desktop")
    on_phone(browser, desk, f"{base}/inbox", output_dir, "inbox", check_scroll=True)

    # the language switch: Marathi
    page.click("nav.langs a[lang=mr]")
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "mr"
    assert "इनबॉक्स" in page.locator("h1").inner_text()
    assert "स्थिती" in page.locator("form.filters").inner_text()
    page.click("nav.langs a[lang=en]")
    page.wait_for_load_state("load")

    # -- the case: a canned reply, then a transfer --------------------------------------------------
    page.click(f"#case-rows a:text('{reference}')")
    page.wait_for_url(f"**/cases/{reference}*")
    assert reference in page.locator("h1").inner_text()
    shoot(page, output_dir, "case-desktop")
    on_phone(browser, desk, page.url, output_dir, "case", check_scroll=True)

    page.click("details:has(button.canned) summary")
    canned = page.locator("button.canned").first
    canned_text = canned.get_attribute("data-text")
    canned.click()
    assert page.input_value("#reply-text") == canned_text
    page.click("form:has(#reply-text) button[type=submit]")
    page.wait_for_url("**done=reply*")
    replies = page.locator(".msg.out p")
    assert any(canned_text[:40] in replies.nth(i).inner_text() for i in range(replies.count())), (
        "the reply appears in the conversation"
    )

    page.select_option("#transfer-to", "borivali")
    page.fill("form:has(#transfer-to) input[name=reason]", "The market lane is in Borivali's area")
    page.click("form:has(#transfer-to) button[type=submit]")
    page.wait_for_url("**/inbox?moved=*")  # the case left Charkop's list: back to the inbox, told so
    assert reference in page.locator("p.ok[role=status]").inner_text()
    assert page.locator(f'#case-rows tr[data-reference="{reference}"]').count() == 0
    desk.close()

    # -- the DCP's monitor reflects it ---------------------------------------------------------------
    dcp = browser.new_context(viewport=DESKTOP)
    page = sign_in(dcp, base, "dcp.zone11")
    assert page.url.startswith(f"{base}/monitor"), page.url
    borivali = page.locator('#station-table tr[data-station="borivali"]')
    assert borivali.locator('td[data-key="open"]').inner_text() == "1"
    assert borivali.locator('td[data-key="received"]').inner_text() == "1"
    charkop = page.locator('#station-table tr[data-station="charkop"]')
    assert charkop.locator('td[data-key="open"]').inner_text() == "0"
    title = page.locator('svg.choropleth path[data-station="borivali"] title').text_content()
    assert title == "Borivali: 0 overdue, 1 open"
    assert page.locator("svg.choropleth").get_attribute("role") == "img"
    assert page.locator("figure.chart svg").count() == 4
    shoot(page, output_dir, "monitor-desktop")
    on_phone(browser, dcp, page.url, output_dir, "monitor")
    dcp.close()

    # -- headquarters --------------------------------------------------------------------------------
    hq = browser.new_context(viewport=DESKTOP)
    page = sign_in(hq, base, "hq.one")
    assert page.url.startswith(f"{base}/hq"), page.url
    assert page.locator("h1").inner_text() == "Headquarters"
    assert page.locator("figure.chart svg").count() == 2
    shoot(page, output_dir, "hq-desktop")
    on_phone(browser, hq, page.url, output_dir, "hq")
    hq.close()

"""Browser tests of the workbench UI (Playwright driving Debian's headless Chromium).

A real uvicorn server runs in a thread on 127.0.0.1 (random free port) over a
temp SQLite store holding the invented reports of ``workbench_data``.  The
tests check that every page loads without console errors, that the filters
and the timeline brush change what is listed, that an event shows its
evidence (highlighted in the report), that accept / reject are persisted and
audited (and revertible from the audit view), and that a report carrying
``<script>`` and ``onerror=`` payloads renders as inert text.  Screenshots go
to ``artifacts/screenshots/``.  Skipped when /usr/bin/chromium or the
playwright package is missing.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fused_samples import HOSTILE_PUBLISHER, fill_fused
from fused_samples import HOSTILE_SCRIPT as FUSED_HOSTILE_SCRIPT
from watchfloor.serve import create_app
from watchfloor.settings import Settings
from watchfloor.store import Store
from workbench_data import HOSTILE_IMG, HOSTILE_SCRIPT, fill_store

CHROMIUM = Path("/usr/bin/chromium")
TOKEN = "browser-test-token"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright Python package")


@contextlib.contextmanager
def _serve(db: Path, fill: Callable[[Store], None]) -> Iterator[str]:
    """The workbench (uvicorn in a thread) over a temp store filled by ``fill``; yields its base URL."""
    import uvicorn

    store = Store.open(f"sqlite:///{db}")
    fill(store)
    app = create_app(Settings(database_url=f"sqlite:///{db}", api_token=TOKEN), store=store)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        store.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The workbench over a temp store with the invented reports; yields its base URL."""
    with _serve(tmp_path_factory.mktemp("browser") / "wb.db", fill_store) as base:
        yield base


@pytest.fixture(scope="module")
def fused_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The workbench over a temp store with the invented reports of one attack by three outlets, fused."""
    with _serve(tmp_path_factory.mktemp("browser_fused") / "fused.db", fill_fused) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module."""
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Page:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        # bypass_csp: the escaping itself is under test (and wait_for_function needs eval)
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        self.context.set_default_timeout(30_000)  # generous: CI machines may be busy
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def open(self, route: str, *, wait_for: str) -> Any:
        """Go to a UI route (in-app navigation once the app is loaded) and wait for ``wait_for``."""
        if self.page.url.startswith(f"{self.base}/#"):
            self.page.evaluate(
                "route => { document.getElementById('view').textContent = ''; location.hash = route; }", route
            )
        else:
            self.page.goto(f"{self.base}/#{route}")
        self.page.wait_for_selector(wait_for)
        return self.page

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    def login(self) -> None:
        self.page.fill("#analyst", "tester")
        self.page.fill("#token", TOKEN)


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Page]:
    """A fresh browser context on the server; fails the test on console errors."""
    wrapped = Page(browser, server)
    try:
        yield wrapped
    finally:
        wrapped.context.close()
    assert wrapped.errors == [], f"console errors: {wrapped.errors}"


def _api(server: str, path: str, **params: Any) -> Any:
    response = httpx.get(f"{server}/api/{path}", params=params, timeout=10)
    response.raise_for_status()
    return response.json()


def _event_id(server: str, country: str) -> int:
    return int(_api(server, "events", country=country)["items"][0]["id"])


def test_every_page_loads_without_console_errors(page: Page, server: str) -> None:
    kabul = _event_id(server, "AF")
    event = _api(server, f"events/{kabul}")
    actor = event["participants"][0]["actor"]
    claim = event["claims"][0]
    routes = [
        ("events", "/events", "#event-rows tr"),
        ("event", f"/event/{kabul}", "#claims .claim"),
        ("actors", "/actors", "#actor-rows tr"),
        ("actor", f"/actor/{actor}", "#claims .claim"),
        ("network", "/network", "#network canvas"),
        ("documents", "/documents", "#document-rows tr"),
        ("document", f"/document/{claim['document']}?claim={claim['id']}", "#doc-text mark.selected"),
        ("audit", "/audit", "#view h1"),
    ]
    for name, route, selector in routes:
        page.open(route, wait_for=selector)
        page.shot(name)
    assert page.page.title() == "watchfloor workbench"
    page.page.goto(f"{server}/docs")
    page.page.wait_for_selector(".swagger-ui .info")
    page.shot("api_docs")


def test_filters_and_timeline_brush_change_the_list(page: Page, server: str) -> None:
    p = page.open("/events", wait_for="#event-rows tr")
    p.wait_for_selector("#timeline svg rect.bar")
    assert p.locator("#event-rows tr").count() == 4
    p.select_option("#filters select[name=country]", "AF")
    p.wait_for_function("document.querySelectorAll('#event-rows tr').length === 2")
    assert set(p.locator("#event-rows tr td:nth-child(3)").all_inner_texts()) == {"bombing", "armed_clash"}
    assert "country=AF" in p.url
    p.select_option("#filters select[name=type]", "bombing")
    p.wait_for_function("document.querySelectorAll('#event-rows tr').length === 1")
    p.click("#filters button[type=reset]")
    p.wait_for_function("document.querySelectorAll('#event-rows tr').length === 4")
    # brush the first bar of the timeline (March 2024): only the Kabul bombing remains
    bar = p.locator("#timeline svg rect.bar").first.bounding_box()
    assert bar is not None
    x, y = bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2
    p.mouse.move(x, y)
    p.mouse.down()
    p.mouse.move(x + 1, y)
    p.mouse.up()
    p.wait_for_function("document.querySelectorAll('#event-rows tr').length === 1")
    since, until = (p.locator(f"#filters input[name={n}]").input_value() for n in ("since", "until"))
    assert since <= "2024-03-03" <= until < "2024-04-20"
    page.shot("events_brushed")


def test_clicking_an_event_shows_its_evidence(page: Page, server: str) -> None:
    p = page.open("/events?country=SO", wait_for="#event-rows tr")
    p.locator("#event-rows tr").first.click()
    p.wait_for_selector("#claims .claim .evidence")
    evidence = p.locator("#claims .claim .evidence").first.inner_text()
    assert "stormed a hotel in Mogadishu" in evidence
    assert "grade B" in p.locator("#claims .claim .meta").first.inner_text()  # cited Associated Press
    p.locator("#claims .claim .meta a", has_text="in ").first.click()
    p.wait_for_selector("#doc-text mark.selected")
    assert "stormed a hotel in Mogadishu" in p.locator("#doc-text mark.selected").inner_text()
    page.shot("evidence_highlighted")


def test_accept_and_reject_are_persisted_and_audited(page: Page, server: str) -> None:
    event_id = _event_id(server, "SO")
    p = page.open(f"/event/{event_id}", wait_for="#claims .claim")
    page.login()
    first, second = p.locator("#claims .claim").nth(0), p.locator("#claims .claim").nth(1)
    first_id, second_id = first.get_attribute("data-claim"), second.get_attribute("data-claim")
    first.locator("button.accept").click()
    p.wait_for_selector(f"#claims .claim.accepted[data-claim='{first_id}']")
    p.locator(f"#claims .claim[data-claim='{second_id}'] button.reject").click()
    p.wait_for_selector(f"#claims .claim.rejected[data-claim='{second_id}']")
    p.reload()
    p.wait_for_selector(f"#claims .claim.accepted[data-claim='{first_id}']")
    assert p.locator(f"#claims .claim.rejected[data-claim='{second_id}']").count() == 1
    stored = _api(server, f"claims/{first_id}")
    assert stored["review"]["status"] == "accepted" and stored["review"]["reviewer"] == "tester"
    audit = _api(server, "audit", target_type="claim")["items"]
    actions = {(entry["action"], entry["target_id"]) for entry in audit}
    assert {("claim.accepted", first_id), ("claim.rejected", second_id)} <= actions
    # revert the rejection from the audit view
    p.goto(f"{server}/#/audit")
    rejected = next(e for e in audit if e["action"] == "claim.rejected" and e["target_id"] == second_id)
    p.locator(f"#audit-rows tr[data-audit='{rejected['id']}'] button.revert").click()
    p.wait_for_selector(f"#audit-rows tr[data-audit='{rejected['id']}'] >> text=reverted by")
    page.shot("audit_after_revert")
    assert _api(server, f"claims/{second_id}")["review"] is None


def test_writes_without_token_show_the_error_and_change_nothing(page: Page, server: str) -> None:
    event_id = _event_id(server, "ML")
    p = page.open(f"/event/{event_id}", wait_for="#claims .claim")
    claim = p.locator("#claims .claim").first
    claim_id = claim.get_attribute("data-claim")
    claim.locator("button.accept").click()
    p.wait_for_function("document.getElementById('status').textContent.includes('API token')")
    page.errors.clear()  # the browser logs the refused request (401) as a console error: expected here
    assert _api(server, f"claims/{claim_id}")["review"] is None


def test_hostile_report_renders_as_text(page: Page, server: str) -> None:
    event_id = _event_id(server, "ML")
    event = _api(server, f"events/{event_id}")
    p = page.open(f"/event/{event_id}", wait_for="#claims .claim")
    assert HOSTILE_SCRIPT in p.locator("#view").inner_text()
    actor = event["participants"][0]["actor"]
    p = page.open(f"/actor/{actor}", wait_for="#actor-page h1")
    assert p.locator("#actor-page h1").inner_text() == f"Brigade {HOSTILE_SCRIPT}"
    document = event["claims"][1]
    p = page.open(f"/document/{document['document']}?claim={document['id']}", wait_for="#doc-text mark.selected")
    text = p.locator("#doc-text").inner_text()
    assert HOSTILE_SCRIPT in text and HOSTILE_IMG in text
    assert p.locator("#view script").count() == 0
    assert p.locator("#view img").count() == 0
    page.open("/network", wait_for="#network canvas")
    page.open("/events?country=ML", wait_for="#event-rows tr")
    assert p.evaluate("window.__pwned") is None
    page.shot("hostile_report")


@pytest.fixture
def fused_page(browser: Any, fused_server: str) -> Iterator[Page]:
    """A fresh browser context on the fused store's server; fails the test on console errors."""
    wrapped = Page(browser, fused_server)
    try:
        yield wrapped
    finally:
        wrapped.context.close()
    assert wrapped.errors == [], f"console errors: {wrapped.errors}"


def test_event_page_shows_its_fused_event(fused_page: Page, fused_server: str) -> None:
    [fused] = _api(fused_server, "fused-events", min_reports=2)["items"]
    detail = _api(fused_server, f"fused-events/{fused['id']}")
    wire, daily, blog = detail["members"]
    p = fused_page.open(f"/event/{daily['event']}", wait_for="#fused-event #fused-members tbody tr")
    section = p.locator("#fused-event")
    assert f"Fused event #{fused['id']}: 3 reports" in section.locator("h2").inner_text()
    assert "null" not in p.locator("#event-page").inner_text()
    info = section.locator("dl.fields").inner_text()
    assert "12 (low 12, high 15)" in info and "B1" in info
    rows = p.locator("#fused-members tbody tr")
    assert rows.count() == 3
    assert [rows.nth(i).get_attribute("data-event") for i in range(3)] == [
        str(wire["event"]),
        str(daily["event"]),
        str(blog["event"]),
    ]
    assert "this report" in rows.nth(1).inner_text() and "current" in (rows.nth(1).get_attribute("class") or "")
    assert "Reuters" in rows.nth(0).inner_text() and "grade B" in rows.nth(0).inner_text()
    # the blog's outlet name and evidence carry markup: shown as text, nothing executed or loaded
    hostile = rows.nth(2).inner_text()
    assert HOSTILE_PUBLISHER in hostile and FUSED_HOSTILE_SCRIPT in hostile
    assert p.locator("#view script").count() == 0 and p.locator("#view img").count() == 0
    assert p.evaluate("window.__pwned") is None
    fused_page.shot("event_fused")
    # each sibling's evidence opens highlighted in its report
    rows.nth(0).locator("a", has_text="evidence").click()
    p.wait_for_selector("#doc-text mark.selected")
    assert "at least 12 people" in p.locator("#doc-text mark.selected").inner_text()
    p.go_back()
    p.wait_for_selector("#fused-members tbody tr")
    rows.nth(2).locator("a", has_text="event #").click()
    p.wait_for_function(f"location.hash === '#/event/{blog['event']}'")
    p.wait_for_selector("#fused-members tbody tr.current")
    assert "this report" in p.locator("#fused-members tbody tr").nth(2).inner_text()

"""GraphiQL in a real browser, with no network beyond loopback: the page and every asset come from Rhythm, the
README's log-in and dashboard run from the editor, and the result shows on the page.

Needs Chromium (Debian's `chromium` at /usr/bin/chromium, or RHYTHM_CHROMIUM) and Playwright for Python; skipped
where either is missing. RHYTHM_SCREENSHOT_DIR keeps a screenshot of the result there too.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.app.readme import document

CHROMIUM = os.environ.get("RHYTHM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# A generous cap for a busy machine: each step waits on what the page shows, never on a fixed pause.
STEP_MS = 120_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` (or set RHYTHM_CHROMIUM) to run it")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _editor(page: Any, selector: str) -> str:
    return f"document.querySelector({json.dumps(selector + ' .CodeMirror')}).CodeMirror"


def _run(page: Any, text: str) -> dict[str, Any]:
    page.evaluate(f"text => {_editor(page, '.graphiql-query-editor')}.setValue(text)", text)
    page.evaluate(f"() => {_editor(page, '.graphiql-response')}.setValue('')")
    page.click(".graphiql-execute-button")
    page.wait_for_function(f"() => {_editor(page, '.graphiql-response')}.getValue().length > 0", timeout=STEP_MS)
    return dict(json.loads(page.evaluate(f"() => {_editor(page, '.graphiql-response')}.getValue()")))


def test_graphiql_logs_in_and_shows_the_readme_dashboard_with_assets_from_rhythm_alone(
    browser: Any, demo_server: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(demo_server))
    elsewhere: list[str] = []
    page.on(
        "request", lambda request: None if request.url.startswith(("data:", origin)) else elsewhere.append(request.url)
    )
    refused: list[str] = []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )

    page.goto(demo_server, timeout=STEP_MS)
    page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=STEP_MS)

    logged_in = _run(page, document("mutation { logIn("))
    token = logged_in["data"]["logIn"]["accessToken"]

    # The header typed into GraphiQL's headers editor, as a reader does.
    page.get_by_role("button", name="Headers").click()
    headers_editor = page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    headers_editor.click()
    page.keyboard.type(f'{{"Authorization": "Bearer {token}"}}')
    typed = page.evaluate(f"() => {_editor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)')}.getValue()")
    assert json.loads(typed) == {"Authorization": f"Bearer {token}"}

    dashboard = _run(page, document("{ viewer { user {"))
    page.wait_for_selector(".graphiql-response >> text=Acme Studio", timeout=STEP_MS)
    screenshot = tmp_path / "graphiql-dashboard.png"
    page.screenshot(path=str(screenshot))
    if os.environ.get("RHYTHM_SCREENSHOT_DIR"):
        Path(os.environ["RHYTHM_SCREENSHOT_DIR"]).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, Path(os.environ["RHYTHM_SCREENSHOT_DIR"]) / screenshot.name)

    assert "errors" not in dashboard, dashboard
    viewer = dashboard["data"]["viewer"]
    assert viewer["user"]["displayName"] == "Ada Lovelace"
    companies = {company["name"]: company for company in viewer["companies"]["nodes"]}
    assert {"Acme Studio", "Globex Labs"} <= companies.keys()
    projects = {project["name"] for project in companies["Acme Studio"]["projects"]["nodes"]}
    assert projects == {"Website relaunch", "Quarterly planning"}
    assert elsewhere == [], "GraphiQL reached beyond Rhythm"
    assert refused == [], "the page broke its own Content-Security-Policy"

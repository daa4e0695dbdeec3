"""The playground in a real browser: headless Chromium (Debian's package) drives the page's composer.

Skipped with a reason where Chromium or Playwright is missing; under CI (the
``CI`` variable set) a missing browser fails instead, so CI cannot skip it.
Saves ``docs/playground.png``, the README's screenshot, after a ``/record find``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .helpers import ROOT, playground_process

if TYPE_CHECKING:
    from playwright.sync_api import Page, Response

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = ROOT / "docs" / "playground.png"
"""The README's screenshot: rewritten only with UPDATE_SCREENSHOT=1, so ordinary runs leave the tree clean."""
CHART_SHOT = ROOT / "docs" / "summary-chart.png"
"""The guide's picture of a summary with its chart, as the page shows it (also only with UPDATE_SCREENSHOT=1)."""
WAIT_MS = 15_000


def _missing() -> str | None:
    """Why the browser cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install playwright; no browser download needed)"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A page on a --demo playground started as a user starts it; it must stop with status 0 afterwards."""
    missing = _missing()
    if missing and os.environ.get("CI"):
        pytest.fail(f"the browser test must run in CI: {missing}")
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with playground_process(tmp_path, demo=True) as running, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1180})
            page.set_default_timeout(WAIT_MS)
            page.goto(running.url)
            yield page
        finally:
            browser.close()
        assert running.stop(signal.SIGINT) == 0
        assert "Traceback" not in running.stderr.read_text()


def _autocompleted(option: str, value: str) -> Callable[[Response], bool]:
    """Whether a response answers the page's autocomplete request for ``option`` holding ``value``."""

    def matches(response: Response) -> bool:
        if not response.url.endswith("/api/action"):
            return False
        body = response.request.post_data_json or {}
        return (body.get("kind"), body.get("focused"), body.get("value")) == ("autocomplete_command", option, value)

    return matches


def run(page: Page, command: str, **options: str) -> None:
    """Type ``/group``, pick ``/group sub`` in the picker, fill each option and send, as a member would."""
    from playwright.sync_api import expect

    composer = page.locator("#channel-composer-input")
    composer.click()
    group, sub = command.split()
    composer.type(f"/{group} {sub[:2]}")  # narrowed: a long list of the group's commands may hide the one wanted
    page.get_by_role("option", name=f"/{command}").click()
    for name, value in options.items():
        field = page.get_by_label(re.compile(rf"^{name}(, required)?$"))
        if not field.count():  # an optional option is added through "+N more"
            page.keyboard.press("Escape")  # closes the suggestions of the option before
            page.locator(".command-ghost").click()
            page.locator(f'.command-suggestion[data-value="{name}"]').click()
        if field.get_attribute("role") == "combobox" and value not in ("True", "False"):  # a bool's are the page's
            with page.expect_response(_autocompleted(name, value)) as answer:
                field.fill(value)
            if answer.value.json().get("result", {}).get("choices"):
                expect(page.locator(".command-popup .command-suggestion").first).to_be_visible()
        else:
            field.fill(value)
    # Send, not Enter: while suggestions are open Enter picks the highlighted one (as on Discord), and the
    # page reopens them whenever it redraws the composer, so Enter would run the command only by chance.
    page.get_by_role("button", name="Send").click()
    expect(composer).to_be_visible()  # command mode ends once the command ran


def test_table_create_record_insert_and_find_in_the_page(page: Page, tmp_path: Path) -> None:
    """The admin creates a table, inserts a record and finds it; the member is not offered /table; screenshot."""
    from playwright.sync_api import expect

    timeline = page.locator("#channel-message-list")
    last = timeline.locator("article.channel-message").last
    status = page.locator("#action-status")

    run(page, "table create", name="films", columns="title:text unique, year:int")
    expect(timeline).to_contain_text("Created table films")

    run(page, "record insert", table="films", values="title=Alien, year=1979")
    expect(timeline).to_contain_text("Inserted record 1 into films: title: Alien \u00b7 year: 1979")

    run(page, "record find", table="films")
    expect(last).to_contain_text("title: Alien")
    expect(last).to_contain_text("1 record matched")

    page.select_option("#viewer-picker", label="bob")
    composer = page.locator("#channel-composer-input")
    composer.click()
    composer.type("/table")
    expect(page.get_by_role("option", name="/table create")).to_have_count(0)  # /table is Manage Server's
    composer.press("Control+a")
    composer.press("Backspace")
    run(page, "record tables")
    expect(last).to_contain_text("films \u00b7 1 record \u00b7 read and write")
    expect(status).to_have_text("Action completed")
    expect(page.locator("#inspector-count")).to_be_hidden()

    run(page, "record find", table="books", where="year < 1950", sort="-year", columns="title, author, year")
    expect(last).to_contain_text("Nineteen Eighty-Four")
    expect(last).to_contain_text("18 records matched")
    page.locator("#channel-timeline").evaluate("timeline => { timeline.scrollTop = timeline.scrollHeight; }")
    expect(page.locator("#new-messages")).to_be_hidden()
    page.mouse.move(0, 0)  # no hover toolbar on a message
    shot = SCREENSHOT if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / SCREENSHOT.name
    shot.parent.mkdir(exist_ok=True)
    page.screenshot(path=shot, animations="disabled", caret="hide")
    assert shot.stat().st_size > 10_000


def test_summary_with_a_chart_in_the_page(page: Page, tmp_path: Path) -> None:
    """/record summary on the demo table with chart:True shows the groups and the chart, decoded by the browser."""
    from playwright.sync_api import expect

    last = page.locator("#channel-message-list article.channel-message").last
    run(page, "record summary", table="books", by="genre", chart="True")
    expect(last).to_contain_text("Summary of books")
    expect(last).to_contain_text("novel \u00b7 13 (41%)")
    chart = last.locator("img.embed-image")  # the embed's image: the attachment, as a blob the page decoded
    expect(chart).to_be_visible()
    # The page may draw the message again (a new blob) while it loads: wait until the image it shows has decoded.
    decoded = "() => [...document.querySelectorAll('img.embed-image')].some(i => i.complete && i.naturalWidth > 0)"
    page.wait_for_function(decoded)
    size = chart.evaluate("image => [image.naturalWidth, image.naturalHeight]")
    assert size[0] == 800 and 150 < size[1] < 500  # the PNG arrived and decoded in the browser
    page.mouse.move(0, 0)
    shot = CHART_SHOT if os.environ.get("UPDATE_SCREENSHOT") else tmp_path / CHART_SHOT.name
    last.screenshot(path=shot, animations="disabled")
    assert shot.stat().st_size > 10_000


def test_an_address_without_its_key_or_with_an_old_one_explains_itself(page: Page) -> None:
    """The page without its #key, or with the key of an earlier run, says what happened and what to do."""
    from playwright.sync_api import expect

    address = page.url.split("#")[0]
    explanation = page.locator("#discobase-explanation")
    expect(page.locator("#channel-composer-input")).to_be_visible()
    expect(explanation).to_have_count(0)
    page.goto(address)
    expect(explanation).to_contain_text("This address has no session key")
    expect(explanation).to_contain_text("printed in its terminal")
    page.goto(address + "#a-key-from-yesterday")
    expect(explanation).to_contain_text("This tab is from an earlier run of the playground")
    expect(explanation).to_contain_text("the tables and records of earlier runs are gone")


def test_a_tab_left_open_says_the_playground_stopped_and_then_that_it_is_old(tmp_path: Path) -> None:
    """Stopping the playground, then starting it again, turns an open tab into an explanation, never a blank page."""
    missing = _missing()
    if missing and os.environ.get("CI"):
        pytest.fail(f"the browser test must run in CI: {missing}")
    if missing:
        pytest.skip(missing)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            explanation = page.locator("#discobase-explanation")
            with playground_process(tmp_path, demo=False) as first:
                page.goto(first.url)
                expect(page.locator("#channel-composer-input")).to_be_visible()
                assert first.stop() == 0
            expect(explanation).to_contain_text("The playground has stopped")
            with playground_process(tmp_path, demo=False) as second:
                if second.url.split("#")[0] == first.url.split("#")[0]:  # the usual port was free both times
                    page.reload()
                    expect(explanation).to_contain_text("This tab is from an earlier run of the playground")
                assert second.stop() == 0
        finally:
            browser.close()

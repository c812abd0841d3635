"""`make screenshots`: PNGs of every page a persona reaches, at phone and desktop width
(docs/screenshots/<page>-phone.png, <page>-desktop.png), and a few in English (-en).

A pytest module so it reuses the browser harness (Debian's Chromium, the live server, the
personas, the quiet moment tests/conftest.py sets the clock to) and the tours of
tests/browser/test_every_page.py: the same pages, opened the same way, each shot at both
widths. Its file name does not match `test_*.py`, so `make test` never collects it; run
directly, it skips unless PORTAL_SCREENSHOTS_DIR names the output folder, as the make
target does.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, choose_language
from tests.browser.test_every_page import TOURS, VIEWPORTS, maintenance_steps

OUTPUT = os.environ.get("PORTAL_SCREENSHOTS_DIR", "")

pytestmark = pytest.mark.skipif(
    not OUTPUT, reason="screenshots are written by `make screenshots` (PORTAL_SCREENSHOTS_DIR)"
)

# Chromium on Linux takes its locale from the environment, not from the context's: a date
# input reads 「年/月/日」 only in a Chromium started in Japanese (with Debian's
# chromium-l10n installed; without it every Chromium writes "mm/dd/yyyy").
LOCALES = {
    "ja": ("ja-JP", {"LANG": "ja_JP.UTF-8", "LANGUAGE": "ja"}),
    "en": ("en-US", {"LANG": "en_US.UTF-8", "LANGUAGE": "en"}),
}

# The English shots: the pages the README shows in English, at phone width.
IN_ENGLISH = {"login", "mypage", "history"}


@pytest.fixture(scope="session")
def browsers(launch_browser):
    """A Chromium per language."""
    launched = {
        language: launch_browser(env={**os.environ, **environment})
        for language, (_locale, environment) in LOCALES.items()
    }
    yield launched
    for browser in launched.values():
        browser.close()


@pytest.fixture
def language():
    return "ja"


@pytest.fixture
def context(browsers, browser_context_args, language):
    """The context of the page fixture (tests/browser/conftest.py), in the shot's language."""
    locale = LOCALES[language][0]
    context = browsers[language].new_context(**{**browser_context_args, "locale": locale})
    yield context
    context.close()


def shoot(page, name: str, viewport_name: str, suffix: str = "") -> None:
    folder = Path(OUTPUT)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{viewport_name}{suffix}.png"
    page.screenshot(path=path, full_page=True, animations="disabled")
    assert path.stat().st_size > 0


def shoot_steps(page, steps, viewports=VIEWPORTS, suffix: str = "") -> None:
    for name, open_page in steps:
        page.set_viewport_size(PHONE)
        open_page(page)
        for viewport_name, viewport in viewports.items():
            page.set_viewport_size(viewport)
            shoot(page, name, viewport_name, suffix)


@pytest.mark.parametrize("tour", TOURS)
def test_every_page(page, personas, mailbox, tour):
    shoot_steps(page, TOURS[tour])


def test_maintenance(page, personas, fake_now):
    shoot_steps(page, maintenance_steps(fake_now))


@pytest.mark.parametrize("language", ["en"])
@pytest.mark.parametrize("tour", ["visitor", "standard"])
def test_in_english_on_a_phone(page, personas, mailbox, tour, language):
    """Key pages in English at phone width (the language switch's cookie): name-phone-en.png.

    The tour is walked up to its last page shot in English."""
    choose_language(page, language)
    steps = TOURS[tour]
    last = max(index for index, (name, _open) in enumerate(steps) if name in IN_ENGLISH)
    page.set_viewport_size(PHONE)
    for name, open_page in steps[: last + 1]:
        open_page(page)
        if name in IN_ENGLISH:
            expect(page.locator("html")).to_have_attribute("lang", "en")
            shoot(page, name, "phone", "-en")

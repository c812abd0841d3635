"""Browser journeys: Debian's Chromium, driven by Playwright, against Django's live server.

The live server runs in a thread of the test process, so the clock the tests move with
time-machine (tests/conftest.py) is the clock the server sees, and `settings` changes
reach it too. Without Chromium the journeys skip with the reason; `.ci/run` sets
PORTAL_REQUIRE_BROWSER=1, which turns that skip into a failure.
"""

import importlib
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.personas import PERSONAS, reset_demo_personas
from portal import clock
from portal.models import MaintenanceWindow

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it (factories, assertions on the database) are synchronous and safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_REQUIRED = os.environ.get("PORTAL_REQUIRE_BROWSER") == "1"

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

PERSONA = {persona.key: persona for persona in PERSONAS}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium; Playwright's own browser downloads are not available."""
    if not CHROMIUM.exists():
        reason = (
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(apt-get install -y chromium) or set PORTAL_CHROMIUM"
        )
        if BROWSER_REQUIRED:
            pytest.fail(f"{reason} (PORTAL_REQUIRE_BROWSER=1 forbids skipping)")
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_FLAGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@pytest.fixture
def personas(transactional_db):
    """The ten demo personas, as `make demo` loads them."""
    reset_demo_personas()
    return PERSONA


# Chromium reports what the Content-Security-Policy blocked on the console ("Refused to
# ... because it violates the following Content Security Policy directive"); the event
# also covers what it does not print there.
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", event => {
    console.error(`Content Security Policy violation: ${event.violatedDirective} `
        + `blocked ${event.blockedURI || "inline"} on ${event.documentURI}`);
});"""


@pytest.fixture
def page(page, live_server, settings):
    """A page whose relative URLs go to the live server, with a 10 s patience; mailed links
    lead to the live server. A Content-Security-Policy violation fails the test."""
    settings.PORTAL_BASE_URL = live_server.url
    page.set_default_timeout(10_000)
    original_goto = page.goto

    def goto(url, **kwargs):
        if url.startswith("/"):
            url = live_server.url + url
        return original_goto(url, **kwargs)

    page.goto = goto
    page.live_server_url = live_server.url
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    page.csp_violations = violations
    yield page
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


LANGUAGES = ("ja", "en")


def choose_language(page, language: str) -> None:
    """Browse in `language` as a visitor who pressed the language switch (its cookie);
    Japanese is the default (the context's locale is ja-JP)."""
    from django.conf import settings

    if language != "ja":
        cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language,
                  "url": page.live_server_url}  # fmt: skip
        page.context.add_cookies([cookie])


def fill_from_demo(page, persona_key: str, method: str = "card") -> None:
    """Open /demo/, press the persona's fill button, and wait for the filled login form."""
    page.goto("/demo/")
    button_id = f"fill-{'card' if method == 'card' else 'web-id'}-{persona_key}"
    page.locator(f"#{button_id}").click()
    page.wait_for_url(re.compile(r"/login/"))


def submit_login(page, method: str = "card") -> None:
    page.locator("#card-login-submit" if method == "card" else "#web-id-login-submit").click()
    page.wait_for_load_state()


def login_as(page, persona_key: str, method: str = "card") -> None:
    """Log in the way a presenter does: fill from /demo/, then press ログイン."""
    fill_from_demo(page, persona_key, method)
    submit_login(page, method)


def error_codes(page) -> list[str]:
    """The `data-error-code` values the page shows, in document order."""
    return page.locator("[data-error-code]").evaluate_all(
        "nodes => nodes.map(node => node.dataset.errorCode)"
    )


def expect_error_codes(page, *codes: str) -> None:
    """The page shows exactly these `data-error-code` values, in document order.

    It waits for them as Playwright's `expect` does, so a click that submits a form may
    come just before it: the answer page is awaited, never read half-loaded.
    """
    shown = page.locator("[data-error-code]")
    for index, code in enumerate(codes):
        expect(shown.nth(index)).to_have_attribute("data-error-code", code)
    expect(shown).to_have_count(len(codes))


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0: no horizontal scroll)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


# Short texts (a date, a kind, a name: 2 to 24 characters) that wrap onto more than two
# lines: a column squeezed to a character or two (「2026/12/02」 stacked a character a
# line). Visually hidden text (a 1×1 px box, for screen readers) is not looked at.
# [(parent tag, text, lines)].
SQUEEZED_TEXT = """() => {
    const hidden = el => {
        for (; el && el !== document.body; el = el.parentElement) {
            const box = el.getBoundingClientRect();
            if (box.width <= 1 && box.height <= 1) return true;
        }
        return false;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const squeezed = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        if (text.length < 2 || text.length > 24 || hidden(node.parentElement)) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (tops.size > 2) squeezed.push([node.parentElement.tagName, text, tops.size]);
    }
    return squeezed;
}"""


def squeezed_text(page) -> list:
    """Return the short texts squeezed onto more than two lines (see SQUEEZED_TEXT)."""
    return page.evaluate(SQUEEZED_TEXT)


# The amount cells (`.num`) shown whose text does not sit at the right: a lender's tables
# line amounts up by their last digit. (Up to three of them, by their text.)
MISALIGNED_AMOUNTS = """() => [...document.querySelectorAll('.num')]
    .filter(cell => cell.offsetParent !== null
        && !['right', 'end'].includes(getComputedStyle(cell).textAlign))
    .slice(0, 3).map(cell => cell.textContent.trim())"""


def misaligned_amounts(page) -> list:
    """Return the texts of amount cells not aligned to the right (see MISALIGNED_AMOUNTS)."""
    return page.evaluate(MISALIGNED_AMOUNTS)


@pytest.fixture
def fake_now(settings, monkeypatch):
    """`fake_now("2026-12-07T06:30:00+09:00")`: serve as a process started now with that
    PORTAL_FAKE_NOW (SPEC §3); the clock then runs on from there, moved by time-machine."""

    def start(value: str) -> None:
        monkeypatch.setattr(clock, "_PROCESS_STARTED_AT", timezone.now())
        clock._offset.cache_clear()  # offsets are cached per value, against the start time
        settings.PORTAL_FAKE_NOW = value

    yield start
    clock._offset.cache_clear()


def seed_default_maintenance_windows() -> None:
    """Restore the windows the migration seeds (transactional tests flush them away)."""
    migration = importlib.import_module("portal.migrations.0002_default_maintenance_windows")
    for fields in migration.DEFAULT_WINDOWS:
        MaintenanceWindow.objects.get_or_create(**fields)

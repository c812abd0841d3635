"""`make screenshots`: PNGs of the main pages at phone and desktop width (docs/screenshots/).

A pytest module so it reuses the browser harness (Debian's Chromium, the live server, the
personas, the frozen quiet moment that keeps dates and figures the same from run to run).
Its file name does not match `test_*.py`, so `make test` never collects it; run directly,
it skips unless PORTAL_SCREENSHOTS_DIR names the output folder, as the make target does.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    choose_language,
    login_as,
    seed_default_maintenance_windows,
)

OUTPUT = os.environ.get("PORTAL_SCREENSHOTS_DIR", "")

pytestmark = pytest.mark.skipif(
    not OUTPUT, reason="screenshots are written by `make screenshots` (PORTAL_SCREENSHOTS_DIR)"
)

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def shoot(page, name: str, viewport_name: str, suffix: str = "") -> None:
    folder = Path(OUTPUT)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{viewport_name}{suffix}.png"
    page.screenshot(path=path, full_page=True, animations="disabled")
    assert path.stat().st_size > 0


@pytest.fixture(params=VIEWPORTS, ids=VIEWPORTS.keys())
def viewport_name(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    return request.param


def test_login(page, personas, viewport_name):
    """The top page: both login methods side by side."""
    page.goto("/")
    expect(page.locator("#id_card_number")).to_be_visible()
    shoot(page, "login", viewport_name)


def test_help(page, personas, viewport_name):
    page.goto("/help/login/")
    expect(page.locator('[data-error-code="locked"]')).to_be_visible()
    shoot(page, "help", viewport_name)


def test_demo(page, personas, viewport_name):
    page.goto("/demo/")
    expect(page.locator("[data-persona]")).to_have_count(len(personas))
    shoot(page, "demo", viewport_name)


def test_mypage(page, personas, viewport_name):
    login_as(page, "standard", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    expect(page.locator("[data-balance]")).to_be_visible()
    shoot(page, "mypage", viewport_name)


def test_maintenance(page, personas, fake_now, viewport_name):
    """The 503 page of the Monday-morning window."""
    seed_default_maintenance_windows()
    fake_now("2026-12-07T06:30:00+09:00")
    assert page.goto("/login/").status == 503
    expect(page.locator("[data-maintenance-until]")).to_be_visible()
    shoot(page, "maintenance", viewport_name)


def test_overdue_mypage(page, personas, viewport_name):
    """The overdue member's top: one banner, what to pay today and how."""
    login_as(page, "delinquent", "card")
    expect(page.locator("#overdue-banner")).to_be_visible()
    shoot(page, "mypage-overdue", viewport_name)


def test_history(page, personas, viewport_name):
    """A list of cards on a phone, a table on a desktop; the balance chart above."""
    login_as(page, "standard", "card")
    page.goto("/mypage/history/")
    expect(page.locator("#history-table tr[data-kind]").first).to_be_visible()
    shoot(page, "history", viewport_name)


def test_points(page, personas, viewport_name):
    login_as(page, "points_rich", "card")
    page.goto("/mypage/points/")
    expect(page.locator("[data-points]").first).to_be_visible()
    shoot(page, "points", viewport_name)


def test_coupon(page, personas, viewport_name):
    """A coupon full-screen, as shown at the shop (the clock ticks)."""
    login_as(page, "standard", "card")
    page.goto("/mypage/coupons/")
    page.locator("[data-coupon-id] a").first.click()
    expect(page.locator("[data-coupon-code]")).to_be_visible()
    shoot(page, "coupon", viewport_name)


def test_atm(page, personas, viewport_name):
    """The partner ATM's screen waiting for a code, and the member's side."""
    page.goto("/atm/")
    page.locator("#atm-start-submit").click()
    expect(page.locator("[data-atm-code]")).to_be_visible()
    shoot(page, "atm-screen", viewport_name)
    login_as(page, "standard", "card")
    page.goto("/mypage/atm/")
    expect(page.locator("#id_code")).to_be_visible()
    shoot(page, "atm-member", viewport_name)


def open_login(page) -> None:
    page.goto("/")
    expect(page.locator("#id_card_number")).to_be_visible()


def open_mypage(page) -> None:
    login_as(page, "standard", "card")
    expect(page.locator("[data-balance]")).to_be_visible()


def open_history(page) -> None:
    login_as(page, "standard", "card")
    page.goto("/mypage/history/")
    expect(page.locator("#history-table tr[data-kind]").first).to_be_visible()


IN_ENGLISH = {"login": open_login, "mypage": open_mypage, "history": open_history}


@pytest.mark.parametrize("name", IN_ENGLISH)
def test_in_english_on_a_phone(page, personas, name):
    """Key pages in English at phone width (the language switch's cookie): name-phone-en.png."""
    choose_language(page, "en")
    page.set_viewport_size(PHONE)
    IN_ENGLISH[name](page)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shoot(page, name, "phone", "-en")

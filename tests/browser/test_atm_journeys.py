"""The smartphone ATM in real browsers (SPEC §8): the partner ATM's screen in one window,
the member's phone (390 px wide) in another.

The clock (tests/conftest.py) is Wednesday 2026-12-09 12:00 in Tokyo and runs on, so the
screen's countdown and polling see time pass as in a demo.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    REPORT_CSP_VIOLATIONS,
    horizontal_overflow,
    login_as,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def atm_screen(browser, live_server):
    """A second window, the partner ATM's screen; a Content-Security-Policy violation
    there fails the test too."""
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport=DESKTOP)
    screen = context.new_page()
    screen.set_default_timeout(10_000)
    violations = []
    screen.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    screen.add_init_script(REPORT_CSP_VIOLATIONS)
    screen.goto(f"{live_server.url}/atm/")
    yield screen
    context.close()
    assert not violations, "Content-Security-Policy violations:\n" + "\n".join(violations)


def start_session(screen) -> str:
    """Press the ATM's start button; return the code the screen shows."""
    screen.locator("#atm-start-submit").click()
    expect(screen).to_have_url(re.compile(r"/atm/s/[^/]+/$"))
    expect(screen.locator("#atm-screen")).to_have_attribute("data-atm-state", "waiting")
    expect(screen.locator(".atm-qr svg")).to_be_visible()
    expect(screen.locator("#atm-countdown")).to_have_text(re.compile(r"^[0-3]:[0-5]\d$"))
    return screen.locator("[data-atm-code]").get_attribute("data-atm-code")


def test_withdrawing_10000_yen_at_the_smartphone_atm(page, personas, atm_screen):
    """The member types the ATM's code on the phone and withdraws 10,000 yen: the ATM's
    screen follows by itself (claimed, then done with お取り出しください), and the history
    shows the withdrawal and its 110-yen fee on the smartphone-ATM channel."""
    page.set_viewport_size(PHONE)
    code = start_session(atm_screen)
    screen = atm_screen.locator("#atm-screen")

    login_as(page, "standard", "card")
    page.locator("#menu-atm").click()
    expect(page).to_have_url(re.compile(r"/mypage/atm/$"))
    assert horizontal_overflow(page) == 0
    page.locator("#id_code").fill(code)
    page.get_by_label("お借入れ（出金）").check()
    page.locator("#id_amount").fill("10000")
    page.locator("#atm-submit").click()

    expect(page.locator("[data-amount]")).to_have_attribute("data-amount", "10000")
    expect(page.locator("[data-fee]")).to_have_attribute("data-fee", "110")
    expect(screen).to_have_attribute("data-atm-state", "claimed")
    page.locator("#atm-confirm-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/atm/done/\d+/$"))
    expect(page.locator("#ledger-done")).to_have_attribute("data-kind", "borrowing")
    expect(screen).to_have_attribute("data-atm-state", "done")
    result = atm_screen.locator("[data-atm-result]")
    expect(result).to_have_attribute("data-amount", "10000")
    expect(result).to_contain_text("お取り出しください")

    page.locator("#main").get_by_role("link", name="ご利用履歴").click()
    rows = page.locator("#history-table tbody tr[data-kind]")
    expect(rows.nth(0)).to_have_attribute("data-kind", "atm_fee")
    expect(rows.nth(0)).to_have_attribute("data-amount", "110")
    expect(rows.nth(0)).to_contain_text("スマホATM")
    expect(rows.nth(1)).to_have_attribute("data-kind", "borrowing")
    expect(rows.nth(1)).to_have_attribute("data-amount", "10000")
    assert horizontal_overflow(page) == 0


def test_the_qr_codes_address_fills_in_the_code(page, personas, atm_screen):
    """A phone's camera app opens the QR code's address, /mypage/atm/?code=…: the code is
    filled in."""
    page.set_viewport_size(PHONE)
    code = start_session(atm_screen)
    login_as(page, "standard", "card")

    page.goto(f"/mypage/atm/?code={code}")

    expect(page.locator("#id_code")).to_have_value(code)


def test_cancelling_at_the_atm_refuses_the_code(page, personas, atm_screen):
    page.set_viewport_size(PHONE)
    code = start_session(atm_screen)
    atm_screen.locator("#atm-cancel-submit").click()
    expect(atm_screen.locator("#atm-screen")).to_have_attribute("data-atm-state", "cancelled")

    login_as(page, "standard", "card")
    page.goto("/mypage/atm/")
    page.locator("#id_code").fill(code)
    page.locator("#id_amount").fill("10000")
    page.locator("#atm-submit").click()

    expect(page.locator('[data-error-code="atm_code_cancelled"]')).to_be_visible()

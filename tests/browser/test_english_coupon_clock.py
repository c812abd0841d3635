"""The coupon clock in English (issue 13): the page gives the script its format and month
names, so the ticking time reads as the rest of the English page ("9 Dec 2026 12:00:05")."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, login_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_coupon_clock_ticks_in_english(page, personas):
    page.set_viewport_size(PHONE)
    login_as(page, "standard", "card")
    page.locator("#language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto("/mypage/coupons/")
    page.locator("[data-coupon-id] a").first.click()

    clock = page.locator("#coupon-clock")
    english = re.compile(r"^9 Dec 2026 12:\d\d:\d\d$")
    expect(clock).to_have_text(english)
    first = clock.inner_text()
    expect(clock).not_to_have_text(first, timeout=5_000)  # the script's tick
    expect(clock).to_have_text(english)

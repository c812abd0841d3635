"""The point service in a real browser (SPEC §7): join from 各種お申し込み, redeem 250
points and find the interest-free days in the interest inquiry.

The frozen clock (tests/conftest.py) is Wednesday 2026-12-09 12:00 in Tokyo.
"""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, horizontal_overflow, login_as

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2026, 12, 9)


def figure(page, name: str) -> str:
    element = page.locator(f"[data-{name}]")
    expect(element).to_have_count(1)
    return element.get_attribute(f"data-{name}")


def test_a_member_joins_from_the_applications_menu(page, personas):
    login_as(page, "card_only", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    expect(page.locator("[data-points]")).to_have_count(0)
    expect(page.locator("#points-invitation")).to_be_visible()

    page.locator("#menu-apply-points").click()  # 各種お申し込み
    expect(page).to_have_url(re.compile(r"/mypage/points/#points-join$"))
    page.locator("#join-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/points/$"))
    expect(page.locator("#points-balance")).to_have_attribute("data-points", "100")
    expect(page.locator("#points-history tbody tr[data-kind]")).to_have_count(1)
    expect(page.locator("#points-history tbody tr").first).to_have_attribute("data-kind", "join")
    expect(page.locator("#join-submit")).to_have_count(0)
    page.get_by_role("link", name="会員トップに戻る").click()
    assert figure(page, "points") == "100"


def test_redeeming_250_points_gives_7_interest_free_days_in_the_inquiry(page, personas):
    page.set_viewport_size(PHONE)
    login_as(page, "points_rich", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    balance = int(figure(page, "points"))
    assert balance >= 1_390
    expect(page.locator("[data-interest-free-days]")).to_have_count(0)  # none to show

    page.locator("#menu-points").click()
    expect(page).to_have_url(re.compile(r"/mypage/points/$"))
    assert horizontal_overflow(page) == 0
    page.get_by_label(re.compile("無利息7日間")).check()
    page.locator("#redeem-submit").click()

    expect(page.locator("[data-cost]")).to_have_attribute("data-cost", "250")
    expect(page.locator("[data-points-after]")).to_have_attribute(
        "data-points-after", str(balance - 250)
    )
    page.locator("#redeem-confirm-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/points/redeem/done/\d+/$"))
    done = page.locator("#redeem-done")
    expect(done).to_have_attribute("data-benefit", "interest_free_7")
    expect(done).to_have_attribute("data-points", "-250")
    expect(done).to_have_attribute("data-balance-after", str(balance - 250))

    page.locator("#link-interest").click()
    expect(page).to_have_url(re.compile(r"/mypage/interest/$"))
    page.get_by_label("ご返済予定日").fill((TODAY + dt.timedelta(days=6)).isoformat())
    page.get_by_label("ご返済予定日").press("Enter")
    expect(page.locator("[data-interest-waived]")).to_have_count(1)
    assert int(figure(page, "interest-waived")) > 0

    page.goto("/mypage/")
    assert figure(page, "interest-free-days") == "7"
    assert figure(page, "points") == str(balance - 250)
    page.goto("/mypage/points/")
    newest = page.locator("#points-history tbody tr[data-kind]").first
    expect(newest).to_have_attribute("data-kind", "redemption")
    expect(newest).to_have_attribute("data-points", "-250")


def test_an_atm_fee_benefit_shows_on_the_member_page(page, personas):
    login_as(page, "standard", "web_id")
    page.goto("/mypage/points/")
    page.get_by_label(re.compile("提携ATM手数料無料")).check()
    page.locator("#redeem-submit").click()
    page.locator("#redeem-confirm-submit").click()
    expect(page.locator("#redeem-done")).to_have_attribute("data-benefit", "atm_fee_free")

    page.goto("/mypage/")
    assert figure(page, "benefit-until") == "2027-01-31"

    page.goto("/mypage/points/")  # a second waiver would add nothing
    page.get_by_label(re.compile("提携ATM手数料無料")).check()
    page.locator("#redeem-submit").click()
    expect(page.locator("[data-error-code]")).to_have_attribute("data-error-code", "benefit_active")

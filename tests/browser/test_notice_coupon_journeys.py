"""Notices and coupons in a real browser (SPEC §7): read a designated notice and see its
points; open a coupon full-screen on a phone and watch its clock tick.

The server's clock is the frozen Wednesday 2026-12-09 12:00 in Tokyo (tests/conftest.py),
running on; the coupon's clock starts from it and ticks by the browser's own time.
"""

import re

import pytest
from playwright.sync_api import expect

from demo.notices import DEMO_NOTICES
from members.models import Member
from points import selectors, services
from points.models import Notice, PointEntry, Reason
from tests.browser.conftest import PERSONA, PHONE, horizontal_overflow, login_as

pytestmark = pytest.mark.django_db(transaction=True)

DESIGNATED = next(notice for notice in DEMO_NOTICES if notice.points and not notice.for_personas)


def test_reading_a_designated_notice_earns_its_points_once(page, personas):
    member = Member.objects.get(member_number=PERSONA["standard"].member_number)
    if selectors.account_of(member) is None:
        services.join(member=member)
    login_as(page, "standard", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    balance = selectors.balance_of(member)  # with the month's first-login points
    unread = int(page.locator("[data-unread-notices]").get_attribute("data-unread-notices"))
    assert unread >= 2  # the demo's notice for everyone with points, and the one for standard

    page.locator("#menu-notices").click()
    expect(page).to_have_url(re.compile(r"/mypage/notices/$"))
    page.get_by_role("link", name=DESIGNATED.title).click()

    notice = page.locator("#notice")
    expect(notice).to_have_attribute("data-points-status", "earned")
    expect(page.locator("[data-points-earned]")).to_have_attribute(
        "data-points-earned", str(DESIGNATED.points)
    )
    expect(page.locator("#notice-points-earned")).to_contain_text(f"{DESIGNATED.points}ポイント")
    assert selectors.balance_of(member) == balance + DESIGNATED.points

    page.reload()
    expect(notice).to_have_attribute("data-points-status", "already_earned")
    page.locator("#back-to-notices").click()
    pk = Notice.objects.get(title=DESIGNATED.title).pk
    expect(page.locator(f'li[data-notice-id="{pk}"]')).to_have_attribute("data-read", "true")
    page.goto("/mypage/")
    expect(page.locator("[data-unread-notices]")).to_have_attribute(
        "data-unread-notices", str(unread - 1)
    )
    assert PointEntry.objects.filter(member=member, reason=Reason.NOTICE).count() == 1
    assert selectors.balance_of(member) == balance + DESIGNATED.points


def test_a_coupon_opens_full_screen_on_a_phone_with_a_ticking_clock(page, personas):
    page.set_viewport_size(PHONE)
    login_as(page, "standard", "card")
    page.locator("#menu-coupons").click()
    expect(page).to_have_url(re.compile(r"/mypage/coupons/$"))
    coupons = page.locator("[data-coupon-id]")
    expect(coupons.first).to_be_visible()
    assert horizontal_overflow(page) == 0
    # The demo's ended and not-yet-started coupons are not offered.
    assert page.get_by_text("DEMO-CINEMA-OLD").count() == 0
    coupons.first.get_by_role("link").click()

    expect(page).to_have_url(re.compile(r"/mypage/coupons/\d+/$"))
    code = page.locator("[data-coupon-code]")
    expect(code).to_be_visible()
    assert code.get_attribute("data-coupon-code") == code.inner_text()
    qr = page.locator(".coupon-qr-wrap svg")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 150 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert horizontal_overflow(page) == 0

    clock = page.locator("#coupon-clock")
    expect(clock).to_have_text(re.compile(r"^2026年12月9日 12:\d\d:\d\d$"))
    first = clock.inner_text()
    # The script's tick, not a server round trip: the text changes within a few seconds.
    expect(clock).not_to_have_text(first, timeout=5_000)
    expect(clock).to_have_text(re.compile(r"^2026年12月9日 12:\d\d:\d\d$"))

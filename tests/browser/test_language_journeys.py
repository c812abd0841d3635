"""Switching the language with the header's buttons, in a real browser (issue 13).

A visitor switches to English on the login page, logs in and finds the member top in
English; switching back to 日本語 stays on the same page. Staff do the same on the admin's
sign-in page. Japanese left on an English page is listed (tests/english.py) once the
journey has come back, so a missing translation never hides a broken switch.
"""

import re

import pytest
from playwright.sync_api import expect

from members.models import Member
from tests.browser.conftest import (
    PERSONA,
    PHONE,
    horizontal_overflow,
    squeezed_text,
    submit_login,
)
from tests.english import japanese_outside_data
from tests.english_crawl import japanese_report
from tests.factories import StaffFactory
from tests.staff_sign_in import STAFF_PASSWORD


def expect_language(page, language: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator(f"#language-{language}")).to_have_attribute("aria-pressed", "true")


def test_switch_on_the_login_page_log_in_in_english_and_switch_back(page, personas):
    standard = PERSONA["standard"]
    page.goto("/login/")
    expect_language(page, "ja")

    page.locator("#language-en").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect_language(page, "en")
    login_japanese = japanese_outside_data(page.content())

    page.locator("#id_card_number").fill(standard.card_number)
    page.locator("#id_pin").fill(standard.pin)
    submit_login(page, "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    expect_language(page, "en")
    mypage_japanese = japanese_outside_data(page.content())
    assert Member.objects.get(card_number=standard.card_number).language == "en"

    page.locator("#language-ja").click()
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    expect_language(page, "ja")
    assert Member.objects.get(card_number=standard.card_number).language == "ja"

    found = [(page, pieces) for page, pieces in [("/login/", login_japanese),
             ("/mypage/", mypage_japanese)] if pieces]  # fmt: skip
    if found:
        pytest.fail(japanese_report(found), pytrace=False)


def test_staff_switch_on_the_admin_sign_in_and_back(page, transactional_db):
    staff = StaffFactory(username="clerk-ito", is_superuser=True)
    page.set_viewport_size(PHONE)  # the switch shares the narrow sign-in box's header
    page.goto("/admin/")
    expect_language(page, "ja")

    page.locator("#language-en").click()
    expect(page).to_have_url(re.compile(r"/admin/login/"))
    expect_language(page, "en")
    assert (squeezed_text(page), horizontal_overflow(page)) == ([], 0)
    page.locator("#id_username").fill(staff.username)
    page.locator("#id_password").fill(STAFF_PASSWORD)
    page.locator("#login-form [type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect_language(page, "en")
    expect(page.locator("#user-tools")).to_contain_text("Two-factor authentication")

    page.locator("#language-ja").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect_language(page, "ja")
    expect(page.locator("#user-tools")).to_contain_text("二段階認証")

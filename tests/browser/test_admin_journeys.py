"""Staff sign-in journeys in a real browser: staff ID and password, then the TOTP code
(SPEC §4 "Session"), and a staff member replacing their own device."""

import re

from playwright.sync_api import expect

from members import staff_login
from tests.browser.conftest import error_codes
from tests.factories import StaffFactory
from tests.staff_sign_in import STAFF_PASSWORD, current_code, wrong_code

ADMIN_INDEX = re.compile(r"/admin/$")
CODE_STEP = re.compile(r"/admin/login/code/")


def sign_in_with_password(page, username: str, password: str) -> None:
    page.get_by_label("スタッフID").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()


def test_staff_sign_in_with_password_then_code(page, transactional_db, settings):
    settings.PORTAL_DEMO = False
    staff = StaffFactory(username="clerk-sato", is_superuser=True)
    device = staff_login.enroll_staff_device(staff=staff)

    page.goto("/admin/")
    sign_in_with_password(page, staff.username, "wrong-pass")
    assert error_codes(page) == ["invalid_credentials"]

    sign_in_with_password(page, staff.username, STAFF_PASSWORD)
    expect(page).to_have_url(CODE_STEP)
    page.get_by_label("確認コード").fill(wrong_code(device))
    page.get_by_role("button", name="確認する").click()
    assert error_codes(page) == ["invalid_credentials"]

    page.get_by_label("確認コード").fill(current_code(device))
    page.get_by_role("button", name="確認する").click()
    expect(page).to_have_url(ADMIN_INDEX)

    # The staff member replaces their own device: a QR code, then a code from it.
    page.get_by_role("link", name="二段階認証").click()
    page.get_by_role("button", name="端末を登録し直す").click()
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    pending = staff_login.pending_staff_device(staff)
    page.get_by_label("確認コード").fill(current_code(pending))
    page.get_by_role("button", name="確認して登録する").click()
    expect(page).to_have_url(ADMIN_INDEX)
    assert staff_login.staff_device(staff) == pending


def test_in_demo_mode_the_password_alone_signs_staff_in(page, transactional_db, settings):
    settings.PORTAL_DEMO = True
    staff = StaffFactory(is_superuser=True)

    page.goto("/admin/")
    sign_in_with_password(page, staff.username, STAFF_PASSWORD)

    expect(page).to_have_url(ADMIN_INDEX)

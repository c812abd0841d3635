"""Staff sign-in journeys in a real browser: staff ID and password, then the TOTP code
(SPEC §4 "Session"), and a staff member replacing their own device."""

import re

from playwright.sync_api import expect

from demo.fake_data import GENERATED_PIN
from members import staff_login
from tests.browser.conftest import expect_error_codes
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
    expect_error_codes(page, "invalid_credentials")

    sign_in_with_password(page, staff.username, STAFF_PASSWORD)
    expect(page).to_have_url(CODE_STEP)
    page.get_by_label("確認コード").fill(wrong_code(device))
    page.get_by_role("button", name="確認する").click()
    expect_error_codes(page, "invalid_credentials")

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


def test_staff_generate_members_and_find_them_with_their_credentials(
    page, transactional_db, settings
):
    settings.PORTAL_DEMO = True
    staff = StaffFactory(is_superuser=True)
    page.goto("/admin/")
    sign_in_with_password(page, staff.username, STAFF_PASSWORD)

    page.goto("/admin/members/member/")
    page.get_by_role("link", name="架空会員を生成").click()
    page.get_by_label("人数").fill("2")
    page.get_by_label("取引件数（目安）").fill("1")
    page.get_by_role("button", name="生成する").click()

    rows = page.locator("#generated-members tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(GENERATED_PIN)
    with page.expect_download() as download:
        page.get_by_role("link", name="CSVでダウンロード").click()
    assert download.value.suggested_filename.startswith("generated-members-")

    page.get_by_role("link", name="この一括生成の会員を一覧で見る").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    assert page.csp_violations == []

"""Account self-service in a real browser (SPEC §5, §9; issue #4 item 8).

Every mail a journey needs is read where a demo user reads it: the demo mailbox
(/demo/mailbox/), whose links are clicked like in a mail client.
"""

import re

import pytest
from playwright.sync_api import expect

from members.models import Member, TransferAccount
from tests.browser.conftest import expect_error_codes, login_as

pytestmark = pytest.mark.django_db(transaction=True)

NEW_WEB_ID = "hanako2026"
NEW_PASSWORD = "Sakura2026x"


@pytest.fixture(autouse=True)
def _mail_into_mailbox(mailbox):
    """Send through the portal's backend so every mail lands in the demo mailbox."""


def log_out(page) -> None:
    page.locator("#logout-button").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.locator('[data-notice="logged_out"]')).to_be_visible()


def log_in_with_web_id(page, web_id: str, password: str) -> None:
    """Type a Web-ID and password into the login page's Web-ID form and press ログイン."""
    page.goto("/login/")
    page.locator("#id_web_id").fill(web_id)
    page.locator("#id_password").fill(password)
    page.locator("#web-id-login-submit").click()


def open_newest_mail(page, to: str, subject: str):
    """Open the demo mailbox, filter by recipient, open the newest mail; return its article."""
    page.goto("/demo/mailbox/")
    page.get_by_label("宛先で絞り込み").fill(to)
    page.get_by_role("button", name="絞り込む").click()
    expect(page).to_have_url(re.compile(r"[?&]to="))
    newest = page.locator("#mailbox tbody tr[data-mail-id]").first
    expect(newest).to_have_attribute("data-to", to)
    expect(newest).to_contain_text(subject)
    newest.get_by_role("link").click()
    mail = page.locator("article[data-mail-id]")
    expect(mail.get_by_role("heading", level=1)).to_contain_text(subject)
    return mail


def mails_to(page, to: str) -> list[str]:
    """The subjects of the mailbox's mails to `to`, newest first."""
    page.goto(f"/demo/mailbox/?to={to}")
    rows = page.locator("#mailbox tbody tr[data-mail-id]")
    return [row.locator("td").nth(2).inner_text() for row in rows.all()]


def test_card_only_member_registers_a_web_id_and_logs_in_with_it(page, personas):
    """A card-only member registers a Web-ID in settings, gets the confirmation mail, and the
    new Web-ID and password open the member page."""
    persona = personas["card_only"]
    login_as(page, "card_only", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))

    page.locator("#menu-settings").click()
    expect(page.locator("[data-web-id]")).to_have_attribute("data-web-id", "")
    page.locator("#link-settings-web-id").click()
    expect(page).to_have_url(re.compile(r"/mypage/settings/web-id/$"))
    page.get_by_label("暗証番号（ご本人確認）").fill(persona.pin)
    page.locator("#id_web_id").fill(NEW_WEB_ID)
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.locator("#id_password_confirm").fill(NEW_PASSWORD)
    page.locator("#settings-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/settings/$"))
    expect(page.locator('[data-notice="saved"]')).to_be_visible()
    expect(page.locator("[data-web-id]")).to_have_attribute("data-web-id", NEW_WEB_ID)

    mail = open_newest_mail(page, persona.email, "Web-IDを登録しました")
    expect(mail).to_contain_text(f"Web-ID: {NEW_WEB_ID}")
    expect(mail).not_to_contain_text(NEW_PASSWORD)

    page.goto("/mypage/")
    log_out(page)
    log_in_with_web_id(page, NEW_WEB_ID, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    expect(page.locator("[data-member-number]")).to_have_attribute(
        "data-member-number", persona.member_number
    )


def test_web_id_registration_waits_for_the_mailbox_verification_link(page, personas):
    """Without a verified address the Web-ID page sends the member to verify it first; the
    verification link from the mailbox unlocks the registration, and the Web-ID then works."""
    persona = personas["card_only"]
    Member.objects.filter(member_number=persona.member_number).update(email_verified=False)
    login_as(page, "card_only", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))

    page.locator("#menu-register-web-id").click()
    expect_error_codes(page, "email_not_verified")
    expect(page.locator("#id_web_id")).to_have_count(0)
    page.get_by_role("link", name="メールアドレスを登録・確認する").click()
    page.locator("#email-resend-submit").click()
    expect(page.locator('[data-notice="verification_sent"]')).to_be_visible()

    mail = open_newest_mail(page, persona.email, "メールアドレスのご確認")
    mail.get_by_role("link", name=re.compile(r"\/account\/email\/verify\/")).click()
    page.locator("#verify-email-submit").click()
    expect(page.locator('[data-notice="email_verified"]')).to_contain_text(persona.email)
    # An unverified address gets nothing but its verification mail (no new-browser alert).
    (only_mail,) = mails_to(page, persona.email)
    assert only_mail.endswith("メールアドレスのご確認")

    page.goto("/mypage/settings/")
    expect(page.locator("[data-email-verified]")).to_have_attribute("data-email-verified", "true")
    page.locator("#link-settings-web-id").click()
    page.get_by_label("暗証番号（ご本人確認）").fill(persona.pin)
    page.locator("#id_web_id").fill(NEW_WEB_ID)
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.locator("#id_password_confirm").fill(NEW_PASSWORD)
    page.locator("#settings-submit").click()
    expect(page.locator("[data-web-id]")).to_have_attribute("data-web-id", NEW_WEB_ID)
    open_newest_mail(page, persona.email, "Web-IDを登録しました")

    page.goto("/mypage/")
    log_out(page)
    log_in_with_web_id(page, NEW_WEB_ID, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    expect(page.locator("[data-member-number]")).to_have_attribute(
        "data-member-number", persona.member_number
    )


def test_locked_web_id_is_recovered_through_the_mailbox_link(page, personas):
    """The locked Web-ID: forgot password → mail → reset link → new password → login works;
    the link is single use."""
    persona = personas["webid_locked"]
    new_password = "Unlocked2026"

    log_in_with_web_id(page, persona.web_id, persona.password)
    expect_error_codes(page, "locked")

    page.locator("#forgot-password-link").click()
    expect(page).to_have_url(re.compile(r"/account/password/forgot/$"))
    page.locator("#id_web_id").fill(persona.web_id)
    page.locator("#id_email").fill(persona.email)
    page.locator("#account-submit").click()
    expect(page.locator('[data-notice="recovery_sent"]')).to_be_visible()

    mail = open_newest_mail(page, persona.email, "パスワード再設定のご案内")
    reset_link = mail.get_by_role("link", name=re.compile(r"\/account\/password\/reset\/"))
    reset_url = reset_link.get_attribute("href")
    reset_link.click()
    page.locator("#id_password").fill(new_password)
    page.locator("#id_password_confirm").fill(new_password)
    page.locator("#account-submit").click()
    expect(page.locator('[data-notice="password_reset"]')).to_be_visible()

    page.get_by_role("link", name="ログイン画面に戻る").click()
    log_in_with_web_id(page, persona.web_id, new_password)
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    expect(page.locator("[data-member-number]")).to_have_attribute(
        "data-member-number", persona.member_number
    )

    page.goto(reset_url)
    expect_error_codes(page, "link_invalid")


def test_address_change_is_saved_normalised_and_announced_by_mail(page, personas):
    """A postal code typed with a hyphen is stored as 7 digits; the change mail arrives."""
    persona = personas["standard"]
    login_as(page, "standard", "card")
    page.locator("#menu-settings").click()
    page.locator("#link-settings-profile").click()
    expect(page).to_have_url(re.compile(r"/mypage/settings/profile/$"))

    page.get_by_label("郵便番号").fill("530-0001")
    page.get_by_label("都道府県").select_option("大阪府")
    page.get_by_label("市区町村").fill("大阪市北区")
    page.get_by_label("番地").fill("梅田1-2-3")
    page.locator("#settings-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/settings/$"))
    expect(page.locator('[data-notice="saved"]')).to_be_visible()
    expect(page.locator("main")).to_contain_text("〒530-0001 大阪府大阪市北区梅田1-2-3")
    member = Member.objects.get(member_number=persona.member_number)
    assert (member.postal_code, member.prefecture, member.city, member.street) == (
        "5300001",
        "大阪府",
        "大阪市北区",
        "梅田1-2-3",
    )

    mail = open_newest_mail(page, persona.email, "ご登録内容の変更のお知らせ")
    expect(mail).to_contain_text("住所")


def test_bad_postal_code_shows_a_field_error_and_changes_nothing(page, personas):
    persona = personas["standard"]
    login_as(page, "standard", "card")
    page.goto("/mypage/settings/profile/")
    page.get_by_label("郵便番号").fill("530-001")
    page.get_by_label("都道府県").select_option("大阪府")
    page.locator("#settings-submit").click()

    expect_error_codes(page, "format_postal_code")
    member = Member.objects.get(member_number=persona.member_number)
    assert (member.postal_code, member.prefecture) == ("1000001", "東京都")


def _account_of(persona) -> tuple:
    return TransferAccount.objects.filter(member__member_number=persona.member_number).values_list(
        "bank_code", "branch_code", "account_type", "account_number", "holder_kana"
    )[0]


def test_transfer_account_needs_the_members_own_kana_name(page, personas):
    """A holder name that is not the member's is refused at the field and nothing is saved;
    the member's own name typed in half-width katakana is accepted and stored full-width."""
    persona = personas["standard"]
    before = _account_of(persona)
    login_as(page, "standard", "card")
    page.locator("#menu-settings").click()
    page.locator("#link-settings-transfer-account").click()
    expect(page).to_have_url(re.compile(r"/mypage/settings/transfer-account/$"))

    page.get_by_label("金融機関コード").fill("0005")
    page.get_by_label("支店コード").fill("123")
    page.get_by_label("当座").check()
    page.get_by_label("口座番号").fill("7654321")
    page.get_by_label("口座名義（カナ）").fill("スズキ イチロウ")
    page.get_by_label("暗証番号（ご本人確認）").fill(persona.pin)
    page.locator("#settings-submit").click()

    holder_field = page.locator("#id_holder_kana").locator("xpath=..")
    expect(holder_field.locator("[data-error-code]")).to_have_attribute(
        "data-error-code", "holder_mismatch"
    )
    expect_error_codes(page, "holder_mismatch")
    assert _account_of(persona) == before

    # The other fields kept what was typed; only the name needs correcting.
    expect(page.get_by_label("口座番号")).to_have_value("7654321")
    page.get_by_label("口座名義（カナ）").fill("ﾔﾏﾀﾞ ﾀﾛｳ")
    page.get_by_label("暗証番号（ご本人確認）").fill(persona.pin)  # never shown again
    page.locator("#settings-submit").click()

    expect(page).to_have_url(re.compile(r"/mypage/settings/$"))
    expect(page.locator('[data-notice="saved"]')).to_be_visible()
    expect(page.locator("main")).to_contain_text("0005-123 当座 7654321 ヤマダ タロウ")
    assert _account_of(persona) == ("0005", "123", "current", "7654321", persona.name_kana)
    mail = open_newest_mail(page, persona.email, "ご登録内容の変更のお知らせ")
    expect(mail).to_contain_text("振込先口座")


def test_an_e_mail_change_asks_for_the_pin_and_the_old_address_is_told(page, personas):
    """Without the PIN of this card login the address stays; with it, the new address gets
    the link, and once it is verified the old address is told of the change."""
    persona = personas["standard"]
    new_address = "hanako.new@example.jp"
    login_as(page, "standard", "card")
    page.locator("#menu-settings").click()
    page.locator("#link-settings-email").click()
    expect(page).to_have_url(re.compile(r"/mypage/settings/email/$"))
    expect(page.get_by_label("現在のパスワード")).to_have_count(0)  # a card login: the PIN

    page.get_by_label("新しいメールアドレス").fill(new_address)
    page.get_by_label("暗証番号（ご本人確認）").fill("9876")  # not the PIN
    page.locator("#settings-submit").click()
    expect_error_codes(page, "invalid_credentials")
    assert Member.objects.get(member_number=persona.member_number).pending_email == ""

    page.get_by_label("暗証番号（ご本人確認）").fill(persona.pin)
    page.locator("#settings-submit").click()
    expect(page.locator('[data-notice="verification_sent"]')).to_be_visible()
    expect(page.locator("[data-pending-email]")).to_have_attribute(
        "data-pending-email", new_address
    )

    mail = open_newest_mail(page, new_address, "メールアドレスのご確認")
    mail.get_by_role("link", name=re.compile(r"\/account\/email\/verify\/")).click()
    page.locator("#verify-email-submit").click()
    expect(page.locator('[data-notice="email_verified"]')).to_contain_text(new_address)
    notice = open_newest_mail(page, persona.email, "ご登録内容の変更のお知らせ")
    expect(notice).to_contain_text("メールアドレス")


def test_a_member_ends_the_session_left_open_on_another_device(
    page, personas, browser, live_server
):
    """Logged in on two devices, the member sees both and ends the other one, whose next
    page is the login page; this one stays logged in."""
    persona = personas["standard"]
    other_device = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo")
    other = other_device.new_page()
    other.set_default_timeout(10_000)
    login_as(page, "standard", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    other.goto(f"{live_server.url}/login/")
    other.locator("#id_web_id").fill(persona.web_id)
    other.locator("#id_password").fill(persona.password)
    other.locator("#web-id-login-submit").click()
    expect(other).to_have_url(re.compile(r"/mypage/$"))

    page.locator("#menu-settings").click()
    page.locator("#link-settings-sessions").click()
    expect(page).to_have_url(re.compile(r"/mypage/settings/sessions/$"))
    sessions = page.locator("#open-sessions tr[data-session]")
    expect(sessions).to_have_count(2)
    expect(page.locator('tr[data-current="true"]')).to_have_attribute("data-method", "card")
    expect(page.locator('tr[data-current="false"]')).to_have_attribute("data-method", "web_id")

    page.get_by_role("button", name="他の端末からログアウト").click()
    expect(page.locator('[data-notice="other_sessions_ended"]')).to_be_visible()
    expect(sessions).to_have_count(1)
    expect(page.locator("#no-other-sessions")).to_be_visible()

    other.goto(f"{live_server.url}/mypage/")
    expect(other).to_have_url(re.compile(r"/login/"))
    page.goto("/mypage/")
    expect(page).to_have_url(re.compile(r"/mypage/$"))
    other_device.close()

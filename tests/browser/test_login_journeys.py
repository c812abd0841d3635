"""Login journeys in a real browser: what a presenter or a member does and sees (SPEC §3, §4, §9).

Every journey starts the way people use the portal: `/demo/`, a persona's fill button,
ログイン. Expectations come from the personas' documented outcomes (demo.personas) and the
error codes of SPEC §4, read from the page's test contract (`data-error-code`, field ids,
`data-member-number`, `data-overdue`, `data-maintenance-until`).
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import (
    error_codes,
    expect_error_codes,
    fill_from_demo,
    login_as,
    seed_default_maintenance_windows,
    submit_login,
)

TOKYO = ZoneInfo("Asia/Tokyo")
MYPAGE = re.compile(r"/mypage/$")
LOGIN_PAGE = re.compile(r"/login/$")


def field(page, label: str):
    """A login field found the way a person finds it: by its visible label."""
    return page.get_by_label(label, exact=True)


def expect_mypage_of(page, persona) -> None:
    expect(page).to_have_url(MYPAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{persona.name_kanji} 様")
    expect(page.locator("[data-member-number]")).to_have_attribute(
        "data-member-number", persona.member_number
    )


def expect_refused(page, code: str) -> None:
    """The login page answers with exactly this one error, and nobody is logged in."""
    expect(page.locator("[data-error-code]")).to_have_attribute("data-error-code", code)
    expect_error_codes(page, code)
    assert "/mypage/" not in page.url
    expect(page.get_by_role("button", name="ログアウト")).to_have_count(0)


def log_out(page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    expect(page).to_have_url(LOGIN_PAGE)
    expect(page.locator('[data-notice="logged_out"]')).to_be_visible()
    expect(page.locator("#id_card_number")).to_be_visible()


def type_card_login(page, card_number: str, pin: str) -> None:
    """Type a card login by hand, key by key, and press ログイン."""
    field(page, "カード番号").fill("")
    field(page, "カード番号").press_sequentially(card_number)
    field(page, "暗証番号").fill("")
    field(page, "暗証番号").press_sequentially(pin)
    submit_login(page, "card")


# --- Persona outcomes of SPEC §9 -----------------------------------------------------


@pytest.mark.parametrize("method", ["card", "web_id"])
def test_standard_member_logs_in_and_out(page, personas, method):
    """The demo fill button, ログイン, the member page, ログアウト, back at the login page."""
    standard = personas["standard"]
    fill_from_demo(page, "standard", method)
    if method == "card":
        expect(page.locator("#id_card_number")).to_have_value(standard.card_number)
        expect(page.locator("#id_pin")).to_have_value(standard.pin)
    else:
        expect(page.locator("#id_web_id")).to_have_value(standard.web_id)
        expect(page.locator("#id_password")).to_have_value(standard.password)

    submit_login(page, method)

    expect_mypage_of(page, standard)
    log_out(page)
    page.goto("/mypage/")  # the session is really over
    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("[data-member-number]")).to_have_count(0)


def test_card_only_member_has_no_web_id_to_try(page, personas):
    """No Web-ID fill button; a Web-ID typed by hand is refused like any unknown one."""
    card_only = personas["card_only"]
    page.goto("/demo/")
    persona_card = page.locator('[data-persona="card_only"]')
    expect(persona_card).to_have_attribute("data-web-id", "")
    expect(page.locator("#fill-web-id-card_only")).to_have_count(0)

    page.goto("/login/")
    field(page, "Web-ID").press_sequentially("sato2222hanako")
    field(page, "パスワード").press_sequentially("Hanako2222")
    submit_login(page, "web_id")
    expect_refused(page, "invalid_credentials")

    login_as(page, "card_only", "card")
    expect_mypage_of(page, card_only)
    expect(page.locator("#menu-register-web-id")).to_be_visible()


def test_web_id_locked_member_is_refused_by_web_id_but_gets_in_by_card(page, personas):
    fill_from_demo(page, "webid_locked", "web_id")
    expect(page.locator("#id_password")).to_have_value(personas["webid_locked"].password)
    submit_login(page, "web_id")
    expect_refused(page, "locked")

    login_as(page, "webid_locked", "card")
    expect_mypage_of(page, personas["webid_locked"])


def test_card_locked_member_is_refused_by_card_but_gets_in_by_web_id(page, personas):
    fill_from_demo(page, "card_locked", "card")
    expect(page.locator("#id_pin")).to_have_value(personas["card_locked"].pin)
    submit_login(page, "card")
    expect_refused(page, "locked")

    login_as(page, "card_locked", "web_id")
    expect_mypage_of(page, personas["card_locked"])


@pytest.mark.parametrize("method", ["card", "web_id"])
def test_terminated_member_is_told_the_contract_has_ended(page, personas, method):
    login_as(page, "terminated", method)
    expect_refused(page, "contract_terminated")
    expect(page.get_by_role("alert")).to_contain_text("ご契約が終了")


def test_delinquent_member_reaches_the_page_and_sees_the_overdue_amount(page, personas):
    login_as(page, "delinquent", "card")

    expect_mypage_of(page, personas["delinquent"])
    overdue = page.locator("[data-overdue]")
    expect(overdue).to_be_visible()
    assert int(overdue.get_attribute("data-overdue")) > 0


def test_new_device_login_sends_an_alert_to_the_demo_mailbox(page, personas, mailbox, browser):
    """The first login from a browser mails an alert; the same browser again does not."""
    address = personas["new_device"].email
    alerts = page.locator(f'#mailbox tr[data-to="{address}"]')
    page.goto("/demo/mailbox/")
    expect(alerts).to_have_count(0)

    login_as(page, "new_device", "card")
    expect_mypage_of(page, personas["new_device"])
    page.get_by_role("link", name="デモ用メールボックス").click()
    expect(page).to_have_url(re.compile(r"/demo/mailbox/"))
    expect(alerts).to_have_count(1)
    expect(alerts).to_contain_text("新しい端末からのログイン")

    page.goto("/mypage/")
    log_out(page)
    login_as(page, "new_device", "web_id")  # the same browser: known now
    expect_mypage_of(page, personas["new_device"])
    page.goto("/demo/mailbox/")
    expect(alerts).to_have_count(1)


# --- Input a person types by hand ----------------------------------------------------


@pytest.mark.parametrize(
    ("card_number", "pin", "code", "message"),
    [
        ("1000-0000-01", "1111", "format_hyphen", "カード番号にハイフン（-）は不要です"),
        ("1000－0000－01", "1111", "format_hyphen", "カード番号にハイフン（-）は不要です"),
        ("１００００００００１", "1111", "format_fullwidth", "カード番号は半角数字で入力して"),
        ("1000000001", "１１１１", "format_fullwidth", "暗証番号は半角数字で入力して"),
        ("1000000001", "11-1", "format_hyphen", "暗証番号にハイフン（-）は不要です"),
        ("1000000001", "１‐１１", "format_hyphen", "暗証番号にハイフン（-）は不要です"),
        ("1000 000 001", "1111", "format_space", "カード番号に空白が含まれています"),
        # Typed in groups, a 16-digit number is 19 characters: none is cut off by the input.
        ("1234 5678 9012 3456", "1111", "format_space", "カード番号に空白が含まれています"),
        ("123456789", "1111", "format_length", "（入力は9桁です）"),
    ],
)
def test_typed_format_mistakes_are_explained(page, personas, card_number, pin, code, message):
    page.goto("/login/")
    type_card_login(page, card_number, pin)

    expect(page.locator("[data-error-code]")).to_have_attribute("data-error-code", code)
    expect_error_codes(page, code)
    expect(page.get_by_role("alert")).to_contain_text(message)
    help_link = page.get_by_role("link", name="ログインでお困りの方（ロック・入力エラー）")
    expect(help_link).to_be_visible()


def test_full_width_web_id_is_explained(page, personas):
    page.goto("/login/")
    field(page, "Web-ID").press_sequentially("ｓｔａｎｄａｒｄ０１")
    field(page, "パスワード").press_sequentially("Standard01")
    submit_login(page, "web_id")

    expect_error_codes(page, "format_fullwidth")
    expect(page.get_by_role("alert")).to_contain_text("全角文字が含まれています")


def test_wrong_pins_typed_by_hand_lock_the_card(page, personas, settings):
    """`threshold` wrong PINs: the last answer already says locked; then the right PIN fails."""
    threshold = settings.PORTAL_LOCKOUT_THRESHOLD
    standard = personas["standard"]
    fill_from_demo(page, "standard", "card")

    answers = []
    for _ in range(threshold):
        field(page, "暗証番号").fill("")
        field(page, "暗証番号").press_sequentially("0000")
        submit_login(page, "card")
        expect(field(page, "暗証番号")).to_have_value("")  # the answer page, never the PIN
        expect(field(page, "カード番号")).to_have_value(standard.card_number)
        answers.append(error_codes(page))

    assert answers == [["invalid_credentials"]] * (threshold - 1) + [["locked"]]
    type_card_login(page, standard.card_number, standard.pin)
    expect_refused(page, "locked")


# --- Maintenance and the idle timeout ------------------------------------------------


def test_login_is_closed_during_monday_maintenance(page, personas, fake_now, time_machine):
    """PORTAL_FAKE_NOW on a Monday 06:30 JST: 503 with the resume time until 07:00."""
    seed_default_maintenance_windows()
    fake_now("2026-12-07T06:30:00+09:00")  # a Monday
    resumes = dt.datetime(2026, 12, 7, 7, 0, tzinfo=TOKYO)

    response = page.goto("/login/")

    assert response.status == 503
    assert 0 < int(response.headers["retry-after"]) <= 30 * 60
    until = page.get_by_role("main").get_attribute("data-maintenance-until")
    assert dt.datetime.fromisoformat(until) == resumes
    expect(page.get_by_role("heading", level=1)).to_contain_text("メンテナンス中")
    expect(page.get_by_role("main")).to_contain_text("2026年12月7日 07:00")
    expect(page.locator("#id_card_number")).to_have_count(0)
    assert page.goto("/mypage/").status == 503
    assert page.goto("/demo/").status == 200  # the demo pages stay available

    time_machine.move_to(timezone.now() + dt.timedelta(minutes=31), tick=True)
    login_as(page, "standard", "card")
    expect_mypage_of(page, personas["standard"])


def test_idle_session_ends_at_the_login_page_with_a_notice(page, personas, settings, time_machine):
    idle = dt.timedelta(minutes=settings.PORTAL_SESSION_IDLE_MINUTES)
    login_as(page, "standard", "card")
    expect_mypage_of(page, personas["standard"])

    time_machine.move_to(timezone.now() + idle - dt.timedelta(minutes=1), tick=True)
    page.get_by_role("link", name="ログイン履歴").first.click()
    expect(page).to_have_url(re.compile(r"/mypage/login-history/$"))  # still within the limit

    time_machine.move_to(timezone.now() + idle + dt.timedelta(minutes=1), tick=True)
    page.get_by_role("link", name="会員トップ").click()

    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator('[data-notice="session_timeout"]')).to_contain_text("ログアウトしました")
    expect(page.get_by_role("button", name="ログアウト")).to_have_count(0)
    page.goto("/mypage/")
    expect(page).to_have_url(re.compile(r"/login/"))

"""Every page a persona reaches (issue 13's proof): at a phone width (390×844) and a
desktop width (1280×800), in Japanese and in English, no sideways scrolling, no short
text squeezed onto many lines, amounts aligned right, a real name for every control, and
no serious or critical axe-core violation.

A tour per persona and language: one browser (context) logs in once and walks the pages
as the member would, a borrowing's form, confirmation and done page in turn. Each page
is loaded once and checked at both widths, the viewport resized in place (the
stylesheet's media queries apply at once), so every page costs one load and two axe
runs. A tour gathers every problem and reports them together, by page and width.

The checks themselves are shown not to be vacuous in tests/browser/test_layout.py and
tests/browser/test_accessibility.py.
"""

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from portal import clock
from tests.browser.conftest import (
    DESKTOP,
    LANGUAGES,
    PERSONA,
    PHONE,
    choose_language,
    horizontal_overflow,
    login_as,
    misaligned_amounts,
    seed_default_maintenance_windows,
    squeezed_text,
    submit_login,
)
from tests.browser.test_accessibility import blocking_violations
from tests.browser.test_layout import expect_every_control_named

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}

# A step opens one page of the tour (from where the previous one left the browser) and
# waits until it shows; its name says which page in a report.
Step = tuple[str, Callable]


def problems_at(page) -> list[str]:
    """Return what is wrong with the page as shown now, one line each."""
    problems = []
    if overflow := horizontal_overflow(page):
        problems.append(f"scrolls sideways by {overflow}px")
    if squeezed := squeezed_text(page):
        problems.append(f"squeezed text {squeezed}")
    if misaligned := misaligned_amounts(page):
        problems.append(f"amounts not aligned right {misaligned}")
    try:
        # Every page has the language switch's two buttons: fewer means none were found.
        if expect_every_control_named(page, timeout=1_000) < 2:
            problems.append("no form controls found")
    except AssertionError as error:
        problems.append(f"a control without a name: {str(error).splitlines()[0]}")
    problems += blocking_violations(page)
    return problems


def walk(page, language: str, steps: list[Step]) -> None:
    """Walk the steps in `language`, checking each page at both widths; fail with every
    problem found."""
    choose_language(page, language)
    found = []
    for name, open_page in steps:
        page.set_viewport_size(PHONE)
        open_page(page)
        expect(page.locator("html")).to_have_attribute("lang", language)
        for viewport_name, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            found += [f"{name} ({viewport_name}): {problem}" for problem in problems_at(page)]
    assert found == [], "\n".join(found)


def visit(path: str, ready: str = "main h1") -> Callable:
    def open_page(page) -> None:
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()

    return open_page


def click(selector: str, ready: str = "main h1") -> Callable:
    def open_page(page) -> None:
        page.locator(selector).first.click()
        page.wait_for_load_state()
        expect(page.locator(ready).first).to_be_visible()

    return open_page


def log_in(persona: str) -> Callable:
    def open_page(page) -> None:
        login_as(page, persona, "card")
        expect(page).to_have_url(re.compile(r"/mypage/$"))

    return open_page


def submit_amount(operation: str, amount: str) -> Callable:
    """The confirmation page of `operation` for `amount` (its form is open)."""

    def open_page(page) -> None:
        page.locator("#id_amount").fill(amount)
        page.locator(f"#{operation}-submit").click()
        expect(page.locator(f"#{operation}-confirm-submit")).to_be_visible()

    return open_page


def confirm(operation: str) -> Callable:
    def open_page(page) -> None:
        page.locator(f"#{operation}-confirm-submit").click()
        expect(page).to_have_url(re.compile(rf"/{operation}/done/\d+/$"))

    return open_page


def login_with_errors(page) -> None:
    """The login page after a mistake: long help-desk messages at the narrowest width."""
    page.goto("/login/")
    page.locator("#id_card_number").fill("１０００－００００－０１")
    page.locator("#id_pin").fill("１１１")
    submit_login(page, "card")
    expect(page.locator("[data-error-code]").first).to_be_visible()


def web_id_reminder_sent(page) -> None:
    """「Web-IDをお忘れの方」 answered for the standard persona (its mail goes out too)."""
    persona = PERSONA["standard"]
    page.locator("#id_member_number").fill(persona.member_number)
    page.locator("#id_email").fill(persona.email)
    page.locator("#account-submit").click()
    expect(page.locator("#recovery-sent")).to_be_visible()


def newest_mail(page) -> None:
    """The demo mailbox's newest mail (sent after the answer: waited for)."""
    rows = page.locator("#mailbox tbody tr[data-mail-id]")
    for _attempt in range(20):
        page.goto("/demo/mailbox/")
        if rows.count():
            break
        page.wait_for_timeout(250)
    rows.first.get_by_role("link").click()
    expect(page.locator("article[data-mail-id]")).to_be_visible()


def inquiry_ten_days_ahead(page) -> None:
    """The interest inquiry's answer for a repayment ten days ahead."""
    page.locator("#id_repayment_date").fill((clock.today() + dt.timedelta(days=10)).isoformat())
    page.locator("#interest-submit").click()
    expect(page.locator("#interest-result")).to_be_visible()


def redeem_first_benefit(page) -> None:
    page.locator("input[name=benefit]").first.check()
    page.locator("#redeem-submit").click()
    expect(page.locator("#redeem-confirm-submit")).to_be_visible()


VISITOR: list[Step] = [
    ("login", visit("/login/", "#id_card_number")),
    ("login-with-errors", login_with_errors),
    ("help", visit("/help/login/#help-forgot-pin")),
    ("forgot-password", visit("/account/password/forgot/")),
    ("forgot-web-id", visit("/account/web-id/forgot/")),
    ("recovery-sent", web_id_reminder_sent),
    ("simulator", visit("/simulator/")),
    ("simulator-result", visit("/simulator/?mode=payment&amount=100000&months=12&rate=17.8")),
    ("demo", visit("/demo/")),
    ("demo-mailbox", visit("/demo/mailbox/")),
    ("mailbox-detail", newest_mail),
    ("sandbox", lambda page: (visit("/demo/")(page), click("#sandbox-create")(page))),
    ("atm-start", visit("/atm/", "#atm-start-submit")),
    ("atm-screen", click("#atm-start-submit", "[data-atm-code]")),
]

STANDARD: list[Step] = [
    ("mypage", log_in("standard")),
    ("repay", visit("/mypage/repay/")),
    ("repay-confirm", submit_amount("repay", "10000")),
    ("repay-done", confirm("repay")),
    ("borrow", visit("/mypage/borrow/")),
    ("borrow-confirm", submit_amount("borrow", "10000")),
    ("borrow-done", confirm("borrow")),
    ("interest", visit("/mypage/interest/")),
    ("interest-result", inquiry_ten_days_ahead),
    ("history", visit("/mypage/history/", "#history-table tr[data-kind]")),
    ("login-history", visit("/mypage/login-history/", "#login-history tr[data-result]")),
    ("notices", visit("/mypage/notices/")),
    ("notice", click("#notice-list a", "#notice")),
    ("coupons", visit("/mypage/coupons/")),
    ("coupon", click("[data-coupon-id] a", "[data-coupon-code]")),
    ("atm-member", visit("/mypage/atm/", "#id_code")),
    ("settings", visit("/mypage/settings/")),
    ("settings-web-id", visit("/mypage/settings/web-id/")),
    ("settings-email", visit("/mypage/settings/email/")),
    ("settings-profile", visit("/mypage/settings/profile/")),
    ("settings-transfer-account", visit("/mypage/settings/transfer-account/")),
    ("settings-statement", visit("/mypage/settings/statement/")),
    ("settings-pin", visit("/mypage/settings/pin/")),
    ("settings-sessions", visit("/mypage/settings/sessions/", "#open-sessions tr[data-session]")),
    ("settings-transaction-mail", visit("/mypage/settings/transaction-mail/")),
    ("settings-reminder", visit("/mypage/settings/reminder/")),
    ("income-certificate", visit("/mypage/settings/income-certificate/")),
]

POINTS_RICH: list[Step] = [
    ("mypage-points", log_in("points_rich")),
    ("points", visit("/mypage/points/", "#points-history tr[data-kind]")),
    ("redeem", visit("/mypage/points/redeem/")),
    ("redeem-confirm", redeem_first_benefit),
    ("redeem-done", confirm("redeem")),
]

DELINQUENT: list[Step] = [
    ("mypage-overdue", log_in("delinquent")),
    ("repay-overdue", visit("/mypage/repay/")),
]

TOURS = {
    "visitor": VISITOR,
    "standard": STANDARD,
    "points_rich": POINTS_RICH,
    "delinquent": DELINQUENT,
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("tour", TOURS)
def test_every_page_fits_both_widths_and_passes_axe(page, personas, mailbox, tour, language):
    walk(page, language, TOURS[tour])


def maintenance_steps(fake_now) -> list[Step]:
    """The 503 pages: of internet repayment to a member on a Sunday night (the member menu
    stays), then of the member pages on the Monday morning. The clock is moved (`fake_now`,
    tests/browser/conftest.py), so they make a tour of their own."""

    def closed(path: str) -> Callable:
        def open_page(page) -> None:
            assert page.goto(path).status == 503
            expect(page.locator("[data-maintenance-until]").first).to_be_visible()

        return open_page

    def sunday_night(page) -> None:
        seed_default_maintenance_windows()
        fake_now("2026-12-13T23:30:00+09:00")
        log_in("standard")(page)

    def monday_morning(page) -> None:
        fake_now("2026-12-07T06:30:00+09:00")
        closed("/login/")(page)

    return [
        ("mypage-repayment-window", sunday_night),
        ("maintenance-repayment", closed("/mypage/repay/")),
        ("maintenance", monday_morning),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_maintenance_pages(page, personas, fake_now, language):
    walk(page, language, maintenance_steps(fake_now))


def test_a_tour_reports_each_problem_by_page_and_width(page, personas):
    """The tour is not vacuous: a block too wide for a phone is reported for that page and
    width only, with an unlabelled input at both widths."""

    def spoilt_login(page) -> None:
        visit("/login/", "#id_card_number")(page)
        page.evaluate(
            """() => {
                const wide = document.createElement('div');
                wide.textContent = 'wide';
                wide.style.width = '600px';
                document.getElementById('main').append(wide);
                document.getElementById('card-login-form')
                    .insertAdjacentHTML('beforeend', '<input type="text" name="nameless">');
            }"""
        )

    with pytest.raises(AssertionError) as failure:
        walk(page, "ja", [("spoilt login", spoilt_login)])

    report = str(failure.value)
    assert "spoilt login (phone): scrolls sideways by" in report
    assert "spoilt login (desktop): scrolls sideways" not in report
    assert "spoilt login (phone): a control without a name" in report
    assert "spoilt login (desktop): a control without a name" in report

"""Layout a user would notice: no sideways scrolling, and every control has a name (issue #3).

Each page is checked at a phone width (390×844) and a desktop width (1280×800), in
Japanese and in English (issue 13: English words are longer and wrap differently). A form
control's accessible name is what a screen reader announces and what `get_by_label` finds;
Playwright computes it the way browsers do (label, aria-label, aria-labelledby, title).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DESKTOP,
    LANGUAGES,
    PHONE,
    choose_language,
    horizontal_overflow,
    login_as,
    squeezed_text,
    submit_login,
)

VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
FORM_CONTROLS = "input:not([type=hidden]), select, textarea, button"
HAS_TEXT = re.compile(r"\S")


def visible_controls(page) -> list:
    return [control for control in page.locator(FORM_CONTROLS).all() if control.is_visible()]


# A name from a placeholder or title alone does not count as a label: it disappears
# while typing, or only shows on hover.
LABELLED = """control => control.tagName === "BUTTON"
    || (control.labels && control.labels.length > 0)
    || control.hasAttribute("aria-labelledby")
    || control.hasAttribute("aria-label")"""


def expect_every_control_named(page, timeout: float = 5_000) -> int:
    """Every visible input, select, textarea and button has a non-empty accessible name,
    from a real label (or ARIA labelling) for every input, select and textarea."""
    controls = visible_controls(page)
    for control in controls:
        expect(control).to_have_accessible_name(HAS_TEXT, timeout=timeout)
        assert control.evaluate(LABELLED), control.evaluate("control => control.outerHTML")
    return len(controls)


def open_login_page(page) -> None:
    page.goto("/login/")


def open_login_page_with_errors(page) -> None:
    """The login page after a mistake: long help-desk messages at the narrowest width."""
    page.goto("/login/")
    page.locator("#id_card_number").fill("１０００－００００－０１")
    page.locator("#id_pin").fill("１１１")
    submit_login(page, "card")
    expect(page.locator("[data-error-code]").first).to_be_visible()


def open_demo(page) -> None:
    page.goto("/demo/")


def open_demo_mailbox(page) -> None:
    page.goto("/demo/mailbox/")


def open_help(page) -> None:
    page.goto("/help/login/")


def open_mypage(page) -> None:
    login_as(page, "standard", "card")
    expect(page).to_have_url(re.compile(r"/mypage/$"))


def open_session_list(page) -> None:
    """The open sessions, a long user agent in a table, at the narrowest width too."""
    login_as(page, "standard", "card")
    page.goto("/mypage/settings/sessions/")
    expect(page.locator("#open-sessions tr[data-session]")).to_have_count(1)


def open_history(page) -> None:
    """The transaction history: a table on a desktop, a list of cards on a phone."""
    login_as(page, "standard", "card")
    page.goto("/mypage/history/")
    expect(page.locator("#history-table tr[data-kind]").first).to_be_visible()


def open_login_history(page) -> None:
    login_as(page, "standard", "card")
    page.goto("/mypage/login-history/")
    expect(page.locator("#login-history tr[data-result]").first).to_be_visible()


def open_notice(page) -> None:
    """The demo's notice addressed to `standard`: a long title on a phone too."""
    login_as(page, "standard", "card")
    page.goto("/mypage/notices/")
    page.locator("#notice-list a").first.click()
    expect(page.locator("#notice")).to_be_visible()


def open_coupon(page) -> None:
    login_as(page, "standard", "card")
    page.goto("/mypage/coupons/")
    page.locator("[data-coupon-id] a").first.click()
    expect(page.locator("[data-coupon-code]")).to_be_visible()


def open_points(page) -> None:
    """The points page: balance, the benefits table and form, a full history table."""
    login_as(page, "points_rich", "card")
    page.goto("/mypage/points/")
    expect(page.locator("#points-history tr[data-kind]").first).to_be_visible()


PAGES = {
    "login": open_login_page,
    "login-with-errors": open_login_page_with_errors,
    "demo": open_demo,
    "demo-mailbox": open_demo_mailbox,
    "help": open_help,
    "mypage": open_mypage,
    "sessions": open_session_list,
    "history": open_history,
    "login-history": open_login_history,
    "notice": open_notice,
    "coupon": open_coupon,
    "points": open_points,
}
# The controls each page has at least, so the check cannot pass by finding none: the four
# login fields and two buttons; a card and (but for card_only) a Web-ID fill button per
# persona; the mailbox filter; the logout button. The help page has no form.
MIN_CONTROLS = {
    "login": 6,
    "login-with-errors": 6,
    "demo": 19,
    "demo-mailbox": 2,
    "help": 0,
    "mypage": 1,
    "sessions": 1,
    "history": 3,
    "login-history": 1,
    "notice": 1,
    "coupon": 1,
    "points": 6,  # four benefits, the submit and logout buttons
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("page_name", PAGES)
def test_page_has_no_horizontal_scrolling(page, personas, page_name, viewport, language):
    choose_language(page, language)
    page.set_viewport_size(viewport)
    PAGES[page_name](page)

    assert horizontal_overflow(page) == 0


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("page_name", PAGES)
def test_no_short_text_is_squeezed_onto_many_lines(page, personas, page_name, viewport, language):
    choose_language(page, language)
    page.set_viewport_size(viewport)
    PAGES[page_name](page)

    assert squeezed_text(page) == []


def test_squeezed_text_is_caught(page, personas):
    """The check is not vacuous: a date cell forced a character wide makes it fail."""
    page.set_viewport_size(PHONE)
    open_history(page)
    page.evaluate(
        """() => { const cell = document.querySelector('#history-table td');
                   cell.style.setProperty('width', '8px');
                   cell.style.setProperty('display', 'block');
                   cell.style.setProperty('white-space', 'normal');
                   cell.style.setProperty('word-break', 'break-all'); }"""
    )

    assert squeezed_text(page) != []


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("page_name", PAGES)
def test_every_visible_control_has_an_accessible_name(
    page, personas, page_name, viewport, language
):
    choose_language(page, language)
    page.set_viewport_size(viewport)
    PAGES[page_name](page)

    assert expect_every_control_named(page) >= MIN_CONTROLS[page_name]


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_login_fields_are_found_by_their_labels(page, personas, viewport):
    page.set_viewport_size(viewport)
    page.goto("/login/")

    for label, field_id in [
        ("カード番号", "id_card_number"),
        ("暗証番号", "id_pin"),
        ("Web-ID", "id_web_id"),
        ("パスワード", "id_password"),
    ]:
        control = page.get_by_label(label, exact=True)
        expect(control).to_be_visible()
        expect(control).to_have_id(field_id)
    for name in ["カード番号でログイン", "Web-IDでログイン"]:
        form = page.get_by_role("region", name=name)
        expect(form.get_by_role("button", name="ログイン")).to_be_visible()


def test_controls_without_a_name_are_caught(page, personas):
    """The generic check is not vacuous: an unlabelled input on the page makes it fail."""
    page.goto("/login/")
    page.evaluate(
        """() => document.getElementById('card-login-form')
            .insertAdjacentHTML('beforeend', '<input type="text" name="nameless">')"""
    )

    with pytest.raises(AssertionError):
        expect_every_control_named(page, timeout=500)


def test_wide_content_is_caught(page, personas):
    """The overflow check is not vacuous: a too-wide element at phone width makes it fail."""
    page.set_viewport_size(PHONE)
    page.goto("/login/")
    assert horizontal_overflow(page) == 0
    # Sized through the DOM: a style attribute would be refused by the Content-Security-Policy.
    page.evaluate(
        """() => {
            const wide = document.createElement('div');
            wide.textContent = 'wide';
            wide.style.width = '600px';
            document.getElementById('main').append(wide);
        }"""
    )

    assert horizontal_overflow(page) > 0

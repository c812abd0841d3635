"""Layout a user would notice: no sideways scrolling, and every control has a name (issue #3).

tests/browser/test_every_page.py checks every page a persona reaches with these, at a
phone width (390×844) and a desktop width (1280×800), in Japanese and in English (issue
13: English words are longer and wrap differently); here each check is shown to catch
what it looks for. A form control's accessible name is what a screen reader announces
and what `get_by_label` finds; Playwright computes it the way browsers do (label,
aria-label, aria-labelledby, title).
"""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    horizontal_overflow,
    login_as,
    misaligned_amounts,
    squeezed_text,
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


def test_squeezed_text_is_caught(page, personas):
    """The check is not vacuous: a date cell forced a character wide makes it fail."""
    page.set_viewport_size(PHONE)
    login_as(page, "standard", "card")
    page.goto("/mypage/history/")
    expect(page.locator("#history-table tr[data-kind]").first).to_be_visible()
    page.evaluate(
        """() => { const cell = document.querySelector('#history-table td');
                   cell.style.setProperty('width', '8px');
                   cell.style.setProperty('display', 'block');
                   cell.style.setProperty('white-space', 'normal');
                   cell.style.setProperty('word-break', 'break-all'); }"""
    )

    assert squeezed_text(page) != []


@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
def test_an_amount_aligned_left_is_caught(page, personas, viewport):
    """The check is not vacuous: the history's amounts sit right at both widths, and one
    cell forced left is reported by its text."""
    page.set_viewport_size(viewport)
    login_as(page, "standard", "card")
    page.goto("/mypage/history/")
    expect(page.locator("#history-table tr[data-kind]").first).to_be_visible()
    assert misaligned_amounts(page) == []

    page.evaluate(
        """() => document.querySelector('#history-table td.num')
                     .style.setProperty('text-align', 'left')"""
    )

    assert len(misaligned_amounts(page)) == 1


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

"""axe-core on every page a persona reaches, at a phone and a desktop width, in Japanese
and in English: no serious or critical violation (what outside testers run against the
portal, issue #13).

The pages are those of the layout checks (tests/browser/test_layout.py) and the member
pages of every feature besides. axe runs in the page (axe-playwright-python ships
axe-core; nothing is fetched).
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, LANGUAGES, PHONE, choose_language, login_as
from tests.browser.test_layout import PAGES as LAYOUT_PAGES

AXE = Axe()
BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    """Return the serious and critical axe violations of the page, one line each."""
    results = AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def member_page(path: str, persona: str = "standard", ready: str = "main h1"):
    def open_page(page) -> None:
        login_as(page, persona, "card")
        expect(page).to_have_url(re.compile(r"/mypage/$"))
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()

    return open_page


def open_atm_screen(page) -> None:
    page.goto("/atm/")
    page.locator("#atm-start-submit").click()
    expect(page.locator("[data-atm-code]")).to_be_visible()


PAGES = {
    **LAYOUT_PAGES,
    "borrow": member_page("/mypage/borrow/"),
    "repay": member_page("/mypage/repay/"),
    "interest": member_page("/mypage/interest/"),
    "settings": member_page("/mypage/settings/"),
    "reminder": member_page("/mypage/settings/reminder/"),
    "income-certificate": member_page("/mypage/settings/income-certificate/"),
    "atm-member": member_page("/mypage/atm/"),
    "notices": member_page("/mypage/notices/"),
    "coupons": member_page("/mypage/coupons/"),
    "overdue-mypage": member_page("/mypage/", persona="delinquent"),
    "atm-screen": open_atm_screen,
    "simulator": lambda page: page.goto("/simulator/"),
}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS.values(), ids=VIEWPORTS.keys())
@pytest.mark.parametrize("page_name", PAGES)
def test_no_serious_accessibility_violation(page, personas, page_name, viewport, language):
    choose_language(page, language)
    page.set_viewport_size(viewport)
    PAGES[page_name](page)

    assert blocking_violations(page) == []


def test_axe_catches_a_violation(page, personas):
    """The check is not vacuous: an image without a text alternative is reported."""
    page.goto("/login/")
    page.evaluate(
        """() => { const image = document.createElement('img');
                   image.src = '/static/img/logo.svg';
                   document.querySelector('main').append(image); }"""
    )

    assert any(line.startswith("image-alt") for line in blocking_violations(page))

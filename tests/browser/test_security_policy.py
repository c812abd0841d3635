"""The Content-Security-Policy in a real browser: the pages break none of it, including the
admin's, and the journeys' page fixture notices when one does (tests/browser/conftest.py)."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import MemberFactory, StaffFactory


def test_the_page_fixture_notices_a_violation(page, transactional_db):
    page.goto("/login/")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.inlineRan = true";
                document.body.append(script);
            }"""
        )

    assert page.evaluate("() => window.inlineRan") is None
    assert any("script-src" in text for text in page.csp_violations), page.csp_violations
    page.csp_violations.clear()  # seen: the fixture must not fail this test


@pytest.fixture
def staff(transactional_db):
    return StaffFactory(username="clerk", is_superuser=True)


def test_the_admin_pages_break_no_policy(page, staff):
    """Sign in as staff, open the index, the member list, a member and its tools."""
    member = MemberFactory()
    page.goto("/admin/")
    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill("staff-pass-123")
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    for path in [
        "/admin/members/member/",
        f"/admin/members/member/{member.pk}/change/",
        f"/admin/members/member/{member.pk}/pin/",
        "/admin/members/member/generate/",
        "/admin/members/member/reset-demo/",
        "/admin/members/member/add/",
    ]:
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
    assert page.csp_violations == []

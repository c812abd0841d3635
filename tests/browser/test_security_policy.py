"""The Content-Security-Policy in a real browser: the pages break none of it, including the
admin's, and the journeys' page fixture notices when one does (tests/browser/conftest.py)."""

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
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
    """Sign in as staff, open the index, every list, a member and its tools."""
    member = MemberFactory()
    page.goto("/admin/")
    page.locator("#id_username").fill("clerk")
    page.locator("#id_password").fill("staff-pass-123")
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    # Every list and every add form (date and time widgets, related-object buttons).
    as_staff = RequestFactory().get("/admin/")
    as_staff.user = staff
    every_list_and_form = [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")
        for model, model_admin in admin.site._registry.items()
        for view in ("changelist", "add")
        if view == "changelist" or model_admin.has_add_permission(as_staff)
    ]
    for path in [
        *every_list_and_form,
        f"/admin/members/member/{member.pk}/change/",
        f"/admin/members/member/{member.pk}/pin/",
        "/admin/members/member/generate/",
        "/admin/members/member/reset-demo/",
    ]:
        page.goto(path)
        expect(page.locator("#content")).to_be_visible()
    assert page.csp_violations == []

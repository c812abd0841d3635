"""Every page carries the strict Content-Security-Policy and the Permissions-Policy."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.urls import reverse

from members.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

EXPECTED_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
MONDAY_MAINTENANCE = dt.datetime(2026, 12, 7, 3, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def permissions(response) -> dict[str, str]:
    items = (item.strip().split("=", 1) for item in response["Permissions-Policy"].split(","))
    return dict(items)


def assert_guarded(response) -> None:
    assert directives(response) == EXPECTED_DIRECTIVES
    assert "unsafe" not in response["Content-Security-Policy"]
    features = permissions(response)
    assert features["camera"] == "(self)"
    for feature in ("geolocation", "microphone", "payment", "usb", "serial", "bluetooth"):
        assert features[feature] == "()", feature
    assert len(features) > 50  # every feature the package knows is named


@pytest.fixture
def member_client(client):
    client.force_login(MemberFactory(), backend="members.backends.CardPinBackend")
    return client


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (reverse("members:login"), 200),
        (reverse("portal:help-login"), 200),
        (reverse("demo:personas"), 200),
        (reverse("demo:mailbox"), 200),
        (reverse("simulator:simulator"), 200),
        (reverse("admin:login"), 200),
        ("/no-such-page/", 404),
        ("/login/?next=%00", 400),
        (reverse("members:mypage"), 302),  # to the login
    ],
)
def test_public_pages_carry_both_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_guarded(response)


@pytest.mark.parametrize(
    "name", ["members:mypage", "members:settings", "members:settings-profile", "history:history"]
)
def test_member_pages_carry_both_headers(member_client, name):
    response = member_client.get(reverse(name))
    assert response.status_code == 200
    assert_guarded(response)


@pytest.mark.parametrize(
    "path",
    [
        reverse("admin:index"),
        reverse("admin:members_member_changelist"),
        reverse("admin:members_member_add"),
    ],
)
def test_admin_pages_carry_both_headers(staff_client, path):
    response = staff_client.get(path)
    assert response.status_code == 200
    assert_guarded(response)


def test_the_maintenance_page_carries_both_headers(client, time_machine):
    time_machine.move_to(MONDAY_MAINTENANCE, tick=False)
    response = client.get(reverse("members:login"))
    assert response.status_code == 503
    assert_guarded(response)


def test_a_post_refused_for_its_csrf_token_carries_both_headers(client):
    client = type(client)(enforce_csrf_checks=True)
    response = client.post(reverse("members:login-card"), {"card_number": "1", "pin": "1"})
    assert response.status_code == 403
    assert_guarded(response)


# --- What the policy refuses appears in no template -----------------------------------------

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
INLINE = re.compile(
    r"""<script(?![^>]*\bsrc=)[^>]*>   # a script without src (a JSON data block is fine)
      |<style\b                        # a style block
      |\sstyle\s*=                     # a style attribute
      |\son[a-z]+\s*=                  # an event handler attribute
      |javascript:""",
    re.IGNORECASE | re.VERBOSE,
)


def test_no_template_holds_inline_script_or_style():
    found = [
        f"{path.relative_to(TEMPLATES_DIR)}: {match[0]}"
        for path in sorted(TEMPLATES_DIR.rglob("*.html"))
        for match in INLINE.finditer(path.read_text())
        if 'type="application/json"' not in match[0]
    ]
    assert found == []


@pytest.mark.parametrize("name", ["members:mypage", "history:history"])
def test_member_pages_render_no_inline_script_or_style(member_client, name):
    html = member_client.get(reverse(name)).content.decode()
    assert INLINE.search(html) is None


def test_a_changelist_without_actions_keeps_its_rule_in_a_stylesheet(staff_client, monkeypatch):
    """Django writes an inline style block there; templates/admin/change_list.html does not."""
    admin_class = type(admin.site._registry[Member])
    monkeypatch.setattr(admin_class, "actions_on_top", False)
    monkeypatch.setattr(admin_class, "actions_on_bottom", False)

    html = staff_client.get(reverse("admin:members_member_changelist")).content.decode()

    assert INLINE.search(html) is None
    assert re.search(r'<body class="[^"]*\bno-actions\b', html)
    assert "css/admin.css" in html

"""{% memo %} (portal_tags): the menus every page repeats are rendered once per process,
and what they show still follows the language, the settings and the member state; the
CSRF token of the logout form stays each browser's own."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _logged_in(member) -> Client:
    client = Client()
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def _logout_token(html: str) -> str:
    form = html[html.index('class="inline-form"') :]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def test_the_menu_follows_the_language():
    client = _logged_in(MemberFactory())
    japanese = client.get(reverse("members:mypage")).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(reverse("members:mypage")).content.decode()
    assert 'id="nav-borrow">お借入れ</a>' in japanese
    assert 'id="nav-borrow">お借入れ</a>' not in english
    assert ">ログアウト</button>" not in english
    client.cookies["django_language"] = "ja"
    assert 'id="nav-borrow">お借入れ</a>' in client.get(reverse("members:mypage")).content.decode()


def test_the_member_menu_only_for_members(client):
    _logged_in(MemberFactory()).get(reverse("members:mypage"))  # the menu is memorised
    login_page = client.get(reverse("members:login")).content.decode()
    assert 'id="nav-borrow"' not in login_page
    assert 'id="logout-button"' not in login_page


def test_each_browser_keeps_its_own_logout_token():
    first = _logged_in(MemberFactory()).get(reverse("members:mypage")).content.decode()
    second = _logged_in(MemberFactory()).get(reverse("members:mypage")).content.decode()
    assert _logout_token(first) != _logout_token(second)


def test_the_footer_follows_the_settings(client, settings):
    assert 'id="demo-mailbox-link"' in client.get(reverse("members:login")).content.decode()
    settings.PORTAL_DEMO = False
    settings.PORTAL_SUPPORT_PHONE = "0120-111-222"
    page = client.get(reverse("members:login")).content.decode()
    assert 'id="demo-mailbox-link"' not in page
    assert "0120-111-222" in page

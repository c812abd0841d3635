"""Every member page tells browsers and proxies not to store it (SPEC §4 "Session").

The URLs are not listed by hand: every pattern of the `members` and `history` namespaces is
asked, so a page added later is covered too.
"""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, converters, get_resolver, reverse

from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

MEMBER_NAMESPACES = {"members", "history"}
# A value for each path converter (the answer may well be a 404 or a 400: it counts too).
SAMPLE_VALUES = {
    converters.IntConverter: "1",
    converters.StringConverter: "sample",
    converters.SlugConverter: "sample",
    converters.PathConverter: "sample",
    converters.UUIDConverter: "00000000-0000-0000-0000-000000000000",
}


def member_urls() -> list[str]:
    """Return a concrete URL for every named pattern of the member namespaces."""
    urls = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace in MEMBER_NAMESPACES:
                converters = pattern.pattern.converters
                kwargs = {
                    name: SAMPLE_VALUES[type(converter)] for name, converter in converters.items()
                }
                urls.append(reverse(f"{namespace}:{pattern.name}", kwargs=kwargs or None))

    walk(get_resolver().url_patterns, None)
    return sorted(set(urls))


def test_the_walk_finds_the_member_pages():
    urls = member_urls()
    for known in ("/mypage/", "/mypage/settings/pin/", "/mypage/history/", "/mypage/borrow/"):
        assert known in urls
    assert len(urls) >= 25


@pytest.mark.parametrize("url", member_urls())
def test_every_member_url_sends_no_store(member, url):
    client = Client()
    client.force_login(member, backend="members.backends.CardPinBackend")

    response = client.get(url)

    assert response.status_code < 500, url
    assert "no-store" in response.get("Cache-Control", ""), (url, response.status_code)


@pytest.mark.parametrize("name", ["members:mypage", "members:settings-pin"])
def test_member_urls_send_no_store_to_anonymous_visitors_too(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert "no-store" in response["Cache-Control"]


def test_a_page_outside_the_member_namespaces_is_not_marked_for_anonymous_visitors(client):
    assert "no-store" not in client.get(reverse("portal:help-login")).get("Cache-Control", "")


def test_a_logged_in_member_gets_no_store_on_any_page(member):
    client = Client()
    client.force_login(MemberFactory(), backend="members.backends.CardPinBackend")

    assert "no-store" in client.get(reverse("portal:help-login"))["Cache-Control"]

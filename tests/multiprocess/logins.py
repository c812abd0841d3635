"""Logging in to a test server as a member, for the multi-process tests."""

from django.urls import reverse

from devserver import Browser, Server
from tests.factories import DEFAULT_PIN


def logged_in(server: Server, member) -> Browser:
    """Return a browser of `server` logged in as `member` by card and PIN."""
    browser = server.browser()
    answer = browser.submit(
        reverse("members:login"),
        reverse("members:login-card"),
        {"card_number": member.card_number, "pin": DEFAULT_PIN},
    )
    assert answer.status == 302, answer.text
    return browser

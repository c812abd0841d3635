"""Links in e-mails lead to PORTAL_BASE_URL, whatever Host header the request carried."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PIN, MemberFactory

pytestmark = pytest.mark.django_db

BASE_URL = "https://portal.example.com"
# Port numbers are not checked against ALLOWED_HOSTS: this Host passes the default list.
FORGED_HOST = "127.0.0.1:6666"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = BASE_URL


@pytest.fixture
def member(db):
    return MemberFactory(web_id="Yamada2026", email="yamada@example.jp")


def forged() -> Client:
    """A browser whose requests carry a forged Host header."""
    return Client(HTTP_HOST=FORGED_HOST)


def the_links(message) -> list[str]:
    assert "6666" not in message.body
    return re.findall(r"https?://\S+", message.body)


def test_the_password_recovery_link_is_on_the_base_url(member, mailbox):
    forged().post(
        reverse("members:forgot-password"), {"web_id": "Yamada2026", "email": "yamada@example.jp"}
    )

    (message,) = mail.outbox
    (link,) = the_links(message)
    assert link.startswith(f"{BASE_URL}/account/password/reset/")


def test_the_web_id_reminder_links_the_login_page_on_the_base_url(member, mailbox):
    forged().post(
        reverse("members:forgot-web-id"),
        {"member_number": member.member_number, "email": "yamada@example.jp"},
    )

    (message,) = mail.outbox
    assert the_links(message) == [f"{BASE_URL}{reverse('members:login')}"]


def test_the_verification_links_are_on_the_base_url(member, mailbox):
    client = forged()
    client.force_login(member, backend="members.backends.CardPinBackend")

    client.post(
        reverse("members:settings-email"), {"email": "new@example.jp", "current_pin": DEFAULT_PIN}
    )
    client.post(reverse("members:settings-email-resend"))

    assert len(mail.outbox) == 2
    for message in mail.outbox:
        (link,) = the_links(message)
        assert link.startswith(f"{BASE_URL}/account/email/verify/")


def test_a_base_url_with_a_trailing_slash_gives_no_double_slash(member, mailbox, settings):
    settings.PORTAL_BASE_URL = f"{BASE_URL}/"
    forged().post(
        reverse("members:forgot-web-id"),
        {"member_number": member.member_number, "email": "yamada@example.jp"},
    )

    (message,) = mail.outbox
    assert the_links(message) == [f"{BASE_URL}{reverse('members:login')}"]

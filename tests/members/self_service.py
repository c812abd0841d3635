"""Helpers shared by the request tests of account self-service (SPEC §4–§5)."""

import re
from urllib.parse import urlsplit

from django.core import mail
from django.urls import reverse

from tests.factories import DEFAULT_PIN
from tests.helpers import error_codes


def assert_field_error(response, field: str, code: str) -> None:
    """Assert the form was re-shown with `code` on `field`, visible as data-error-code."""
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors.as_data()
    assert code in [error.code for error in errors.get(field, [])], errors
    assert code in error_codes(response)


def mails_to(address: str) -> list:
    return [message for message in mail.outbox if address in message.to]


def the_mail_to(address: str):
    """Return the one message sent to `address` (and fail if there is not exactly one)."""
    (message,) = mails_to(address)
    return message


def link_path(message) -> str:
    """Return the path of the one link to this site in a mail's body."""
    (url,) = re.findall(r"https?://testserver/\S+", message.body)
    return urlsplit(url).path


def page_without_csrf(response) -> str:
    """Return the page with its CSRF tokens blanked (they differ on every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", response.content.decode())


def log_in_by_card(client, member, pin: str = DEFAULT_PIN, **extra):
    """Log in through the real card login view; return its response."""
    return client.post(
        reverse("members:login-card"),
        {"card_number": member.card_number, "pin": pin},
        **extra,
    )


def log_in_by_web_id(client, web_id: str, password: str, **extra):
    """Log in through the real Web-ID login view; return its response."""
    return client.post(
        reverse("members:login-web-id"), {"web_id": web_id, "password": password}, **extra
    )


def logged_in_member_pk(client):
    return client.session.get("_auth_user_id")

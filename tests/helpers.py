"""What many test modules ask of a page or a moment: coded errors, data figures, Tokyo time."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.urls import reverse

TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo(year, month, day, hour=12, minute=0, second=0, microsecond=0) -> dt.datetime:
    """Return that moment in Asia/Tokyo (noon unless an hour is given)."""
    return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=TOKYO)


def _html(page) -> str:
    return page if isinstance(page, str) else page.content.decode()


def error_codes(page) -> list[str]:
    """Return every `data-error-code` of a response (or HTML), in page order (SPEC §10)."""
    return re.findall(r'data-error-code="([^"]*)"', _html(page))


def data(page, name: str) -> str:
    """Return the value of the one `data-<name>` attribute of a response (or HTML)."""
    (value,) = re.findall(rf'data-{name}="([^"]*)"', _html(page))
    return value


def login_card(client, card_number, pin):
    """Log in through the real card login view; return its response."""
    return client.post(reverse("members:login-card"), {"card_number": card_number, "pin": pin})


def logged_in_to_mypage(response) -> bool:
    return response.status_code == 302 and response.url == reverse("members:mypage")


def nonce_of(response) -> str:
    """Return the one-time `nonce` a confirmation page posts back (history/flow.py)."""
    (nonce,) = re.findall(r'name="nonce" value="([^"]+)"', _html(response))
    return nonce


def admin_error_codes(response) -> dict[str, list[str]]:
    """Return the codes of an admin add/change form's errors by field (`__all__`: the form's)."""
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    return {
        name: [error.code for error in errors] for name, errors in form.errors.as_data().items()
    }

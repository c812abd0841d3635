"""The reminder settings page (/mypage/settings/reminder/, SPEC §8) and the mail settings'
rows on 登録内容."""

import pytest
from django.urls import reverse

from history.models import MailPreference
from history.services import set_mail_preference
from tests.factories import MemberFactory
from tests.helpers import data, error_codes

pytestmark = pytest.mark.django_db

URL = reverse("history:settings-reminder")
SETTINGS_URL = reverse("members:settings")
VALID = {"enabled": "on", "days_before": "5", "hour": "21"}


@pytest.fixture
def member_client(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def preference(member) -> tuple | None:
    return (
        MailPreference.objects.filter(member=member)
        .values_list("reminder_enabled", "reminder_days_before", "reminder_hour")
        .first()
    )


def test_the_page_offers_the_three_fields_with_the_defaults(
    member_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(7):
        page = member_client.get(URL)

    html = page.content.decode()
    assert page.status_code == 200
    for name in ("enabled", "days_before", "hour"):
        assert f'name="{name}"' in html
    assert 'value="off" required id="id_enabled_1" checked' in html
    assert '<option value="3" selected>3日前</option>' in html
    assert '<option value="9" selected>9時</option>' in html
    assert '<option value="8">' not in html.split('name="days_before"')[1].split("</select>")[0]


def test_saving_turns_reminders_on_and_shows_them_on_the_settings_page(
    member_client, member, django_assert_max_num_queries
):
    with django_assert_max_num_queries(13):
        response = member_client.post(URL, VALID)

    assert response.status_code == 302
    assert response.url == SETTINGS_URL
    assert preference(member) == (True, 5, 21)
    settings_page = member_client.get(SETTINGS_URL)
    assert data(settings_page, "reminder-enabled") == "true"
    assert data(settings_page, "reminder-days-before") == "5"
    assert data(settings_page, "reminder-hour") == "21"
    assert URL in settings_page.content.decode()
    # The form shows the saved choice.
    html = member_client.get(URL).content.decode()
    assert '<option value="5" selected>' in html and '<option value="21" selected>' in html


def test_turning_reminders_off_keeps_the_transaction_mail_choice(member_client, member):
    set_mail_preference(member=member, transaction_email=True, reminder_enabled=True)

    member_client.post(URL, {**VALID, "enabled": "off"})

    assert preference(member) == (False, 5, 21)
    assert MailPreference.objects.get(member=member).transaction_email is True


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("days_before", "0"),
        ("days_before", "8"),
        ("days_before", "-1"),
        ("days_before", "３"),
        ("hour", "24"),
        ("hour", "9.5"),
        ("enabled", "yes"),
        ("enabled", ""),
        ("days_before", ""),
    ],
)
def test_a_bad_value_is_refused_with_a_coded_message_and_changes_nothing(
    member_client, member, field, value
):
    response = member_client.post(URL, {**VALID, field: value})

    assert response.status_code == 200
    assert error_codes(response) in (["invalid_choice"], ["required"])
    assert preference(member) is None


def test_an_unverified_address_is_told_to_verify_first(client, django_assert_max_num_queries):
    member = MemberFactory(email_verified=False)
    client.force_login(member, backend="members.backends.CardPinBackend")

    with django_assert_max_num_queries(6):
        page = client.get(URL)
    posted = client.post(URL, VALID)

    for response in (page, posted):
        assert response.status_code == 200
        assert error_codes(response) == ["email_not_verified"]
        assert reverse("members:settings-email") in response.content.decode()
        assert 'name="days_before"' not in response.content.decode()
    assert preference(member) is None


def test_the_page_needs_a_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


def test_the_settings_page_shows_both_mail_settings_with_the_statement(
    member_client, member, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        page = member_client.get(SETTINGS_URL)

    html = page.content.decode()
    assert data(page, "transaction-email") == "false"
    assert data(page, "reminder-enabled") == "false"
    assert html.index("data-statement-delivery") < html.index("data-reminder-enabled")
    assert reverse("history:settings-transaction-mail") in html

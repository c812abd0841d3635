"""Statement delivery (書面の受取方法) and the PIN page (SPEC §4 PIN, §5)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from members.models import ChangeKind, Member, ProfileChange, StatementDelivery
from tests.factories import DEFAULT_PIN, MemberFactory
from tests.members.self_service import assert_field_error

pytestmark = pytest.mark.django_db

STATEMENT_URL = reverse("members:settings-statement")
PIN_URL = reverse("members:settings-pin")


def delivery_of(member) -> str:
    return Member.objects.get(pk=member.pk).statement_delivery


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (StatementDelivery.POST, StatementDelivery.WEB),
        (StatementDelivery.WEB, StatementDelivery.POST),
    ],
)
def test_the_delivery_choice_is_saved_and_recorded(client, time_machine, before, after):
    member = MemberFactory(statement_delivery=before)
    moment = dt.datetime(2026, 12, 10, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo"))
    time_machine.move_to(moment, tick=False)
    client.force_login(member, backend="members.backends.CardPinBackend")

    response = client.post(STATEMENT_URL, {"statement_delivery": after})

    assert response.status_code == 302
    assert delivery_of(member) == after
    (record,) = ProfileChange.objects.filter(member=member)
    assert record.kind == ChangeKind.STATEMENT_DELIVERY
    assert record.changed_at == moment
    settings_page = client.get(reverse("members:settings")).content.decode()
    assert f'data-statement-delivery="{after}"' in settings_page


def test_the_form_offers_post_and_web_with_the_current_choice_checked(member_client, member):
    html = member_client.get(STATEMENT_URL).content.decode()

    assert "郵送" in html
    assert "Web明細" in html
    (web_choice,) = re.findall(r'<input[^>]*value="web"[^>]*>', html)
    (post_choice,) = re.findall(r'<input[^>]*value="post"[^>]*>', html)
    assert "checked" in web_choice
    assert "checked" not in post_choice


def test_choosing_the_current_delivery_again_records_nothing(member_client, member):
    member_client.post(STATEMENT_URL, {"statement_delivery": member.statement_delivery})

    assert not ProfileChange.objects.filter(member=member).exists()


@pytest.mark.parametrize(
    ("data", "code"),
    [({"statement_delivery": "email"}, "invalid_choice"), ({}, "required")],
)
def test_a_rejected_choice_shows_a_field_error_and_changes_nothing(
    member_client, member, data, code
):
    before = delivery_of(member)

    assert_field_error(member_client.post(STATEMENT_URL, data), "statement_delivery", code)
    assert delivery_of(member) == before
    assert not ProfileChange.objects.filter(member=member).exists()


# --- PIN: no online reset (SPEC §4) -----------------------------------------------------------


def test_the_pin_page_says_where_to_go_instead_of_offering_a_reset(member_client, settings):
    response = member_client.get(PIN_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "オンラインではお手続きいただけません" in html
    assert "窓口" in html
    assert "本人確認書類" in html
    assert settings.PORTAL_SUPPORT_PHONE in html
    assert 'name="pin"' not in html
    # The only forms on the page are the header's logout button and language switch.
    assert re.findall(r"<form[^>]* action=\"([^\"]+)\"", html) == [
        reverse("members:logout"),
        reverse("members:set-language"),
    ]


def test_the_pin_page_takes_no_submission(member_client, member):
    response = member_client.post(PIN_URL, {"pin": "9876", "new_pin": "9876"})

    assert response.status_code == 405
    assert Member.objects.get(pk=member.pk).check_pin(DEFAULT_PIN)


def test_the_settings_page_links_to_the_pin_page(member_client):
    html = member_client.get(reverse("members:settings")).content.decode()

    assert f'href="{PIN_URL}"' in html

"""Profile: address, phone, employer (SPEC §4 member data, §5 profile)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.models import PREFECTURES, ChangeKind, Member, ProfileChange
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory
from tests.members.self_service import assert_field_error, mails_to, the_mail_to

pytestmark = pytest.mark.django_db

URL = reverse("members:settings-profile")

CURRENT = {
    "postal_code": "1000001",
    "prefecture": "東京都",
    "city": "千代田区",
    "street": "千代田1-1",
    "building": "",
    "phone": "09012345678",
    "employer": "株式会社サンプル商事",
}


@pytest.fixture
def member(db):
    return MemberFactory(email="taro@example.jp", **CURRENT)


def post_profile(client, **changes):
    """Post the form with the PIN of the card login (a new phone number needs it)."""
    return client.post(URL, {**CURRENT, "current_pin": DEFAULT_PIN, **changes})


def saved(member) -> dict:
    member = Member.objects.get(pk=member.pk)
    return {name: getattr(member, name) for name in CURRENT}


def changes_of(member) -> list[str]:
    return list(ProfileChange.objects.filter(member=member).values_list("kind", flat=True))


def test_the_form_shows_the_current_data(member_client):
    html = member_client.get(URL).content.decode()

    assert 'value="1000001"' in html
    assert 'value="千代田区"' in html
    assert 'value="09012345678"' in html


def test_the_prefecture_is_chosen_from_the_47(member_client):
    html = member_client.get(URL).content.decode()
    select = re.search(r'<select name="prefecture".*?</select>', html, re.S).group(0)

    offered = [value for value in re.findall(r'<option value="([^"]*)"', select) if value]
    assert offered == PREFECTURES
    assert len(offered) == 47


@pytest.mark.parametrize(
    "typed",
    [
        "5300001",
        "530-0001",
        "５３００００１",
        "５３０－０００１",
        "530ー0001",
        " 530 0001 ",
        "〒530-0001",
    ],
)
def test_a_postal_code_is_saved_as_7_digits_however_it_was_typed(member_client, member, typed):
    response = post_profile(member_client, postal_code=typed)

    assert response.status_code == 302
    assert saved(member)["postal_code"] == "5300001"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("postal_code", "530-001", "format_postal_code"),
        ("postal_code", "53000011", "format_postal_code"),
        ("postal_code", "〒〒530-0001", "format_postal_code"),
        ("postal_code", "530-0001〒", "format_postal_code"),
        ("postal_code", "abc-defg", "format_postal_code"),
        ("postal_code", "", "required"),
        ("prefecture", "東京", "invalid_choice"),
        ("prefecture", "Tokyo", "invalid_choice"),
        ("prefecture", "", "required"),
        ("city", "", "required"),
        ("street", "", "required"),
        ("phone", "12345", "format_phone"),
        ("phone", "1312345678", "format_phone"),
        ("phone", "03-1234-567a", "format_phone"),
        ("phone", "", "required"),
        ("employer", "株" * 101, "max_length"),
    ],
)
def test_rejected_input_shows_a_field_error_and_changes_nothing(
    member_client, member, mailbox, field, value, code
):
    """A valid change beside the bad one is not saved either (no partial write)."""
    response = post_profile(member_client, **{"employer": "株式会社ほげ", field: value})

    assert_field_error(response, field, code)
    assert saved(member) == CURRENT
    assert changes_of(member) == []
    assert not mail.outbox


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("03-1234-5678", "0312345678"),
        ("090-1234-5678", "09012345678"),
        ("０９０１２３４５６７８", "09012345678"),
    ],
)
def test_a_phone_number_is_saved_as_digits(member_client, member, typed, stored):
    assert post_profile(member_client, phone=typed).status_code == 302
    assert saved(member)["phone"] == stored


def test_each_kind_of_change_is_recorded_with_the_time_it_was_made(
    member_client, member, time_machine
):
    moment = dt.datetime(2026, 12, 9, 12, 10, tzinfo=ZoneInfo("Asia/Tokyo"))  # after login
    time_machine.move_to(moment, tick=False)

    post_profile(member_client, prefecture="大阪府", city="大阪市北区", street="梅田1-1")
    post_profile(
        member_client,
        prefecture="大阪府",
        city="大阪市北区",
        street="梅田1-1",
        phone="0611112222",
        employer="株式会社ほげ",
    )

    records = ProfileChange.objects.filter(member=member).order_by("id")
    assert [record.kind for record in records] == [
        ChangeKind.ADDRESS,
        ChangeKind.PHONE,
        ChangeKind.EMPLOYER,
    ]
    assert {record.changed_at for record in records} == {moment}
    assert saved(member) | {"building": ""} == {
        **CURRENT,
        "prefecture": "大阪府",
        "city": "大阪市北区",
        "street": "梅田1-1",
        "phone": "0611112222",
        "employer": "株式会社ほげ",
    }


def test_saving_the_same_data_records_and_sends_nothing(
    member_client, member, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_profile(member_client, postal_code="100-0001")

    assert response.status_code == 302
    assert changes_of(member) == []
    assert not mail.outbox


def test_a_contact_change_is_announced_to_the_verified_address(
    member_client, member, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        post_profile(member_client, building="サンプルビル101", phone="0312345678")

    notice = the_mail_to("taro@example.jp")
    assert "変更" in notice.subject
    assert "住所" in notice.body
    assert "電話番号" in notice.body
    assert "勤務先" not in notice.body
    assert len(mail.outbox) == 1


def test_the_notice_goes_to_the_verified_address_not_to_a_pending_one(
    member_client, member, mailbox, django_capture_on_commit_callbacks
):
    member_client.post(
        reverse("members:settings-email"), {"email": "new@example.jp", "current_pin": DEFAULT_PIN}
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        post_profile(member_client, employer="株式会社ほげ")

    assert the_mail_to("taro@example.jp")
    assert not mails_to("new@example.jp")


# --- A new phone number needs the PIN or password again (SPEC §4 "Session") ------------------


@pytest.mark.parametrize(
    ("pin", "code"),
    [("", "required"), ("9999", "invalid_credentials"), ("１２３４", "format_fullwidth")],
)
def test_without_the_secret_the_phone_is_not_changed(member_client, member, mailbox, pin, code):
    response = post_profile(member_client, phone="0611112222", city="大阪市", current_pin=pin)

    assert_field_error(response, "current_pin", code)
    assert saved(member) == CURRENT
    assert changes_of(member) == []
    assert not mail.outbox


def test_address_and_employer_changes_need_no_secret(member_client, member):
    response = post_profile(
        member_client,
        city="大阪市北区",
        employer="株式会社ほげ",
        phone="090-1234-5678",
        current_pin="",
    )

    assert response.status_code == 302
    assert saved(member)["city"] == "大阪市北区"
    assert set(changes_of(member)) == {ChangeKind.ADDRESS, ChangeKind.EMPLOYER}


def test_a_web_id_login_is_asked_for_the_password(client, member):
    client.force_login(member, backend="members.backends.WebIdBackend")

    refused = post_profile(client, phone="0611112222", current_pin="", current_password="")
    accepted = post_profile(client, phone="0611112222", current_password=DEFAULT_PASSWORD)

    assert_field_error(refused, "current_password", "required")
    assert accepted.status_code == 302
    assert saved(member)["phone"] == "0611112222"


def test_a_new_phone_ends_the_other_sessions_and_is_announced(
    member_client, member, mailbox, django_capture_on_commit_callbacks
):
    other = Client()
    other.force_login(member, backend="members.backends.CardPinBackend")

    with django_capture_on_commit_callbacks(execute=True):
        assert post_profile(member_client, phone="0611112222").status_code == 302

    assert other.get(reverse("members:mypage")).status_code == 302
    assert member_client.get(reverse("members:mypage")).status_code == 200
    assert "電話番号" in the_mail_to("taro@example.jp").body


def test_an_address_change_keeps_the_other_sessions(member_client, member):
    other = Client()
    other.force_login(member, backend="members.backends.CardPinBackend")

    assert post_profile(member_client, city="大阪市北区").status_code == 302

    assert other.get(reverse("members:mypage")).status_code == 200

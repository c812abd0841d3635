"""Transfer account (振込先口座): codes, type and the holder's katakana name (SPEC §5)."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from members.models import AccountType, ChangeKind, ProfileChange, TransferAccount
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory
from tests.members.self_service import assert_field_error, error_codes, the_mail_to

pytestmark = pytest.mark.django_db

URL = reverse("members:settings-transfer-account")

ACCOUNT = {
    "bank_code": "0005",
    "branch_code": "123",
    "account_type": AccountType.ORDINARY,
    "account_number": "1234567",
    "holder_kana": "ヤマダ タロウ",
}


@pytest.fixture
def member(db):
    return MemberFactory(name_kanji="山田 太郎", name_kana="ヤマダ タロウ", email="taro@example.jp")


def post_account(client, **changes):
    """Post the form with the PIN of the card login."""
    return client.post(URL, {**ACCOUNT, "current_pin": DEFAULT_PIN, **changes})


def registered(member) -> dict | None:
    account = TransferAccount.objects.filter(member=member).first()
    if account is None:
        return None
    return {name: getattr(account, name) for name in ACCOUNT}


def test_an_account_in_the_members_name_is_registered(
    member_client, member, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_account(member_client)

    assert response.status_code == 302
    assert registered(member) == ACCOUNT
    assert list(ProfileChange.objects.filter(member=member).values_list("kind", flat=True)) == [
        ChangeKind.TRANSFER_ACCOUNT
    ]
    assert "振込先口座" in the_mail_to("taro@example.jp").body


def test_a_wrong_name_is_refused_and_then_the_right_name_is_saved(member_client, member, mailbox):
    """The browser journey of issue #4: first a wrong kana name, then the right one."""
    refused = post_account(member_client, holder_kana="ヤマダ ハナコ")

    assert_field_error(refused, "holder_kana", "holder_mismatch")
    assert registered(member) is None
    assert not ProfileChange.objects.filter(member=member).exists()
    assert 'value="1234567"' in refused.content.decode()  # the rest is kept for the retry

    assert post_account(member_client, holder_kana="ヤマダ タロウ").status_code == 302
    assert registered(member) == ACCOUNT


@pytest.mark.parametrize(
    "typed",
    [
        "ﾔﾏﾀﾞ ﾀﾛｳ",  # half-width katakana, voiced mark as a separate character
        "ﾔﾏﾀﾞﾀﾛｳ",
        "ヤマダタロウ",  # without the space
        "ヤマダ\u3000タロウ",  # a full-width space
        " ヤマダ  タロウ ",
    ],
)
def test_the_holder_name_is_normalised_to_the_members_full_width_kana(member_client, member, typed):
    assert post_account(member_client, holder_kana=typed).status_code == 302
    assert registered(member)["holder_kana"] == "ヤマダ タロウ"


def test_a_long_vowel_mark_typed_half_width_matches(client):
    member = MemberFactory(name_kana="サトウ ユーコ")
    client.force_login(member, backend="members.backends.CardPinBackend")

    assert post_account(client, holder_kana="ｻﾄｳ ﾕｰｺ").status_code == 302
    assert registered(member)["holder_kana"] == "サトウ ユーコ"


@pytest.mark.parametrize("typed", ["ｻﾄｳ ｷﾖｳｺ", "サトウ キヨウコ", "ｻﾄｳ ｷｮｳｺ"])
def test_a_name_as_printed_on_a_passbook_without_small_kana_matches(client, typed):
    member = MemberFactory(name_kana="サトウ キョウコ")
    client.force_login(member, backend="members.backends.CardPinBackend")

    assert post_account(client, holder_kana=typed).status_code == 302
    assert registered(member)["holder_kana"] == "サトウ キョウコ"


def test_submitting_the_registered_account_again_records_and_announces_nothing(
    member_client, member, mailbox, django_capture_on_commit_callbacks
):
    post_account(member_client)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = post_account(member_client)

    assert response.status_code == 302
    assert ProfileChange.objects.filter(member=member).count() == 1
    assert not mail.outbox


@pytest.mark.parametrize(
    ("holder", "code"),
    [
        ("やまだ たろう", "holder_not_katakana"),  # hiragana
        ("山田 太郎", "holder_not_katakana"),
        ("YAMADA TARO", "holder_not_katakana"),
        ("", "required"),
        ("ヤマダ", "holder_mismatch"),
        ("タロウ ヤマダ", "holder_mismatch"),
        ("ヤマダ タロオ", "holder_mismatch"),
    ],
)
def test_a_holder_name_that_is_not_the_members_kana_is_refused(
    member_client, member, mailbox, holder, code
):
    assert_field_error(post_account(member_client, holder_kana=holder), "holder_kana", code)
    assert registered(member) is None
    assert not mail.outbox


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("bank_code", "005", "format_bank_code"),
        ("bank_code", "00051", "format_bank_code"),
        ("bank_code", "00a5", "format_bank_code"),
        ("bank_code", "", "required"),
        ("branch_code", "12", "format_branch_code"),
        ("branch_code", "1234", "format_branch_code"),
        ("account_number", "123456", "format_account_number"),
        ("account_number", "12345678", "format_account_number"),
        ("account_number", "", "required"),
        ("account_type", "savings", "invalid_choice"),
        ("account_type", "", "required"),
    ],
)
def test_malformed_codes_are_refused_with_a_field_error(member_client, member, field, value, code):
    assert_field_error(post_account(member_client, **{field: value}), field, code)
    assert registered(member) is None


@pytest.mark.parametrize(
    ("field", "typed", "stored"),
    [
        ("bank_code", "０００５", "0005"),
        ("branch_code", "１２３", "123"),
        ("account_number", "123-4567", "1234567"),
        ("account_number", "１２３４５６７", "1234567"),
    ],
)
def test_digits_typed_full_width_or_with_a_hyphen_are_normalised(
    member_client, member, field, typed, stored
):
    assert post_account(member_client, **{field: typed}).status_code == 302
    assert registered(member)[field] == stored


def test_the_account_type_may_be_current(member_client, member):
    html = member_client.get(URL).content.decode()
    assert "普通" in html
    assert "当座" in html

    post_account(member_client, account_type=AccountType.CURRENT)

    assert registered(member)["account_type"] == AccountType.CURRENT


def test_a_new_account_replaces_the_registered_one(member_client, member):
    post_account(member_client)

    post_account(member_client, bank_code="0009", account_number="7654321")

    assert TransferAccount.objects.filter(member=member).count() == 1
    assert registered(member) == {**ACCOUNT, "bank_code": "0009", "account_number": "7654321"}
    assert ProfileChange.objects.filter(member=member).count() == 2


def test_a_refused_change_keeps_the_registered_account(member_client, member):
    post_account(member_client)

    response = post_account(member_client, bank_code="0009", holder_kana="スズキ イチロウ")

    assert error_codes(response) == ["holder_mismatch"]
    assert registered(member) == ACCOUNT


# --- The PIN or password again (SPEC §4 "Session") ------------------------------------------


@pytest.mark.parametrize(
    ("pin", "code"),
    [("", "format_length"), ("9999", "invalid_credentials"), ("12-4", "format_hyphen")],
)
def test_without_the_secret_the_account_is_not_changed(member_client, member, mailbox, pin, code):
    response = post_account(member_client, current_pin=pin)

    assert_field_error(response, "current_pin", code)
    assert registered(member) is None
    assert not ProfileChange.objects.filter(member=member).exists()
    assert not mail.outbox


def test_a_web_id_login_is_asked_for_the_password(client, member):
    client.force_login(member, backend="members.backends.WebIdBackend")

    refused = post_account(client, current_password="Wrong0000")
    accepted = post_account(client, current_password=DEFAULT_PASSWORD)

    assert_field_error(refused, "current_password", "invalid_credentials")
    assert accepted.status_code == 302
    assert registered(member) == ACCOUNT


def test_a_change_ends_the_other_sessions(member_client, member):
    other = Client()
    other.force_login(member, backend="members.backends.CardPinBackend")
    neighbour = Client()
    neighbour.force_login(MemberFactory(), backend="members.backends.CardPinBackend")

    assert post_account(member_client).status_code == 302

    assert other.get(reverse("members:mypage")).status_code == 302
    assert member_client.get(reverse("members:mypage")).status_code == 200
    assert neighbour.get(reverse("members:mypage")).status_code == 200


@pytest.mark.parametrize(
    ("bank", "branch", "names"),
    [
        ("0001", "001", ("みずほ", "東京営業部")),
        ("0005", "999", ("三菱ＵＦＪ", "")),
        ("9999", "001", ("", "")),
    ],
)
def test_bank_and_branch_names_come_from_their_codes(bank, branch, names):
    account = TransferAccount(bank_code=bank, branch_code=branch, account_number="0000123")
    assert (account.bank_name, account.branch_name) == names
    assert account.masked_number == "＊＊＊0123"

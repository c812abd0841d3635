"""The members' pages, messages and account mails in English (issue 13): no Japanese
outside data (the member's name and address, marked lang="ja"), and the testers' names
(field names, error codes) the same as in Japanese."""

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from members import account, dashboard
from members.models import ContractStatus, LoginAttempt, LoginMethod, LoginResult
from members.tokens import email_verification_token, password_recovery_token
from tests.english import JAPANESE, assert_page_in_english, get_in_english
from tests.factories import DEFAULT_PASSWORD, DEFAULT_PIN, MemberFactory, TransferAccountFactory
from tests.helpers import error_codes

pytestmark = pytest.mark.django_db


def english_client(**defaults) -> Client:
    client = Client(**defaults)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def no_panels(monkeypatch):
    """The member page and the settings page without the panels of history and points
    (their own tests read those in English): this area's frame alone."""
    monkeypatch.setattr(dashboard, "_panels", {dashboard.MYPAGE: [], dashboard.SETTINGS_PAGE: []})


@pytest.fixture
def english_member(no_panels):
    """A member with all their data in Japanese, as stored, and a transfer account."""
    member = MemberFactory(building="みどりハイツ101", employer="株式会社テスト")
    TransferAccountFactory(member=member)
    return member


@pytest.fixture
def english_browser(english_member):
    """A browser in English logged in as `english_member` (by card)."""
    client = english_client()
    client.force_login(english_member, backend="members.backends.CardPinBackend")
    return client


# --- The login page and its every error -------------------------------------------------


def test_the_login_page_reads_in_english(client, db):
    assert_page_in_english(get_in_english(client, reverse("members:login")))


CARD_FORMAT_ERRORS = [
    ("１０００００００１２", "1234", "format_fullwidth"),
    ("1000-0000-12", "1234", "format_hyphen"),
    ("1000 000 012", "1234", "format_space"),
    ("100000001", "1234", "format_length"),
    ("", "1234", "format_length"),
    ("1000000012", "12a4", "format_charset"),
    ("1000000012", "１２３４", "format_fullwidth"),
    ("1000000012", "12", "format_length"),
]
WEB_ID_FORMAT_ERRORS = [
    ("Ｙａｍａｄａ２０２６", "Secret2026", "format_fullwidth"),
    ("yamada2026", "short1", "format_length"),
    ("yama", "Secret2026", "format_length"),
    ("yamada_2026", "Secret2026", "format_charset"),
    ("yamada2026", "Secret 2026", "format_charset"),
]


@pytest.mark.parametrize(("card_number", "pin", "code"), CARD_FORMAT_ERRORS)
def test_card_format_errors_read_in_english_with_their_codes(card_number, pin, code):
    client = english_client()
    response = client.post(reverse("members:login-card"), {"card_number": card_number, "pin": pin})
    assert_page_in_english(response)
    assert code in error_codes(response)


@pytest.mark.parametrize(("web_id", "password", "code"), WEB_ID_FORMAT_ERRORS)
def test_web_id_format_errors_read_in_english_with_their_codes(web_id, password, code):
    client = english_client()
    response = client.post(
        reverse("members:login-web-id"), {"web_id": web_id, "password": password}
    )
    assert_page_in_english(response)
    assert code in error_codes(response)


def test_a_length_error_counts_in_english():
    client = english_client()
    response = client.post(
        reverse("members:login-card"), {"card_number": "100000001", "pin": "1234"}
    )
    html = assert_page_in_english(response)
    assert "Card number must be 10 or 15–16 digits (digits entered: 9)." in html


def _post(client, method, member, secret):
    if method == LoginMethod.CARD:
        return client.post(
            reverse("members:login-card"), {"card_number": member.card_number, "pin": secret}
        )
    return client.post(
        reverse("members:login-web-id"), {"web_id": member.web_id, "password": secret}
    )


WRONG = {LoginMethod.CARD: "9999", LoginMethod.WEB_ID: "Wrong2026x"}


@pytest.mark.parametrize("method", [LoginMethod.CARD, LoginMethod.WEB_ID])
def test_each_refusal_reads_in_english_with_its_code_and_remedies(method, settings, member):
    client = english_client()
    response = _post(client, method, member, WRONG[method])
    assert_page_in_english(response)
    assert error_codes(response) == [LoginResult.INVALID_CREDENTIALS]

    for _ in range(settings.PORTAL_LOCKOUT_THRESHOLD):
        response = _post(client, method, member, WRONG[method])
    assert_page_in_english(response)
    assert error_codes(response) == [LoginResult.LOCKED]


def test_a_terminated_contract_reads_in_english(member):
    member.contract.status = ContractStatus.TERMINATED
    member.contract.save()
    response = _post(english_client(), LoginMethod.CARD, member, DEFAULT_PIN)
    html = assert_page_in_english(response)
    assert error_codes(response) == [LoginResult.CONTRACT_TERMINATED]
    assert 'href="tel:' in html


def test_the_address_throttle_reads_in_english(settings, member):
    settings.PORTAL_IP_THROTTLE = (2, 15 * 60)
    client = english_client()
    for _ in range(3):
        response = _post(client, LoginMethod.WEB_ID, member, WRONG[LoginMethod.WEB_ID])
    assert_page_in_english(response, status=429)
    assert error_codes(response) == [LoginResult.THROTTLED]


def test_the_notices_after_logout_and_timeout_read_in_english(member, settings, time_machine):
    client = english_client()
    _post(client, LoginMethod.CARD, member, DEFAULT_PIN)
    response = client.post(reverse("members:logout"), follow=True)
    assert "You have logged out." in assert_page_in_english(response)

    _post(client, LoginMethod.CARD, member, DEFAULT_PIN)
    time_machine.shift(dt.timedelta(minutes=settings.PORTAL_SESSION_IDLE_MINUTES + 1))
    response = client.get(reverse("members:mypage"), follow=True)
    assert "logged out automatically" in assert_page_in_english(response)


# --- The member's own pages -------------------------------------------------------------

MEMBER_PAGES = [
    "members:mypage",
    "members:login-history",
    "members:settings",
    "members:settings-web-id",
    "members:settings-email",
    "members:settings-profile",
    "members:settings-transfer-account",
    "members:settings-statement",
    "members:settings-sessions",
    "members:settings-pin",
]


@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_each_member_page_reads_in_english(english_member, english_browser, name):
    for result in LoginResult.values:
        LoginAttempt.objects.create(
            method=LoginMethod.CARD,
            masked_identifier="******0001",
            member=english_member,
            client_address="203.0.113.5",
            result=result,
        )
    assert_page_in_english(english_browser.get(reverse(name)))


def test_the_member_name_and_address_are_marked_as_japanese_data(english_member, english_browser):
    mypage = english_browser.get(reverse("members:mypage")).content.decode()
    assert f'<span lang="ja">{english_member.name_kanji}</span>' in mypage
    settings_page = english_browser.get(reverse("members:settings")).content.decode()
    assert re.search(r'<dd lang="ja">〒\d{3}-\d{4} ', settings_page)
    assert f'<span lang="ja">{english_member.name_kana}</span>' in settings_page


def test_the_login_history_dates_follow_the_language(english_member, english_browser):
    LoginAttempt.objects.create(
        attempted_at=dt.datetime(2026, 12, 2, 6, 30, 15, tzinfo=dt.UTC),
        method=LoginMethod.WEB_ID,
        masked_identifier="****2026",
        member=english_member,
        result=LoginResult.SUCCESS,
    )
    html = english_browser.get(reverse("members:login-history")).content.decode()
    assert "2026-12-02 15:30:15" in html
    assert "Web-ID and password" in html


def test_pages_for_a_member_without_a_verified_address_read_in_english(no_panels):
    member = MemberFactory(email_verified=False, web_id=None, pending_email="new@example.jp")
    client = english_client()
    client.force_login(member, backend="members.backends.CardPinBackend")
    for name in ("members:mypage", "members:settings", "members:settings-web-id"):
        assert_page_in_english(client.get(reverse(name)))
    assert_page_in_english(client.get(reverse("members:settings-email")))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("members:settings-web-id", {"web_id": "ｗｅｂ", "password": "x", "current_pin": "1"}),
        ("members:settings-email", {"email": "not-an-address", "current_pin": "12"}),
        (
            "members:settings-profile",
            {"postal_code": "12", "prefecture": "", "phone": "123", "city": "", "street": ""},
        ),
        (
            "members:settings-transfer-account",
            {
                "bank_code": "1",
                "branch_code": "1",
                "account_type": "ordinary",
                "account_number": "1",
                "holder_kana": "yamada",
                "current_pin": "1234",
            },
        ),
        ("members:settings-statement", {"statement_delivery": "fax"}),
    ],
)
def test_the_settings_forms_errors_read_in_english(english_browser, name, data):
    response = english_browser.post(reverse(name), data)
    assert_page_in_english(response)
    assert error_codes(response)


def test_the_profile_asks_the_pin_for_a_new_phone_in_english(english_member, english_browser):
    data = {
        "postal_code": "1000001",
        "prefecture": "東京都",
        "city": english_member.city,
        "street": english_member.street,
        "building": "",
        "phone": "09011112222",
        "employer": "",
        "current_pin": "",
    }
    response = english_browser.post(reverse("members:settings-profile"), data)
    html = assert_page_in_english(response)
    assert "To change your phone number, please enter your PIN for the identity check." in html


def test_a_wrong_secret_reads_in_english(english_browser):
    response = english_browser.post(
        reverse("members:settings-email"), {"email": "new@example.jp", "current_pin": "9999"}
    )
    assert_page_in_english(response)
    assert error_codes(response) == ["invalid_credentials"]


@pytest.mark.parametrize(
    ("name", "data", "notice"),
    [
        ("members:settings-statement", {"statement_delivery": "post"}, "saved"),
        ("members:settings-sessions", {}, "other_sessions_ended"),
        (
            "members:settings-email",
            {"email": "new@example.jp", "current_pin": DEFAULT_PIN},
            "verification_sent",
        ),
    ],
)
def test_the_notices_after_a_change_read_in_english(english_browser, name, data, notice):
    response = english_browser.post(reverse(name), data, follow=True)
    html = assert_page_in_english(response)
    assert f'data-notice="{notice}"' in html


# --- Account recovery and e-mail links (no login) ---------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("members:forgot-web-id", {"member_number": "12345678", "email": "a@example.jp"}),
        ("members:forgot-web-id", {"member_number": "123456789", "email": "a@example.jp"}),
        ("members:forgot-password", {"web_id": "ｙａｍａｄａ", "email": "a@example.jp"}),
        ("members:forgot-password", {"web_id": "Nobody2026", "email": "a@example.jp"}),
    ],
)
def test_the_recovery_pages_read_in_english(db, name, data):
    client = english_client()
    assert_page_in_english(client.get(reverse(name)))
    assert_page_in_english(client.post(reverse(name), data))


def test_the_recovery_throttle_reads_in_english(db, settings, monkeypatch):
    from members import limits

    monkeypatch.setattr(limits, "reserve_recovery", lambda address: False)
    response = english_client().post(
        reverse("members:forgot-web-id"), {"member_number": "123456789", "email": "a@example.jp"}
    )
    assert_page_in_english(response, status=429)
    assert error_codes(response) == [LoginResult.THROTTLED]


def _link(member, name, generator):
    uidb64, token = account.link_token(member, generator)
    return reverse(name, args=[uidb64, token])


def test_the_password_reset_link_reads_in_english(member):
    client = english_client()
    url = _link(member, "members:reset-password", password_recovery_token)
    assert_page_in_english(client.get(url))
    response = client.post(url, {"password": "Renewed2026", "password_confirm": "Other2026"})
    assert_page_in_english(response)
    assert error_codes(response) == ["password_mismatch"]
    response = client.post(url, {"password": "Renewed2026", "password_confirm": "Renewed2026"})
    assert 'data-notice="password_reset"' in assert_page_in_english(response)
    assert_page_in_english(client.get(url), status=400)  # used: the link is invalid now


def test_the_verification_link_reads_in_english(db):
    member = MemberFactory(pending_email="new@example.jp")
    client = english_client()
    url = _link(member, "members:verify-email", email_verification_token)
    assert_page_in_english(client.get(url))
    assert 'data-notice="email_verified"' in assert_page_in_english(client.post(url))


# --- The account mails ------------------------------------------------------------------


def mail_outside_data(message, *data: str) -> list[str]:
    """Return each line of a mail's subject and body with Japanese once `data` (the
    member's name, stored in Japanese) is taken out."""
    text = f"{message.subject}\n{message.body}"
    for value in data:
        text = text.replace(value, "")
    return [line for line in text.splitlines() if JAPANESE.search(line)]


def _send_every_account_mail(member):
    """Send every mail of this area to `member` but the new-browser alert."""
    account.set_web_id(member=member, web_id="Yamada2027", password="Secret2027")  # changed
    account.reset_password(member=member, password="Renewed2027")
    account.send_web_id_reminder(
        member_number=member.member_number, email=member.email, site_url="http://testserver/"
    )
    account.send_password_recovery(
        web_id=member.web_id, email=member.email, build_url=lambda *args: "http://testserver/r/"
    )
    account.update_profile(
        member=member,
        changes={"phone": "09099998888", "employer": "株式会社べつ"},
        current_session_key=None,
    )
    account.set_transfer_account(
        member=member,
        account={
            "bank_code": "0005",
            "branch_code": "001",
            "account_type": "ordinary",
            "account_number": "7654321",
            "holder_kana": member.name_kana,
        },
        current_session_key=None,
    )
    account.request_email_verification(
        member=member,
        new_email="new@example.jp",
        build_url=lambda *args: "http://testserver/v/",
        current_session_key=None,
    )
    account.verify_email(member=member)  # the old address is told


def test_every_account_mail_to_an_english_reader_is_in_english(
    django_capture_on_commit_callbacks, time_machine
):
    member = MemberFactory(language="en", email="old@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        _send_every_account_mail(member)
    client = Client(HTTP_USER_AGENT="Firefox/140", REMOTE_ADDR="198.51.100.23")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    _post(client, LoginMethod.WEB_ID, member, "Renewed2027")  # from a new browser
    messages = list(mail.outbox)

    assert sorted(message.subject for message in messages) == [
        "[Midori Card Loan] Login from a new device",
        "[Midori Card Loan] Please verify your e-mail address",
        "[Midori Card Loan] Resetting your password",
        "[Midori Card Loan] Your Web-ID",
        "[Midori Card Loan] Your Web-ID has been changed",
        "[Midori Card Loan] Your password has been reset",
        "[Midori Card Loan] Your registered details have changed",  # profile
        "[Midori Card Loan] Your registered details have changed",  # transfer account
        "[Midori Card Loan] Your registered details have changed",  # to the old address
    ]
    for message in messages:
        assert mail_outside_data(message, member.name_kanji) == [], message.subject
        assert message.body.startswith(f"Dear {member.name_kanji},")
    assert "Method: Web-ID and password" in messages[-1].body


def test_the_same_mails_to_a_japanese_reader_stay_japanese(
    django_capture_on_commit_callbacks,
):
    member = MemberFactory(language="ja", email="old@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        _send_every_account_mail(member)
    assert len(mail.outbox) == 8
    for message in mail.outbox:
        assert message.body.startswith(f"{member.name_kanji} 様")
        assert message.subject.startswith("【")


def test_a_web_id_registered_for_the_first_time_is_announced_in_english(db):
    member = MemberFactory(language="en", web_id=None)
    account.set_web_id(member=member, web_id="Yamada2027", password=DEFAULT_PASSWORD)
    (message,) = mail.outbox
    assert "Your Web-ID has been registered" in message.subject
    assert mail_outside_data(message, member.name_kanji) == []

"""A NUL character anywhere in a request is answered 400 and reaches nothing (PostgreSQL
refuses NULs in text: one in a query was a 500)."""

import pytest
from django.test import Client
from django.urls import reverse

from history.models import LedgerEntry
from members.models import AttemptCounter, LoginAttempt, Member
from tests.factories import DEFAULT_PIN, MemberFactory, TransferAccountFactory

pytestmark = pytest.mark.django_db

CARD_URL = reverse("members:login-card")


def assert_refused(response) -> None:
    assert response.status_code == 400
    assert 'data-error-code="null_characters_not_allowed"' in response.content.decode()


@pytest.fixture
def member_client(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def test_an_admin_filter_with_a_nul_is_a_bad_request(staff_client):
    assert_refused(staff_client.get("/admin/members/member/?card_number__gt=%00"))
    assert_refused(staff_client.get(reverse("admin:members_member_changelist"), {"q": "1\x00"}))


@pytest.mark.parametrize(
    "query",
    [{"kind": "\x00"}, {"date_from": "2026-12-01\x00"}, {"page\x00": "1"}, {"page": ["1", "\x00"]}],
)
def test_a_member_page_query_with_a_nul_is_a_bad_request(member_client, query):
    assert_refused(member_client.get(reverse("history:history"), query))


def test_a_path_with_a_nul_is_a_bad_request(client):
    assert_refused(client.get("/mypage/%00/"))


@pytest.mark.parametrize(
    "form",
    [
        {"card_number": "10000\x000010", "pin": DEFAULT_PIN},
        {"card_number": "1000000010", "pin": "12\x0034"},
        {"card_number": "1000000010", "pin": DEFAULT_PIN, "extra\x00": "1"},
    ],
)
def test_a_login_with_a_nul_is_a_bad_request_and_counts_nothing(client, form):
    MemberFactory(card_number="1000000010")

    assert_refused(client.post(CARD_URL, form))

    assert not LoginAttempt.objects.exists()
    assert not AttemptCounter.objects.exists()


def test_a_nul_in_a_header_or_a_cookie_is_a_bad_request(member):
    form = {"card_number": member.card_number, "pin": DEFAULT_PIN}
    assert_refused(Client(HTTP_USER_AGENT="Mozilla\x00").post(CARD_URL, form))
    browser = Client()
    browser.cookies["sessionid"] = "abcdefgh\x00"
    assert_refused(browser.get(reverse("members:mypage")))
    assert not LoginAttempt.objects.exists()


def test_a_borrowing_with_a_nul_books_nothing(member_client, member):
    TransferAccountFactory(member=member)
    assert_refused(member_client.post(reverse("history:borrow"), {"amount": "10000\x00"}))
    assert not LedgerEntry.objects.exists()


def test_a_profile_change_with_a_nul_changes_nothing(member_client, member):
    before = Member.objects.filter(pk=member.pk).values().get()
    response = member_client.post(
        reverse("members:settings-profile"), {"address": "東京都\x00", "phone": "0312345678"}
    )
    assert_refused(response)
    assert Member.objects.filter(pk=member.pk).values().get() == before


def test_the_demo_mailbox_filter_with_a_nul_is_a_bad_request(client):
    assert_refused(client.get(reverse("demo:mailbox"), {"to": "a\x00b"}))


def test_other_control_characters_keep_their_coded_format_error(client):
    response = client.post(CARD_URL, {"card_number": "10000\x010010", "pin": DEFAULT_PIN})
    assert response.status_code == 200
    assert 'data-error-code="format_charset"' in response.content.decode()
    assert not LoginAttempt.objects.exists()


def test_a_request_without_a_nul_passes(client):
    assert client.get(reverse("members:login"), {"next": "/mypage/"}).status_code == 200

"""No member sees another member's figures, history or logins on any page (SPEC §11).

The self-service forms have their own isolation tests (tests/members/test_isolation.py);
these are the pages that show the account: the member top, login history and the
ledger pages, asked with every query parameter a curious member might try.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from history import services as ledger
from members.models import LoginAttempt, LoginMethod, LoginResult
from tests.factories import LoanContractFactory, MemberFactory, TransferAccountFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")

PAGES = [
    "members:mypage",
    "members:login-history",
    "history:history",
    "history:history-csv",
    "history:interest",
    "history:borrow",
    "history:repay",
]


@pytest.fixture
def member(db):
    member = MemberFactory(name_kanji="山田 太郎")
    TransferAccountFactory(member=member)
    ledger.borrow(member=member, amount=10_000)
    return member


@pytest.fixture
def other(db, time_machine):
    """A neighbour whose figures are all distinctive: 4,321,000 yen limit, 1,234,000 owed."""
    other = MemberFactory(name_kanji="鈴木 花子", contract=None)
    LoanContractFactory(member=other, credit_limit=4_321_000, annual_rate="14.90")
    TransferAccountFactory(member=other)
    time_machine.move_to(dt.datetime(2026, 11, 2, 12, 0, tzinfo=TOKYO), tick=False)
    ledger.borrow(member=other, amount=1_234_000)
    time_machine.move_to(dt.datetime(2026, 12, 9, 12, 0, tzinfo=TOKYO), tick=True)
    LoginAttempt.objects.create(
        attempted_at=dt.datetime(2026, 12, 8, 9, 0, tzinfo=TOKYO),
        method=LoginMethod.CARD,
        masked_identifier="******9876",
        member=other,
        client_address="203.0.113.77",
        user_agent="NeighbourBrowser/1.0",
        result=LoginResult.SUCCESS,
    )
    return other


def secrets_of(other) -> list[str]:
    return [
        other.member_number,
        other.name_kanji,
        "1234000",
        "1,234,000",
        "4321000",
        "4,321,000",
        "14.90",
        "203.0.113.77",
        "NeighbourBrowser",
    ]


@pytest.mark.parametrize("name", PAGES)
def test_a_page_shows_only_the_logged_in_members_account(member, other, name):
    client = Client()
    client.force_login(member, backend="members.backends.CardPinBackend")
    query = {
        "member": other.pk,
        "member_id": other.pk,
        "pk": other.pk,
        "member_number": other.member_number,
    }

    response = client.get(reverse(name), query)

    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    page = body.decode("utf-8-sig")
    own = {
        "members:mypage": f'data-member-number="{member.member_number}"',
        "history:history": 'data-amount="10000"',
        "history:history-csv": "10000",
    }
    assert own.get(name, "") in page
    for secret in secrets_of(other):
        assert secret not in page, (name, secret)

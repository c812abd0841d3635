"""The header's quick menu (history.context_processors.quick_menu): on every member page it
offers borrowing and repayment by the rules the member top follows, and costs no query."""

import pytest
from django.test import Client
from django.urls import reverse

from history import services
from members.models import ContractStatus, LoanContract, StatementDelivery
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db

MYPAGE_URL = reverse("members:mypage")
PIN_URL = reverse("members:settings-pin")
HISTORY_URL = reverse("history:history")
MEMBER_PAGES = [PIN_URL, HISTORY_URL, reverse("points:points"), reverse("history:interest")]


def log_in(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


@pytest.fixture
def debtor(db, time_machine):
    """Borrowed 100,000 yen on 2026-12-10 (first due date 2027-01-25), no free days."""
    member = MemberFactory(statement_delivery=StatementDelivery.POST)
    TransferAccountFactory(member=member)
    time_machine.move_to(tokyo(2026, 12, 10), tick=False)
    services.borrow(member=member, amount=100_000)
    return member


def offers(html: str) -> set[str]:
    menu = html[html.index('class="quick-nav"') : html.index("</nav>", html.index("quick-nav"))]
    return {name for name in ("borrow", "repay", "history") if f'id="nav-{name}"' in menu}


@pytest.mark.parametrize(
    ("moment", "can_borrow"),
    [
        (tokyo(2027, 1, 25, 23, 0), True),  # on the due date: not late yet
        (tokyo(2027, 1, 26, 0, 30), False),  # the first overdue day, before the daily job
        (tokyo(2027, 3, 1), False),
    ],
)
def test_borrowing_is_offered_on_every_page_as_on_the_member_top(
    client, debtor, time_machine, moment, can_borrow
):
    time_machine.move_to(moment, tick=False)
    log_in(client, debtor)

    top = client.get(MYPAGE_URL).content.decode()

    assert ('id="menu-borrow"' in top) is can_borrow
    for url in [MYPAGE_URL, *MEMBER_PAGES]:
        menu = offers(client.get(url).content.decode())
        assert ("borrow" in menu) is can_borrow, url
        assert {"repay", "history"} <= menu, url  # an overdue member repays


def test_paying_the_overdue_amount_offers_borrowing_again(client, debtor, time_machine):
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)
    log_in(client, debtor)
    assert "borrow" not in offers(client.get(PIN_URL).content.decode())

    services.repay(member=debtor, amount=20_000)

    assert "borrow" in offers(client.get(PIN_URL).content.decode())


def test_a_suspended_contract_is_offered_no_borrowing(client, debtor):
    LoanContract.objects.filter(member=debtor).update(status=ContractStatus.SUSPENDED)
    log_in(client, debtor)

    assert offers(client.get(HISTORY_URL).content.decode()) == {"repay", "history"}


def test_during_a_repayment_window_no_page_offers_repayment(client, debtor, time_machine):
    time_machine.move_to(tokyo(2026, 12, 13, 23, 30), tick=False)  # Sunday night's window
    log_in(client, debtor)

    for url in [MYPAGE_URL, reverse("history:borrow"), *MEMBER_PAGES]:
        assert offers(client.get(url).content.decode()) == {"borrow", "history"}, url
    time_machine.move_to(tokyo(2026, 12, 14, 7, 0), tick=False)  # the window ended
    later = log_in(Client(), debtor)  # (the idle session ended)
    assert offers(later.get(PIN_URL).content.decode()) == {"borrow", "repay", "history"}


def test_the_menu_of_an_overdue_member_costs_no_query(
    client, debtor, time_machine, django_assert_num_queries, settings
):
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)
    log_in(client, debtor)
    client.get(PIN_URL)  # the process reads the windows

    with django_assert_num_queries(2):  # the session and the member (SPEC §12)
        assert "borrow" not in offers(client.get(PIN_URL).content.decode())
    settings.PORTAL_MAINTENANCE_CACHE_SECONDS = 0
    with django_assert_num_queries(3):  # and the windows, read once for the page
        assert "borrow" not in offers(client.get(PIN_URL).content.decode())


def test_no_quick_menu_for_visitors(client):
    assert 'class="quick-nav"' not in client.get(reverse("members:login")).content.decode()

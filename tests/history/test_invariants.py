"""The ledger's invariant over many members (history.invariants, `make loadtest`'s check):
every balance is what the member's entries add up to."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from history import atm, services
from history.invariants import ledger_breaches
from history.models import Channel, Kind, LedgerEntry
from members.models import LoanContract, StatementDelivery
from portal import clock
from tests.conftest import QUIET_MOMENT
from tests.factories import MemberFactory, TransferAccountFactory

pytestmark = pytest.mark.django_db


def _busy_member():
    """A member whose ledger has every kind of entry the services write: 74,400 yen owed."""
    member = MemberFactory(statement_delivery=StatementDelivery.WEB)  # first 30 days free
    TransferAccountFactory(member=member)
    with time_machine.travel(QUIET_MOMENT, tick=False):
        services.borrow(member=member, amount=100_000)
    with time_machine.travel(QUIET_MOMENT + dt.timedelta(days=7), tick=False):
        _repay_and_so_on(member)
    return member


def _repay_and_so_on(member) -> None:
    services.repay(member=member, amount=30_000)  # the interest-free benefit comes with it
    services.borrow(member=member, amount=5_000, channel=Channel.SMARTPHONE_ATM)
    LedgerEntry.objects.create(  # the fee of that withdrawal, as history.atm books it
        member=member,
        occurred_at=clock.now(),
        kind=Kind.ATM_FEE,
        channel=Channel.SMARTPHONE_ATM,
        amount=atm.atm_fee(5_000),
        principal_after=LoanContract.objects.get(member=member).principal_balance,
    )
    services.post_adjustment(member=member, principal_change=-1_000, note="調整")
    services.post_adjustment(member=member, principal_change=400, note="調整")


def test_balances_written_by_the_services_hold():
    members = [_busy_member(), _busy_member(), MemberFactory()]  # the last never borrowed
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))

    assert kinds == set(Kind.values)
    assert ledger_breaches() == []
    assert ledger_breaches([m.pk for m in members[1:]]) == []


def test_a_contract_balance_off_its_ledger_is_a_breach():
    member, other = _busy_member(), _busy_member()
    LoanContract.objects.filter(member=member).update(principal_balance=1)

    (breach,) = ledger_breaches()

    assert breach.member_id == member.pk
    assert "the contract's balance is 1, the ledger adds up to 74400" in str(breach)
    assert ledger_breaches([other.pk]) == []


def test_a_member_with_no_entries_owes_nothing():
    member = MemberFactory()
    LoanContract.objects.filter(member=member).update(principal_balance=10_000)

    assert [breach.member_id for breach in ledger_breaches()] == [member.pk]


@pytest.mark.parametrize(
    ("kind", "principal_after"),
    [
        (Kind.BORROWING, 70_000),  # should add its amount
        (Kind.REPAYMENT, 74_400),  # should take its principal part
        (Kind.ADJUSTMENT, 74_401),  # should move by its amount, either way
        (Kind.ATM_FEE, 74_510),  # should leave the balance alone
        (Kind.INTEREST_FREE_BENEFIT, 0),
    ],
)
def test_an_entry_that_does_not_follow_from_the_one_before_is_a_breach(kind, principal_after):
    member = _busy_member()
    entry = LedgerEntry.objects.filter(member=member, kind=kind).order_by("id").first()
    LedgerEntry.objects.filter(pk=entry.pk).update(principal_after=principal_after)

    (breach,) = ledger_breaches()

    assert breach.member_id == member.pk
    assert f"entry {entry.pk} ({kind}" in breach.problem


def test_two_queries_whatever_the_number_of_members():
    for _ in range(3):
        _busy_member()

    with CaptureQueriesContext(connection) as captured:
        assert ledger_breaches() == []

    assert len(captured) == 2

"""Seeded ledger histories (history.seeding): every seeded history must be one the
services could have written: balances, splits and due dates follow from the entries in
order. The personas' and generated members' histories are tested in tests/demo.
"""

import datetime as dt
import random

import pytest

from history import services
from history.models import Kind, LedgerEntry
from history.seeding import Plan, seed_histories, simulate
from members.models import ContractStatus, LoanContract
from portal import clock
from tests.factories import MemberFactory
from tests.history.replay import position_of, replay

pytestmark = pytest.mark.django_db

D = dt.date


def test_generated_histories_have_about_the_requested_number_of_entries():
    members = MemberFactory.create_batch(10)

    seed_histories([(m, Plan.STANDARD) for m in members], today=clock.today(), transactions=100)

    for member in members:
        assert 60 <= LedgerEntry.objects.filter(member=member).count() <= 140
        replay(member)


@pytest.mark.parametrize("plan", [Plan.STANDARD, Plan.PAID_OFF, Plan.DELINQUENT])
def test_simulated_entries_are_in_time_order_as_played(plan):
    """Entries played on one day keep their order once read back by time."""
    member = MemberFactory()
    for seed in range(40):
        for today in (D(2026, 2, 24), D(2026, 12, 9), D(2027, 7, 1)):
            history = simulate(
                member=member,
                contract=member.contract,
                plan=plan,
                today=today,
                rng=random.Random(seed),
            )
            moments = [entry.occurred_at for entry in history.entries]
            repayments = [e.occurred_at for e in history.entries if e.kind == Kind.REPAYMENT]
            assert moments == sorted(moments), (seed, today)
            assert len(set(repayments)) == len(repayments), (seed, today)


def test_members_who_never_borrowed_get_an_empty_ledger():
    member = MemberFactory()

    written = seed_histories([(member, Plan.NEVER_BORROWED)], today=clock.today())

    assert written == 0
    assert position_of(member).payoff == 0
    assert LoanContract.objects.get(member=member).status == ContractStatus.ACTIVE


def test_seeded_members_can_go_on_borrowing_and_repaying_consistently(time_machine):
    """Services writing after a seeded history keep the balance equal to the ledger."""
    plans = [Plan.STANDARD, Plan.PAID_OFF, Plan.INTEREST_FREE, Plan.DELINQUENT]
    members = MemberFactory.create_batch(len(plans))
    seed_histories(list(zip(members, plans, strict=True)), today=clock.today())

    for member in members:
        position = position_of(member)
        if position.payoff:
            services.repay(member=member, amount=position.payoff)
        replay(member)
        assert LoanContract.objects.get(member=member).principal_balance == 0

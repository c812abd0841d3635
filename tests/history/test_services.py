"""The ledger's write paths (history.services) against SPEC §3 and §6.

Request-level behaviour (forms, confirmation step, pages, maintenance 503s) is in
test_ledger_pages.py; this file checks the services themselves: balances equal to the ledger
after every write, the borrowing and repayment rules, interest-free days, the
Saturday-night payout, append-only entries and the transaction e-mail.
"""

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from history import selectors, services
from history.models import (
    Channel,
    DueStatus,
    InterestFreePeriod,
    InterestFreeSource,
    Kind,
    LedgerEntry,
    MailPreference,
)
from history.selectors import ledger_state, loan_position
from members.models import ContractStatus, DueDay, StatementDelivery
from portal import clock
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db

D = dt.date


def with_transfer_account(member):
    TransferAccountFactory(member=member, account_number="7654321")
    return member


def assert_balance_matches_the_ledger(member) -> int:
    """Replay the ledger in order: each entry's balance follows from the one before, and
    the contract's balance and the selector's state are the last one."""
    contract = member.contract
    contract.refresh_from_db()
    balance = 0
    for entry in LedgerEntry.objects.filter(member=member).oldest_first():
        if entry.kind == Kind.BORROWING:
            balance += entry.amount
        elif entry.kind == Kind.REPAYMENT:
            assert entry.amount == (
                entry.late_damages_paid + entry.interest_paid + entry.principal_paid
            )
            balance -= entry.principal_paid
        elif entry.kind == Kind.ADJUSTMENT:
            assert abs(entry.principal_after - balance) == entry.amount
            balance = entry.principal_after
        assert entry.principal_after == balance >= 0, entry
    assert contract.principal_balance == balance
    assert ledger_state(contract).principal == balance
    assert loan_position(contract=contract, on=clock.today()).principal == balance
    return balance


def refusal_code(call) -> str:
    with pytest.raises(services.LedgerRefusal) as refused:
        call()
    return refused.value.code


@pytest.fixture
def borrower(db):
    """Web statements and an e-mail (so the first borrowing is interest-free), a transfer
    account, 500,000 yen limit at 17.8%, due day 25."""
    return with_transfer_account(MemberFactory())


@pytest.fixture
def plain_borrower(db):
    """Statements by post: no first-time interest-free days."""
    return with_transfer_account(MemberFactory(statement_delivery=StatementDelivery.POST))


def move(time_machine, moment):
    time_machine.move_to(moment, tick=False)


# --- The contract balance equals the ledger after every write path ---------------------


def test_every_write_path_keeps_the_contract_balance_equal_to_the_ledger(
    plain_borrower, time_machine
):
    member = plain_borrower
    steps = [
        (tokyo(2026, 12, 10), lambda: services.borrow(member=member, amount=100_000)),
        (tokyo(2026, 12, 20), lambda: services.borrow(member=member, amount=12_345)),
        (tokyo(2027, 1, 9), lambda: services.repay(member=member, amount=10_000)),
        (tokyo(2027, 1, 10), lambda: services.post_adjustment(
            member=member, principal_change=500, note="振込手数料の訂正")),
        (tokyo(2027, 1, 11), lambda: services.post_adjustment(
            member=member, principal_change=-1_500, note="計算誤りの訂正")),
        (tokyo(2027, 1, 28), lambda: services.repay(member=member, amount=1_000)),  # overdue
        (tokyo(2027, 2, 1), lambda: services.repay(
            member=member, amount=loan_position(contract=member.contract, on=clock.today()).payoff
        )),
        (tokyo(2027, 2, 2), lambda: services.borrow(member=member, amount=1_000)),
    ]  # fmt: skip

    balances = []
    for moment, write in steps:
        move(time_machine, moment)
        write()
        balances.append(assert_balance_matches_the_ledger(member))

    assert balances[:2] == [100_000, 112_345]
    assert balances[-2:] == [0, 1_000]


def test_borrowing_records_one_entry_with_the_balance_after_it(borrower):
    first = services.borrow(member=borrower, amount=30_000)
    second = services.borrow(member=borrower, amount=20_000, channel=Channel.PARTNER_ATM)

    assert (first.kind, first.channel, first.amount, first.principal_after) == (
        Kind.BORROWING,
        Channel.TRANSFER,
        30_000,
        30_000,
    )
    assert (second.channel, second.principal_after) == (Channel.PARTNER_ATM, 50_000)
    assert (first.late_damages_paid, first.interest_paid, first.principal_paid) == (0, 0, 0)
    assert assert_balance_matches_the_ledger(borrower) == 50_000


# --- Borrowing rules --------------------------------------------------------------------


@pytest.mark.parametrize("amount", [1_000, 1_001, 12_345, 499_999, 500_000])
def test_any_yen_amount_from_1000_to_the_available_credit_is_lent(borrower, amount):
    entry = services.borrow(member=borrower, amount=amount)

    assert entry.amount == amount
    assert assert_balance_matches_the_ledger(borrower) == amount


@pytest.mark.parametrize("amount", [-1_000, 0, 1, 999, 500_001, 10**9])
def test_amounts_outside_1000_to_the_available_credit_are_refused(borrower, amount):
    code = refusal_code(lambda: services.borrow(member=borrower, amount=amount))

    assert code == "amount_out_of_range"
    assert not LedgerEntry.objects.filter(member=borrower).exists()


def test_available_credit_is_the_limit_minus_the_principal(borrower):
    services.borrow(member=borrower, amount=480_000)

    assert refusal_code(lambda: services.borrow(member=borrower, amount=20_001)) == (
        "amount_out_of_range"
    )
    services.borrow(member=borrower, amount=20_000)
    assert refusal_code(lambda: services.borrow(member=borrower, amount=1_000)) == (
        "amount_out_of_range"
    )
    assert assert_balance_matches_the_ledger(borrower) == 500_000


def test_repaid_principal_becomes_available_again(plain_borrower, time_machine):
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=plain_borrower, amount=500_000)
    move(time_machine, tokyo(2027, 1, 9))
    repayment = services.repay(member=plain_borrower, amount=50_000)  # 7,315 yen interest

    available = 500_000 - repayment.principal_after
    assert repayment.principal_paid == available == 50_000 - 7_315

    assert refusal_code(lambda: services.borrow(member=plain_borrower, amount=available + 1)) == (
        "amount_out_of_range"
    )
    services.borrow(member=plain_borrower, amount=available)
    assert assert_balance_matches_the_ledger(plain_borrower) == 500_000


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (ContractStatus.SUSPENDED, "contract_suspended"),
        (ContractStatus.TERMINATED, "contract_terminated"),
    ],
)
def test_suspended_and_terminated_contracts_cannot_borrow(borrower, status, code):
    borrower.contract.status = status
    borrower.contract.save()

    assert refusal_code(lambda: services.borrow(member=borrower, amount=10_000)) == code
    assert not LedgerEntry.objects.filter(member=borrower).exists()
    assert_balance_matches_the_ledger(borrower)


def test_an_overdue_member_cannot_borrow_even_before_the_daily_job_ran(
    plain_borrower, time_machine
):
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=plain_borrower, amount=100_000)
    move(time_machine, tokyo(2027, 1, 26))  # the day after the due date, minimum unpaid

    code = refusal_code(lambda: services.borrow(member=plain_borrower, amount=1_000))

    assert code == "contract_suspended"
    plain_borrower.contract.refresh_from_db()
    assert plain_borrower.contract.status == ContractStatus.ACTIVE  # the job has not run
    assert LedgerEntry.objects.filter(member=plain_borrower).count() == 1


def test_a_transfer_needs_a_registered_transfer_account():
    member = MemberFactory()

    code = refusal_code(lambda: services.borrow(member=member, amount=10_000))

    assert code == "no_transfer_account"
    assert not LedgerEntry.objects.filter(member=member).exists()
    assert not InterestFreePeriod.objects.filter(member=member).exists()


def test_a_refused_borrowing_writes_nothing_at_all(borrower):
    borrower.contract.status = ContractStatus.SUSPENDED
    borrower.contract.save()

    refusal_code(lambda: services.borrow(member=borrower, amount=10_000))

    assert not DueStatus.objects.filter(contract=borrower.contract).exists()
    assert not InterestFreePeriod.objects.filter(member=borrower).exists()


# --- The Saturday-night rule (SPEC §3) ---------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "paid_out"),
    [
        pytest.param(tokyo(2026, 12, 12, 23, 29, 59), tokyo(2026, 12, 12, 23, 29, 59),
                     id="saturday-before-23:30"),
        pytest.param(tokyo(2026, 12, 12, 23, 30), tokyo(2026, 12, 13, 9, 0),
                     id="saturday-23:30"),
        pytest.param(tokyo(2026, 12, 12, 23, 59, 59), tokyo(2026, 12, 13, 9, 0),
                     id="saturday-23:59:59"),
        pytest.param(tokyo(2026, 12, 13, 0, 0), tokyo(2026, 12, 13, 0, 0),
                     id="sunday-midnight"),
        pytest.param(tokyo(2026, 12, 11, 23, 45), tokyo(2026, 12, 11, 23, 45),
                     id="friday-night"),
        pytest.param(dt.datetime(2026, 12, 12, 14, 45, tzinfo=dt.UTC), tokyo(2026, 12, 13, 9, 0),
                     id="saturday-night-in-tokyo-given-in-utc"),
    ],
)  # fmt: skip
def test_transfers_requested_saturday_from_2330_are_paid_out_the_next_morning(requested, paid_out):
    assert services.transfer_payout_time(requested) == paid_out


def test_saturday_night_transfer_starts_interest_free_days_and_cycle_from_the_payout(
    time_machine,
):
    """Requested Saturday 2027-07-31 23:45, paid out Sunday 08-01: due day 15 gives
    09-15 (from 08-01), not 08-16 (from 07-31); free days run 08-02 .. 08-31."""
    member = with_transfer_account(MemberFactory(contract__due_day=DueDay.FIFTEENTH))
    move(time_machine, tokyo(2027, 7, 31, 23, 45))

    entry = services.borrow(member=member, amount=50_000)

    assert entry.requested_at == tokyo(2027, 7, 31, 23, 45)
    assert entry.occurred_at == tokyo(2027, 8, 1, 9, 0)
    assert member.contract.due_status.next_due_date == D(2027, 9, 15)
    (period,) = InterestFreePeriod.objects.filter(member=member)
    assert (period.first_day, period.last_day) == (D(2027, 8, 2), D(2027, 8, 31))
    assert_balance_matches_the_ledger(member)


def test_atm_cash_on_saturday_night_is_paid_at_once(borrower, time_machine):
    move(time_machine, tokyo(2026, 12, 12, 23, 45))

    entry = services.borrow(member=borrower, amount=10_000, channel=Channel.PARTNER_ATM)

    assert entry.occurred_at == tokyo(2026, 12, 12, 23, 45)
    assert entry.requested_at is None


@pytest.fixture
def payout_pending(plain_borrower, time_machine):
    """50,000 yen owed since 12-05; 20,000 more requested Saturday 23:45, paid out 09:00."""
    move(time_machine, tokyo(2026, 12, 5, 12, 0))
    services.borrow(member=plain_borrower, amount=50_000)
    move(time_machine, tokyo(2026, 12, 12, 23, 45))
    services.borrow(member=plain_borrower, amount=20_000)
    move(time_machine, tokyo(2026, 12, 12, 23, 50))
    return plain_borrower


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda m: services.repay(member=m, amount=10_000), id="repayment"),
        pytest.param(
            lambda m: services.borrow(member=m, amount=10_000, channel=Channel.PARTNER_ATM),
            id="atm-cash",
        ),
        pytest.param(
            lambda m: services.post_adjustment(member=m, principal_change=-100, note="x"),
            id="adjustment",
        ),
    ],
)
def test_nothing_is_booked_before_a_saturday_night_transfer_is_paid_out(
    payout_pending, time_machine, write
):
    """Booked at 23:50, before the 09:00 payout, the entry's balance would count money not
    yet lent (and the payout's balance would miss the entry): it waits for the payout."""
    assert refusal_code(lambda: write(payout_pending)) == "payout_pending"

    move(time_machine, tokyo(2026, 12, 13, 9, 0, 1))
    write(payout_pending)
    assert LedgerEntry.objects.filter(member=payout_pending).count() == 3
    assert_balance_matches_the_ledger(payout_pending)


def test_another_saturday_night_transfer_joins_the_pending_payout(payout_pending):
    entry = services.borrow(member=payout_pending, amount=5_000)

    assert entry.occurred_at == tokyo(2026, 12, 13, 9, 0)
    assert assert_balance_matches_the_ledger(payout_pending) == 75_000


def test_entries_written_at_the_same_moment_count_in_the_order_written(
    plain_borrower, time_machine
):
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=plain_borrower, amount=100_000)
    move(time_machine, tokyo(2027, 1, 9))

    services.repay(member=plain_borrower, amount=50_000)
    services.borrow(member=plain_borrower, amount=10_000)  # the very same instant

    assert assert_balance_matches_the_ledger(plain_borrower) == 100_000 - 48_537 + 10_000


# --- First-time interest-free days -------------------------------------------------------


def test_first_borrowing_with_email_and_web_statements_gets_thirty_free_days(
    borrower, time_machine
):
    move(time_machine, tokyo(2026, 12, 10))

    services.borrow(member=borrower, amount=100_000)

    (period,) = InterestFreePeriod.objects.filter(member=borrower)
    assert (period.first_day, period.last_day) == (D(2026, 12, 11), D(2027, 1, 9))
    assert period.source == InterestFreeSource.FIRST_TIME
    move(time_machine, tokyo(2027, 1, 9))
    assert loan_position(contract=borrower.contract, on=clock.today()).payoff == 100_000


@pytest.mark.parametrize(
    "conditions",
    [
        pytest.param({"statement_delivery": StatementDelivery.POST}, id="post-statements"),
        pytest.param({"email": ""}, id="no-email"),
    ],
)
def test_no_free_days_without_both_conditions(conditions, time_machine):
    member = with_transfer_account(MemberFactory(**conditions))
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=member, amount=100_000)
    move(time_machine, tokyo(2027, 1, 9))

    assert not InterestFreePeriod.objects.filter(member=member).exists()
    assert loan_position(contract=member.contract, on=clock.today()).interest == 1_463


def test_free_days_come_only_with_the_very_first_borrowing(plain_borrower, time_machine):
    """A member who first borrowed without the conditions does not get them later."""
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=plain_borrower, amount=10_000)
    move(time_machine, tokyo(2026, 12, 11))
    services.repay(
        member=plain_borrower,
        amount=loan_position(contract=plain_borrower.contract, on=clock.today()).payoff,
    )
    plain_borrower.statement_delivery = StatementDelivery.WEB
    plain_borrower.save()

    services.borrow(member=plain_borrower, amount=10_000)

    assert not InterestFreePeriod.objects.filter(member=plain_borrower).exists()


def test_a_second_borrowing_inside_the_free_days_adds_no_period(borrower, time_machine):
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=borrower, amount=10_000)
    move(time_machine, tokyo(2026, 12, 20))
    services.borrow(member=borrower, amount=10_000)

    assert InterestFreePeriod.objects.filter(member=borrower).count() == 1


def test_repayment_inside_the_free_days_pays_no_interest_and_records_the_benefit(
    borrower, time_machine
):
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=borrower, amount=100_000)
    move(time_machine, tokyo(2027, 1, 9))

    repayment = services.repay(member=borrower, amount=10_000)

    assert (repayment.interest_paid, repayment.principal_paid) == (0, 10_000)
    benefit = LedgerEntry.objects.get(member=borrower, kind=Kind.INTEREST_FREE_BENEFIT)
    assert benefit.amount == 1_463  # the SPEC example's 30 days, waived
    assert benefit.principal_after == 90_000
    assert_balance_matches_the_ledger(borrower)


# --- Interest-free days granted by other apps (points) -----------------------------------


def test_granted_free_days_start_today(plain_borrower, time_machine):
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=plain_borrower, amount=100_000)
    move(time_machine, tokyo(2026, 12, 20))

    period = services.grant_interest_free_days(member=plain_borrower, days=7)

    assert (period.first_day, period.last_day) == (D(2026, 12, 20), D(2026, 12, 26))
    assert period.source == InterestFreeSource.POINTS
    move(time_machine, tokyo(2027, 1, 9))
    position = loan_position(contract=plain_borrower.contract, on=clock.today())
    # 30 days less 7 free: 100,000 × 17.8% × 23 ÷ 365 = 1,121.64
    assert position.interest == 1_121
    assert position.interest_waived == 1_463 - 1_121


def test_granted_days_follow_on_from_free_days_already_running(borrower, time_machine):
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=borrower, amount=100_000)  # free 12-11 .. 01-09
    move(time_machine, tokyo(2026, 12, 20))

    first = services.grant_interest_free_days(member=borrower, days=15)
    second = services.grant_interest_free_days(member=borrower, days=7)

    assert (first.first_day, first.last_day) == (D(2027, 1, 10), D(2027, 1, 24))
    assert (second.first_day, second.last_day) == (D(2027, 1, 25), D(2027, 1, 31))
    position = loan_position(contract=borrower.contract, on=D(2027, 1, 20))
    assert position.interest == 0
    assert position.interest_free_days_left == 12  # 01-20 .. 01-31


@pytest.mark.parametrize("days", [0, -1, -30])
def test_granting_no_or_negative_days_is_refused_cleanly(plain_borrower, days):
    with pytest.raises(ValueError, match="positive"):
        services.grant_interest_free_days(member=plain_borrower, days=days)

    assert not InterestFreePeriod.objects.filter(member=plain_borrower).exists()


def test_granting_days_works_out_the_next_free_day_under_the_ledgers_row_lock(
    borrower, monkeypatch
):
    """Two parallel grants must not both start after the same last free day: the contract
    row is locked (as every ledger write does) before the last free day is read."""
    events = []
    select_for_update = QuerySet.select_for_update

    def recording_lock(queryset, *args, **kwargs):
        events.append(("lock", queryset.model.__name__, connection.in_atomic_block))
        return select_for_update(queryset, *args, **kwargs)

    create = InterestFreePeriod.objects.create
    monkeypatch.setattr(QuerySet, "select_for_update", recording_lock)
    monkeypatch.setattr(
        InterestFreePeriod.objects,
        "create",
        lambda **values: events.append(("create",)) or create(**values),
    )

    services.grant_interest_free_days(member=borrower, days=7)

    assert events == [("lock", "LoanContract", True), ("create",)]


def test_free_days_granted_to_an_overdue_member_leave_late_damages_due(
    plain_borrower, time_machine
):
    """Free days waive interest, not late damages; the position still computes."""
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=plain_borrower, amount=100_000)
    move(time_machine, tokyo(2027, 2, 1))  # overdue since 01-26
    services.grant_interest_free_days(member=plain_borrower, days=7, source="staff")

    position = loan_position(contract=plain_borrower.contract, on=D(2027, 2, 3))

    assert position.overdue_since == D(2027, 1, 26)
    assert position.interest == 2_243  # through the due date; nothing after
    assert position.late_damages == 493  # 9 days × 20%: 100,000 × 0.2 × 9 ÷ 365 = 493.15


# --- Repayment rules ---------------------------------------------------------------------


@pytest.fixture
def debtor(plain_borrower, time_machine):
    """Borrowed 100,000 yen on 2026-12-10 (due 2027-01-25); the clock stands 30 days later,
    when 1,463 yen of interest is due."""
    move(time_machine, tokyo(2026, 12, 10))
    services.borrow(member=plain_borrower, amount=100_000)
    move(time_machine, tokyo(2027, 1, 9))
    return plain_borrower


@pytest.mark.parametrize(
    ("amount", "interest", "principal"),
    [(1_000, 1_000, 0), (1_463, 1_463, 0), (10_000, 1_463, 8_537), (101_463, 1_463, 100_000)],
)
def test_repayment_pays_interest_before_principal(debtor, amount, interest, principal):
    entry = services.repay(member=debtor, amount=amount)

    assert (entry.late_damages_paid, entry.interest_paid, entry.principal_paid) == (
        0,
        interest,
        principal,
    )
    assert entry.principal_after == 100_000 - principal
    assert entry.interest_unpaid == 1_463 - interest
    assert_balance_matches_the_ledger(debtor)


def test_an_overdue_repayment_pays_late_damages_first(debtor, time_machine):
    move(time_machine, tokyo(2027, 1, 27))  # 2 days overdue: 109 yen late damages

    entry = services.repay(member=debtor, amount=2_000)

    assert (entry.late_damages_paid, entry.interest_paid, entry.principal_paid) == (
        109,
        1_891,
        0,
    )
    assert entry.interest_unpaid == 2_243 - 1_891
    assert_balance_matches_the_ledger(debtor)


def test_payoff_closes_the_balance_to_exactly_zero_and_ends_the_cycle(debtor, time_machine):
    entry = services.repay(member=debtor, amount=101_463)

    assert (entry.principal_after, entry.interest_unpaid, entry.late_damages_unpaid) == (0, 0, 0)
    assert assert_balance_matches_the_ledger(debtor) == 0
    debtor.contract.due_status.refresh_from_db()
    assert debtor.contract.due_status.next_due_date is None
    move(time_machine, tokyo(2027, 6, 1))
    position = loan_position(contract=debtor.contract, on=clock.today())
    assert (position.payoff, position.minimum_payment, position.overdue_amount) == (0, 0, 0)


def test_payoff_of_an_overdue_member_clears_damages_interest_and_principal(debtor, time_machine):
    move(time_machine, tokyo(2027, 1, 27))

    entry = services.repay(member=debtor, amount=100_000 + 2_243 + 109)

    assert (entry.late_damages_paid, entry.interest_paid, entry.principal_paid) == (
        109,
        2_243,
        100_000,
    )
    assert assert_balance_matches_the_ledger(debtor) == 0


def test_more_than_the_payoff_is_refused(debtor):
    code = refusal_code(lambda: services.repay(member=debtor, amount=101_464))

    assert code == "amount_out_of_range"
    assert not LedgerEntry.objects.filter(member=debtor, kind=Kind.REPAYMENT).exists()


@pytest.mark.parametrize("amount", [-5, 0, 1, 999])
def test_less_than_1000_yen_is_refused(debtor, amount):
    assert refusal_code(lambda: services.repay(member=debtor, amount=amount)) == (
        "amount_out_of_range"
    )
    assert not LedgerEntry.objects.filter(member=debtor, kind=Kind.REPAYMENT).exists()


def test_a_payoff_below_1000_yen_can_still_be_paid(debtor):
    services.repay(member=debtor, amount=101_463 - 500)

    entry = services.repay(member=debtor, amount=500)

    assert entry.principal_after == 0
    assert assert_balance_matches_the_ledger(debtor) == 0


def test_nothing_to_repay_is_refused(borrower):
    assert refusal_code(lambda: services.repay(member=borrower, amount=1_000)) == (
        "nothing_to_repay"
    )


def test_paying_the_overdue_amount_lifts_the_suspension(debtor, time_machine):
    move(time_machine, tokyo(2027, 1, 27))
    contract = debtor.contract
    contract.status = ContractStatus.SUSPENDED  # as the daily job would have
    contract.save()
    overdue = loan_position(contract=contract, on=clock.today()).overdue_amount
    assert overdue == 4_000 + 109

    services.repay(member=debtor, amount=overdue - 1)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED

    services.repay(member=debtor, amount=1_000)
    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert contract.due_status.next_due_date == D(2027, 2, 25)
    services.borrow(member=debtor, amount=1_000)  # no longer refused


def test_every_missed_minimum_must_be_paid_to_lift_the_suspension(debtor, time_machine):
    """Due 01-25 and 02-25 passed unpaid: two minimums of 4,000 yen plus late damages."""
    move(time_machine, tokyo(2027, 2, 26))
    contract = debtor.contract
    contract.status = ContractStatus.SUSPENDED  # as the daily job would have
    contract.save()
    position = loan_position(contract=contract, on=clock.today())
    assert position.due_dates_missed == 2
    assert position.overdue_amount == 2 * 4_000 + 1_753  # 32 days × 20%: 1,753.42

    services.repay(member=debtor, amount=4_000 + 1_753)  # one minimum and the damages

    contract.refresh_from_db()
    assert contract.status == ContractStatus.SUSPENDED
    assert contract.due_status.next_due_date == D(2027, 2, 25)
    assert loan_position(contract=contract, on=clock.today()).overdue_amount == 4_000
    assert refusal_code(lambda: services.borrow(member=debtor, amount=1_000)) == (
        "contract_suspended"
    )

    services.repay(member=debtor, amount=4_000)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.ACTIVE
    assert contract.due_status.next_due_date == D(2027, 3, 25)
    services.borrow(member=debtor, amount=1_000)


def test_a_terminated_contract_stays_terminated_after_a_repayment(debtor):
    debtor.contract.status = ContractStatus.TERMINATED
    debtor.contract.save()

    services.repay(member=debtor, amount=101_463)

    debtor.contract.refresh_from_db()
    assert debtor.contract.status == ContractStatus.TERMINATED


# --- Staff adjustments ---------------------------------------------------------------------


def test_an_adjustment_is_a_new_staff_entry(debtor):
    entry = services.post_adjustment(member=debtor, principal_change=-2_000, note="訂正")

    assert (entry.kind, entry.channel, entry.amount, entry.principal_after) == (
        Kind.ADJUSTMENT,
        Channel.STAFF,
        2_000,
        98_000,
    )
    assert LedgerEntry.objects.filter(member=debtor).count() == 2
    assert assert_balance_matches_the_ledger(debtor) == 98_000


def test_an_adjustment_up_from_zero_starts_a_repayment_cycle(plain_borrower, time_machine):
    move(time_machine, tokyo(2026, 12, 10))

    services.post_adjustment(member=plain_borrower, principal_change=100_000, note="振替")

    contract = plain_borrower.contract
    assert contract.due_status.next_due_date == D(2027, 1, 25)  # as a borrowing on 12-10
    assert loan_position(contract=contract, on=clock.today()).remaining_due == 4_000
    move(time_machine, tokyo(2027, 1, 26))
    position = loan_position(contract=contract, on=clock.today())
    assert (position.overdue_since, position.overdue_amount) == (D(2027, 1, 26), 4_000 + 54)
    assert refusal_code(lambda: services.borrow(member=plain_borrower, amount=1_000)) == (
        "contract_suspended"
    )
    assert_balance_matches_the_ledger(plain_borrower)


def test_an_adjustment_to_a_zero_payoff_ends_the_repayment_cycle(debtor, time_machine):
    services.repay(member=debtor, amount=1_463)  # the interest: only the principal is left

    services.post_adjustment(member=debtor, principal_change=-100_000, note="債権放棄")

    due = DueStatus.objects.get(contract=debtor.contract)
    assert (due.next_due_date, due.paid_toward_due) == (None, 0)
    move(time_machine, tokyo(2027, 3, 1))
    position = loan_position(contract=debtor.contract, on=clock.today())
    assert (position.payoff, position.overdue_amount, position.next_due_date) == (0, 0, None)


@pytest.mark.parametrize(
    ("change", "code"), [(0, "adjustment_zero"), (-100_001, "adjustment_below_zero")]
)
def test_adjustments_that_make_no_sense_are_refused(debtor, change, code):
    assert (
        refusal_code(
            lambda: services.post_adjustment(member=debtor, principal_change=change, note="x")
        )
        == code
    )
    assert LedgerEntry.objects.filter(member=debtor).count() == 1


# --- Append-only entries: the database refuses inconsistent rows -------------------------


def entry_values(member, **values):
    return {
        "member": member,
        "occurred_at": clock.now(),
        "kind": Kind.REPAYMENT,
        "channel": Channel.INTERNET,
        "amount": 10_000,
        "late_damages_paid": 0,
        "interest_paid": 1_000,
        "principal_paid": 9_000,
        "principal_after": 91_000,
        **values,
    }


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"principal_paid": 8_999}, id="split-does-not-add-up"),
        pytest.param({"amount": 0, "interest_paid": 0, "principal_paid": 0}, id="zero-amount"),
        pytest.param({"kind": Kind.BORROWING}, id="split-on-a-borrowing"),
        pytest.param({"kind": "gift"}, id="unknown-kind"),
        pytest.param({"channel": "pigeon"}, id="unknown-channel"),
    ],
)
def test_the_database_refuses_inconsistent_entries(member, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(**entry_values(member, **values))


def test_a_consistent_repayment_row_is_accepted(member):
    LedgerEntry.objects.create(**entry_values(member))

    assert LedgerEntry.objects.filter(member=member).count() == 1


def test_an_update_that_breaks_the_split_is_refused(member):
    entry = LedgerEntry.objects.create(**entry_values(member))

    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=20_000)


# --- Transaction e-mail ------------------------------------------------------------------


def test_transaction_mail_goes_to_the_verified_address_when_opted_in(
    debtor, django_capture_on_commit_callbacks
):
    MailPreference.objects.create(member=debtor, transaction_email=True)

    with django_capture_on_commit_callbacks(execute=True):
        services.repay(member=debtor, amount=10_000)
        services.borrow(member=debtor, amount=5_000)

    repayment, borrowing = mail.outbox
    assert repayment.to == borrowing.to == [debtor.email]
    assert "10,000円" in repayment.body
    assert "利息: 1,463円" in repayment.body
    assert "5,000円" in borrowing.body


def test_no_transaction_mail_to_an_unverified_address(debtor, django_capture_on_commit_callbacks):
    MailPreference.objects.create(member=debtor, transaction_email=True)
    debtor.email_verified = False
    debtor.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.repay(member=debtor, amount=10_000)

    assert mail.outbox == []


@pytest.mark.parametrize("preference", [None, False])
def test_no_transaction_mail_unless_opted_in(
    debtor, django_capture_on_commit_callbacks, preference
):
    if preference is not None:
        MailPreference.objects.create(member=debtor, transaction_email=preference)

    with django_capture_on_commit_callbacks(execute=True):
        services.repay(member=debtor, amount=10_000)
        services.borrow(member=debtor, amount=5_000)

    assert mail.outbox == []


def test_no_transaction_mail_for_a_refused_operation(debtor, django_capture_on_commit_callbacks):
    MailPreference.objects.create(member=debtor, transaction_email=True)

    with django_capture_on_commit_callbacks(execute=True):
        refusal_code(lambda: services.repay(member=debtor, amount=999_999))

    assert mail.outbox == []


def test_an_atm_fee_waiver_covers_today_through_its_last_day(time_machine):
    member = MemberFactory()
    move(time_machine, tokyo(2026, 12, 10, 12))
    services.grant_atm_fee_waiver(member=member, last_day=dt.date(2027, 1, 31))

    assert selectors.atm_fee_waived_until(member) == dt.date(2027, 1, 31)
    assert selectors.atm_fee_waived_until(member, dt.date(2027, 1, 31)) == dt.date(2027, 1, 31)
    assert selectors.atm_fee_waived_until(member, dt.date(2027, 2, 1)) is None
    assert selectors.atm_fee_waived_until(member, dt.date(2026, 12, 9)) is None
    with pytest.raises(ValueError):
        services.grant_atm_fee_waiver(member=member, last_day=dt.date(2026, 12, 9))

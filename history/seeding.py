"""Realistic ledger histories for members who need a past (members seeded by the apps
above, the bench's large histories).

Histories are played through the same arithmetic as real transactions
(history.accounting) but in memory, then written with bulk inserts, so a thousand
members with a hundred transactions each take seconds.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from history import accounting
from history.accounting import LedgerState
from history.models import (
    Channel,
    DueStatus,
    InterestFreePeriod,
    InterestFreeSource,
    Kind,
    LedgerEntry,
    LedgerSummary,
)
from history.selectors import terms_of
from history.services import repayment_entries
from members.models import ContractStatus, LoanContract, Member, StatementDelivery

ONE_DAY = dt.timedelta(days=1)


class Plan:
    """How a simulated member uses the loan."""

    STANDARD = "standard"  # borrows, repays at least the minimum every month, borrows again
    DELINQUENT = "delinquent"  # stopped paying: the last due date passed unpaid
    PAID_OFF = "paid_off"  # repaid everything
    INTEREST_FREE = "interest_free"  # first borrowing within the last 30 days
    NEVER_BORROWED = "never_borrowed"
    DENSE = "dense"  # borrows and repays many times a day for years (the bench's large history)


@dataclass
class SimulatedHistory:
    entries: list[LedgerEntry] = field(default_factory=list)
    state: LedgerState = field(default_factory=LedgerState)
    free_periods: list[InterestFreePeriod] = field(default_factory=list)


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    naive = dt.datetime.combine(day, dt.time(rng.randint(9, 21), rng.randint(0, 59)))
    return timezone.make_aware(naive)


def _next_moment(history: SimulatedHistory, day: dt.date, rng: random.Random) -> dt.datetime:
    """A time on `day` after the history's last entry: the ledger is read back in time order,
    so two entries of one day must keep the order they were played in."""
    moment = _moment(day, rng)
    if history.entries and moment <= history.entries[-1].occurred_at:
        moment = history.entries[-1].occurred_at + dt.timedelta(minutes=1)
    return moment


def simulate(
    *,
    member: Member,
    contract: LoanContract,
    plan: str,
    today: dt.date,
    rng: random.Random,
    transactions: int = 12,
) -> SimulatedHistory:
    """Play a history of about `transactions` entries that ends before `today`."""
    history = SimulatedHistory()
    if plan == Plan.NEVER_BORROWED:
        return history
    terms = terms_of(contract)
    free = bool(member.email) and member.statement_delivery == StatementDelivery.WEB
    limit = contract.credit_limit
    if plan == Plan.INTEREST_FREE:
        _borrow(history, member, terms, today - dt.timedelta(days=rng.randint(3, 20)),
                _round(limit * 0.2), free, rng)  # fmt: skip
        return history
    if plan == Plan.DENSE:
        _play_dense(history, member, terms, today=today, transactions=transactions, rng=rng)
        return history

    months = max(2, round(transactions / 1.25))  # a repayment a month, a borrowing some months
    day = today - dt.timedelta(days=30 * months + rng.randint(10, 25))
    _borrow(history, member, terms, day, _round(limit * rng.uniform(0.3, 0.6)), free, rng)
    stop_paying = plan == Plan.DELINQUENT
    while True:
        due = history.state.next_due_date
        if due is None:
            break
        pay_day = due - dt.timedelta(days=rng.randint(0, 4))
        if pay_day >= today or (stop_paying and due >= today - dt.timedelta(days=40)):
            break
        position = accounting.position_on(state=history.state, terms=terms, on=pay_day)
        amount = position.remaining_due + rng.choice([0, 0, 1_000, 5_000])
        _repay(history, member, terms, pay_day, min(amount, position.payoff), rng, position)
        borrow_day = pay_day + dt.timedelta(days=rng.randint(3, 12))
        # A member who keeps a balance borrows again now and then, and always before the
        # minimums would pay the loan off (a long history of them would otherwise end at
        # zero: neither standard nor delinquent then).
        keeps_a_balance = plan in (Plan.STANDARD, Plan.DELINQUENT)
        runs_low = keeps_a_balance and history.state.principal < limit * 0.2
        if (
            (rng.random() < 0.25 or runs_low)
            and history.state.principal < limit * 0.7
            and (borrow_day < today)
        ):
            _borrow(history, member, terms, borrow_day, _round(limit * 0.1), free, rng)
    if plan == Plan.PAID_OFF:
        payoff_day = max(
            _last_day(history) + ONE_DAY, today - dt.timedelta(days=rng.randint(5, 20))
        )
        payoff_day = min(payoff_day, today - ONE_DAY)
        position = accounting.position_on(state=history.state, terms=terms, on=payoff_day)
        if position.payoff:
            _repay(history, member, terms, payoff_day, position.payoff, rng)
    return history


DENSE_YEARS = 10


def _play_dense(history, member, terms, *, today, transactions, rng):
    """Borrow 10,000 yen and repay it with its interest, several times a day, for years."""
    days = 365 * DENSE_YEARS
    per_day = max(1, -(-transactions // (2 * days)))  # a borrowing and a repayment per round
    day = today - dt.timedelta(days=days)
    while day < today and len(history.entries) < transactions:
        for _round_of_day in range(per_day):
            _borrow(history, member, terms, day, 10_000, False, rng)
            position = accounting.position_on(state=history.state, terms=terms, on=day)
            _repay(history, member, terms, day, min(10_000, position.payoff), rng)
        day += ONE_DAY
    # A day's entries happened in the order they were played, a minute apart from 09:00.
    start_of_day, minute = None, 0
    for entry in history.entries:
        moment = entry.occurred_at
        minute = minute + 1 if moment.date() == start_of_day else 0
        start_of_day = moment.date()
        entry.occurred_at = moment.replace(hour=9, minute=0) + dt.timedelta(minutes=minute)


def _round(amount: float) -> int:
    return max(1_000, int(amount) // 1_000 * 1_000)


def _last_day(history: SimulatedHistory) -> dt.date:
    return history.entries[-1].occurred_at.date() if history.entries else dt.date.min


def _borrow(history, member, terms, day, amount, free, rng):
    if day < _last_day(history):  # a history is written in order
        return
    first = not history.state.has_borrowed
    history.state = accounting.after_borrowing(
        state=history.state, amount=amount, terms=terms, on=day, first_time_free=free
    )
    if first and free:
        period = accounting.first_time_free_period(day)
        history.free_periods.append(
            InterestFreePeriod(
                member=member,
                first_day=period.first,
                last_day=period.last,
                source=InterestFreeSource.FIRST_TIME,
                granted_at=_moment(day, rng),
            )
        )
    history.entries.append(
        LedgerEntry(
            member=member,
            occurred_at=_next_moment(history, day, rng),
            kind=Kind.BORROWING,
            channel=rng.choice([Channel.TRANSFER, Channel.TRANSFER, Channel.PARTNER_ATM]),
            amount=amount,
            principal_after=history.state.principal,
        )
    )


def _repay(history, member, terms, day, amount, rng, position=None):
    """Repay `amount` on `day`; `position` is the state's position on that day, if known."""
    if day < _last_day(history):
        return
    position = position or accounting.position_on(state=history.state, terms=terms, on=day)
    if amount <= 0 or position.payoff == 0:
        return
    split = accounting.split_repayment(position, amount)
    history.state = accounting.after_repayment(
        state=history.state, position=position, repayment=split, terms=terms, on=day
    )
    channel = rng.choice([Channel.INTERNET, Channel.PARTNER_ATM, Channel.TRANSFER])
    history.entries += repayment_entries(
        member=member,
        at=_next_moment(history, day, rng),
        channel=channel,
        amount=amount,
        position=position,
        split=split,
    )


@transaction.atomic
def seed_histories(
    members: list[tuple[Member, str]], *, today: dt.date, seed: int = 0, transactions: int = 12
) -> int:
    """Give each (member, plan) a simulated history; return the number of entries written."""
    rng = random.Random(seed)
    entries, periods, statuses, contracts = [], [], [], []
    for member, plan in members:
        contract = member.contract
        history = simulate(
            member=member, contract=contract, plan=plan, today=today, rng=rng,
            transactions=transactions,
        )  # fmt: skip
        entries += history.entries
        periods += history.free_periods
        state = history.state
        statuses.append(
            DueStatus(
                contract=contract,
                next_due_date=state.next_due_date,
                paid_toward_due=state.paid_toward_due,
            )
        )
        contract.principal_balance = state.principal
        if not contract.is_terminated:
            overdue = state.next_due_date is not None and state.next_due_date < today
            contract.status = ContractStatus.SUSPENDED if overdue else ContractStatus.ACTIVE
        contracts.append(contract)
    LedgerEntry.objects.bulk_create(entries, batch_size=2000)
    InterestFreePeriod.objects.bulk_create(periods, batch_size=2000)
    DueStatus.objects.bulk_create(
        statuses,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["contract"],
        update_fields=["next_due_date", "paid_toward_due"],
    )
    LoanContract.objects.bulk_update(contracts, ["principal_balance", "status"], batch_size=2000)
    if len(entries) >= ANALYZE_AFTER and connection.vendor == "postgresql":
        transaction.on_commit(analyze_ledger)
    return len(entries)


# A seed of this many entries changes what PostgreSQL's planner must know of the ledger.
ANALYZE_AFTER = 10_000


def analyze_ledger() -> None:
    """Refresh PostgreSQL's statistics of the ledger's tables after a large seed.

    Without them, until autovacuum gets round to it, the planner takes a member with
    100,000 fresh entries for one with a handful, and reads them all to sort out a page's
    twenty instead of walking the (member, newest first) index.
    """
    with connection.cursor() as cursor:
        for model in (LedgerEntry, LedgerSummary):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

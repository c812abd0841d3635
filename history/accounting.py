"""The ledger's arithmetic as pure functions: a state, a position, and what a borrowing or
a repayment does to them. The services apply these to the database; the seeder applies
them in memory to build long, realistic histories with bulk inserts.
"""

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from history import interest, schedule
from history.interest import BalanceChange, Period

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Terms:
    """The contract terms the arithmetic needs."""

    annual_rate: Decimal
    late_damages_rate: Decimal
    due_day: int


@dataclass(frozen=True)
class LedgerState:
    """What the ledger says since the last settlement (the last repayment)."""

    changes: tuple[BalanceChange, ...] = ()  # the first one is the settlement point
    carried_interest: int = 0  # settled at the last repayment but left unpaid
    carried_damages: int = 0
    last_borrowing_balance: int | None = None  # the base of the minimum payment
    free_periods: tuple[Period, ...] = ()
    next_due_date: dt.date | None = None
    paid_toward_due: int = 0
    has_borrowed: bool = False

    @property
    def principal(self) -> int:
        return self.changes[-1].balance if self.changes else 0


@dataclass(frozen=True)
class LoanPosition:
    """What a member owes on `on`, as if everything were settled that day."""

    on: dt.date
    principal: int
    interest: int
    late_damages: int
    interest_waived: int  # interest the interest-free days saved since the last settlement
    days: int  # days of interest since the last settlement (片端入れ), not at a zero balance
    next_due_date: dt.date | None  # the earliest due date whose minimum is not paid yet
    minimum_payment: int  # of one monthly cycle
    paid_toward_due: int  # toward the minimum of the cycle of `next_due_date`
    overdue_since: dt.date | None
    due_dates_missed: int  # due dates passed with their minimum unpaid
    interest_free_until: dt.date | None
    interest_free_from: dt.date | None = None  # the first day of that interest-free period

    @property
    def payoff(self) -> int:
        return self.principal + self.interest + self.late_damages

    @property
    def remaining_due(self) -> int:
        """What is still to pay by the due date or, if overdue, to be up to date again: the
        minimum of every missed due date (at least the current one) less what was paid
        toward them, never more than the principal and interest."""
        cycles = max(1, self.due_dates_missed)
        unpaid = cycles * self.minimum_payment - self.paid_toward_due
        return max(0, min(unpaid, self.principal + self.interest))

    @property
    def overdue_amount(self) -> int:
        """What brings an overdue member up to date: the missed minimums and late damages."""
        if self.overdue_since is None:
            return 0
        return self.remaining_due + self.late_damages

    @property
    def interest_free_days_left(self) -> int:
        if self.interest_free_until is None or self.interest_free_until < self.on:
            return 0
        # Days of the period still ahead, today included; not the days before it begins.
        start = max(self.on, self.interest_free_from or self.on)
        return (self.interest_free_until - start).days + 1


def overdue_since(*, next_due_date: dt.date | None, principal: int, on: dt.date) -> dt.date | None:
    """Return the first overdue day if the minimum due on `next_due_date` is still unpaid
    on `on` while a principal is owed, else None.

    The due status and the principal say it alone: the member pages' menu asks it of the
    contract's stored balance and due status, without reading the ledger.
    """
    if next_due_date is not None and on > next_due_date and principal:
        return next_due_date + ONE_DAY
    return None


def position_on(*, state: LedgerState, terms: Terms, on: dt.date) -> LoanPosition:
    """Return the position on `on` (no transaction between the state and that day)."""
    changes = state.changes
    since = overdue_since(next_due_date=state.next_due_date, principal=state.principal, on=on)
    missed = 0
    if since is not None:
        missed = schedule.due_dates_passed(first=state.next_due_date, due_day=terms.due_day, on=on)
    # Overdue days bear late damages instead of interest; free days bear no interest.
    overdue = [Period(since, dt.date.max)] if since else []
    before_overdue = [Period(dt.date.min, since - ONE_DAY)] if since else []

    def accrued(excluded, rate):
        if not changes:
            return 0
        return interest.settle(
            interest.accrue_over_history(
                changes=changes,
                rate_percent=rate,
                through=on,
                excluded=interest.merge_periods(excluded),
            )
        )

    interest_due = accrued([*state.free_periods, *overdue], terms.annual_rate)
    without_free_days = accrued(overdue, terms.annual_rate) if state.free_periods else interest_due
    late_damages = accrued(before_overdue, terms.late_damages_rate) if overdue else 0
    interest_total = state.carried_interest + interest_due
    damages_total = state.carried_damages + late_damages
    free_period = next((p for p in state.free_periods if on <= p.last), None)
    base = (
        state.last_borrowing_balance
        if state.last_borrowing_balance is not None
        else state.principal
    )
    return LoanPosition(
        on=on,
        principal=state.principal,
        interest=interest_total,
        late_damages=damages_total,
        interest_waived=without_free_days - interest_due,
        days=interest.days_owed(changes=changes, through=on),
        next_due_date=state.next_due_date,
        # Capped at what the cycle began owing: what is owed now plus what was paid toward
        # it. Capping at today's payoff would count those payments twice (a balance under
        # one minimum, partly paid, would show nothing left to pay while still owing).
        # Late damages come on top of the minimum, so they are not part of the cap.
        minimum_payment=schedule.minimum_payment(
            base_balance=base, payoff=state.principal + interest_total + state.paid_toward_due
        ),
        paid_toward_due=state.paid_toward_due,
        overdue_since=since,
        due_dates_missed=missed,
        interest_free_until=free_period.last if free_period else None,
        interest_free_from=free_period.first if free_period else None,
    )


@dataclass(frozen=True)
class Repayment:
    late_damages_paid: int
    interest_paid: int
    principal_paid: int
    principal_after: int
    interest_unpaid: int
    late_damages_unpaid: int

    @property
    def pays_off(self) -> bool:
        return self.principal_after == self.interest_unpaid == self.late_damages_unpaid == 0


def split_repayment(position: LoanPosition, amount: int) -> Repayment:
    """Split a repayment: late damages first, then interest, then principal."""
    damages = min(amount, position.late_damages)
    interest_paid = min(amount - damages, position.interest)
    principal = amount - damages - interest_paid
    return Repayment(
        late_damages_paid=damages,
        interest_paid=interest_paid,
        principal_paid=principal,
        principal_after=position.principal - principal,
        interest_unpaid=position.interest - interest_paid,
        late_damages_unpaid=position.late_damages - damages,
    )


def after_repayment(
    *, state: LedgerState, position: LoanPosition, repayment: Repayment, terms: Terms, on: dt.date
) -> LedgerState:
    """Return the state after `repayment` on `on`: a new settlement point and due cycle.

    Each full minimum paid moves the due date one cycle on from the old due date, so a
    member who missed several due dates owes each one's minimum. What is paid beyond the
    minimum of a cycle not yet due does not pay the next cycle ahead.
    """
    if repayment.pays_off:
        next_due_date, paid = None, 0
    else:
        # Late damages are extra: only interest and principal count toward the minimum.
        next_due_date, paid = _count_toward_due(
            next_due_date=state.next_due_date,
            paid=state.paid_toward_due + repayment.interest_paid + repayment.principal_paid,
            minimum=position.minimum_payment,
            terms=terms,
            on=on,
        )
    return replace(
        state,
        changes=(BalanceChange(on, repayment.principal_after),),
        carried_interest=repayment.interest_unpaid,
        carried_damages=repayment.late_damages_unpaid,
        next_due_date=next_due_date,
        paid_toward_due=paid,
    )


def _count_toward_due(
    *, next_due_date: dt.date | None, paid: int, minimum: int, terms: Terms, on: dt.date
) -> tuple[dt.date | None, int]:
    """Return the due date and what stays paid toward it once `paid` counts: each full
    minimum moves the due date one cycle on, until it lies after `on`."""
    while next_due_date and minimum and paid >= minimum:
        paid -= minimum
        next_due_date = schedule.due_date_after(day=next_due_date, due_day=terms.due_day)
        if next_due_date > on:
            return next_due_date, 0
    return next_due_date, paid


def after_borrowing(
    *, state: LedgerState, amount: int, terms: Terms, on: dt.date, first_time_free: bool
) -> LedgerState:
    """Return the state after lending `amount` on `on`.

    Borrowing from a zero balance starts a repayment cycle (the first-due-date table);
    the very first borrowing may bring the 30 interest-free days.
    """
    free_periods = state.free_periods
    if first_time_free and not state.has_borrowed:
        free_periods = (*free_periods, first_time_free_period(on))
    new_balance = state.principal + amount
    if state.principal == 0:
        next_due_date = schedule.first_due_date(borrowed_on=on, due_day=terms.due_day)
        paid = 0
    else:
        # The minimum follows the balance after the borrowing; what was paid in this cycle
        # may already cover the new one. (It owes at least the borrowing, so the minimum's
        # cap at what is owed cannot bind here.)
        next_due_date, paid = _count_toward_due(
            next_due_date=state.next_due_date,
            paid=state.paid_toward_due,
            minimum=schedule.minimum_payment(base_balance=new_balance, payoff=new_balance),
            terms=terms,
            on=on,
        )
    return replace(
        state,
        changes=(*state.changes, BalanceChange(on, new_balance)),
        last_borrowing_balance=new_balance,
        free_periods=tuple(interest.merge_periods(free_periods)),
        next_due_date=next_due_date,
        paid_toward_due=paid,
        has_borrowed=True,
    )


def after_adjustment(
    *, state: LedgerState, new_balance: int, terms: Terms, on: dt.date
) -> LedgerState:
    """Return the state after staff set the principal to `new_balance` on `on`.

    An adjustment settles nothing. Like a borrowing it starts a repayment cycle from a zero
    balance; like a payoff it ends the cycle when nothing at all is owed after it (interest
    accrued before it is still owed, and due by the due date).
    """
    next_due_date, paid = state.next_due_date, state.paid_toward_due
    if new_balance and state.principal == 0:
        next_due_date = schedule.first_due_date(borrowed_on=on, due_day=terms.due_day)
        paid = 0
    elif new_balance == 0:
        before = position_on(state=state, terms=terms, on=on)
        if before.interest == before.late_damages == 0:
            next_due_date, paid = None, 0
    return replace(
        state,
        changes=(*state.changes, BalanceChange(on, new_balance)),
        next_due_date=next_due_date,
        paid_toward_due=paid,
    )


FIRST_TIME_FREE_DAYS = 30


def first_time_free_period(borrowed_on: dt.date) -> Period:
    """Return the 30 interest-free days from the day after the first borrowing."""
    return Period(borrowed_on + ONE_DAY, borrowed_on + dt.timedelta(days=FIRST_TIME_FREE_DAYS))

"""Property-based tests: for random histories the interest engine and the ledger arithmetic
agree with a naive day-by-day sum written here from SPEC §6.

The naive model: every day after a balance was reached, through the settlement day, costs
balance × rate ÷ (366 if that day's year is a leap year else 365), exactly (`Fraction`);
free days cost nothing; overdue days cost late damages at the late-damages rate instead.
The sum is truncated to the yen only when settled (at a repayment).
"""

import calendar
import datetime as dt
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from history.accounting import (
    LedgerState,
    Terms,
    after_borrowing,
    after_repayment,
    position_on,
    split_repayment,
)
from history.interest import BalanceChange, Period, accrue_over_history, merge_periods, settle
from history.schedule import due_date_in

ONE_DAY = dt.timedelta(days=1)

# Dates around several leap years (2028, 2032) so that New Years and Februaries are crossed.
start_dates = st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2032, 12, 31))
# A contract rate between 4.5% and the 20.0% cap, to the hundredth of a percent.
rates = st.integers(min_value=450, max_value=2000).map(lambda n: Decimal(n) / 100)
free_windows = st.lists(
    st.tuples(st.integers(0, 500), st.integers(1, 30)),  # (days after the start, length)
    max_size=4,
)


def year_length(day: dt.date) -> int:
    return 366 if calendar.isleap(day.year) else 365


def naive_balance_on(changes: list[tuple[dt.date, int]], day: dt.date) -> int:
    """The balance that bears interest on `day`: the last one reached before that day."""
    balance = 0
    for on, amount in changes:
        if on < day:
            balance = amount
    return balance


def windows_from(start: dt.date, windows) -> list[Period]:
    return [
        Period(start + ONE_DAY * offset, start + ONE_DAY * (offset + length - 1))
        for offset, length in windows
    ]


@settings(max_examples=300, deadline=None)
@given(
    start=start_dates,
    steps=st.lists(
        st.tuples(st.integers(0, 90), st.integers(0, 5_000_000)), min_size=1, max_size=8
    ),
    tail=st.integers(0, 400),
    rate=rates,
    windows=free_windows,
)
def test_engine_agrees_with_a_naive_day_by_day_sum(start, steps, tail, rate, windows):
    changes, day = [], start
    for gap, balance in steps:
        day += ONE_DAY * gap
        changes.append((day, balance))
    through = day + ONE_DAY * tail
    free = windows_from(start, windows)

    engine = accrue_over_history(
        changes=[BalanceChange(on, balance) for on, balance in changes],
        rate_percent=rate,
        through=through,
        excluded=merge_periods(free),
    )

    naive = Fraction(0)
    day = start + ONE_DAY
    while day <= through:
        if not any(day in period for period in free):
            balance = naive_balance_on(changes, day)
            naive += Fraction(balance) * Fraction(rate) / 100 / year_length(day)
        day += ONE_DAY
    assert engine == naive
    assert settle(engine) == int(naive)


# --- Whole histories of borrowings and repayments ----------------------------------------

events = st.lists(
    st.tuples(
        st.integers(0, 45),  # days after the previous event
        st.sampled_from(["borrow", "repay"]),
        st.integers(1, 100),  # borrowing: thousands of yen; repayment: percent of the payoff
    ),
    min_size=1,
    max_size=14,
)


def naive_due_dates_missed(first_unpaid: dt.date | None, due_day: int, on: dt.date) -> int:
    """The due dates, month by month from the first unpaid one, that fall before `on`."""
    if first_unpaid is None:
        return 0
    # Start a month early: a due date moved past a month end belongs to the month before.
    year, month = divmod(first_unpaid.year * 12 + first_unpaid.month - 2, 12)
    month += 1
    missed = 0
    while (due := due_date_in(year, month, due_day)) < on:
        missed += first_unpaid <= due
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return missed


class NaiveLedger:
    """A borrower's account kept the simple way: a list of balances and a running sum."""

    def __init__(self, *, rate: Decimal, damages_rate: Decimal, free: list[Period]):
        self.rate, self.damages_rate, self.free = rate, damages_rate, free
        self.changes: list[tuple[dt.date, int]] = []
        self.settled_on: dt.date | None = None
        self.carried_interest = self.carried_damages = 0

    @property
    def principal(self) -> int:
        return self.changes[-1][1] if self.changes else 0

    def owed(self, on: dt.date, overdue_since: dt.date | None) -> tuple[int, int]:
        """Interest and late damages if settled on `on`."""
        interest = damages = Fraction(0)
        if self.changes:
            day = self.changes[0][0] + ONE_DAY
            while day <= on:
                balance = naive_balance_on(self.changes, day)
                if overdue_since is not None and day >= overdue_since:
                    damages += (
                        Fraction(balance) * Fraction(self.damages_rate) / 100 / year_length(day)
                    )
                elif not any(day in period for period in self.free):
                    interest += Fraction(balance) * Fraction(self.rate) / 100 / year_length(day)
                day += ONE_DAY
        return self.carried_interest + int(interest), self.carried_damages + int(damages)

    def days_owed(self, on: dt.date) -> int:
        """Days since the last settlement on which a balance bore interest or damages."""
        if not self.changes:
            return 0
        first = self.changes[0][0] + ONE_DAY
        return sum(
            naive_balance_on(self.changes, first + ONE_DAY * offset) > 0
            for offset in range((on - first).days + 1)
        )

    def borrow(self, on: dt.date, amount: int) -> None:
        self.changes.append((on, self.principal + amount))

    def repay(self, on: dt.date, amount: int, interest: int, damages: int) -> tuple[int, int, int]:
        to_damages = min(amount, damages)
        to_interest = min(amount - to_damages, interest)
        to_principal = amount - to_damages - to_interest
        self.carried_damages = damages - to_damages
        self.carried_interest = interest - to_interest
        self.changes = [(on, self.principal - to_principal)]
        return to_damages, to_interest, to_principal


@settings(max_examples=150, deadline=None)
@given(
    start=start_dates,
    history=events,
    rate=rates,
    due_day=st.sampled_from([5, 15, 25, 31]),
    first_time_free=st.booleans(),
    windows=free_windows,
)
def test_ledger_agrees_with_a_naive_account(
    start, history, rate, due_day, first_time_free, windows
):
    terms = Terms(annual_rate=rate, late_damages_rate=Decimal("20.0"), due_day=due_day)
    extra_free = windows_from(start, windows)
    state = LedgerState(free_periods=tuple(merge_periods(extra_free)))
    free = list(extra_free)
    if first_time_free:
        free.append(Period(start + ONE_DAY, start + ONE_DAY * 30))  # see the first borrowing
    naive = NaiveLedger(rate=rate, damages_rate=Decimal("20.0"), free=free)

    day = start
    # The first event is always a borrowing on `start`.
    history = [(0, "borrow", history[0][2]), *history]
    for gap, kind, size in history:
        day += ONE_DAY * gap
        position = position_on(state=state, terms=terms, on=day)
        interest, damages = naive.owed(day, position.overdue_since)
        assert (position.interest, position.late_damages) == (interest, damages)
        assert position.principal == naive.principal
        assert position.days == naive.days_owed(day)
        missed = naive_due_dates_missed(state.next_due_date, due_day, day) if naive.principal else 0
        assert position.due_dates_missed == missed
        assert (position.overdue_since is not None) == (missed > 0)
        if position.next_due_date is not None and position.principal + position.interest:
            # Something is always left to pay by (or since) the due date until it moves.
            assert position.remaining_due > 0
        if kind == "borrow":
            from_zero = state.principal == 0
            state = after_borrowing(
                state=state, amount=size * 1_000, terms=terms, on=day,
                first_time_free=first_time_free,
            )  # fmt: skip
            naive.borrow(day, size * 1_000)
            assert state.principal == naive.principal
            if from_zero:  # a new repayment cycle starts after the borrowing
                assert state.next_due_date is not None and state.next_due_date > day
            continue
        if position.payoff == 0:
            continue
        amount = max(1, position.payoff * size // 100)
        split = split_repayment(position, amount)
        expected = naive.repay(day, amount, interest, damages)
        assert (split.late_damages_paid, split.interest_paid, split.principal_paid) == expected
        assert split.principal_after == naive.principal >= 0
        state = after_repayment(
            state=state, position=position, repayment=split, terms=terms, on=day
        )
        if missed and position.remaining_due:
            # Every missed minimum (and the late damages) must be paid to be up to date.
            still_overdue = position_on(state=state, terms=terms, on=day).overdue_since
            assert (still_overdue is not None) == (amount < position.overdue_amount)
        if size == 100:  # the whole payoff
            assert split.pays_off
            assert state.principal == 0 and state.next_due_date is None

    final = position_on(state=state, terms=terms, on=day + ONE_DAY * 10)
    last = split_repayment(final, final.payoff)
    assert last.pays_off
    assert replace(last).principal_after == 0

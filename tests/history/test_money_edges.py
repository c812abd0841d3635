"""Edges of the money rules that `make mutation` showed no test pinned (SPEC §6, §8).

Each test here fails when one of the rules is changed a little: a band's rate by 0.01%,
the rounding unit, the month window of the next due date, the end of a due cycle. The
cases are worked out by hand in the comments.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from history.accounting import (
    LedgerState,
    Terms,
    after_adjustment,
    after_borrowing,
    after_repayment,
    position_on,
    split_repayment,
)
from history.atm import atm_fee
from history.interest import Period, accrue, merge_periods
from history.schedule import MONTH_END, due_date_after, first_due_date, minimum_payment
from members.models import LATE_DAMAGES_RATE

D = dt.date
TERMS = Terms(annual_rate=Decimal("17.80"), late_damages_rate=LATE_DAMAGES_RATE, due_day=25)
BORROWED_ON = D(2026, 12, 10)
DUE = D(2027, 1, 25)
NO_CAP = 10**9


def borrowed(amount=100_000):
    return after_borrowing(
        state=LedgerState(), amount=amount, terms=TERMS, on=BORROWED_ON, first_time_free=False
    )


def repaid(state, amount, on):
    position = position_on(state=state, terms=TERMS, on=on)
    split = split_repayment(position, amount)
    return after_repayment(state=state, position=position, repayment=split, terms=TERMS, on=on)


# --- Interest: exact sums, excluded days, periods ---------------------------------------


def test_interest_on_one_yen_is_kept_exactly_until_settled():
    # 1 yen at 18% for a whole common year: 0.18 yen, kept as a fraction (a history of
    # many balances is summed exactly and truncated once), not dropped as nothing.
    amount = accrue(
        balance=1, rate_percent=Decimal("18.0"), after=D(2026, 12, 31), through=D(2027, 12, 31)
    )
    assert amount == Fraction(9, 50)


def test_a_single_excluded_day_is_left_out():
    # 365,000 yen at 10% bears 100 yen a day in 2027; 01-02..01-11 is 10 days, less 01-05.
    def interest(excluded):
        return accrue(
            balance=365_000,
            rate_percent=Decimal("10.0"),
            after=D(2027, 1, 1),
            through=D(2027, 1, 11),
            excluded=excluded,
        )

    assert interest(()) == 1_000
    assert interest([Period(D(2027, 1, 5), D(2027, 1, 5))]) == 900
    assert interest([Period(D(2027, 1, 11), D(2027, 1, 11))]) == 900  # the last day
    assert interest([Period(D(2027, 1, 2), D(2027, 1, 2))]) == 900  # the first day


def test_a_period_holds_its_first_and_last_day_and_no_other():
    period = Period(D(2027, 6, 1), D(2027, 6, 30))

    assert D(2027, 6, 1) in period
    assert D(2027, 6, 30) in period
    assert D(2027, 5, 31) not in period
    assert D(2027, 7, 1) not in period


def test_periods_a_day_apart_stay_apart():
    apart = [Period(D(2027, 6, 1), D(2027, 6, 5)), Period(D(2027, 6, 7), D(2027, 6, 10))]

    assert merge_periods(apart) == apart  # 06-06 is no free day


def test_a_state_that_never_borrowed_owes_nothing():
    position = position_on(state=LedgerState(), terms=TERMS, on=D(2027, 1, 9))

    assert (position.principal, position.interest, position.late_damages) == (0, 0, 0)
    assert (position.payoff, position.interest_waived, position.minimum_payment) == (0, 0, 0)


# --- The minimum payment: each band's rate, not only its edges ---------------------------
# For each band, one base just under a thousand (a rate 0.01% higher would round up to the
# next thousand) and one just over (a rate 0.01% lower would round down to the one before).


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        pytest.param(83_000, 3_000, id="3.61%-just-under"),  # 2,996.3 (3.62%: 3,004.6)
        pytest.param(27_701, 2_000, id="3.61%-just-over"),  # 1,000.006 (3.60%: 997.2)
        pytest.param(790_000, 20_000, id="2.53%-just-under"),  # 19,987 (2.54%: 20,066)
        pytest.param(790_514, 21_000, id="2.53%-just-over"),  # 20,000.004 (2.52%: 19,920.95)
        pytest.param(1_001_000, 20_000, id="1.99%-just-under"),  # 19,919.9 (2.00%: 20,020)
        pytest.param(1_005_026, 21_000, id="1.99%-just-over"),  # 20,000.02 (1.98%: 19,899.5)
    ],
)
def test_each_bands_rate_decides_the_thousand(base, expected):
    assert minimum_payment(base_balance=base, payoff=NO_CAP) == expected


@pytest.mark.parametrize(("base", "expected"), [(1, 1_000), (2, 1_000), (999, 1_000)])
def test_a_tiny_base_still_rounds_up_to_a_whole_thousand(base, expected):
    # 1 yen × 3.61% = 0.0361 yen: rounded *up* to the next 1,000 yen, not down to nothing.
    assert minimum_payment(base_balance=base, payoff=50_000) == expected


@pytest.mark.parametrize(("base", "payoff"), [(100_000, -1), (-1_000, 5_000)])
def test_a_negative_amount_owes_no_minimum(base, payoff):
    assert minimum_payment(base_balance=base, payoff=payoff) == 0


# --- Due dates ------------------------------------------------------------------------


def test_the_next_due_date_can_be_last_months_moved_into_this_one():
    # January 2026 ends on a Saturday: its month-end due date moves to Monday 02-02, which
    # is still ahead on 02-01. On 02-02 itself the next one is February's, moved off
    # Saturday 02-28 to Monday 03-02.
    assert due_date_after(day=D(2026, 2, 1), due_day=MONTH_END) == D(2026, 2, 2)
    assert due_date_after(day=D(2026, 2, 2), due_day=MONTH_END) == D(2026, 3, 2)


def test_a_contracts_month_end_due_day_is_stored_as_31():
    # members.Contract.due_day holds 31 for 月末: the schedule must read it so.
    assert first_due_date(borrowed_on=D(2027, 3, 15), due_day=31) == D(2027, 4, 30)
    assert due_date_after(day=D(2027, 4, 1), due_day=31) == D(2027, 4, 30)


@pytest.mark.parametrize(
    ("due_day", "borrowed_on", "expected"),
    [
        (5, D(2027, 3, 19), D(2027, 4, 5)),  # 5th: 1st–19th → next month
        (5, D(2027, 3, 20), D(2027, 5, 6)),  # 20th on → month after next (05-05 a holiday)
        (15, D(2027, 3, 31), D(2027, 4, 15)),  # 15th: always next month
        (25, D(2027, 3, 9), D(2027, 3, 25)),  # 25th: 1st–9th → this month
        (25, D(2027, 3, 10), D(2027, 4, 26)),  # 10th on → next month (04-25 a Sunday)
        (MONTH_END, D(2027, 3, 14), D(2027, 3, 31)),  # month-end: 1st–14th → this month
        (MONTH_END, D(2027, 3, 15), D(2027, 4, 30)),  # 15th on → next month
    ],
)
def test_first_due_date_on_each_side_of_the_tables_turning_day(due_day, borrowed_on, expected):
    assert first_due_date(borrowed_on=borrowed_on, due_day=due_day) == expected


# --- The due cycle ----------------------------------------------------------------------

NEXT_DUE = D(2027, 2, 25)  # a Thursday


def test_two_missed_minimums_paid_on_the_next_due_date_open_the_cycle_after_it():
    # 01-25 was missed; on 02-25, its next due date, the member pays the late damages, the
    # minimum of 01-25 and the minimum of 02-25 itself (2 × 4,000 of interest and principal).
    state = borrowed()
    position = position_on(state=state, terms=TERMS, on=NEXT_DUE)
    assert (position.overdue_since, position.due_dates_missed) == (D(2027, 1, 26), 1)
    assert position.late_damages == 1_698  # 100,000 × 20% × 31 ÷ 365 = 1,698.63

    state = repaid(state, position.late_damages + 2 * 4_000, NEXT_DUE)

    # Both due dates are closed: the next is March's, with nothing counted toward it yet.
    assert (state.next_due_date, state.paid_toward_due) == (D(2027, 3, 25), 0)
    after = position_on(state=state, terms=TERMS, on=NEXT_DUE)
    assert (after.overdue_since, after.remaining_due, after.overdue_amount) == (None, 4_000, 0)


def test_a_repayment_leaving_interest_owed_after_an_adjustment_to_zero_keeps_the_cycle():
    # Staff set the principal to zero on 01-09; the 1,463 yen of interest accrued before
    # stays owed. Paying 1,000 of it leaves 463: nothing is paid off, the due date stays.
    state = after_adjustment(state=borrowed(), new_balance=0, terms=TERMS, on=D(2027, 1, 9))

    state = repaid(state, 1_000, D(2027, 1, 20))

    assert (state.principal, state.carried_interest) == (0, 463)
    assert (state.next_due_date, state.paid_toward_due) == (DUE, 1_000)
    position = position_on(state=state, terms=TERMS, on=D(2027, 1, 20))
    assert (position.payoff, position.remaining_due) == (463, 463)


def test_a_repayment_leaving_late_damages_owed_after_an_adjustment_to_zero_keeps_the_cycle():
    # The member pays exactly the interest on the due date (2,243 yen for 46 days), so on
    # 01-27 only late damages are owed: 2 overdue days = 109 yen. 50 of them are paid, and
    # staff then set the principal to zero: the 59 yen left keep the cycle open.
    state = repaid(borrowed(), 2_243, DUE)
    assert (state.carried_interest, state.paid_toward_due) == (0, 2_243)
    on = D(2027, 1, 27)
    assert position_on(state=state, terms=TERMS, on=on).late_damages == 109

    state = repaid(state, 50, on)
    assert (state.carried_damages, state.carried_interest) == (59, 0)
    state = after_adjustment(state=state, new_balance=0, terms=TERMS, on=on)
    assert state.next_due_date == DUE

    state = repaid(state, 30, D(2027, 1, 28))

    assert (state.principal, state.carried_interest, state.carried_damages) == (0, 0, 29)
    # Not paid off: the cycle goes on. (Its minimum is capped at the 2,243 yen of interest
    # and principal it began owing, already paid: so the due date moves a month on.)
    assert (state.next_due_date, state.paid_toward_due) == (D(2027, 2, 25), 0)
    assert position_on(state=state, terms=TERMS, on=D(2027, 1, 28)).payoff == 29


def test_paying_every_late_damage_leaves_none_carried():
    # 109 yen of late damages on 01-27, and 59 carried after paying 50 of them; paying the
    # rest of them (and more) carries none to the next settlement.
    state = repaid(borrowed(), 2_243, DUE)
    state = repaid(state, 50, D(2027, 1, 27))
    assert state.carried_damages == 59

    state = repaid(state, 1_000, D(2027, 1, 27))

    assert state.carried_damages == 0
    assert position_on(state=state, terms=TERMS, on=D(2027, 1, 27)).late_damages == 0


# --- The position's sums --------------------------------------------------------------


def test_the_payoff_is_principal_interest_and_late_damages():
    position = position_on(state=borrowed(), terms=TERMS, on=D(2027, 1, 27))

    assert (position.principal, position.interest, position.late_damages) == (
        100_000,
        2_243,
        109,
    )
    assert position.payoff == 102_352
    assert position.overdue_amount == 4_000 + 109


# --- The partner-ATM fee (SPEC §8): 110 yen up to 10,000 yen, 220 yen above -------------


@pytest.mark.parametrize(
    ("amount", "fee"),
    [(1_000, 110), (9_999, 110), (10_000, 110), (10_001, 220), (11_000, 220), (500_000, 220)],
)
def test_the_partner_atm_fee(amount, fee):
    assert atm_fee(amount) == fee

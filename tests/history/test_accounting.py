"""The ledger's pure arithmetic (history.accounting) against SPEC §6.

A member with due day 25 at 17.8% borrows 100,000 yen on Thursday 2026-12-10: the first
due date is 2027-01-25 (borrowed on the 10th or later), the minimum payment 4,000 yen
(100,000 × 3.61% = 3,610, rounded up), and 30 days later the interest is 1,463 yen.
"""

import datetime as dt
from decimal import Decimal

import pytest

from history.accounting import (
    LedgerState,
    Terms,
    after_adjustment,
    after_borrowing,
    after_repayment,
    first_time_free_period,
    overdue_since,
    position_on,
    split_repayment,
)
from history.interest import Period

D = dt.date
TERMS = Terms(annual_rate=Decimal("17.80"), late_damages_rate=Decimal("20.0"), due_day=25)
BORROWED_ON = D(2026, 12, 10)
DUE = D(2027, 1, 25)


def borrowed(amount=100_000, *, on=BORROWED_ON, free=False, state=None, terms=TERMS):
    return after_borrowing(
        state=state or LedgerState(), amount=amount, terms=terms, on=on, first_time_free=free
    )


def repaid(state, amount, on, terms=TERMS):
    position = position_on(state=state, terms=terms, on=on)
    split = split_repayment(position, amount)
    return after_repayment(state=state, position=position, repayment=split, terms=terms, on=on)


# --- Borrowing -------------------------------------------------------------------------


def test_first_borrowing_starts_a_cycle_by_the_first_due_date_table():
    state = borrowed()

    assert state.principal == 100_000
    assert state.next_due_date == DUE
    assert state.last_borrowing_balance == 100_000
    assert state.paid_toward_due == 0
    assert state.has_borrowed is True
    assert state.free_periods == ()


def test_first_time_free_days_are_the_thirty_days_after_the_borrowing():
    state = borrowed(free=True)

    assert state.free_periods == (Period(D(2026, 12, 11), D(2027, 1, 9)),)
    assert first_time_free_period(D(2027, 12, 15)) == Period(D(2027, 12, 16), D(2028, 1, 14))


def test_only_the_very_first_borrowing_brings_free_days():
    state = borrowed(free=False)
    state = repaid(state, position_on(state=state, terms=TERMS, on=D(2026, 12, 20)).payoff,
                   D(2026, 12, 20))  # fmt: skip

    again = borrowed(50_000, on=D(2027, 2, 1), free=True, state=state)

    assert again.free_periods == ()


def test_a_second_borrowing_keeps_the_due_date_and_raises_the_minimum_base():
    state = borrowed()

    state = borrowed(250_000, on=D(2026, 12, 20), state=state)

    assert state.principal == 350_000
    assert state.next_due_date == DUE  # not the table's date for a borrowing on the 20th
    assert state.last_borrowing_balance == 350_000
    position = position_on(state=state, terms=TERMS, on=D(2026, 12, 21))
    assert position.minimum_payment == 9_000  # 350,000 × 2.53% = 8,855 → 9,000


def test_borrowing_again_after_a_payoff_starts_a_new_cycle():
    state = borrowed()
    payoff = position_on(state=state, terms=TERMS, on=D(2027, 1, 9)).payoff
    state = repaid(state, payoff, D(2027, 1, 9))
    assert state.next_due_date is None

    state = borrowed(20_000, on=D(2027, 3, 3), state=state)

    assert state.next_due_date == D(2027, 3, 25)  # borrowed 1st–9th: the same month


def test_days_after_a_payoff_count_from_the_next_borrowing():
    """Paid off on 12-20, borrowed 100,000 on 03-03: on 04-02 it is 30 days, not 103."""
    terms = Terms(annual_rate=Decimal("17.80"), late_damages_rate=Decimal("20.0"), due_day=5)
    state = borrowed(terms=terms)
    payoff = position_on(state=state, terms=terms, on=D(2026, 12, 20)).payoff
    state = repaid(state, payoff, D(2026, 12, 20), terms=terms)
    assert position_on(state=state, terms=terms, on=D(2027, 3, 1)).days == 0

    state = borrowed(on=D(2027, 3, 3), state=state, terms=terms)
    position = position_on(state=state, terms=terms, on=D(2027, 4, 2))

    assert position.next_due_date == D(2027, 4, 5)
    assert (position.days, position.interest, position.payoff) == (30, 1_463, 101_463)


# --- Position: interest, free days, late damages -----------------------------------------


def test_position_matches_the_spec_example():
    position = position_on(state=borrowed(), terms=TERMS, on=D(2027, 1, 9))

    assert position.days == 30
    assert position.principal == 100_000
    assert position.interest == 1_463
    assert position.late_damages == 0
    assert position.payoff == 101_463
    assert position.next_due_date == DUE
    assert position.minimum_payment == 4_000
    assert position.remaining_due == 4_000
    assert position.overdue_since is None
    assert position.overdue_amount == 0


def test_position_on_the_borrowing_day_owes_only_the_principal():
    position = position_on(state=borrowed(), terms=TERMS, on=BORROWED_ON)

    assert (position.days, position.interest, position.payoff) == (0, 0, 100_000)


def test_free_days_waive_the_interest_and_say_how_much():
    state = borrowed(free=True)

    inside = position_on(state=state, terms=TERMS, on=D(2027, 1, 9))
    after = position_on(state=state, terms=TERMS, on=D(2027, 1, 19))

    assert (inside.interest, inside.interest_waived) == (0, 1_463)
    # Ten paying days (01-10 .. 01-19): 487.67 yen; the 40 days in all would be 1,950.68.
    assert (after.interest, after.interest_waived) == (487, 1_950 - 487)


@pytest.mark.parametrize(
    ("on", "days_left"),
    [
        (BORROWED_ON, 30),  # the day of the borrowing: all thirty days are still ahead
        (D(2026, 12, 11), 30),  # the first free day
        (D(2026, 12, 12), 29),
        (D(2027, 1, 9), 1),  # the last free day
        (D(2027, 1, 10), 0),
    ],
)
def test_interest_free_days_left(on, days_left):
    position = position_on(state=borrowed(free=True), terms=TERMS, on=on)

    assert position.interest_free_days_left == days_left


def test_no_free_days_left_without_free_days():
    assert position_on(state=borrowed(), terms=TERMS, on=BORROWED_ON).interest_free_days_left == 0


def test_on_the_due_date_nothing_is_overdue_yet():
    position = position_on(state=borrowed(), terms=TERMS, on=DUE)

    assert position.overdue_since is None
    assert position.late_damages == 0
    assert position.interest == 2_243  # 46 days: 100,000 × 17.8% × 46 ÷ 365 = 2,243.28


@pytest.mark.parametrize(
    ("next_due_date", "principal", "on", "since"),
    [
        (None, 100_000, D(2027, 2, 1), None),  # nothing borrowed or paid off
        (DUE, 100_000, DUE, None),  # the due date itself is not late
        (DUE, 100_000, D(2027, 1, 26), D(2027, 1, 26)),
        (DUE, 100_000, D(2027, 3, 1), D(2027, 1, 26)),  # since the first missed day
        (DUE, 0, D(2027, 3, 1), None),  # no principal: nothing is overdue
    ],
)
def test_overdue_since_the_day_after_an_unpaid_due_date(next_due_date, principal, on, since):
    assert overdue_since(next_due_date=next_due_date, principal=principal, on=on) == since


def test_the_day_after_an_unpaid_due_date_late_damages_run_at_twenty_percent():
    """Overdue days bear 20.0% late damages on the principal in place of interest."""
    position = position_on(state=borrowed(), terms=TERMS, on=D(2027, 1, 27))

    assert position.overdue_since == D(2027, 1, 26)
    assert position.interest == 2_243  # interest up to and including the due date
    assert position.late_damages == 109  # 100,000 × 20% × 2 ÷ 365 = 109.59
    assert position.payoff == 100_000 + 2_243 + 109
    assert position.overdue_amount == 4_000 + 109  # the minimum plus the late damages


def test_late_damages_use_the_contracts_late_damages_rate():
    terms = Terms(annual_rate=Decimal("15.0"), late_damages_rate=Decimal("20.0"), due_day=25)
    state = borrowed(1_000_000, terms=terms)

    position = position_on(state=state, terms=terms, on=D(2027, 2, 24))

    # 30 overdue days (01-26 .. 02-24) at 20%: 1,000,000 × 0.2 × 30 ÷ 365 = 16,438.36
    assert position.late_damages == 16_438


def test_a_paid_off_state_owes_nothing_ever_after():
    state = borrowed()
    state = repaid(state, position_on(state=state, terms=TERMS, on=D(2027, 1, 9)).payoff,
                   D(2027, 1, 9))  # fmt: skip

    for on in (D(2027, 1, 9), D(2027, 6, 1), D(2028, 12, 31)):
        position = position_on(state=state, terms=TERMS, on=on)
        assert (position.payoff, position.minimum_payment, position.overdue_amount) == (0, 0, 0)


# --- Splitting a repayment ---------------------------------------------------------------

OVERDUE = position_on(state=borrowed(), terms=TERMS, on=D(2027, 1, 27))  # 109 / 2,243 / 100,000


@pytest.mark.parametrize(
    ("amount", "damages", "interest", "principal"),
    [
        (50, 50, 0, 0),
        (109, 109, 0, 0),
        (110, 109, 1, 0),
        (2_352, 109, 2_243, 0),
        (2_353, 109, 2_243, 1),
        (10_000, 109, 2_243, 7_648),
        (102_352, 109, 2_243, 100_000),
    ],
)
def test_repayment_pays_late_damages_then_interest_then_principal(
    amount, damages, interest, principal
):
    split = split_repayment(OVERDUE, amount)

    assert (split.late_damages_paid, split.interest_paid, split.principal_paid) == (
        damages,
        interest,
        principal,
    )
    assert split.late_damages_paid + split.interest_paid + split.principal_paid == amount
    assert split.principal_after == 100_000 - principal
    assert split.late_damages_unpaid == 109 - damages
    assert split.interest_unpaid == 2_243 - interest


def test_paying_the_payoff_closes_everything_to_exactly_zero():
    split = split_repayment(OVERDUE, OVERDUE.payoff)

    assert split.pays_off
    assert (split.principal_after, split.interest_unpaid, split.late_damages_unpaid) == (0, 0, 0)


def test_one_yen_short_of_the_payoff_is_not_a_payoff():
    split = split_repayment(OVERDUE, OVERDUE.payoff - 1)

    assert not split.pays_off
    assert split.principal_after == 1


# --- After a repayment: the next settlement and the due cycle ----------------------------


def test_paying_the_minimum_before_the_due_date_moves_it_to_next_month():
    state = repaid(borrowed(), 4_000, D(2027, 1, 9))

    assert state.next_due_date == D(2027, 2, 25)
    assert state.paid_toward_due == 0
    assert state.principal == 100_000 - (4_000 - 1_463)


def test_less_than_the_minimum_keeps_the_due_date_and_counts_toward_it():
    state = repaid(borrowed(), 3_000, D(2027, 1, 9))

    assert state.next_due_date == DUE
    assert state.paid_toward_due == 3_000
    position = position_on(state=state, terms=TERMS, on=D(2027, 1, 10))
    assert position.remaining_due == 1_000

    state = repaid(state, 1_000, D(2027, 1, 10))

    assert state.next_due_date == D(2027, 2, 25)
    assert state.paid_toward_due == 0


def test_interest_left_unpaid_is_carried_to_the_next_settlement():
    state = repaid(borrowed(), 1_000, D(2027, 1, 9))  # 1,463 yen of interest was due

    assert state.carried_interest == 463
    assert state.principal == 100_000
    position = position_on(state=state, terms=TERMS, on=D(2027, 1, 19))
    # 463 carried + 10 new days (100,000 × 17.8% × 10 ÷ 365 = 487.67) truncated anew
    assert position.interest == 463 + 487
    assert position.days == 10


def test_late_damages_do_not_count_toward_the_minimum():
    state = repaid(borrowed(), 4_000, D(2027, 1, 27))  # 109 yen of it pays late damages

    assert state.next_due_date == DUE  # 3,891 of 4,000 paid: still overdue
    assert state.paid_toward_due == 3_891
    position = position_on(state=state, terms=TERMS, on=D(2027, 1, 27))
    assert position.overdue_since == D(2027, 1, 26)
    assert position.overdue_amount == 109


def test_paying_the_overdue_amount_brings_the_member_up_to_date():
    state = repaid(borrowed(), OVERDUE.overdue_amount, D(2027, 1, 27))

    assert state.next_due_date == D(2027, 2, 25)
    position = position_on(state=state, terms=TERMS, on=D(2027, 1, 28))
    assert position.overdue_since is None
    assert position.late_damages == 0
    assert position.principal == 100_000 - (4_109 - 109 - 2_243)


# Two due dates missed: 01-25 and 02-25 passed unpaid; 32 overdue days by 02-26.
TWO_MISSED_ON = D(2027, 2, 26)
TWO_MISSED_DAMAGES = 1_753  # 100,000 × 20% × 32 ÷ 365 = 1,753.42


def test_each_missed_due_date_owes_its_own_minimum():
    position = position_on(state=borrowed(), terms=TERMS, on=TWO_MISSED_ON)

    assert position.overdue_since == D(2027, 1, 26)  # since the first missed due date
    assert position.next_due_date == DUE
    assert position.due_dates_missed == 2
    assert position.late_damages == TWO_MISSED_DAMAGES
    assert position.remaining_due == 2 * 4_000
    assert position.overdue_amount == 2 * 4_000 + TWO_MISSED_DAMAGES


@pytest.mark.parametrize(
    ("on", "missed"),
    [(DUE, 0), (D(2027, 1, 26), 1), (D(2027, 2, 25), 1), (TWO_MISSED_ON, 2), (D(2027, 3, 26), 3)],
)
def test_due_dates_missed_count_the_due_dates_before_the_day(on, missed):
    position = position_on(state=borrowed(), terms=TERMS, on=on)

    assert position.due_dates_missed == missed
    assert position.remaining_due == max(1, missed) * 4_000


def test_paying_one_of_two_missed_minimums_leaves_the_member_overdue():
    state = repaid(borrowed(), 4_000 + TWO_MISSED_DAMAGES, TWO_MISSED_ON)

    assert state.next_due_date == D(2027, 2, 25)  # one cycle on from 01-25, not to 03-25
    assert state.paid_toward_due == 0
    position = position_on(state=state, terms=TERMS, on=TWO_MISSED_ON)
    assert position.overdue_since == D(2027, 2, 26)
    assert (position.due_dates_missed, position.late_damages) == (1, 0)
    assert position.overdue_amount == 4_000

    state = repaid(state, 4_000, TWO_MISSED_ON)

    assert state.next_due_date == D(2027, 3, 25)
    position = position_on(state=state, terms=TERMS, on=TWO_MISSED_ON)
    assert (position.overdue_since, position.overdue_amount) == (None, 0)
    assert position.remaining_due == 4_000  # the minimum due 03-25


def test_paying_every_missed_minimum_at_once_brings_the_member_up_to_date():
    overdue = position_on(state=borrowed(), terms=TERMS, on=TWO_MISSED_ON).overdue_amount

    state = repaid(borrowed(), overdue, TWO_MISSED_ON)

    assert (state.next_due_date, state.paid_toward_due) == (D(2027, 3, 25), 0)
    assert position_on(state=state, terms=TERMS, on=TWO_MISSED_ON).overdue_since is None


def test_one_yen_short_of_the_missed_minimums_stays_overdue_and_counts_toward_them():
    overdue = position_on(state=borrowed(), terms=TERMS, on=TWO_MISSED_ON).overdue_amount

    state = repaid(borrowed(), overdue - 1, TWO_MISSED_ON)

    assert (state.next_due_date, state.paid_toward_due) == (D(2027, 2, 25), 3_999)
    position = position_on(state=state, terms=TERMS, on=TWO_MISSED_ON)
    assert (position.overdue_since, position.overdue_amount) == (D(2027, 2, 26), 1)


def test_paid_on_a_due_date_the_overdue_minimum_leaves_that_days_minimum_due():
    """On 02-25 the minimum of 01-25 is overdue and that of 02-25 is due that day."""
    on = D(2027, 2, 25)
    overdue = position_on(state=borrowed(), terms=TERMS, on=on)
    assert (overdue.due_dates_missed, overdue.remaining_due) == (1, 4_000)

    state = repaid(borrowed(), overdue.overdue_amount, on)

    assert state.next_due_date == on
    position = position_on(state=state, terms=TERMS, on=on)
    assert (position.overdue_since, position.remaining_due) == (None, 4_000)
    assert position_on(state=state, terms=TERMS, on=D(2027, 2, 26)).overdue_since == D(2027, 2, 26)


def test_the_missed_minimums_never_exceed_what_is_owed():
    state = repaid(borrowed(), 96_000, D(2027, 1, 9))  # principal 5,463 left; minimum 4,000
    assert state.next_due_date == D(2027, 2, 25)

    position = position_on(state=state, terms=TERMS, on=D(2027, 4, 1))

    assert position.due_dates_missed == 2  # 02-25 and 03-25
    assert position.remaining_due == position.principal + position.interest < 2 * 4_000
    assert position.overdue_amount == position.payoff


def test_paying_the_overdue_amount_of_a_small_balance_brings_the_member_up_to_date():
    """A small balance, partly paid before its due date: the cycle's minimum is what the
    cycle began owing at most (1,000 yen here), not today's smaller payoff, so what was
    paid counts once (a case hypothesis found)."""
    terms = Terms(annual_rate=Decimal("4.5"), late_damages_rate=Decimal("20.0"), due_day=15)
    state = borrowed(1_000, on=D(2026, 1, 1), terms=terms)  # due 02-16 (02-15 is a Sunday)
    state = repaid(state, 10, D(2026, 1, 1), terms=terms)
    payoff = position_on(state=state, terms=terms, on=D(2026, 1, 18)).payoff
    state = repaid(state, payoff * 37 // 100, D(2026, 1, 18), terms=terms)
    position = position_on(state=state, terms=terms, on=D(2026, 2, 19))
    assert (position.principal, position.minimum_payment, position.paid_toward_due) == (
        625,
        1_000,
        377,
    )
    assert position.overdue_amount == 1_000 - 377 + position.late_damages

    state = repaid(state, position.overdue_amount, D(2026, 2, 19), terms=terms)

    assert position_on(state=state, terms=terms, on=D(2026, 2, 19)).overdue_since is None


def test_a_small_balance_partly_paid_early_still_shows_the_rest_of_its_minimum():
    """Under one minimum, a part paid before the due date leaves the rest to pay by it;
    the page must not say 0 while the member would fall overdue."""
    terms = Terms(annual_rate=Decimal("15.0"), late_damages_rate=Decimal("20.0"), due_day=25)
    state = borrowed(800, on=D(2026, 12, 1), terms=terms)  # due 2026-12-25
    state = repaid(state, 500, D(2026, 12, 10), terms=terms)

    position = position_on(state=state, terms=terms, on=D(2026, 12, 11))

    assert position.overdue_since is None
    assert position.remaining_due == position.principal + position.interest > 0
    state = repaid(state, position.remaining_due, D(2026, 12, 11), terms=terms)
    assert position_on(state=state, terms=terms, on=D(2026, 12, 26)).overdue_since is None


def test_a_borrowing_that_lowers_the_minimum_counts_what_was_paid_toward_it():
    """Paid 2,240 toward a 3,000 minimum; a borrowing leaves 54,760 owed, whose minimum is
    2,000: the cycle's minimum is met and the due date moves on (a case hypothesis found)."""
    terms = Terms(annual_rate=Decimal("4.5"), late_damages_rate=Decimal("20.0"), due_day=5)
    state = borrowed(56_000, on=D(2026, 1, 1), terms=terms)
    first_due = state.next_due_date
    state = repaid(state, 2_240, D(2026, 1, 1), terms=terms)
    assert position_on(state=state, terms=terms, on=D(2026, 1, 1)).remaining_due == 760

    state = borrowed(1_000, on=D(2026, 1, 1), state=state, terms=terms)

    position = position_on(state=state, terms=terms, on=D(2026, 1, 1))
    assert position.minimum_payment == 2_000
    assert state.next_due_date > first_due
    assert position.paid_toward_due == 0
    assert position.remaining_due == 2_000


def test_overdue_days_after_a_partial_repayment_keep_bearing_late_damages():
    state = repaid(borrowed(), 1_000, D(2027, 1, 27))  # 109 damages, 891 interest

    position = position_on(state=state, terms=TERMS, on=D(2027, 1, 29))

    assert position.interest == 2_243 - 891  # carried; overdue days bear no interest
    assert position.late_damages == 109  # two more overdue days: 109.59


def test_minimum_stays_based_on_the_balance_after_the_last_borrowing():
    """After repayments the minimum is still 3.61% of 100,000, until less than it is owed."""
    state = borrowed()
    for on in (D(2027, 1, 9), D(2027, 2, 9), D(2027, 3, 9)):
        state = repaid(state, 30_000, on)
        assert position_on(state=state, terms=TERMS, on=on).minimum_payment == 4_000

    position = position_on(state=state, terms=TERMS, on=D(2027, 4, 9))
    assert position.payoff < 20_000
    assert position.minimum_payment == 4_000
    state = repaid(state, position.payoff - 2_000, D(2027, 4, 9))
    assert position_on(state=state, terms=TERMS, on=D(2027, 4, 9)).minimum_payment == 2_000


def test_payoff_ends_the_cycle():
    state = repaid(borrowed(), 101_463, D(2027, 1, 9))

    assert state.principal == 0
    assert (state.next_due_date, state.paid_toward_due) == (None, 0)
    assert (state.carried_interest, state.carried_damages) == (0, 0)


# --- Staff adjustments and the due cycle -------------------------------------------------


def test_an_adjustment_up_from_zero_starts_a_cycle_as_a_borrowing_does():
    state = after_adjustment(state=LedgerState(), new_balance=100_000, terms=TERMS, on=BORROWED_ON)

    assert (state.principal, state.next_due_date, state.paid_toward_due) == (100_000, DUE, 0)
    assert state.has_borrowed is False  # no first-time interest-free days come of it
    position = position_on(state=state, terms=TERMS, on=D(2027, 1, 9))
    assert (position.interest, position.minimum_payment) == (1_463, 4_000)
    assert position_on(state=state, terms=TERMS, on=D(2027, 1, 26)).overdue_amount == 4_000 + 54


def test_an_adjustment_up_after_a_payoff_starts_a_new_cycle():
    state = borrowed()
    state = repaid(state, position_on(state=state, terms=TERMS, on=D(2027, 1, 9)).payoff,
                   D(2027, 1, 9))  # fmt: skip

    state = after_adjustment(state=state, new_balance=20_000, terms=TERMS, on=D(2027, 3, 3))

    assert state.next_due_date == D(2027, 3, 25)  # adjusted 1st–9th: the same month


def test_an_adjustment_to_a_zero_payoff_ends_the_cycle():
    state = repaid(borrowed(), 3_000, D(2027, 1, 9))  # interest settled that day
    assert (state.next_due_date, state.paid_toward_due) == (DUE, 3_000)

    state = after_adjustment(state=state, new_balance=0, terms=TERMS, on=D(2027, 1, 9))

    assert (state.principal, state.next_due_date, state.paid_toward_due) == (0, None, 0)
    later = position_on(state=state, terms=TERMS, on=D(2027, 6, 1))
    assert (later.overdue_since, later.overdue_amount, later.minimum_payment) == (None, 0, 0)


def test_interest_accrued_before_an_adjustment_to_zero_stays_due_until_paid():
    state = after_adjustment(state=borrowed(), new_balance=0, terms=TERMS, on=D(2027, 1, 9))

    assert (state.principal, state.next_due_date) == (0, DUE)
    position = position_on(state=state, terms=TERMS, on=D(2027, 2, 1))
    assert (position.payoff, position.remaining_due) == (1_463, 1_463)
    assert position.overdue_since is None  # no principal: no late damages, no delinquency

    state = repaid(state, 1_463, D(2027, 2, 1))

    assert (
        state.next_due_date,
        position_on(state=state, terms=TERMS, on=D(2027, 2, 1)).payoff,
    ) == (
        None,
        0,
    )


def test_an_adjustment_between_non_zero_balances_keeps_the_cycle():
    state = repaid(borrowed(), 3_000, D(2027, 1, 9))

    state = after_adjustment(state=state, new_balance=90_000, terms=TERMS, on=D(2027, 1, 10))

    assert (state.principal, state.next_due_date, state.paid_toward_due) == (90_000, DUE, 3_000)

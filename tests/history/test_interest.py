"""The interest engine (history.interest) against the rules of SPEC §6.

Interest is balance × rate ÷ 365 per day (÷ 366 for a day of a leap year), summed
exactly and truncated to the yen only when settled. A day counts from the day after a
balance was reached through the day of settlement. Expected values below are worked out
from that rule by hand (the exact fraction is written next to each one).
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from history.interest import (
    BalanceChange,
    Period,
    accrue,
    accrue_over_history,
    days_in_year,
    days_owed,
    merge_periods,
    settle,
)

D = dt.date
ONE_DAY = dt.timedelta(days=1)


def settled(balance, rate, after, through, excluded=()):
    return settle(
        accrue(
            balance=balance,
            rate_percent=Decimal(rate),
            after=after,
            through=through,
            excluded=excluded,
        )
    )


# --- Single balance over a period ------------------------------------------------------


@pytest.mark.parametrize(
    ("balance", "rate", "after", "through", "exact", "expected"),
    [
        pytest.param(
            100_000, "17.8", D(2026, 12, 10), D(2027, 1, 9),
            Fraction(100_000 * 178 * 30, 1000 * 365), 1_463,
            id="spec-example-100000-17.8%-30-days",
        ),
        pytest.param(
            100_000, "17.8", D(2027, 6, 1), D(2027, 7, 1),
            Fraction(100_000 * 178 * 30, 1000 * 365), 1_463,
            id="spec-example-inside-one-year",
        ),
        pytest.param(
            100_000, "17.8", D(2028, 3, 1), D(2028, 3, 31),
            Fraction(100_000 * 178 * 30, 1000 * 366), 1_459,
            id="same-30-days-in-a-leap-year",
        ),
        pytest.param(
            50_000, "18.0", D(2026, 12, 31), D(2027, 12, 31),
            Fraction(50_000 * 18 * 365, 100 * 365), 9_000,
            id="a-whole-common-year",
        ),
        pytest.param(
            50_000, "18.0", D(2027, 12, 31), D(2028, 12, 31),
            Fraction(50_000 * 18 * 366, 100 * 366), 9_000,
            id="a-whole-leap-year",
        ),
        pytest.param(
            50_000, "18.0", D(2027, 1, 1), D(2028, 1, 1),
            Fraction(50_000 * 18 * 364, 100 * 365) + Fraction(50_000 * 18 * 1, 100 * 366), 8_999,
            id="364-common-days-and-one-leap-day",
        ),
        pytest.param(
            50_000, "18.0", D(2028, 1, 1), D(2029, 1, 1),
            Fraction(50_000 * 18 * 365, 100 * 366) + Fraction(50_000 * 18 * 1, 100 * 365), 9_000,
            id="365-leap-days-and-one-common-day",
        ),
        pytest.param(
            1_000_000, "15.0", D(2027, 12, 20), D(2028, 1, 10),
            Fraction(1_000_000 * 15 * 11, 100 * 365) + Fraction(1_000_000 * 15 * 10, 100 * 366),
            8_618,
            id="into-a-leap-year",
        ),
        pytest.param(
            1_000_000, "15.0", D(2028, 12, 20), D(2029, 1, 10),
            Fraction(1_000_000 * 15 * 11, 100 * 366) + Fraction(1_000_000 * 15 * 10, 100 * 365),
            8_617,
            id="out-of-a-leap-year",
        ),
        pytest.param(
            100_000, "17.8", D(2027, 12, 20), D(2028, 1, 10),
            Fraction(100_000 * 178 * 11, 1000 * 365) + Fraction(100_000 * 178 * 10, 1000 * 366),
            1_022,
            id="into-a-leap-year-17.8%",
        ),
        pytest.param(
            300_000, "4.5", D(2027, 2, 1), D(2027, 3, 1),
            Fraction(300_000 * 45 * 28, 1000 * 365), 1_035,
            id="february-of-a-common-year",
        ),
        pytest.param(
            300_000, "4.5", D(2028, 2, 1), D(2028, 3, 1),
            Fraction(300_000 * 45 * 29, 1000 * 366), 1_069,
            id="february-of-a-leap-year-has-29-days",
        ),
        pytest.param(
            99_999, "20.0", D(2027, 1, 1), D(2027, 1, 2),
            Fraction(99_999 * 20, 100 * 365), 54,
            id="one-day-at-the-cap",
        ),
    ],
)  # fmt: skip
def test_interest_for_a_period_is_exact_then_truncated(
    balance, rate, after, through, exact, expected
):
    amount = accrue(balance=balance, rate_percent=Decimal(rate), after=after, through=through)

    assert amount == exact
    assert settle(amount) == expected


def test_the_year_of_each_day_decides_its_divisor():
    """A period across the New Year is neither all ÷365 nor all ÷366."""
    amount = accrue(
        balance=1_000_000,
        rate_percent=Decimal("15.0"),
        after=D(2027, 12, 20),
        through=D(2028, 1, 10),
    )

    all_common = Fraction(1_000_000 * 15 * 21, 100 * 365)
    all_leap = Fraction(1_000_000 * 15 * 21, 100 * 366)
    assert all_leap < amount < all_common
    assert settle(all_common) == 8_630
    assert settle(all_leap) == 8_606


@pytest.mark.parametrize(
    ("year", "days"),
    [(2026, 365), (2027, 365), (2028, 366), (2100, 365), (2000, 366), (2400, 366), (1900, 365)],
)
def test_days_in_year_follow_the_gregorian_calendar(year, days):
    assert days_in_year(year) == days


@pytest.mark.parametrize(
    ("after", "through"),
    [
        (D(2027, 1, 9), D(2027, 1, 9)),  # same day: no day has passed
        (D(2027, 1, 9), D(2027, 1, 8)),  # backwards
    ],
)
def test_no_days_no_interest(after, through):
    assert accrue(balance=100_000, rate_percent=Decimal("17.8"), after=after, through=through) == 0


def test_zero_balance_bears_no_interest():
    assert settled(0, "17.8", D(2027, 1, 1), D(2027, 12, 31)) == 0


def test_the_first_day_counted_is_the_day_after():
    """Borrowed on the 1st and settled on the 2nd is one day (片端入れ)."""
    one_day = accrue(
        balance=100_000, rate_percent=Decimal("17.8"), after=D(2027, 6, 1), through=D(2027, 6, 2)
    )

    assert one_day == Fraction(100_000 * 178, 1000 * 365)


# --- Truncation only at settlement -----------------------------------------------------


def test_daily_accruals_summed_exactly_truncate_once():
    """30 one-day accruals of 48.767... yen add up to 1,463 yen, not 30 × 48 = 1,440."""
    start = D(2026, 12, 10)
    days = [start + ONE_DAY * n for n in range(30)]
    pieces = [
        accrue(balance=100_000, rate_percent=Decimal("17.8"), after=day, through=day + ONE_DAY)
        for day in days
    ]

    assert settle(sum(pieces, Fraction(0))) == 1_463
    assert sum(settle(piece) for piece in pieces) == 1_440


def test_history_with_changes_truncates_once_over_the_whole_period():
    """Three balances, each below one yen a day apart, truncated only at the end."""
    changes = [
        BalanceChange(D(2027, 3, 1), 1_000),
        BalanceChange(D(2027, 3, 11), 2_000),
        BalanceChange(D(2027, 3, 21), 3_000),
    ]

    total = accrue_over_history(
        changes=changes, rate_percent=Decimal("18.0"), through=D(2027, 3, 31)
    )

    # 10 days each at 1,000, 2,000 and 3,000 yen: 60,000 yen-days × 18% ÷ 365.
    exact = Fraction(60_000 * 18, 100 * 365)
    assert total == exact
    assert settle(total) == 29
    per_change = [(1_000, 10), (2_000, 10), (3_000, 10)]
    truncated_each = sum(settle(Fraction(b * 18 * n, 100 * 365)) for b, n in per_change)
    assert truncated_each == 4 + 9 + 14 == 27  # what truncating per period would give


def test_history_applies_each_balance_from_the_day_after_it():
    changes = [BalanceChange(D(2027, 6, 1), 100_000), BalanceChange(D(2027, 6, 16), 50_000)]

    total = accrue_over_history(
        changes=changes, rate_percent=Decimal("17.8"), through=D(2027, 7, 1)
    )

    assert total == Fraction(100_000 * 178 * 15 + 50_000 * 178 * 15, 1000 * 365)


def test_history_stops_at_the_settlement_day_even_with_later_changes():
    changes = [BalanceChange(D(2027, 6, 1), 100_000), BalanceChange(D(2027, 6, 20), 200_000)]

    total = accrue_over_history(
        changes=changes, rate_percent=Decimal("17.8"), through=D(2027, 6, 11)
    )

    assert total == Fraction(100_000 * 178 * 10, 1000 * 365)


def test_two_changes_on_one_day_the_later_one_counts():
    changes = [
        BalanceChange(D(2027, 6, 1), 100_000),
        BalanceChange(D(2027, 6, 1), 30_000),
    ]

    total = accrue_over_history(
        changes=changes, rate_percent=Decimal("17.8"), through=D(2027, 7, 1)
    )

    assert total == Fraction(30_000 * 178 * 30, 1000 * 365)


PAID_OFF = BalanceChange(D(2026, 12, 20), 0)
BORROWED_AGAIN = BalanceChange(D(2027, 3, 3), 100_000)


@pytest.mark.parametrize(
    ("changes", "through", "days"),
    [
        ([], D(2027, 4, 2), 0),
        ([PAID_OFF], D(2027, 4, 2), 0),  # nothing owed since the payoff
        ([BORROWED_AGAIN], D(2027, 4, 2), 30),
        ([PAID_OFF, BORROWED_AGAIN], D(2027, 4, 2), 30),  # not 103 days from the payoff
        ([PAID_OFF, BORROWED_AGAIN], D(2027, 3, 3), 0),
        ([PAID_OFF, BORROWED_AGAIN], D(2027, 2, 1), 0),  # before the borrowing
        (  # owed 10 days, written off to 0 by staff, borrowed again 5 days later: 10 + 20
            [
                BalanceChange(D(2027, 6, 1), 50_000),
                BalanceChange(D(2027, 6, 11), 0),
                BalanceChange(D(2027, 6, 16), 20_000),
            ],
            D(2027, 7, 6),
            30,
        ),
    ],
)
def test_days_owed_leave_out_the_days_at_a_zero_balance(changes, through, days):
    assert days_owed(changes=changes, through=through) == days


@pytest.mark.parametrize(
    ("amount", "yen"),
    [
        (Fraction(0), 0),
        (Fraction(999, 1000), 0),
        (Fraction(1), 1),
        (Fraction(1463013698630137, 10**12), 1_463),
        (Fraction(29999, 30), 999),
    ],
)
def test_settlement_truncates_toward_zero(amount, yen):
    assert settle(amount) == yen


# --- Interest-free days ---------------------------------------------------------------


def test_first_time_thirty_free_days_leave_nothing_to_pay_inside_them():
    """Borrowed on 2026-12-10: the 30 days from 12-11 through 01-09 are free."""
    free = [Period(D(2026, 12, 11), D(2027, 1, 9))]

    assert settled(100_000, "17.8", D(2026, 12, 10), D(2027, 1, 9), free) == 0
    # Ten days after the free days: 100,000 × 17.8% × 10 ÷ 365 = 487.67...
    assert settled(100_000, "17.8", D(2026, 12, 10), D(2027, 1, 19), free) == 487


def test_free_days_only_count_where_they_overlap_the_period():
    free = [Period(D(2027, 5, 25), D(2027, 6, 5))]  # 06-02 .. 06-05 fall in the period

    amount = accrue(
        balance=100_000,
        rate_percent=Decimal("17.8"),
        after=D(2027, 6, 1),
        through=D(2027, 7, 1),
        excluded=free,
    )

    assert amount == Fraction(100_000 * 178 * (30 - 4), 1000 * 365)


def test_free_days_across_the_new_year_remove_the_right_divisor():
    """Free 2027-12-30 .. 2028-01-02: two ÷365 days and two ÷366 days are waived."""
    free = [Period(D(2027, 12, 30), D(2028, 1, 2))]

    amount = accrue(
        balance=1_000_000,
        rate_percent=Decimal("15.0"),
        after=D(2027, 12, 20),
        through=D(2028, 1, 10),
        excluded=free,
    )

    assert amount == Fraction(1_000_000 * 15 * 9, 100 * 365) + Fraction(
        1_000_000 * 15 * 8, 100 * 366
    )


def test_several_free_periods_are_each_waived():
    free = [Period(D(2027, 6, 2), D(2027, 6, 8)), Period(D(2027, 6, 20), D(2027, 6, 21))]

    amount = accrue(
        balance=100_000,
        rate_percent=Decimal("17.8"),
        after=D(2027, 6, 1),
        through=D(2027, 7, 1),
        excluded=free,
    )

    assert amount == Fraction(100_000 * 178 * (30 - 7 - 2), 1000 * 365)


def test_a_whole_period_free_costs_nothing_whatever_the_balance():
    free = [Period(D(2027, 1, 1), D(2027, 12, 31))]

    assert settled(5_000_000, "17.8", D(2027, 3, 1), D(2027, 9, 1), free) == 0


@pytest.mark.parametrize(
    ("periods", "merged"),
    [
        ([], []),
        (
            [Period(D(2027, 6, 10), D(2027, 6, 16)), Period(D(2027, 6, 1), D(2027, 6, 5))],
            [Period(D(2027, 6, 1), D(2027, 6, 5)), Period(D(2027, 6, 10), D(2027, 6, 16))],
        ),
        (  # overlapping
            [Period(D(2027, 6, 1), D(2027, 6, 10)), Period(D(2027, 6, 5), D(2027, 6, 20))],
            [Period(D(2027, 6, 1), D(2027, 6, 20))],
        ),
        (  # adjacent days join
            [Period(D(2027, 6, 1), D(2027, 6, 7)), Period(D(2027, 6, 8), D(2027, 6, 14))],
            [Period(D(2027, 6, 1), D(2027, 6, 14))],
        ),
        (  # one inside another
            [Period(D(2027, 6, 1), D(2027, 6, 30)), Period(D(2027, 6, 10), D(2027, 6, 12))],
            [Period(D(2027, 6, 1), D(2027, 6, 30))],
        ),
    ],
)
def test_merged_periods_cover_each_free_day_once(periods, merged):
    assert merge_periods(periods) == merged


def test_merging_an_open_ended_period_does_not_overflow():
    """An overdue stretch runs to date.max; free days granted after it began merge into it."""
    overdue = Period(D(2027, 1, 26), dt.date.max)
    free = Period(D(2027, 2, 1), D(2027, 2, 7))

    assert merge_periods([free, overdue]) == [overdue]
    assert merge_periods([Period(dt.date.min, D(2027, 1, 25)), overdue]) == [
        Period(dt.date.min, dt.date.max)
    ]


def test_overlapping_grants_waive_each_day_once_after_merging():
    """First-time days and points days that overlap do not make interest negative."""
    grants = [Period(D(2027, 6, 2), D(2027, 7, 1)), Period(D(2027, 6, 25), D(2027, 7, 1))]

    amount = accrue(
        balance=100_000,
        rate_percent=Decimal("17.8"),
        after=D(2027, 6, 1),
        through=D(2027, 7, 11),
        excluded=merge_periods(grants),
    )

    assert amount == Fraction(100_000 * 178 * 10, 1000 * 365)


# --- Late damages ----------------------------------------------------------------------


def test_late_damages_are_twenty_percent_a_year_on_the_principal():
    """Due 2027-01-25 unpaid: damages run from 01-26; two days on 100,000 yen by 01-27."""
    assert settled(100_000, "20.0", D(2027, 1, 25), D(2027, 1, 27)) == 109  # 109.589...
    assert settled(100_000, "20.0", D(2027, 1, 25), D(2027, 2, 24)) == 1_643  # 30 days
    assert settled(100_000, "20.0", D(2028, 1, 25), D(2028, 2, 24)) == 1_639  # 30 leap days

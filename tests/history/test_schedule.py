"""Due dates and minimum payments (history.schedule) against SPEC §6.

Due dates: the contract's due day (5, 15, 25 or month-end); a date on a weekend or a
Japanese public holiday moves *forward* to the next business day. The first due date after
a first borrowing follows SPEC's table. Minimum payment: the balance after the last
borrowing × 3.61% / 2.53% / 1.99% by band, rounded up to the next 1,000 yen, never more
than the payoff amount.
"""

import datetime as dt

import pytest

from history.schedule import (
    MONTH_END,
    due_date_after,
    due_date_in,
    due_dates_passed,
    first_due_date,
    is_business_day,
    minimum_payment,
    next_business_day,
    nominal_due_date,
)

D = dt.date


# --- The first-due-date table of SPEC §6, every row -------------------------------------
# Dates are chosen so that the table's date is a business day (no shift), except where
# the id says "shifted".

FIRST_DUE_DATES = [
    # due day 5: borrowed 1st–19th → 5th of next month; 20th–end → 5th of the month after
    (5, D(2027, 6, 1), D(2027, 7, 5), "5-first-day"),
    (5, D(2027, 6, 19), D(2027, 7, 5), "5-19th"),
    (5, D(2027, 6, 20), D(2027, 8, 5), "5-20th"),
    (5, D(2027, 6, 30), D(2027, 8, 5), "5-month-end"),
    (5, D(2026, 11, 20), D(2027, 1, 5), "5-20th-into-the-next-year"),
    (5, D(2026, 12, 19), D(2027, 1, 5), "5-19th-of-december"),
    (5, D(2026, 12, 20), D(2027, 2, 5), "5-20th-of-december"),
    (5, D(2026, 12, 31), D(2027, 2, 5), "5-new-years-eve"),
    # due day 15 → 15th of next month
    (15, D(2027, 6, 1), D(2027, 7, 15), "15-first-day"),
    (15, D(2027, 6, 15), D(2027, 7, 15), "15-on-the-due-day"),
    (15, D(2027, 6, 30), D(2027, 7, 15), "15-month-end"),
    (15, D(2026, 12, 31), D(2027, 1, 15), "15-into-the-next-year"),
    # due day 25: borrowed 1st–9th → 25th of the same month; 10th–end → 25th of next month
    (25, D(2027, 6, 1), D(2027, 6, 25), "25-first-day"),
    (25, D(2027, 6, 9), D(2027, 6, 25), "25-9th"),
    (25, D(2027, 7, 10), D(2027, 8, 25), "25-10th"),
    (25, D(2027, 7, 31), D(2027, 8, 25), "25-month-end"),
    (25, D(2026, 12, 10), D(2027, 1, 25), "25-10th-of-december"),
    (25, D(2027, 6, 10), D(2027, 7, 26), "25-10th-shifted-from-sunday-07-25"),
    # month-end: borrowed 1st–14th → end of the same month; 15th–end → end of next month
    (MONTH_END, D(2027, 6, 1), D(2027, 6, 30), "end-first-day"),
    (MONTH_END, D(2027, 6, 14), D(2027, 6, 30), "end-14th"),
    (MONTH_END, D(2027, 7, 15), D(2027, 8, 31), "end-15th"),
    (MONTH_END, D(2027, 7, 31), D(2027, 8, 31), "end-month-end"),
    (MONTH_END, D(2028, 2, 1), D(2028, 2, 29), "end-leap-february"),
    (MONTH_END, D(2028, 1, 15), D(2028, 2, 29), "end-15th-into-leap-february"),
    (MONTH_END, D(2027, 1, 15), D(2027, 3, 1), "end-shifted-from-sunday-02-28"),
    (MONTH_END, D(2026, 12, 15), D(2027, 2, 1), "end-shifted-from-sunday-01-31"),
]


@pytest.mark.parametrize(
    ("due_day", "borrowed_on", "expected"),
    [row[:3] for row in FIRST_DUE_DATES],
    ids=[row[3] for row in FIRST_DUE_DATES],
)
def test_first_due_date_follows_the_table(due_day, borrowed_on, expected):
    assert first_due_date(borrowed_on=borrowed_on, due_day=due_day) == expected


@pytest.mark.parametrize("due_day", [5, 15, 25, MONTH_END])
def test_first_due_date_is_always_a_business_day_after_the_borrowing(due_day):
    day = D(2026, 1, 1)
    while day < D(2028, 1, 1):
        due = first_due_date(borrowed_on=day, due_day=due_day)
        assert due > day
        assert is_business_day(due)
        assert (due - day).days <= 70  # at most the month after next, plus a shift
        day += dt.timedelta(days=1)


# --- Moving a due date off weekends and public holidays --------------------------------


@pytest.mark.parametrize(
    ("year", "month", "due_day", "expected"),
    [
        pytest.param(2027, 7, 15, D(2027, 7, 15), id="a-thursday-stays"),
        pytest.param(2027, 5, 15, D(2027, 5, 17), id="saturday-to-monday"),
        pytest.param(2027, 7, 25, D(2027, 7, 26), id="sunday-to-monday"),
        pytest.param(2027, 12, 25, D(2027, 12, 27), id="christmas-saturday-to-monday"),
        pytest.param(2027, 5, 5, D(2027, 5, 6), id="childrens-day-wednesday"),
        pytest.param(2026, 5, 5, D(2026, 5, 7), id="childrens-day-then-substitute-holiday"),
        pytest.param(2025, 9, 15, D(2025, 9, 16), id="respect-for-the-aged-day"),
        pytest.param(2030, 7, 15, D(2030, 7, 16), id="marine-day"),
        pytest.param(2029, 4, MONTH_END, D(2029, 5, 1), id="month-end-substitute-holiday"),
        # Sunday 12-31 then New Year's Day (a public holiday) → Tuesday 01-02. SPEC names
        # weekends and public holidays only, so banks' 01-02/01-03 closing is not a reason.
        pytest.param(2028, 12, MONTH_END, D(2029, 1, 2), id="new-years-eve-sunday"),
        pytest.param(2027, 1, MONTH_END, D(2027, 2, 1), id="month-end-into-next-month"),
        pytest.param(2027, 2, MONTH_END, D(2027, 3, 1), id="february-28-sunday"),
        pytest.param(2028, 2, MONTH_END, D(2028, 2, 29), id="leap-february-29-tuesday"),
        pytest.param(2027, 4, MONTH_END, D(2027, 4, 30), id="april-has-30-days"),
    ],
)
def test_due_date_moves_forward_to_the_next_business_day(year, month, due_day, expected):
    assert due_date_in(year, month, due_day) == expected


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (D(2027, 1, 1), False),  # New Year's Day
        (D(2027, 1, 11), False),  # Coming of Age Day (2nd Monday)
        (D(2027, 2, 11), False),  # National Foundation Day
        (D(2027, 2, 23), False),  # Emperor's Birthday
        (D(2027, 3, 22), False),  # substitute for the Vernal Equinox on a Sunday
        (D(2027, 11, 3), False),  # Culture Day
        (D(2027, 11, 6), False),  # a Saturday
        (D(2027, 11, 7), False),  # a Sunday
        (D(2027, 11, 8), True),  # an ordinary Monday
        (D(2027, 1, 4), True),  # the first Monday of the year is no public holiday
    ],
)
def test_business_days_are_weekdays_that_are_not_public_holidays(day, business):
    assert is_business_day(day) is business


def test_next_business_day_of_a_business_day_is_itself():
    assert next_business_day(D(2027, 11, 8)) == D(2027, 11, 8)
    assert next_business_day(D(2027, 11, 6)) == D(2027, 11, 8)


@pytest.mark.parametrize(
    ("year", "month", "due_day", "expected"),
    [
        (2027, 2, MONTH_END, D(2027, 2, 28)),
        (2028, 2, MONTH_END, D(2028, 2, 29)),
        (2027, 4, MONTH_END, D(2027, 4, 30)),
        (2027, 1, MONTH_END, D(2027, 1, 31)),
        (2027, 2, 25, D(2027, 2, 25)),
        (2027, 2, 5, D(2027, 2, 5)),
    ],
)
def test_nominal_due_date_is_the_due_day_or_the_months_last_day(year, month, due_day, expected):
    assert nominal_due_date(year, month, due_day) == expected


@pytest.mark.parametrize(
    ("day", "due_day", "expected"),
    [
        (D(2027, 1, 24), 25, D(2027, 1, 25)),
        (D(2027, 1, 25), 25, D(2027, 2, 25)),  # strictly after
        (D(2027, 7, 25), 25, D(2027, 7, 26)),  # the Sunday due date moved to Monday
        (D(2027, 7, 26), 25, D(2027, 8, 25)),
        (D(2027, 1, 31), MONTH_END, D(2027, 2, 1)),  # January's due date, moved
        (D(2027, 2, 1), MONTH_END, D(2027, 3, 1)),  # February's, moved off Sunday 02-28
        (D(2026, 5, 6), 5, D(2026, 5, 7)),
        (D(2026, 12, 31), 5, D(2027, 1, 5)),
        (D(2026, 12, 15), 15, D(2027, 1, 15)),
    ],
)
def test_next_due_date_after_a_day(day, due_day, expected):
    assert due_date_after(day=day, due_day=due_day) == expected


@pytest.mark.parametrize(
    ("first", "due_day", "on", "passed"),
    [
        (D(2027, 1, 25), 25, D(2027, 1, 25), 0),  # the due date itself has not passed
        (D(2027, 1, 25), 25, D(2027, 1, 26), 1),
        (D(2027, 1, 25), 25, D(2027, 2, 25), 1),
        (D(2027, 1, 25), 25, D(2027, 2, 26), 2),
        (D(2027, 1, 25), 25, D(2028, 1, 26), 13),
        (D(2027, 2, 1), MONTH_END, D(2027, 4, 1), 3),  # 02-01 (January's, moved), 03-01, 03-31
        (D(2027, 2, 1), MONTH_END, D(2027, 3, 31), 2),  # March's own is that day
        (D(2027, 2, 1), MONTH_END, D(2027, 1, 1), 0),  # before the first
    ],
)
def test_due_dates_passed_count_one_a_month_from_the_first(first, due_day, on, passed):
    assert due_dates_passed(first=first, due_day=due_day, on=on) == passed


# --- Minimum payment -------------------------------------------------------------------

NO_CAP = 10**9


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        # SPEC's own examples
        pytest.param(100_000, 4_000, id="spec-100000"),  # 3,610 → 4,000
        pytest.param(300_000, 11_000, id="spec-300000"),  # 10,830 → 11,000
        pytest.param(500_000, 13_000, id="spec-500000"),  # 12,650 → 13,000
        pytest.param(1_000_000, 26_000, id="spec-1000000"),  # 25,300 → 26,000
        pytest.param(2_000_000, 40_000, id="spec-2000000"),  # 39,800 → 40,000
        # band edges: ≤ 300,000 at 3.61%, 300,001–1,000,000 at 2.53%, above at 1.99%
        pytest.param(300_001, 8_000, id="first-yen-of-the-2.53%-band"),  # 7,590.03
        pytest.param(1_000_001, 20_000, id="first-yen-of-the-1.99%-band"),  # 19,900.02
        pytest.param(5_000_000, 100_000, id="largest-limit"),  # 99,500
        # rounding up to the next 1,000 yen
        pytest.param(1_000, 1_000, id="smallest-borrowing"),  # 36.1
        pytest.param(27_700, 1_000, id="just-below-1000"),  # 999.97
        pytest.param(27_701, 2_000, id="just-above-1000"),  # 1,000.0061
        pytest.param(12_345, 1_000, id="odd-amount"),  # 445.65
    ],
)
def test_minimum_payment_table(base, expected):
    assert minimum_payment(base_balance=base, payoff=NO_CAP) == expected


@pytest.mark.parametrize(
    ("base", "payoff", "expected"),
    [
        (100_000, 2_500, 2_500),  # less left to pay than the minimum
        (100_000, 3_999, 3_999),
        (100_000, 4_000, 4_000),
        (100_000, 4_001, 4_000),
        (2_000_000, 1, 1),
    ],
)
def test_minimum_payment_is_never_more_than_the_payoff(base, payoff, expected):
    assert minimum_payment(base_balance=base, payoff=payoff) == expected


@pytest.mark.parametrize(("base", "payoff"), [(0, 0), (0, 5_000), (100_000, 0)])
def test_nothing_owed_means_no_minimum(base, payoff):
    assert minimum_payment(base_balance=base, payoff=payoff) == 0

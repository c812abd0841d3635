"""Due dates and minimum payments: pure functions of dates and amounts (SPEC §6)."""

import calendar
import datetime as dt
from decimal import ROUND_CEILING, Decimal
from functools import lru_cache

import holidays

MONTH_END = 31  # the contract's due day for 月末

# 残高スライド元利定額返済方式: (highest base balance, rate of the minimum payment).
MINIMUM_PAYMENT_RATES = (
    (300_000, Decimal("0.0361")),
    (1_000_000, Decimal("0.0253")),
)
MINIMUM_PAYMENT_RATE_ABOVE = Decimal("0.0199")
MINIMUM_PAYMENT_UNIT = 1_000

# When a first borrowing's due date falls in the month after next: (due day, from this day).
_FIRST_DUE_MONTHS_AHEAD = {5: (20, 1, 2), 15: (32, 1, 1), 25: (10, 0, 1), MONTH_END: (15, 0, 1)}


@lru_cache(maxsize=64)
def _japanese_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Japan(years=year)


def is_business_day(day: dt.date) -> bool:
    """Return whether `day` is neither a weekend nor a Japanese public holiday."""
    return day.weekday() < 5 and day not in _japanese_holidays(day.year)


def next_business_day(day: dt.date) -> dt.date:
    """Return `day` itself if it is a business day, else the next one."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def nominal_due_date(year: int, month: int, due_day: int) -> dt.date:
    """Return the contract's due day in a month (月末 is the month's last day)."""
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, last if due_day == MONTH_END else min(due_day, last))


def due_date_in(year: int, month: int, due_day: int) -> dt.date:
    """Return the due date of a month, moved to the next business day if need be."""
    return next_business_day(nominal_due_date(year, month, due_day))


def first_due_date(*, borrowed_on: dt.date, due_day: int) -> dt.date:
    """Return the first due date after a first borrowing (the table of SPEC §6)."""
    later_from, months_early, months_late = _FIRST_DUE_MONTHS_AHEAD[due_day]
    months = months_late if borrowed_on.day >= later_from else months_early
    year, month = _add_months(borrowed_on.year, borrowed_on.month, months)
    return due_date_in(year, month, due_day)


def due_date_after(*, day: dt.date, due_day: int) -> dt.date:
    """Return the earliest due date strictly after `day`."""
    for months in range(-1, 3):
        year, month = _add_months(day.year, day.month, months)
        candidate = due_date_in(year, month, due_day)
        if candidate > day:
            return candidate
    raise AssertionError("a due date always falls within two months")  # pragma: no cover


def due_dates_passed(*, first: dt.date, due_day: int, on: dt.date) -> int:
    """Return how many due dates of the monthly cycle from `first` on fall before `on`."""
    count, due = 0, first
    while due < on:
        count += 1
        due = due_date_after(day=due, due_day=due_day)
    return count


def minimum_payment(*, base_balance: int, payoff: int) -> int:
    """Return the minimum monthly payment for the balance after the last borrowing.

    The base times the rate of its band, rounded up to the next 1,000 yen, and never more
    than what it takes to pay everything off.
    """
    if base_balance <= 0 or payoff <= 0:
        return 0
    rate = next(
        (rate for highest, rate in MINIMUM_PAYMENT_RATES if base_balance <= highest),
        MINIMUM_PAYMENT_RATE_ABOVE,
    )
    units = (base_balance * rate / MINIMUM_PAYMENT_UNIT).to_integral_value(ROUND_CEILING)
    return min(int(units) * MINIMUM_PAYMENT_UNIT, payoff)

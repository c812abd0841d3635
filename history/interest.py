"""The interest engine: pure functions of numbers and dates (SPEC §6).

Interest accrues per day on the principal balance: balance × rate ÷ 365 for a day of a
common year and ÷ 366 for a day of a leap year. A day counts from the day *after* a
balance was reached up to and including the day the interest is settled (片端入れ), so
borrowing on the 1st and repaying on the 31st is 30 days. Sums are exact (`Fraction`)
and truncated to the yen only when settled.
"""

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """An inclusive range of days (an interest-free period, an overdue stretch)."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _days_by_year(after: dt.date, through: dt.date, excluded: Sequence[Period]) -> dict[int, int]:
    """Count the days in (after, through] by year, leaving out `excluded` days."""
    counts: dict[int, int] = {}
    first = after + ONE_DAY
    for year in range(first.year, through.year + 1):
        start = max(first, dt.date(year, 1, 1))
        end = min(through, dt.date(year, 12, 31))
        if start > end:
            continue
        days = (end - start).days + 1
        for period in excluded:
            overlap_start, overlap_end = max(start, period.first), min(end, period.last)
            if overlap_start <= overlap_end:
                days -= (overlap_end - overlap_start).days + 1
        counts[year] = days
    return counts


def accrue(
    *,
    balance: int,
    rate_percent: Decimal,
    after: dt.date,
    through: dt.date,
    excluded: Iterable[Period] = (),
) -> Fraction:
    """Return the exact interest on `balance` for the days in (after, through].

    `excluded` periods (interest-free days) must not overlap each other.
    """
    if through <= after or balance == 0:
        return Fraction(0)
    counts = _days_by_year(after, through, list(excluded))
    yearly = Fraction(rate_percent) / 100
    return sum(
        (Fraction(balance) * yearly * days / days_in_year(year) for year, days in counts.items()),
        Fraction(0),
    )


def settle(amount: Fraction) -> int:
    """Truncate an exact amount to whole yen (in the borrower's favour)."""
    return int(amount)  # int() truncates toward zero; amounts here are never negative


@dataclass(frozen=True)
class BalanceChange:
    """The principal balance from the end of `on` onward (a borrowing or repayment that day)."""

    on: dt.date
    balance: int


def accrue_over_history(
    *,
    changes: Sequence[BalanceChange],
    rate_percent: Decimal,
    through: dt.date,
    excluded: Iterable[Period] = (),
) -> Fraction:
    """Return the exact interest from the first change through `through`.

    The balance of each change applies from the day after it until the next change.
    """
    excluded = list(excluded)
    total = Fraction(0)
    for current, following in zip(changes, [*changes[1:], None], strict=True):
        end = through if following is None else min(following.on, through)
        total += accrue(
            balance=current.balance,
            rate_percent=rate_percent,
            after=current.on,
            through=end,
            excluded=excluded,
        )
    return total


def days_owed(*, changes: Sequence[BalanceChange], through: dt.date) -> int:
    """Return the days from the first change through `through` on which a balance was owed.

    A stretch at a zero balance (after a payoff, before the next borrowing) bears no
    interest and is not counted.
    """
    days = 0
    for current, following in zip(changes, [*changes[1:], None], strict=False):
        if current.balance:
            end = through if following is None else min(following.on, through)
            days += max(0, (end - current.on).days)
    return days


def merge_periods(periods: Iterable[Period]) -> list[Period]:
    """Return the union of `periods` as sorted, non-overlapping periods."""
    merged: list[Period] = []
    for period in sorted(periods, key=lambda p: p.first):
        # Compare by difference: an open-ended period may end on date.max (no day after it).
        if merged and (period.first - merged[-1].last).days <= 1:
            last = merged[-1]
            merged[-1] = Period(last.first, max(last.last, period.last))
        else:
            merged.append(period)
    return merged

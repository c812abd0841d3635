"""What a member's ledger entries add up to, by kind, on each local day and in each month
(history.models.LedgerSummary): the history's totals read these instead of every entry
of a period, so they cost the same however long the history is.

The ledger's write path keeps them: every entry saved or bulk-created through
LedgerEntry's manager adds itself to the summaries of its day and month in the same
transaction (LedgerSummary.add_entries). This module is the arithmetic, on plain values,
so the write path, the migration's backfill and the tests' recomputation share it.
"""

import calendar
import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

DAY, MONTH = "day", "month"

# (member_id, span, first_day, kind): one summary row.
Key = tuple[int, str, dt.date, str]
# What the sums need of an entry, in this order.
ENTRY_FIELDS = (
    "member_id",
    "occurred_at",
    "kind",
    "amount",
    "late_damages_paid",
    "interest_paid",
    "principal_paid",
)
SUMMED = ("entry_count", "amount", "late_damages_paid", "interest_paid", "principal_paid")


@dataclasses.dataclass
class Sums:
    """The sums of some entries of one kind, and the moments of the first and last."""

    entry_count: int = 0
    amount: int = 0
    late_damages_paid: int = 0
    interest_paid: int = 0
    principal_paid: int = 0
    first_at: dt.datetime | None = None
    last_at: dt.datetime | None = None

    def add(self, other: "Sums") -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.first_at = min(filter(None, (self.first_at, other.first_at)), default=None)
        self.last_at = max(filter(None, (self.last_at, other.last_at)), default=None)


def local_day(moment: dt.datetime) -> dt.date:
    """Return the day of `moment` in the portal's time zone (the history's filters' days)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def sums_of(rows: Iterable[tuple]) -> dict[Key, Sums]:
    """Return the day and month sums of entries given as tuples of ENTRY_FIELDS."""
    sums: dict[Key, Sums] = {}
    for member_id, occurred_at, kind, amount, damages, interest, principal in rows:
        day = local_day(occurred_at)
        entry = Sums(1, amount, damages, interest, principal, occurred_at, occurred_at)
        for key in ((member_id, DAY, day, kind), (member_id, MONTH, day.replace(day=1), kind)):
            sums.setdefault(key, Sums()).add(entry)
    return sums


def _next_month(day: dt.date) -> dt.date:
    return day.replace(day=1) + dt.timedelta(days=calendar.monthrange(day.year, day.month)[1])


@dataclasses.dataclass(frozen=True)
class Stretch:
    """The summary rows of one span whose first day is from `since` up to but excluding
    `until` (open when None): one range of the (member, span, first_day) index."""

    span: str
    since: dt.date
    until: dt.date | None = None

    @property
    def condition(self) -> Q:
        """Return the stretch as a filter of LedgerSummary."""
        condition = Q(span=self.span, first_day__gte=self.since)
        return condition & Q(first_day__lt=self.until) if self.until else condition


def covering(date_from: dt.date | None, date_to: dt.date | None) -> list[Stretch]:
    """Return the stretches of summary rows that, together, cover the local days from
    `date_from` through `date_to` (either open) exactly once: the months wholly inside
    from month rows, the days of the partial months at either end (at most 62) from day
    rows. Each is one range of the (member, span, first_day) index: a database asked for
    their OR in one condition may read every row of the member instead."""
    first = date_from or dt.date.min
    whole_from = first if first.day == 1 else _next_month(first)
    # The days before the first whole month (none when the period starts on a 1st).
    head = [Stretch(DAY, first, whole_from)] if first.day > 1 else []
    if date_to is None:
        return [Stretch(MONTH, whole_from), *head]
    after = date_to + dt.timedelta(days=1)
    # Up to but excluding the month of the day after date_to: date_to's month is whole
    # only when date_to is its last day.
    whole_until = after.replace(day=1)
    if whole_from >= whole_until:
        return [Stretch(DAY, first, after)]
    tail = [Stretch(DAY, whole_until, after)]
    if whole_until > date_to:  # date_to ends its month: no days after the whole months
        tail = []
    return [Stretch(MONTH, whole_from, whole_until), *head, *tail]

"""Reads of the ledger: where a member's loan stands on a given day, the history's
filters, totals and the balance chart's points."""

import dataclasses
import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from history import interest, summaries
from history.accounting import LedgerState, LoanPosition, Terms, position_on
from history.interest import BalanceChange, Period
from history.models import (
    MOVING_PRINCIPAL_KINDS,
    AtmFeeWaiver,
    DueStatus,
    InterestFreePeriod,
    Kind,
    LedgerEntry,
    LedgerSummary,
)
from members.models import LoanContract, Member
from portal import clock

__all__ = [
    "CHART_STEPS",
    "DEEP_OFFSET",
    "HistoryFilter",
    "LoanPosition",
    "atm_fee_waived_until",
    "balance_over_time",
    "chart_points",
    "entries_from",
    "figures_of",
    "filtered_history",
    "history_figures",
    "ledger_state",
    "loan_figures",
    "loan_position",
    "local_date",
    "older_than",
    "summary_rows",
    "terms_of",
]

CHART_STEPS = 120  # the balance chart draws at most this many changes, however long the period


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def atm_fee_waived_until(member: Member, on: dt.date | None = None) -> dt.date | None:
    """Return the last day of the member's ATM-fee waiver covering `on` (today), if any."""
    on = on or clock.today()
    return (
        AtmFeeWaiver.objects.filter(member=member, first_day__lte=on, last_day__gte=on)
        .order_by("-last_day")
        .values_list("last_day", flat=True)
        .first()
    )


def terms_of(contract: LoanContract) -> Terms:
    return Terms(
        annual_rate=contract.annual_rate,
        late_damages_rate=contract.late_damages_rate,
        due_day=contract.due_day,
    )


def ledger_state(contract: LoanContract) -> LedgerState:
    """Read what the arithmetic needs from the ledger: three statements, whatever its length.

    Written in SQL because every member page and every write to the ledger reads it, and
    the ORM takes ten times longer to compile these statements than SQLite takes to
    answer them.
    """
    with connection.cursor() as cursor:
        # The due status and the time of the last settlement (the newest repayment) first,
        # then the moves from it on with that time as a plain bound: a database given the
        # bound as a subquery cannot tell how far back it lies, and PostgreSQL then reads
        # every entry of the member instead of seeking its index to it.
        cursor.execute(
            _DUE_AND_SETTLED_SQL, [contract.member_id, Kind.REPAYMENT.value, contract.pk]
        )
        settled_at, next_due_date, paid_toward_due = cursor.fetchone()
        since = _aware(_datetime(settled_at)) if settled_at else _BEGINNING
        cursor.execute(_MOVES_SQL, _moves_parameters(contract.member_id, since))
        moves = cursor.fetchall()
        cursor.execute(_FREE_PERIODS_SQL, [contract.member_id])
        free_periods = cursor.fetchall()
    # From the newest repayment (the settlement) on: those at its time written before it
    # came with it.
    settled = [i for i, (_, kind, *_) in enumerate(moves) if kind == Kind.REPAYMENT]
    carried_interest = carried_damages = 0
    if settled:
        moves = moves[settled[-1] :]
        carried_interest, carried_damages = moves[0][3], moves[0][4]
    last_borrowing_balance = moves[0][5] if moves else None
    return LedgerState(
        changes=tuple(BalanceChange(_local_date_of(move[0]), move[2]) for move in moves),
        carried_interest=carried_interest,
        carried_damages=carried_damages,
        last_borrowing_balance=last_borrowing_balance,
        free_periods=tuple(interest.merge_periods(Period(*days) for days in free_periods)),
        next_due_date=next_due_date,
        paid_toward_due=paid_toward_due or 0,
        has_borrowed=last_borrowing_balance is not None,
    )


_ENTRIES = LedgerEntry._meta.db_table
_BEGINNING = dt.datetime.min.replace(tzinfo=dt.UTC)  # before any entry
# The last settlement's time (NULL if none) and the contract's due status (NULLs before
# any), in one row.
_DUE_AND_SETTLED_SQL = f"""
    SELECT (
        SELECT occurred_at FROM {_ENTRIES} WHERE member_id = %s AND kind = %s
        ORDER BY occurred_at DESC, id DESC LIMIT 1
    ), due.next_due_date, due.paid_toward_due
    FROM (SELECT 1) one LEFT JOIN {DueStatus._meta.db_table} due ON due.contract_id = %s
"""
# The principal moves (occurred_at, kind, principal_after, interest_unpaid,
# late_damages_unpaid) from the time of the last settlement (every move if there is
# none) on, oldest first, each with the balance after the newest borrowing (which the
# database reads once).
_MOVES_SQL = f"""
    SELECT occurred_at, kind, principal_after, interest_unpaid, late_damages_unpaid, (
        SELECT principal_after FROM {_ENTRIES}
        WHERE member_id = %(member)s AND kind = %(borrowing)s
        ORDER BY occurred_at DESC, id DESC LIMIT 1
    )
    FROM {_ENTRIES}
    WHERE member_id = %(member)s
        AND kind IN ({", ".join(f"%(moving{i})s" for i in range(len(MOVING_PRINCIPAL_KINDS)))})
        AND occurred_at >= %(since)s
    ORDER BY occurred_at, id
"""
_FREE_PERIODS_SQL = f"""
    SELECT first_day, last_day FROM {InterestFreePeriod._meta.db_table} WHERE member_id = %s
"""


def _moves_parameters(member_id: int, since: dt.datetime) -> dict:
    return {
        "member": member_id,
        "borrowing": Kind.BORROWING.value,
        **{f"moving{i}": kind.value for i, kind in enumerate(MOVING_PRINCIPAL_KINDS)},
        "since": connection.ops.adapt_datetimefield_value(since),
    }


def _datetime(value: dt.datetime | str) -> dt.datetime:
    """Return a time read with a plain cursor as a datetime (SQLite gives the value of a
    subquery as text)."""
    return parse_datetime(value) if isinstance(value, str) else value


def _aware(moment: dt.datetime) -> dt.datetime:
    """Return a time read with a plain cursor as an aware one (SQLite's is naive UTC)."""
    if timezone.is_naive(moment):
        return timezone.make_aware(moment, connection.timezone)
    return moment


def _local_date_of(moment: dt.datetime) -> dt.date:
    """Return the local day of a time read with a plain cursor."""
    return local_date(_aware(moment))


def older_than(entries: QuerySet, moment: dt.datetime, pk: int) -> QuerySet:
    """Return the entries after (`moment`, `pk`) in newest-first order (a cursor's page).

    Any model with `occurred_at` (the ledger's, the points'). The plain bound on the time
    lets the database seek its (member, newest first) index to the cursor; the OR alone
    would make it step over every newer entry first.
    """
    return entries.filter(occurred_at__lte=moment).filter(
        Q(occurred_at__lt=moment) | Q(occurred_at=moment, id__lt=pk)
    )


def loan_position(*, contract: LoanContract, on: dt.date) -> LoanPosition:
    """Return the loan's position on `on`, as if everything were settled that day."""
    return position_on(state=ledger_state(contract), terms=terms_of(contract), on=on)


def loan_figures(*, contract: LoanContract) -> dict:
    """Return the figures the member pages show of a contract today: the contract, its
    position and the available credit."""
    position = loan_position(contract=contract, on=clock.today())
    return {
        "contract": contract,
        "position": position,
        "available": contract.available_credit_at(position.principal),
    }


@dataclasses.dataclass(frozen=True)
class HistoryFilter:
    """What the history filters chose: the entries of the period (every kind) and a kind."""

    entries: QuerySet  # of the period, every kind
    kind: str  # "" for every kind
    start: dt.datetime | None  # the period, from `start` up to but excluding `end`
    end: dt.datetime | None
    member_id: int
    date_from: dt.date | None = None  # the same period in local days (inclusive)
    date_to: dt.date | None = None
    empty: bool = False  # the filters asked were invalid: nothing is shown

    @property
    def kind_condition(self) -> Q:
        return Q(kind=self.kind) if self.kind else Q()

    @property
    def shown(self) -> QuerySet:
        """Return the entries listed: those of the period and the kind."""
        return self.entries.filter(self.kind_condition)

    def nothing(self) -> "HistoryFilter":
        """Return the filter that shows no entry (the filters asked were invalid)."""
        return dataclasses.replace(self, entries=self.entries.none(), empty=True)


def filtered_history(
    *,
    member: Member,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str = "",
) -> HistoryFilter:
    """Return the member's history from `date_from` through `date_to` (local days)."""
    entries = LedgerEntry.objects.for_member(member)
    start = end = None
    if date_from:
        start = _start_of(date_from)
        entries = entries.filter(occurred_at__gte=start)
    if date_to:
        end = _start_of(date_to + dt.timedelta(1))
        entries = entries.filter(occurred_at__lt=end)
    return HistoryFilter(
        entries=entries,
        kind=kind,
        start=start,
        end=end,
        member_id=member.pk,
        date_from=date_from,
        date_to=date_to,
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


_SUMMARIES = LedgerSummary._meta.db_table
# A stretch of one member's summary rows (summaries.covering): one range of the index.
_STRETCH_SQL = f"""
    SELECT kind, {", ".join(summaries.SUMMED)}, first_at, last_at FROM {_SUMMARIES}
    WHERE member_id = %s AND span = %s AND first_day >= %s AND first_day < %s
"""
# The sums by kind of the rows of some stretches (their UNION ALL).
_FIGURES_SQL = f"""
    SELECT kind, {", ".join(f"SUM({name})" for name in summaries.SUMMED)},
        MIN(first_at), MAX(last_at)
    FROM ({{stretches}}) stretches GROUP BY kind
"""
_FIGURE_FIELDS = ("kind", *summaries.SUMMED, "first_at", "last_at")


def history_figures(history: HistoryFilter) -> dict:
    """Return, in one query, the totals of the entries shown (`count`, `borrowed`,
    `repaid`, `interest`, `late_damages`, `principal`) and the chart's span over every
    kind of the period (`changes`, `first_change`, `last_change`).

    Read from the day and month summaries of the period (history.summaries), not from its
    entries: at most 62 day rows and a row per month and kind, however many entries,
    added up by kind in the database (a row per kind comes back). In plain SQL: the ORM
    took longer to write this query than the database to answer it.
    """
    if history.empty:
        return _figures([], history.kind)
    stretches = summaries.covering(history.date_from, history.date_to)
    day = connection.ops.adapt_datefield_value
    parameters = []
    for stretch in stretches:
        until = stretch.until or dt.date.max
        parameters += [history.member_id, stretch.span, day(stretch.since), day(until)]
    sql = _FIGURES_SQL.format(stretches=" UNION ALL ".join([_STRETCH_SQL] * len(stretches)))
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall()
    per_kind = []
    for values in rows:
        row = dict(zip(_FIGURE_FIELDS, values, strict=True))
        row["first_at"], row["last_at"] = (
            _aware(_datetime(row["first_at"])),
            _aware(_datetime(row["last_at"])),
        )
        per_kind.append(row)
    return _figures(per_kind, history.kind)


def _figures(rows: Iterable[dict], kind: str) -> dict:
    """Return history_figures' totals of summary `rows` (or their sums by kind): of the
    rows of `kind` (every kind if empty), and the span of those that moved the balance."""
    figures = dict.fromkeys(
        ("count", "borrowed", "repaid", "interest", "late_damages", "principal", "changes"), 0
    )
    figures.update(first_change=None, last_change=None)
    for row in rows:
        # Sums of big integers come back as decimals from PostgreSQL.
        count, amount = int(row["entry_count"]), int(row["amount"])
        if row["kind"] in MOVING_PRINCIPAL_KINDS:
            figures["changes"] += count
            figures["first_change"] = min(filter(None, (figures["first_change"], row["first_at"])))
            figures["last_change"] = max(filter(None, (figures["last_change"], row["last_at"])))
        if kind and row["kind"] != kind:
            continue
        figures["count"] += count
        figures["borrowed"] += amount if row["kind"] == Kind.BORROWING else 0
        figures["repaid"] += amount if row["kind"] == Kind.REPAYMENT else 0
        figures["interest"] += int(row["interest_paid"])
        figures["late_damages"] += int(row["late_damages_paid"])
        figures["principal"] += int(row["principal_paid"])
    return figures


# What a page of the history reads of each summary row when it locates a deep page.
SUMMARY_FIELDS = ("span", "first_day", "kind", *summaries.SUMMED, "first_at", "last_at")
# From this many entries down the list on, a page is located through the summaries: the
# database then skips at most one day's entries to reach it, not all the newer ones.
DEEP_OFFSET = 1_000


def summary_rows(history: HistoryFilter) -> list[tuple]:
    """Return the summary rows (SUMMARY_FIELDS) that cover the period, every kind: a row
    per kind and month wholly inside, per kind and day of the partial months at its ends."""
    if history.empty:
        return []
    mine = LedgerSummary.objects.filter(member_id=history.member_id)
    first, *others = [
        mine.filter(stretch.condition).values_list(*SUMMARY_FIELDS)
        for stretch in summaries.covering(history.date_from, history.date_to)
    ]
    return list(first.union(*others, all=True) if others else first)


def figures_of(rows: list[tuple], kind: str) -> dict:
    """Return what history_figures returns, summed from summary_rows in Python."""
    return _figures((dict(zip(SUMMARY_FIELDS, values, strict=True)) for values in rows), kind)


def entries_from(history: HistoryFilter, rows: list[tuple], *, offset: int, size: int) -> QuerySet:
    """Return `size` entries shown from the `offset`-th on (newest first), as
    `history.shown.newest_first()[offset:offset + size]` would, without making the
    database step over `offset` entries: the summaries tell the day that holds the
    `offset`-th entry and how many are newer, and the query starts at that day's end.
    One query more when that day lies in a month wholly inside the period."""
    counts: dict[tuple[dt.date, str], int] = {}
    for span, first_day, kind, count, *_sums in rows:
        if not history.kind or kind == history.kind:
            counts[first_day, span] = counts.get((first_day, span), 0) + count
    newer = 0  # entries shown after the day or month looked at
    for (first_day, span), count in sorted(counts.items(), reverse=True):
        if newer + count <= offset:
            newer += count
            continue
        day = first_day
        if span == summaries.MONTH:
            days = LedgerSummary.objects.filter(
                history.kind_condition,
                member_id=history.member_id,
                span=summaries.DAY,
                first_day__gte=first_day,
                first_day__lt=(first_day + dt.timedelta(days=31)).replace(day=1),
            ).values_list("first_day", "entry_count")
            in_month: dict[dt.date, int] = {}
            for each_day, each_count in days:
                in_month[each_day] = in_month.get(each_day, 0) + each_count
            for each_day, each_count in sorted(in_month.items(), reverse=True):
                day = each_day
                if newer + each_count > offset:
                    break
                newer += each_count
        shown = history.shown.filter(occurred_at__lt=_start_of(day + dt.timedelta(days=1)))
        return shown.newest_first()[offset - newer : offset - newer + size]
    return history.shown.none()


def chart_points(
    *, member_id: int, history: HistoryFilter, figures: dict
) -> list[tuple[dt.datetime, int]]:
    """Return the points of the principal balance over the whole period, whatever the kind
    filter: from the period's start (or the first change) to its end (or now); none when
    the balance did not change in the period (a flat line says nothing the figures do not).
    """
    if not figures["changes"]:
        return []
    start = history.start or figures["first_change"]
    end = max(clock.now(), figures["last_change"])
    if history.end is not None:
        end = min(end, history.end - dt.timedelta(microseconds=1))  # date_to's last instant
    points = balance_over_time(
        member_id=member_id,
        start=start,
        end=end,
        steps=CHART_STEPS,
        changes_in_period=figures["changes"],
    )
    if len({balance for _moment, balance in points}) < 2:
        return []
    return points


# Up to this many changes per chart step, the chart draws every change of the period.
FEW_CHANGES_PER_STEP = 4


def balance_over_time(
    *,
    member_id: int,
    start: dt.datetime,
    end: dt.datetime,
    steps: int,
    changes_in_period: int | None = None,
) -> list[tuple[dt.datetime, int]]:
    """Return (time, principal balance) points from `start` to `end`, oldest first, thinned
    to at most `steps` changes: the last balance change of each of `steps` equal stretches.

    One query whatever the history's length. When the caller knows the period holds only
    a few changes (`changes_in_period`), that query reads them all, which is exact and far
    cheaper than looking up each stretch's last change through the ledger's (member,
    newest first) index.
    """
    # Every entry records the balance after it, so the newest entry of any kind up to a
    # moment tells the balance then: one step down the (member, newest first) index. (A
    # filter on the kinds that move the balance would send the database through the
    # (member, kind) index instead, reading every entry before the moment.)
    if changes_in_period is not None and changes_in_period <= FEW_CHANGES_PER_STEP * steps:
        rows = _changes_from(member_id=member_id, start=start, end=end)
    else:
        rows = _newest_entries_up_to(member_id=member_id, start=start, end=end, steps=steps)
    changes = [(moment, balance) for moment, _id, balance in sorted(rows)]
    # A balance reached before `start` is drawn from `start`; none means nothing was owed.
    points = [(max(moment, start), balance) for moment, balance in changes]
    if not points or points[0][0] > start:
        points.insert(0, (start, 0))
    if points[-1][0] < end:
        points.append((end, points[-1][1]))
    return points


def _changes_from(*, member_id: int, start: dt.datetime, end: dt.datetime) -> list[tuple]:
    """Return (occurred_at, id, principal_after) of the member's entries that moved the
    balance from `start` through `end`, and of the newest entry before `start` (the balance
    carried in), in one query.

    Written in SQL because the ORM takes longer to compile this union than the database
    takes to answer it; read with a plain cursor, since the rows need no model.
    """
    table = LedgerEntry._meta.db_table
    kinds = ", ".join(["%s"] * len(MOVING_PRINCIPAL_KINDS))
    adapt = connection.ops.adapt_datetimefield_value
    ids = f"""
        SELECT id FROM {table}
        WHERE member_id = %s AND occurred_at >= %s AND occurred_at <= %s AND kind IN ({kinds})
        UNION ALL
        SELECT id FROM (
            SELECT id FROM {table} WHERE member_id = %s AND occurred_at < %s
            ORDER BY occurred_at DESC, id DESC LIMIT 1
        ) carried
    """
    params = [member_id, adapt(start), adapt(end), *MOVING_PRINCIPAL_KINDS, member_id, adapt(start)]
    sql = f"SELECT occurred_at, id, principal_after FROM {table} WHERE id IN ({ids})"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(_aware(moment), pk, balance) for moment, pk, balance in cursor.fetchall()]


def _newest_entries_up_to(
    *, member_id: int, start: dt.datetime, end: dt.datetime, steps: int
) -> list[tuple]:
    """Return (occurred_at, id, principal_after) of the member's newest entry up to the end
    of each of `steps` equal stretches from `start` to `end` (and up to `start`), in one
    query (an entry newest at several moments once; none for a moment before the member's
    first entry). The i-th moment is `start` plus i/steps of the span, in whole
    microseconds rounded down, in Python and in SQL alike.

    Written in SQL because the ORM takes longer to compile a hundred such subqueries
    than the database takes to answer them; read with a plain cursor, since the rows need
    no model.
    """
    table = LedgerEntry._meta.db_table
    span = (end - start) // dt.timedelta(microseconds=1)
    if connection.vendor == "postgresql":
        # The moments counted out by the database (a hundred parameters cost more to send
        # than the query to answer), and a LATERAL join that reads each moment's entry in
        # one step down the (member, newest first) index, where the subquery below costs
        # PostgreSQL two (it evaluates the subquery twice per moment, then fetches each
        # entry again by its key): half the time for a long history.
        sql = f"""
            SELECT newest.occurred_at, newest.id, newest.principal_after
            FROM generate_series(0, %(steps)s) step CROSS JOIN LATERAL (
                SELECT id, occurred_at, principal_after FROM {table}
                WHERE member_id = %(member)s AND occurred_at
                    <= %(start)s + interval '1 microsecond' * (%(span)s * step / %(steps)s)
                ORDER BY occurred_at DESC, id DESC LIMIT 1
            ) newest
        """
        parameters = {"steps": steps, "member": member_id, "start": start, "span": span}
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return list(set(cursor.fetchall()))
    adapt = connection.ops.adapt_datetimefield_value
    at = [
        adapt(start + dt.timedelta(microseconds=span * index // steps))
        for index in range(steps + 1)
    ]
    # A VALUES list of the moments (whose column SQLite calls column1).
    each_moment = "VALUES " + ", ".join(["(%s)"] * len(at))
    sql = f"""
        SELECT id, occurred_at, principal_after FROM {table} WHERE id IN (
            SELECT (
                SELECT newest.id FROM {table} newest
                WHERE newest.member_id = %s AND newest.occurred_at <= moments.column1
                ORDER BY newest.occurred_at DESC, newest.id DESC LIMIT 1
            ) FROM ({each_moment}) moments
        )
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [member_id, *at])
        return [(_aware(moment), pk, balance) for pk, moment, balance in cursor.fetchall()]

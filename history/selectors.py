"""Reads of the ledger: where a member's loan stands on a given day."""

import datetime as dt

from django.db import connection
from django.db.models import Q, Subquery
from django.utils import timezone

from history import interest
from history.accounting import LedgerState, LoanPosition, Terms, position_on
from history.interest import BalanceChange, Period
from history.models import (
    MOVING_PRINCIPAL_KINDS,
    DueStatus,
    InterestFreePeriod,
    Kind,
    LedgerEntry,
)
from members.models import LoanContract

__all__ = [
    "LoanPosition",
    "balance_over_time",
    "ledger_state",
    "loan_position",
    "local_date",
    "terms_of",
]


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def terms_of(contract: LoanContract) -> Terms:
    return Terms(
        annual_rate=contract.annual_rate,
        late_damages_rate=contract.late_damages_rate,
        due_day=contract.due_day,
    )


def ledger_state(contract: LoanContract) -> LedgerState:
    """Read what the arithmetic needs from the ledger (a constant number of queries)."""
    entries = LedgerEntry.objects.filter(member_id=contract.member_id)
    last_settlement = entries.filter(kind=Kind.REPAYMENT).newest_first().first()
    moves = entries.moving_principal().oldest_first()
    if last_settlement is not None:
        # After it in the ledger's order (time, then the order of writing).
        at = last_settlement.occurred_at
        moves = moves.filter(Q(occurred_at__gt=at) | Q(occurred_at=at, id__gt=last_settlement.id))
    moves = list(moves.only("occurred_at", "principal_after", "kind"))
    last_borrowing = next((e for e in reversed(moves) if e.kind == Kind.BORROWING), None) or (
        entries.filter(kind=Kind.BORROWING).newest_first().only("principal_after").first()
    )
    changes = []
    carried_interest = carried_damages = 0
    if last_settlement is not None:
        changes.append(
            BalanceChange(local_date(last_settlement.occurred_at), last_settlement.principal_after)
        )
        carried_interest = last_settlement.interest_unpaid
        carried_damages = last_settlement.late_damages_unpaid
    changes += [BalanceChange(local_date(e.occurred_at), e.principal_after) for e in moves]
    free_periods = InterestFreePeriod.objects.filter(member_id=contract.member_id).values_list(
        "first_day", "last_day"
    )
    due = DueStatus.objects.filter(contract=contract).first()
    return LedgerState(
        changes=tuple(changes),
        carried_interest=carried_interest,
        carried_damages=carried_damages,
        last_borrowing_balance=last_borrowing.principal_after if last_borrowing else None,
        free_periods=tuple(interest.merge_periods(Period(*days) for days in free_periods)),
        next_due_date=due.next_due_date if due else None,
        paid_toward_due=due.paid_toward_due if due else 0,
        has_borrowed=last_borrowing is not None,
    )


def loan_position(*, contract: LoanContract, on: dt.date) -> LoanPosition:
    """Return the loan's position on `on`, as if everything were settled that day."""
    return position_on(state=ledger_state(contract), terms=terms_of(contract), on=on)


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
    entries = LedgerEntry.objects.filter(member_id=member_id)
    # Every entry records the balance after it, so the newest entry of any kind up to a
    # moment tells the balance then: one step down the (member, newest first) index. (A
    # filter on the kinds that move the balance would send the database through the
    # (member, kind) index instead, reading every entry before the moment.)
    newest = entries.newest_first().values("id")
    fields = ("occurred_at", "id", "principal_after")
    if changes_in_period is not None and changes_in_period <= FEW_CHANGES_PER_STEP * steps:
        in_period = entries.filter(
            occurred_at__gte=start, occurred_at__lte=end, kind__in=MOVING_PRINCIPAL_KINDS
        )
        carried_in = entries.filter(id__in=Subquery(newest.filter(occurred_at__lt=start)[:1]))
        rows = in_period.values_list(*fields).union(carried_in.values_list(*fields))
    else:
        span = end - start
        ends = [start + span * index / steps for index in range(steps + 1)]
        rows = _newest_entries_up_to(member_id=member_id, moments=ends)
    changes = [(moment, balance) for moment, _id, balance in sorted(rows)]
    # A balance reached before `start` is drawn from `start`; none means nothing was owed.
    points = [(max(moment, start), balance) for moment, balance in changes]
    if not points or points[0][0] > start:
        points.insert(0, (start, 0))
    if points[-1][0] < end:
        points.append((end, points[-1][1]))
    return points


def _newest_entries_up_to(*, member_id: int, moments: list[dt.datetime]) -> list[tuple]:
    """Return (occurred_at, id, principal_after) of the member's newest entry up to each
    moment, in one query.

    Written in SQL because the ORM takes longer to compile a hundred such subqueries
    than the database takes to answer them.
    """
    table = LedgerEntry._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    each_moment = " UNION ALL ".join(["SELECT %s AS moment"] * len(moments))
    sql = f"""
        SELECT id, occurred_at, principal_after FROM {table} WHERE id IN (
            SELECT (
                SELECT newest.id FROM {table} newest
                WHERE newest.member_id = %s AND newest.occurred_at <= moments.moment
                ORDER BY newest.occurred_at DESC, newest.id DESC LIMIT 1
            ) FROM ({each_moment}) moments
        )
    """
    params = [member_id, *(adapt(moment) for moment in moments)]
    return [
        (entry.occurred_at, entry.id, entry.principal_after)
        for entry in LedgerEntry.objects.raw(sql, params)
    ]

"""Reads of the ledger: where a member's loan stands on a given day."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from history import interest, schedule
from history.interest import BalanceChange, Period
from history.models import DueStatus, InterestFreePeriod, Kind, LedgerEntry
from members.models import LoanContract


@dataclass(frozen=True)
class LoanPosition:
    """What a member owes on `on`, as if everything were settled that day."""

    on: dt.date
    principal: int
    interest: int
    late_damages: int
    interest_waived: int  # interest the interest-free days saved since the last settlement
    settled_through: dt.date | None  # interest is settled up to and including this day
    next_due_date: dt.date | None
    minimum_payment: int
    paid_toward_due: int
    overdue_since: dt.date | None
    interest_free_until: dt.date | None

    @property
    def payoff(self) -> int:
        return self.principal + self.interest + self.late_damages

    @property
    def days(self) -> int:
        """Days of interest since the last settlement (片端入れ)."""
        return (self.on - self.settled_through).days if self.settled_through else 0

    @property
    def remaining_due(self) -> int:
        """What is still to pay by the due date (or, if overdue, to be up to date again)."""
        return max(0, self.minimum_payment - self.paid_toward_due)

    @property
    def overdue_amount(self) -> int:
        if self.overdue_since is None:
            return 0
        return self.remaining_due + self.late_damages

    @property
    def interest_free_days_left(self) -> int:
        if self.interest_free_until is None or self.interest_free_until < self.on:
            return 0
        return (self.interest_free_until - self.on).days + 1


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def loan_position(*, contract: LoanContract, on: dt.date) -> LoanPosition:
    """Return the loan's position on `on` from the ledger (a constant number of queries)."""
    member_id = contract.member_id
    entries = LedgerEntry.objects.filter(member_id=member_id)
    last_settlement = entries.filter(kind=Kind.REPAYMENT).newest_first().first()
    moves = entries.moving_principal().oldest_first()
    if last_settlement is not None:
        moves = moves.filter(occurred_at__gt=last_settlement.occurred_at)
    moves = list(moves.only("occurred_at", "principal_after", "kind"))
    last_borrowing = (
        next((entry for entry in reversed(moves) if entry.kind == Kind.BORROWING), None)
        or entries.filter(kind=Kind.BORROWING).newest_first().only("principal_after").first()
    )
    free_periods = interest.merge_periods(
        Period(first, last)
        for first, last in InterestFreePeriod.objects.filter(member_id=member_id).values_list(
            "first_day", "last_day"
        )
    )
    due = DueStatus.objects.filter(contract=contract).first()
    next_due_date = due.next_due_date if due else None
    paid_toward_due = due.paid_toward_due if due else 0

    changes = []
    carried_interest = carried_damages = 0
    if last_settlement is not None:
        changes.append(
            BalanceChange(local_date(last_settlement.occurred_at), last_settlement.principal_after)
        )
        carried_interest = last_settlement.interest_unpaid
        carried_damages = last_settlement.late_damages_unpaid
    changes += [
        BalanceChange(local_date(entry.occurred_at), entry.principal_after) for entry in moves
    ]
    settled_through = changes[0].on if changes else None

    overdue_since = None
    if next_due_date is not None and on > next_due_date:
        overdue_since = next_due_date + dt.timedelta(days=1)
    # Overdue days bear late damages instead of interest; free days bear no interest.
    overdue = [Period(overdue_since, dt.date.max)] if overdue_since else []
    before_overdue = (
        [Period(dt.date.min, overdue_since - dt.timedelta(days=1))] if overdue_since else []
    )
    rate = contract.annual_rate

    def accrued(excluded, rate_percent=rate):
        if not changes:
            return 0
        return interest.accrue_over_history(
            changes=changes,
            rate_percent=rate_percent,
            through=on,
            excluded=interest.merge_periods(excluded),
        )

    interest_due = interest.settle(accrued([*free_periods, *overdue]))
    without_free_days = interest.settle(accrued(overdue))
    late_damages = (
        interest.settle(accrued(before_overdue, contract.late_damages_rate)) if overdue else 0
    )
    principal = changes[-1].balance if changes else contract.principal_balance
    interest_total = carried_interest + interest_due
    damages_total = carried_damages + late_damages
    base = last_borrowing.principal_after if last_borrowing else principal
    return LoanPosition(
        on=on,
        principal=principal,
        interest=interest_total,
        late_damages=damages_total,
        interest_waived=without_free_days - interest_due,
        settled_through=settled_through,
        next_due_date=next_due_date,
        minimum_payment=schedule.minimum_payment(
            base_balance=base, payoff=principal + interest_total + damages_total
        ),
        paid_toward_due=paid_toward_due,
        overdue_since=overdue_since if principal else None,
        interest_free_until=next((p.last for p in free_periods if on <= p.last), None),
    )

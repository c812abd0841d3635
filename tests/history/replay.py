"""Play a member's ledger back through the rules (the seeded-history tests of history and demo)."""

from history import accounting
from history.accounting import LedgerState
from history.interest import Period, merge_periods
from history.models import DueStatus, InterestFreePeriod, Kind, LedgerEntry
from history.selectors import ledger_state, loan_position, local_date, terms_of
from members.models import LoanContract, Member
from portal import clock


def replay(member: Member) -> LedgerState:
    """Play the member's entries, oldest first, through the ledger's rules and check that
    each one is what the services would have written. Return the resulting state."""
    contract = LoanContract.objects.get(member=member)
    terms = terms_of(contract)
    free = merge_periods(
        Period(first, last)
        for first, last in InterestFreePeriod.objects.filter(member=member).values_list(
            "first_day", "last_day"
        )
    )
    state = LedgerState(free_periods=tuple(free))
    balance, last_waived = 0, None
    for entry in LedgerEntry.objects.filter(member=member).oldest_first():
        on = local_date(entry.occurred_at)
        if entry.kind == Kind.BORROWING:
            balance += entry.amount
            state = accounting.after_borrowing(
                state=state, amount=entry.amount, terms=terms, on=on, first_time_free=False
            )
        elif entry.kind == Kind.REPAYMENT:
            position = accounting.position_on(state=state, terms=terms, on=on)
            split = accounting.split_repayment(position, entry.amount)
            assert entry.amount <= position.payoff, entry
            assert (entry.late_damages_paid, entry.interest_paid, entry.principal_paid) == (
                split.late_damages_paid,
                split.interest_paid,
                split.principal_paid,
            ), entry
            assert (entry.interest_unpaid, entry.late_damages_unpaid) == (
                split.interest_unpaid,
                split.late_damages_unpaid,
            ), entry
            balance -= entry.principal_paid
            last_waived = position.interest_waived
            state = accounting.after_repayment(
                state=state, position=position, repayment=split, terms=terms, on=on
            )
        elif entry.kind == Kind.INTEREST_FREE_BENEFIT:
            assert entry.amount == last_waived, entry
        assert entry.principal_after == balance >= 0, entry
    assert state.principal == balance == contract.principal_balance
    assert ledger_state(contract).principal == balance
    due = DueStatus.objects.filter(contract=contract).first()
    if state.has_borrowed:
        assert (due.next_due_date, due.paid_toward_due) == (
            state.next_due_date,
            state.paid_toward_due,
        )
    return state


def position_of(member):
    return loan_position(contract=LoanContract.objects.get(member=member), on=clock.today())

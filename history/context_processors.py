"""What every member page's header menu needs to know of the member (settings.TEMPLATES)."""

from functools import cache

from history.accounting import overdue_since
from history.rules import borrowing_open
from members.decorators import is_member
from portal import clock
from portal.maintenance import closed_until
from portal.models import MaintenanceScope


def quick_menu(request):
    """Return whether the quick menu offers borrowing and repayment.

    Borrowing by the rule the borrowing itself follows (not while overdue or suspended),
    told from the contract and its due status that the auth backend loads with the
    member; repayment unless an internet-repayment window is open, by the windows the
    maintenance middleware read. No query then. Both are worked out only if a page shows
    the menu (the template calls them), and once per request.
    """

    @cache
    def borrowing() -> bool:
        contract = getattr(request.user, "contract", None) if is_member(request.user) else None
        if contract is None:
            return False
        due = getattr(contract, "due_status", None)
        since = overdue_since(
            next_due_date=due.next_due_date if due else None,
            principal=contract.principal_balance,
            on=clock.today(),
        )
        return borrowing_open(contract, overdue_since=since)

    @cache
    def repayment() -> bool:
        windows = getattr(request, "maintenance_windows", None)
        return closed_until(MaintenanceScope.INTERNET_REPAYMENT, windows=windows) is None

    return {"borrowing_open": borrowing, "repayment_open": repayment}

"""Borrowing and repayment on the member page: the two ledger operations of history.flow.

Everything that differs between them is here, on the operation: the entry kind, the
channel, the largest amount (the available credit or the payoff), the check at the first
step, the maintenance window that closes it, its templates.
"""

from django.utils.translation import gettext_lazy as _

from history import accounting, services
from history.flow import Operation
from history.forms import BorrowForm, RepayForm
from history.models import Channel, Kind, LedgerEntry
from history.selectors import loan_figures
from portal.models import MaintenanceScope


class LedgerOperation(Operation):
    """An operation that books one ledger entry of `kind` through `channel`."""

    namespace = "history"
    done_template = "history/done.html"
    kind: str
    channel: str

    def figures(self, request) -> dict:
        return {
            **loan_figures(contract=request.user.contract),
            "transfer_account": getattr(request.user, "transfer_account", None),
        }

    def entries(self, member):
        return LedgerEntry.objects.filter(member=member, kind=self.kind)


class Borrowing(LedgerOperation):
    """お借入れ（振込）: paid to the registered account, up to the available credit."""

    name = "borrow"
    title = _("お借入れ（振込）")
    form_class = BorrowForm
    form_template = "history/borrow_form.html"
    confirm_template = "history/borrow_confirm.html"
    confirm_title = _("お借入れ内容の確認")
    done_title = _("お借入れ完了")
    maintenance_scope = MaintenanceScope.MEMBER_PAGES
    kind = Kind.BORROWING
    channel = Channel.TRANSFER

    def maximum(self, figures):
        return figures["available"]

    def check(self, *, member, figures, amount, detail=""):
        services.check_borrowing(
            member=member,
            contract=figures["contract"],
            position=figures["position"],
            amount=amount,
            channel=self.channel,
        )

    def book(self, *, member, amount, detail=""):
        return services.borrow(member=member, amount=amount, channel=self.channel)


class Repayment(LedgerOperation):
    """インターネット返済: up to the payoff, closed in internet-repayment windows too."""

    name = "repay"
    title = _("インターネット返済")
    form_class = RepayForm
    form_template = "history/repay_form.html"
    confirm_template = "history/repay_confirm.html"
    confirm_title = _("ご返済内容の確認")
    done_title = _("ご返済完了")
    maintenance_scope = MaintenanceScope.INTERNET_REPAYMENT
    kind = Kind.REPAYMENT
    channel = Channel.INTERNET

    def maximum(self, figures):
        return figures["position"].payoff

    def confirmation(self, *, figures, amount, detail):
        # What the amount pays, as it would be split if booked now.
        return {"split": accounting.split_repayment(figures["position"], amount)}

    def check(self, *, member, figures, amount, detail=""):
        services.check_repayment(member=member)

    def book(self, *, member, amount, detail=""):
        return services.repay(member=member, amount=amount, channel=self.channel)


BORROWING = Borrowing()
REPAYMENT = Repayment()

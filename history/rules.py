"""The rules of borrowing and repayment (who may borrow, which amounts): the one place
that says them.

The services enforce them (under the ledger's lock) and the forms ask the same functions,
so a refusal reads alike at the first step and at confirmation: `LedgerRefusal.code`
is the `data-error-code`, the message is formatted from the constants here.
"""

from django.utils.translation import gettext_lazy as _

from history.confirmations import Refusal
from members.models import ContractStatus, LoanContract

MINIMUM_AMOUNT = 1_000  # the least yen borrowed or repaid (a payoff below it is paid exactly)


class LedgerRefusal(Refusal):
    """A borrowing or repayment that the rules do not allow; `code` says which rule."""


def borrowing_open(contract: LoanContract, *, overdue_since) -> bool:
    """Return whether the contract lends now: neither suspended nor ended, nor overdue
    (before the daily job suspends it)."""
    return contract.status == ContractStatus.ACTIVE and overdue_since is None


def check_borrowing_amount(*, amount: int, available: int) -> None:
    """Raise LedgerRefusal unless `amount` is from the minimum up to the available credit."""
    if amount < MINIMUM_AMOUNT or amount > available:
        raise LedgerRefusal(
            "amount_out_of_range",
            _(
                "お借入れ金額は%(minimum)s円以上、ご利用可能額（%(available)s円）以内で"
                "入力してください。"
            )
            % {"minimum": f"{MINIMUM_AMOUNT:,}", "available": f"{available:,}"},
        )


def check_repayment_amount(*, amount: int, payoff: int) -> None:
    """Raise LedgerRefusal unless `amount` is from the minimum up to the payoff, or exactly
    a payoff below the minimum."""
    below_minimum = amount < MINIMUM_AMOUNT and amount != payoff
    if amount == 0 or amount > payoff or below_minimum:
        raise LedgerRefusal(
            "amount_out_of_range",
            _("ご返済金額は%(minimum)s円以上、完済金額（%(payoff)s円）以内で入力してください。")
            % {"minimum": f"{MINIMUM_AMOUNT:,}", "payoff": f"{payoff:,}"},
        )

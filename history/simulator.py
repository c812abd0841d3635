"""The public repayment simulator (SPEC §6): equal monthly payments, pure arithmetic.

Monthly interest is the annual rate ÷ 12 on the remaining balance; results are whole yen.
"""

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

MAX_MONTHS = 600


class SimulationError(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Plan:
    amount: int
    monthly_payment: int
    months: int
    total_repayment: int
    total_interest: int


def _monthly_rate(rate_percent: Decimal) -> Fraction:
    return Fraction(rate_percent) / 100 / 12


def _plan(
    amount: int, monthly_payment: int, rate_percent: Decimal, max_months: int = MAX_MONTHS
) -> Plan:
    """Repay `amount` with `monthly_payment` a month (the last one smaller) and total it up."""
    rate = _monthly_rate(rate_percent)
    balance, months, total = amount, 0, 0
    while balance > 0:
        interest = int(balance * rate)
        if monthly_payment <= interest:
            raise SimulationError("payment_too_small")
        months += 1
        if months > max_months:
            raise SimulationError("too_many_payments")
        payment = min(monthly_payment, balance + interest)
        balance -= payment - interest
        total += payment
    return Plan(amount, monthly_payment, months, total, total - amount)


def _repays_within(amount: int, monthly_payment: int, rate_percent: Decimal, months: int) -> bool:
    try:
        _plan(amount, monthly_payment, rate_percent, max_months=months)
    except SimulationError:
        return False
    return True


def monthly_payment_plan(*, amount: int, months: int, rate_percent: Decimal) -> Plan:
    """Return the plan with the smallest whole-yen payment that repays `amount` in `months`."""
    rate = _monthly_rate(rate_percent)
    # The exact annuity, rounded up, always suffices: the schedule truncates each month's
    # interest to the yen. That saving can make a smaller payment suffice too, which would
    # finish early (349 payments asked for 360), so search down to the smallest one.
    fewest = math.ceil(Fraction(amount, months))  # the principal alone
    enough = fewest if rate == 0 else math.ceil(amount * rate / (1 - (1 + rate) ** -months))
    while fewest < enough:
        middle = (fewest + enough) // 2
        if _repays_within(amount, middle, rate_percent, months):
            enough = middle
        else:
            fewest = middle + 1
    return _plan(amount, enough, rate_percent)


def payment_count_plan(*, amount: int, monthly_payment: int, rate_percent: Decimal) -> Plan:
    """Return how many payments of `monthly_payment` repay `amount`."""
    return _plan(amount, monthly_payment, rate_percent)


def borrowable_plan(*, monthly_payment: int, months: int, rate_percent: Decimal) -> Plan:
    """Return the largest amount that `months` payments of `monthly_payment` repay."""
    rate = _monthly_rate(rate_percent)
    # The exact present value, rounded down, is always repaid in time (interest is
    # truncated to the yen); search up to the largest amount that is.
    repaid = (
        monthly_payment * months
        if rate == 0
        else int(monthly_payment * (1 - (1 + rate) ** -months) / rate)
    )
    too_much = monthly_payment * months + 1  # more than all the payments together
    while too_much - repaid > 1:
        middle = (repaid + too_much) // 2
        if _repays_within(middle, monthly_payment, rate_percent, months):
            repaid = middle
        else:
            too_much = middle
    return _plan(repaid, monthly_payment, rate_percent)

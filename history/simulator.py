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


def _plan(amount: int, monthly_payment: int, rate_percent: Decimal) -> Plan:
    """Repay `amount` with `monthly_payment` a month (the last one smaller) and total it up."""
    rate = _monthly_rate(rate_percent)
    balance, months, total = amount, 0, 0
    while balance > 0:
        interest = int(balance * rate)
        if monthly_payment <= interest:
            raise SimulationError("payment_too_small")
        months += 1
        if months > MAX_MONTHS:
            raise SimulationError("too_many_payments")
        payment = min(monthly_payment, balance + interest)
        balance -= payment - interest
        total += payment
    return Plan(amount, monthly_payment, months, total, total - amount)


def monthly_payment_plan(*, amount: int, months: int, rate_percent: Decimal) -> Plan:
    """Return the plan that repays `amount` in `months` equal payments (rounded up)."""
    rate = _monthly_rate(rate_percent)
    if rate == 0:
        payment = math.ceil(Fraction(amount, months))
    else:
        payment = math.ceil(amount * rate / (1 - (1 + rate) ** -months))
    return _plan(amount, payment, rate_percent)


def payment_count_plan(*, amount: int, monthly_payment: int, rate_percent: Decimal) -> Plan:
    """Return how many payments of `monthly_payment` repay `amount`."""
    return _plan(amount, monthly_payment, rate_percent)


def borrowable_plan(*, monthly_payment: int, months: int, rate_percent: Decimal) -> Plan:
    """Return the largest amount that `months` payments of `monthly_payment` repay."""
    rate = _monthly_rate(rate_percent)
    if rate == 0:
        amount = monthly_payment * months
    else:
        amount = int(monthly_payment * (1 - (1 + rate) ** -months) / rate)
    return _plan(amount, monthly_payment, rate_percent)

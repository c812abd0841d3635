"""The point service's numbers (SPEC §7): what each earning gives, what each benefit costs.

Pure values and functions of dates; the ledger's writes are in points.services.
"""

import dataclasses
import datetime as dt

from django.utils.translation import gettext_lazy as _

JOIN_POINTS = 100
MONTHLY_LOGIN_POINTS = 10
INCOME_CERTIFICATE_POINTS = 160
# Each registration held at a month end (reminder mail, transaction mail, Web statements).
REGISTRATION_POINTS = 1
# A notice that gives points gives between these (staff choose).
NOTICE_POINTS_MIN, NOTICE_POINTS_MAX = 5, 20


@dataclasses.dataclass(frozen=True)
class Benefit:
    """What a member can exchange points for."""

    key: str  # the redemption form's `benefit` value (SPEC §10)
    cost: int
    label: str
    interest_free_days: int = 0  # 0: the partner-ATM fee waiver


BENEFITS = {
    benefit.key: benefit
    for benefit in (
        Benefit("atm_fee_free", 40, _("提携ATM手数料無料（翌月末まで）")),
        Benefit("interest_free_7", 250, _("無利息7日間"), interest_free_days=7),
        Benefit("interest_free_15", 400, _("無利息15日間"), interest_free_days=15),
        Benefit("interest_free_30", 700, _("無利息30日間"), interest_free_days=30),
    )
}


def month_reference(day: dt.date) -> str:
    """Return the reference of the month of `day` ("2026-12"): once-a-month earnings."""
    return f"{day:%Y-%m}"


def year_reference(day: dt.date) -> str:
    """Return the reference of the year of `day` ("2026"): once-a-year earnings."""
    return f"{day:%Y}"


def end_of_next_month(day: dt.date) -> dt.date:
    """Return the last day of the month after `day`'s (the ATM-fee waiver's last day)."""
    first_of_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    first_after_that = (first_of_next + dt.timedelta(days=32)).replace(day=1)
    return first_after_that - dt.timedelta(days=1)

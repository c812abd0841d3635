"""The app API's request and answer bodies (pydantic, through django-ninja).

Field names are the testers' names of the web forms and data attributes (SPEC §10).
Identifiers, secrets and amounts are checked by the web forms' own rules (format
diagnostics, limits), so a request body takes any string or integer for them and a wrong
one is answered with the same codes as `data-error-code`.
"""

import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import Field

from history.models import AtmOperation, Kind
from points.models import Reason
from points.rules import BENEFITS

LedgerKind = Literal[tuple(Kind.values)]  # type: ignore[valid-type]
BenefitKey = Literal[tuple(BENEFITS)]  # type: ignore[valid-type]
AtmOperationName = Literal[tuple(AtmOperation.values)]  # type: ignore[valid-type]


class ProblemOut(Schema):
    """RFC 9457 problem details (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(description="the web page's data-error-code for the same refusal")
    errors: list[dict] = Field(description="each error: field (null: the request), code, detail")


# --- Login ----------------------------------------------------------------------------


class CardLoginIn(Schema):
    card_number: str
    pin: str


class WebIdLoginIn(Schema):
    web_id: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_at: dt.datetime
    member_number: str


# --- Dashboard ------------------------------------------------------------------------


class DashboardOut(Schema):
    """The figures of /mypage/ (its data attributes), unformatted."""

    member_number: str
    balance: int
    available: int
    limit: int
    rate: str = Field(description="annual percentage rate, e.g. '17.8'")
    next_due_date: dt.date | None
    minimum_payment: int
    overdue: int
    contract_status: str
    can_borrow: bool
    interest_free_days: int
    points: int | None = Field(description="null: not joined to the point service")
    benefit_until: dt.date | None = Field(description="last day of the ATM-fee waiver")
    previous_login: dt.datetime | None


# --- Ledger ---------------------------------------------------------------------------


class LedgerEntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    requested_at: dt.datetime | None
    kind: str
    channel: str
    amount: int
    late_damages_paid: int
    interest_paid: int
    principal_paid: int
    balance_after: int
    note: str


class HistoryTotalsOut(Schema):
    count: int
    borrowed: int
    repaid: int
    interest: int
    late_damages: int
    principal: int


class HistoryPageOut(Schema):
    items: list[LedgerEntryOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page")
    totals: HistoryTotalsOut


class InterestOut(Schema):
    repayment_date: dt.date
    days: int
    interest: int
    late_damages: int
    payoff: int
    minimum_payment: int
    principal: int
    interest_free_until: dt.date | None


class AmountIn(Schema):
    amount: int


class AtmIn(Schema):
    code: str
    operation: AtmOperationName
    amount: int


class AtmClaimOut(Schema):
    code: str
    operation: str
    amount: int
    fee: int
    expires_at: dt.datetime


class AtmResultOut(Schema):
    entry: LedgerEntryOut
    fee: int


# --- Points, coupons, settings ----------------------------------------------------------


class BenefitOut(Schema):
    key: str
    cost: int
    label: str


class PointsOut(Schema):
    points: int | None = Field(description="null: not joined to the point service")
    benefit_until: dt.date | None
    benefits: list[BenefitOut]


class PointEntryOut(Schema):
    id: int
    occurred_at: dt.datetime
    kind: str = Field(description=f"one of {', '.join(Reason.values)}")
    points: int
    balance_after: int
    reference: str
    note: str


class PointHistoryOut(Schema):
    items: list[PointEntryOut]
    next_cursor: str | None


class RedemptionIn(Schema):
    benefit: BenefitKey


class CouponOut(Schema):
    id: int
    shop: str
    offer: str
    code: str
    terms: str
    valid_from: dt.date
    valid_until: dt.date


class ReminderIn(Schema):
    enabled: bool
    days_before: int
    hour: int


class ReminderOut(Schema):
    enabled: bool
    days_before: int
    hour: int

"""The loan contract's rules (SPEC §4): limit, rate range, legal caps, late damages."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from members.models import LATE_DAMAGES_RATE, MAX_RATE, LoanContract, legal_rate_cap
from tests.factories import LoanContractFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("credit_limit", "cap"),
    [
        (0, Decimal("20.0")),
        (99_999, Decimal("20.0")),
        (100_000, Decimal("18.0")),
        (999_999, Decimal("18.0")),
        (1_000_000, Decimal("15.0")),
        (5_000_000, Decimal("15.0")),
    ],
)
def test_the_interest_limitation_act_cap_follows_the_limit(credit_limit, cap):
    assert legal_rate_cap(credit_limit) == cap


def contract(**values) -> LoanContract:
    return LoanContract(member=MemberFactory(contract=None), due_day=25, **values)


@pytest.mark.parametrize(
    ("credit_limit", "annual_rate"),
    [
        (500_000, Decimal("4.50")),
        (500_000, Decimal("17.80")),
        (999_999, Decimal("17.80")),
        (1_000_000, Decimal("15.00")),
        (5_000_000, Decimal("4.50")),
    ],
)
def test_a_contract_within_the_rules_is_valid_and_stored(credit_limit, annual_rate):
    candidate = contract(credit_limit=credit_limit, annual_rate=annual_rate)
    candidate.full_clean()
    candidate.save()
    assert candidate.late_damages_rate == Decimal("20.0")


@pytest.mark.parametrize(
    ("credit_limit", "annual_rate", "field", "code"),
    [
        (1_000_000, Decimal("15.01"), "annual_rate", "above_legal_cap"),
        (5_000_000, Decimal("17.80"), "annual_rate", "above_legal_cap"),
        (500_000, Decimal("4.49"), "annual_rate", "min_value"),
        (500_000, Decimal("17.81"), "annual_rate", "max_value"),
        (5_000_001, Decimal("10.00"), "credit_limit", "max_value"),
    ],
)
def test_a_contract_outside_the_rules_is_refused_by_validation_and_database(
    credit_limit, annual_rate, field, code
):
    candidate = contract(credit_limit=credit_limit, annual_rate=annual_rate)

    with pytest.raises(ValidationError) as excinfo:
        candidate.full_clean()
    assert code in [error.code for error in excinfo.value.error_dict[field]]

    with pytest.raises(IntegrityError), transaction.atomic():
        candidate.save()


def test_the_late_damages_rate_is_fixed_at_twenty_percent():
    stored = LoanContractFactory()
    assert stored.late_damages_rate == LATE_DAMAGES_RATE == Decimal("20.0")

    with pytest.raises(IntegrityError), transaction.atomic():
        LoanContract.objects.filter(pk=stored.pk).update(late_damages_rate=Decimal("29.2"))


@pytest.mark.parametrize(
    ("credit_limit", "cap"),
    [
        (99_999, Decimal("20.00")),
        (100_000, Decimal("18.00")),
        (999_999, Decimal("18.00")),
        (1_000_000, Decimal("15.00")),
    ],
)
def test_the_database_holds_each_limit_to_the_same_legal_cap(credit_limit, cap):
    """The check constraint is built from the caps `legal_rate_cap` reads."""
    stored = LoanContractFactory(credit_limit=credit_limit, annual_rate=Decimal("4.50"))
    rows = LoanContract.objects.filter(pk=stored.pk)
    assert legal_rate_cap(credit_limit) == cap

    # A cap above MAX_RATE is held by the rate range as well: up to MAX_RATE is allowed then.
    rows.update(annual_rate=min(cap, MAX_RATE))
    if cap < MAX_RATE:
        with pytest.raises(IntegrityError), transaction.atomic():
            rows.update(annual_rate=cap + Decimal("0.01"))

"""The public repayment simulator (SPEC §6): the page and the arithmetic behind it."""

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from history import simulator
from history.simulator import SimulationError
from tests.helpers import error_codes

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
SIMULATOR_URL = reverse("simulator:simulator")
FIGURES = ("amount", "monthly-payment", "months", "total-repayment", "total-interest")


def field_error_codes(response, name: str) -> list[str]:
    """Return the error codes shown in the block of the field `name`."""
    (block,) = [
        block
        for block in response.content.decode().split('<div class="field')
        if f'name="{name}"' in block
    ]
    return error_codes(block)


def figures(response) -> dict[str, int]:
    html = response.content.decode()
    return {name: int(re.search(rf'data-{name}="(\d+)"', html).group(1)) for name in FIGURES}


def simulate(client, **query):
    return client.get(SIMULATOR_URL, query)


# --- The page ------------------------------------------------------------------------


def test_simulator_is_public(client):
    response = client.get(SIMULATOR_URL)

    assert response.status_code == 200
    for name in ("mode", "amount", "months", "monthly_payment", "rate"):
        assert f'name="{name}"' in response.content.decode()
    assert error_codes(response) == []
    assert 'id="simulator-result"' not in response.content.decode()


def test_simulator_stays_open_during_member_page_maintenance(client, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 14, 3, 0, tzinfo=TOKYO), tick=False)  # Monday

    response = simulate(client, mode="payment", amount="100000", months="12", rate="17.8")

    assert client.get(reverse("members:mypage")).status_code == 503
    assert response.status_code == 200
    assert figures(response)["months"] == 12


def test_simulator_stays_open_on_new_years_day(client, time_machine):
    time_machine.move_to(dt.datetime(2027, 1, 1, 12, 0, tzinfo=TOKYO), tick=False)

    assert client.get(SIMULATOR_URL).status_code == 200


def test_monthly_payment_from_amount_months_and_rate(client):
    response = simulate(client, mode="payment", amount="100000", months="12", rate="17.8")

    assert response.status_code == 200
    assert figures(response) == {
        "amount": 100_000,
        "monthly-payment": 9_158,
        "months": 12,
        "total-repayment": 109_894,
        "total-interest": 9_894,
    }


def test_number_of_payments_from_amount_monthly_payment_and_rate(client):
    response = simulate(client, mode="count", amount="100000", monthly_payment="10000", rate="17.8")

    assert figures(response) == {
        "amount": 100_000,
        "monthly-payment": 10_000,
        "months": 11,
        "total-repayment": 109_043,
        "total-interest": 9_043,
    }


def test_borrowable_amount_from_monthly_payment_months_and_rate(client):
    response = simulate(client, mode="amount", monthly_payment="10000", months="12", rate="17.8")

    assert figures(response) == {
        "amount": 109_193,
        "monthly-payment": 10_000,
        "months": 12,
        "total-repayment": 120_000,
        "total-interest": 10_807,
    }


def test_amounts_may_be_typed_in_full_width_with_commas(client):
    typed = simulate(client, mode="payment", amount="１０，０００円", months="３", rate="15")
    plain = simulate(client, mode="payment", amount="10000", months="3", rate="15")

    assert figures(typed) == figures(plain)


def test_payment_below_the_first_months_interest_never_repays(client):
    # 1,000,000 yen at 17.8% bears 14,833 yen interest in the first month.
    response = simulate(
        client, mode="count", amount="1000000", monthly_payment="14833", rate="17.8"
    )

    assert response.status_code == 200
    assert error_codes(response) == ["payment_too_small"]
    assert 'id="simulator-result"' not in response.content.decode()


def test_payment_that_takes_more_than_600_months_is_refused(client):
    response = simulate(
        client, mode="count", amount="1000000", monthly_payment="14835", rate="17.8"
    )

    assert error_codes(response) == ["too_many_payments"]


@pytest.mark.parametrize(
    ("query", "missing"),
    [
        ({"mode": "payment", "rate": "17.8"}, ["amount", "months"]),
        ({"mode": "payment", "amount": "100000", "rate": "17.8"}, ["months"]),
        ({"mode": "count", "amount": "100000", "rate": "17.8"}, ["monthly_payment"]),
        ({"mode": "count", "monthly_payment": "5000", "rate": "17.8"}, ["amount"]),
        ({"mode": "amount", "months": "12", "rate": "17.8"}, ["monthly_payment"]),
        ({"mode": "amount", "rate": "17.8"}, ["months", "monthly_payment"]),
        ({"mode": "payment", "amount": "100000", "months": "12"}, ["rate"]),
        ({"mode": "", "amount": "100000", "months": "12", "rate": "17.8"}, ["mode"]),
    ],
)
def test_missing_inputs_are_required_per_mode(client, query, missing):
    response = simulate(client, **query)

    assert response.status_code == 200
    assert error_codes(response) == ["required"] * len(missing)
    for name in missing:
        assert field_error_codes(response, name) == ["required"]
    assert 'id="simulator-result"' not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"mode": "loan", "amount": "1000", "months": "1", "rate": "1"}, "invalid_choice"),
        ({"mode": "payment", "amount": "abc", "months": "12", "rate": "17.8"}, "format_amount"),
        ({"mode": "payment", "amount": "1000", "months": "0", "rate": "17.8"}, "min_value"),
        ({"mode": "payment", "amount": "1000", "months": "601", "rate": "17.8"}, "max_value"),
        ({"mode": "payment", "amount": "1000", "months": "x", "rate": "17.8"}, "invalid"),
        ({"mode": "payment", "amount": "1000", "months": "12", "rate": "20.01"}, "max_value"),
        ({"mode": "payment", "amount": "1000", "months": "12", "rate": "-1"}, "min_value"),
        ({"mode": "payment", "amount": "1000", "months": "12", "rate": "NaN"}, "invalid"),
        ({"mode": "payment", "amount": "1000", "months": "12", "rate": "1e400"}, "max_value"),
        (
            {"mode": "count", "amount": "1000", "monthly_payment": "9" * 30, "rate": "1"},
            "max_length",
        ),
    ],
)
def test_bad_inputs_are_field_errors(client, query, code):
    response = simulate(client, **query)

    assert response.status_code == 200
    assert code in error_codes(response)
    assert 'id="simulator-result"' not in response.content.decode()


def test_largest_inputs_still_answer(client):
    response = simulate(
        client, mode="amount", monthly_payment="999999999", months="600", rate="0.01"
    )

    assert response.status_code == 200
    assert figures(response)["months"] == 600


# --- The arithmetic ------------------------------------------------------------------


def rate(percent: str) -> Decimal:
    return Decimal(percent)


def repays_within(amount: int, monthly_payment: int, percent: str, months: int) -> bool:
    try:
        plan = simulator.payment_count_plan(
            amount=amount, monthly_payment=monthly_payment, rate_percent=rate(percent)
        )
    except SimulationError:
        return False
    return plan.months <= months


def test_zero_rate_splits_the_amount_evenly():
    plan = simulator.monthly_payment_plan(amount=120_000, months=12, rate_percent=rate("0"))

    assert plan == simulator.Plan(
        amount=120_000, monthly_payment=10_000, months=12, total_repayment=120_000,
        total_interest=0,
    )  # fmt: skip


def test_zero_rate_rounds_the_payment_up_and_makes_the_last_one_smaller():
    plan = simulator.monthly_payment_plan(amount=100_000, months=3, rate_percent=rate("0"))

    assert (plan.monthly_payment, plan.months, plan.total_repayment) == (33_334, 3, 100_000)


def test_zero_rate_borrowable_amount_is_all_the_payments():
    plan = simulator.borrowable_plan(monthly_payment=10_000, months=12, rate_percent=rate("0"))

    assert (plan.amount, plan.months, plan.total_interest) == (120_000, 12, 0)


def test_zero_rate_count():
    plan = simulator.payment_count_plan(
        amount=100_000, monthly_payment=30_000, rate_percent=rate("0")
    )

    assert (plan.months, plan.total_repayment, plan.total_interest) == (4, 100_000, 0)


def test_single_payment_is_the_amount_plus_one_months_interest():
    plan = simulator.monthly_payment_plan(amount=100_000, months=1, rate_percent=rate("18"))

    assert (plan.monthly_payment, plan.months, plan.total_interest) == (101_500, 1, 1_500)


def test_monthly_interest_is_truncated_to_the_yen():
    # 100,000 × 17.8% ÷ 12 = 1,483.33 yen in the first month.
    plan = simulator.payment_count_plan(
        amount=100_000, monthly_payment=101_483, rate_percent=rate("17.8")
    )

    assert (plan.months, plan.total_interest) == (1, 1_483)


@pytest.mark.parametrize("percent", ["3.0", "4.5", "15.0", "17.8", "20.0"])
@pytest.mark.parametrize("months", [1, 2, 6, 12, 36, 60, 120])
@pytest.mark.parametrize("amount", [100_000, 333_333, 1_000_000, 5_000_000])
def test_the_payment_found_for_n_months_repays_in_n_months(amount, months, percent):
    plan = simulator.monthly_payment_plan(amount=amount, months=months, rate_percent=rate(percent))

    assert plan.months == months
    assert plan.total_repayment == amount + plan.total_interest
    assert plan.monthly_payment * (months - 1) < plan.total_repayment
    assert plan.total_repayment <= plan.monthly_payment * months
    assert not repays_within(amount, plan.monthly_payment - 1, percent, months)


@pytest.mark.parametrize(
    ("amount", "months", "percent"),
    [(100_000, 360, "17.8"), (100_000, 600, "20"), (47_013, 360, "0"), (1_000, 600, "3")],
)
def test_long_plans_take_the_smallest_payment_that_repays_in_time(amount, months, percent):
    # With whole-yen payments a plan of exactly `months` may not exist; the simulator then
    # shows the smallest payment that repays within them (never a larger one).
    plan = simulator.monthly_payment_plan(amount=amount, months=months, rate_percent=rate(percent))

    assert plan.months <= months
    assert not repays_within(amount, plan.monthly_payment - 1, percent, months)


@pytest.mark.parametrize("percent", ["0", "4.5", "17.8", "20.0"])
@pytest.mark.parametrize("months", [1, 12, 36, 120, 600])
@pytest.mark.parametrize("monthly_payment", [1_000, 10_000, 55_555])
def test_borrowable_amount_is_repaid_within_the_months(monthly_payment, months, percent):
    plan = simulator.borrowable_plan(
        monthly_payment=monthly_payment, months=months, rate_percent=rate(percent)
    )

    assert 0 < plan.amount <= monthly_payment * months
    assert plan.months <= months
    assert repays_within(plan.amount, monthly_payment, percent, months)
    assert not repays_within(plan.amount + 1, monthly_payment, percent, months)


@pytest.mark.parametrize(
    ("amount", "months", "percent"), [(500_000, 36, "17.8"), (50_000, 6, "15")]
)
def test_the_three_modes_agree(amount, months, percent):
    payment = simulator.monthly_payment_plan(
        amount=amount, months=months, rate_percent=rate(percent)
    )
    count = simulator.payment_count_plan(
        amount=amount, monthly_payment=payment.monthly_payment, rate_percent=rate(percent)
    )
    borrowable = simulator.borrowable_plan(
        monthly_payment=payment.monthly_payment, months=months, rate_percent=rate(percent)
    )

    assert count == payment
    assert borrowable.amount >= amount
    assert borrowable.months == months


def test_payment_equal_to_the_interest_never_repays():
    with pytest.raises(SimulationError) as caught:
        simulator.payment_count_plan(
            amount=1_000_000, monthly_payment=14_833, rate_percent=rate("17.8")
        )

    assert caught.value.code == "payment_too_small"


def test_more_than_600_payments_are_refused():
    with pytest.raises(SimulationError) as caught:
        simulator.payment_count_plan(
            amount=1_000_000, monthly_payment=14_835, rate_percent=rate("17.8")
        )

    assert caught.value.code == "too_many_payments"

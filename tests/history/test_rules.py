"""The amount rules of borrowing and repayment (history.rules), asked by forms and services.

The services' and pages' tests check the rules in context; this file checks the one place
that says them: the bounds, and that form and service refuse alike with one message.
"""

import pytest

from history import rules
from history.forms import BorrowForm, RepayForm


def refusal(check, **values):
    with pytest.raises(rules.LedgerRefusal) as refused:
        check(**values)
    return refused.value


@pytest.mark.parametrize("amount", [rules.MINIMUM_AMOUNT, 5_000, 20_000])
def test_borrowing_from_the_minimum_up_to_the_available_credit_is_allowed(amount):
    rules.check_borrowing_amount(amount=amount, available=20_000)


@pytest.mark.parametrize(
    ("amount", "available"),
    [(0, 20_000), (rules.MINIMUM_AMOUNT - 1, 20_000), (20_001, 20_000), (500, 500)],
)
def test_borrowing_outside_the_range_is_refused_with_the_minimum_and_the_available(
    amount, available
):
    refused = refusal(rules.check_borrowing_amount, amount=amount, available=available)

    assert refused.code == "amount_out_of_range"
    assert refused.message == (
        f"お借入れ金額は{rules.MINIMUM_AMOUNT:,}円以上、"
        f"ご利用可能額（{available:,}円）以内で入力してください。"
    )


@pytest.mark.parametrize(
    ("amount", "payoff"),
    [(rules.MINIMUM_AMOUNT, 20_000), (20_000, 20_000), (999, 999), (1, 1)],
)
def test_repayment_from_the_minimum_up_to_the_payoff_or_a_small_payoff_exactly_is_allowed(
    amount, payoff
):
    rules.check_repayment_amount(amount=amount, payoff=payoff)


@pytest.mark.parametrize(
    ("amount", "payoff"),
    [(0, 20_000), (999, 20_000), (20_001, 20_000), (998, 999), (0, 0), (1_000, 0)],
)
def test_repayment_outside_the_range_is_refused_with_the_minimum_and_the_payoff(amount, payoff):
    refused = refusal(rules.check_repayment_amount, amount=amount, payoff=payoff)

    assert refused.code == "amount_out_of_range"
    assert refused.message == (
        f"ご返済金額は{rules.MINIMUM_AMOUNT:,}円以上、"
        f"完済金額（{payoff:,}円）以内で入力してください。"
    )


@pytest.mark.parametrize(
    ("form_class", "check", "maximum_name"),
    [
        (BorrowForm, rules.check_borrowing_amount, "available"),
        (RepayForm, rules.check_repayment_amount, "payoff"),
    ],
)
@pytest.mark.parametrize("amount", [0, 999, 30_001])
def test_the_forms_refuse_what_the_rules_refuse_with_the_same_code_and_message(
    form_class, check, maximum_name, amount
):
    form = form_class({"amount": str(amount)}, maximum=30_000)
    refused = refusal(check, amount=amount, **{maximum_name: 30_000})

    assert not form.is_valid()
    [error] = form.errors.as_data()["amount"]
    assert (error.code, error.message) == (refused.code, refused.message)


@pytest.mark.parametrize("form_class", [BorrowForm, RepayForm])
def test_the_forms_help_text_states_the_minimum(form_class):
    help_text = form_class(maximum=30_000).fields["amount"].help_text

    assert help_text.startswith(f"{rules.MINIMUM_AMOUNT:,}円以上、")

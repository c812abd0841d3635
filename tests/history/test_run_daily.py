"""The daily ledger job `python manage.py run_daily` (SPEC §6, delinquency).

The minimum not paid by the due date → the contract is `suspended` from the day after
(no new borrowing) until paid up, and late damages run at 20.0% a year on the principal.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from history import services
from history.models import DueStatus, LedgerEntry
from history.selectors import loan_position
from members.models import ContractStatus, DueDay, LoanContract, StatementDelivery
from tests.factories import MemberFactory, TransferAccountFactory
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db

D = dt.date


def run_daily() -> str:
    out = StringIO()
    call_command("run_daily", stdout=out)
    return out.getvalue()


def status_of(member) -> str:
    return LoanContract.objects.get(member=member).status


def snapshot() -> list[tuple]:
    """Everything the job could touch, and the figures members see."""
    contracts = LoanContract.objects.order_by("pk")
    return [
        (
            contract.pk,
            contract.status,
            contract.principal_balance,
            DueStatus.objects.filter(contract=contract)
            .values_list("next_due_date", "paid_toward_due")
            .first(),
            LedgerEntry.objects.filter(member_id=contract.member_id).count(),
        )
        for contract in contracts
    ]


def new_borrower(**contract):
    member = MemberFactory(
        statement_delivery=StatementDelivery.POST,
        **{f"contract__{name}": value for name, value in contract.items()},
    )
    TransferAccountFactory(member=member)
    return member


@pytest.fixture
def debtor(time_machine):
    """Borrowed 100,000 yen on 2026-12-10: due 2027-01-25, minimum 4,000 yen."""
    time_machine.move_to(tokyo(2026, 12, 10), tick=False)
    member = new_borrower()
    services.borrow(member=member, amount=100_000)
    return member


def test_a_contract_is_suspended_the_day_after_an_unpaid_due_date(debtor, time_machine):
    time_machine.move_to(tokyo(2027, 1, 25, 23, 59), tick=False)
    run_daily()
    assert status_of(debtor) == ContractStatus.ACTIVE  # the due date itself is not late

    time_machine.move_to(tokyo(2027, 1, 26, 0, 5), tick=False)
    output = run_daily()

    assert status_of(debtor) == ContractStatus.SUSPENDED
    assert "Suspended 1" in output


def test_a_due_date_moved_off_a_sunday_is_late_only_after_the_monday(time_machine):
    """Due day 25 in July 2027: Sunday 07-25 moves to Monday 07-26."""
    time_machine.move_to(tokyo(2027, 6, 10), tick=False)
    member = new_borrower()
    services.borrow(member=member, amount=50_000)
    assert member.contract.due_status.next_due_date == D(2027, 7, 26)

    time_machine.move_to(tokyo(2027, 7, 26, 20, 0), tick=False)
    run_daily()
    assert status_of(member) == ContractStatus.ACTIVE

    time_machine.move_to(tokyo(2027, 7, 27, 6, 0), tick=False)
    run_daily()
    assert status_of(member) == ContractStatus.SUSPENDED


def test_running_twice_changes_nothing_more(debtor, time_machine):
    bystander = new_borrower()
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)

    first_output = run_daily()
    after_first = snapshot()
    position = loan_position(contract=debtor.contract, on=D(2027, 1, 27))
    second_output = run_daily()

    assert snapshot() == after_first
    assert loan_position(contract=debtor.contract, on=D(2027, 1, 27)) == position
    assert "Suspended 1" in first_output
    assert "Suspended 0" in second_output and "reinstated 0" in second_output
    assert status_of(bystander) == ContractStatus.ACTIVE


def test_late_damages_accrue_day_by_day_while_overdue(debtor, time_machine):
    figures = {}
    for day in (D(2027, 1, 25), D(2027, 1, 26), D(2027, 1, 27), D(2027, 2, 24)):
        time_machine.move_to(tokyo(day.year, day.month, day.day), tick=False)
        run_daily()
        position = loan_position(contract=debtor.contract, on=day)
        figures[day] = (position.late_damages, position.overdue_amount)

    # 100,000 yen × 20% ÷ 365 a day, truncated: 1 day 54.79, 2 days 109.59, 30 days 1,643.8
    assert figures == {
        D(2027, 1, 25): (0, 0),
        D(2027, 1, 26): (54, 4_054),
        D(2027, 1, 27): (109, 4_109),
        D(2027, 2, 24): (1_643, 5_643),
    }


def test_paying_up_lifts_the_suspension(debtor, time_machine):
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)
    run_daily()
    assert status_of(debtor) == ContractStatus.SUSPENDED

    services.repay(member=debtor, amount=4_109)  # the minimum plus the late damages
    run_daily()

    assert status_of(debtor) == ContractStatus.ACTIVE
    time_machine.move_to(tokyo(2027, 2, 1), tick=False)
    run_daily()
    assert status_of(debtor) == ContractStatus.ACTIVE  # the next due date is 02-25


def test_the_suspension_lasts_until_every_missed_minimum_is_paid(debtor, time_machine):
    """01-25 and 02-25 passed unpaid: paying one minimum (and the damages) is not enough."""
    time_machine.move_to(tokyo(2027, 2, 26), tick=False)
    run_daily()
    assert status_of(debtor) == ContractStatus.SUSPENDED

    services.repay(member=debtor, amount=4_000 + 1_753)
    run_daily()
    assert status_of(debtor) == ContractStatus.SUSPENDED
    time_machine.move_to(tokyo(2027, 2, 27), tick=False)
    run_daily()
    assert status_of(debtor) == ContractStatus.SUSPENDED
    overdue = loan_position(contract=debtor.contract, on=D(2027, 2, 27)).overdue_amount
    # The second minimum and a day's damages on 98,243 yen (2,243 of the 4,000 was interest).
    assert overdue == 4_000 + 53  # 98,243 × 20% ÷ 365 = 53.83

    services.repay(member=debtor, amount=overdue)
    output = run_daily()

    assert status_of(debtor) == ContractStatus.ACTIVE
    assert "reinstated 0" in output  # the repayment itself lifted it
    time_machine.move_to(tokyo(2027, 3, 25, 23, 0), tick=False)
    run_daily()
    assert status_of(debtor) == ContractStatus.ACTIVE  # next due 03-25


def test_a_partial_payment_does_not_lift_the_suspension(debtor, time_machine):
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)
    run_daily()

    services.repay(member=debtor, amount=4_108)
    run_daily()

    assert status_of(debtor) == ContractStatus.SUSPENDED


def test_the_job_lifts_a_suspension_a_staff_write_off_cleared(debtor, time_machine):
    """Staff adjust the principal to 0 (no repayment): nothing is owed, so the job
    reinstates the contract."""
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)
    run_daily()

    services.post_adjustment(member=debtor, principal_change=-100_000, note="債権放棄")
    output = run_daily()

    assert status_of(debtor) == ContractStatus.ACTIVE
    assert "reinstated 1" in output


def test_paying_the_minimum_before_the_due_date_keeps_the_contract_active(debtor, time_machine):
    time_machine.move_to(tokyo(2027, 1, 20), tick=False)
    services.repay(member=debtor, amount=4_000)

    time_machine.move_to(tokyo(2027, 1, 26), tick=False)
    run_daily()

    assert status_of(debtor) == ContractStatus.ACTIVE
    assert loan_position(contract=debtor.contract, on=D(2027, 1, 26)).overdue_amount == 0


def test_terminated_and_paid_off_contracts_are_never_suspended(time_machine):
    time_machine.move_to(tokyo(2026, 12, 10), tick=False)
    terminated = new_borrower()
    services.borrow(member=terminated, amount=100_000)
    LoanContract.objects.filter(member=terminated).update(status=ContractStatus.TERMINATED)
    paid_off = new_borrower(due_day=DueDay.FIFTH)
    services.borrow(member=paid_off, amount=100_000)
    time_machine.move_to(tokyo(2026, 12, 11), tick=False)
    services.repay(
        member=paid_off,
        amount=loan_position(contract=paid_off.contract, on=D(2026, 12, 11)).payoff,
    )
    never_borrowed = new_borrower()

    time_machine.move_to(tokyo(2027, 3, 1), tick=False)  # long after every due date
    run_daily()
    run_daily()

    assert status_of(terminated) == ContractStatus.TERMINATED
    assert status_of(paid_off) == ContractStatus.ACTIVE
    assert status_of(never_borrowed) == ContractStatus.ACTIVE


def test_the_suspended_contract_cannot_borrow(debtor, time_machine):
    time_machine.move_to(tokyo(2027, 1, 27), tick=False)
    run_daily()

    with pytest.raises(services.LedgerRefusal) as refused:
        services.borrow(member=debtor, amount=1_000)

    assert refused.value.code == "contract_suspended"

"""Seeded ledger histories for demo personas and generated members (history.seeding).

The personas `delinquent`, `interest_free` and `paid_off` must be in those states by what
the ledger says (positions computed from the entries), not by a flag; every seeded history
must be one the services could have written: balances, splits and due dates follow from
the entries in order.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from demo.fake_data import Scenario, generate_members, seed_generated_histories
from demo.personas import PERSONAS_BY_KEY, reset_demo_personas
from history import services
from history.models import InterestFreePeriod, InterestFreeSource, Kind, LedgerEntry
from history.selectors import loan_position, local_date
from members.models import ContractStatus, LoanContract, Member
from portal import clock
from tests.factories import MemberFactory
from tests.helpers import tokyo
from tests.history.replay import position_of, replay

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")

# Days on which a demo may be reset: the tests' quiet Wednesday, New Year, a leap day,
# Golden Week, and a month end.
RESET_DAYS = [
    dt.datetime(2026, 12, 9, 12, 0, tzinfo=TOKYO),
    dt.datetime(2026, 2, 24, 2, 48, tzinfo=TOKYO),  # paid_off's payoff shared a day once
    dt.datetime(2027, 1, 4, 8, 0, tzinfo=TOKYO),
    dt.datetime(2028, 2, 29, 21, 0, tzinfo=TOKYO),
    dt.datetime(2027, 5, 6, 10, 0, tzinfo=TOKYO),
    dt.datetime(2027, 8, 31, 18, 0, tzinfo=TOKYO),
]


def persona_members() -> dict[str, Member]:
    return {
        key: Member.objects.get(member_number=persona.member_number)
        for key, persona in PERSONAS_BY_KEY.items()
    }


@pytest.fixture(params=RESET_DAYS, ids=[moment.date().isoformat() for moment in RESET_DAYS])
def personas(request, time_machine):
    time_machine.move_to(request.param, tick=False)
    reset_demo_personas()
    return persona_members()


# --- Demo personas -----------------------------------------------------------------------


def test_every_persona_history_follows_the_ledgers_rules(personas):
    for key, member in personas.items():
        state = replay(member)
        assert LoanContract.objects.get(member=member).principal_balance == state.principal, key


def test_the_delinquent_persona_is_overdue_by_the_ledger(personas):
    member = personas["delinquent"]
    position = position_of(member)

    assert position.principal > 0
    assert position.overdue_since is not None
    assert position.overdue_since <= clock.today()
    assert position.next_due_date < clock.today()
    assert position.late_damages > 0
    assert position.overdue_amount >= position.remaining_due > 0
    # Each missed due date owes its own minimum.
    assert position.due_dates_missed >= 1
    assert position.remaining_due == min(
        position.due_dates_missed * position.minimum_payment - position.paid_toward_due,
        position.principal + position.interest,
    )
    assert position.overdue_amount == position.remaining_due + position.late_damages
    assert LoanContract.objects.get(member=member).status == ContractStatus.SUSPENDED
    # The daily job agrees with the seeded status.
    call_command("run_daily")
    assert LoanContract.objects.get(member=member).status == ContractStatus.SUSPENDED
    with pytest.raises(services.LedgerRefusal):
        services.borrow(member=member, amount=1_000)


def test_the_interest_free_persona_is_inside_its_first_thirty_days(personas):
    member = personas["interest_free"]
    position = position_of(member)
    (period,) = InterestFreePeriod.objects.filter(member=member)
    (borrowing,) = LedgerEntry.objects.filter(member=member)

    assert period.source == InterestFreeSource.FIRST_TIME
    assert borrowing.kind == Kind.BORROWING
    assert period.first_day == local_date(borrowing.occurred_at) + dt.timedelta(days=1)
    assert period.last_day == local_date(borrowing.occurred_at) + dt.timedelta(days=30)
    assert period.first_day <= clock.today() <= period.last_day
    assert position.principal == borrowing.amount > 0
    assert position.interest == 0
    assert 1 <= position.interest_free_days_left <= 30
    assert position.overdue_since is None


def test_the_paid_off_persona_owes_nothing_after_a_real_history(personas):
    member = personas["paid_off"]
    position = position_of(member)
    entries = LedgerEntry.objects.filter(member=member)
    last_repayment = entries.filter(kind=Kind.REPAYMENT).newest_first().first()

    assert entries.filter(kind=Kind.BORROWING).exists()
    assert last_repayment is not None and last_repayment.principal_after == 0
    assert (last_repayment.interest_unpaid, last_repayment.late_damages_unpaid) == (0, 0)
    assert (position.principal, position.payoff, position.minimum_payment) == (0, 0, 0)
    assert position.next_due_date is None
    contract = LoanContract.objects.get(member=member)
    assert contract.status == ContractStatus.ACTIVE
    assert contract.credit_limit - position.principal == contract.credit_limit


@pytest.mark.parametrize(
    "key", ["standard", "card_only", "webid_locked", "card_locked", "points_rich", "new_device"]
)
def test_personas_in_good_standing_owe_something_and_nothing_is_overdue(personas, key):
    position = position_of(personas[key])

    assert position.principal > 0
    assert position.overdue_since is None
    assert position.next_due_date >= clock.today()
    assert LoanContract.objects.get(member=personas[key]).status == ContractStatus.ACTIVE


def test_the_terminated_persona_stays_terminated_and_paid_off(personas):
    member = personas["terminated"]

    assert LoanContract.objects.get(member=member).status == ContractStatus.TERMINATED
    assert position_of(member).payoff == 0


def test_resetting_again_gives_the_same_ledgers(time_machine):
    time_machine.move_to(RESET_DAYS[0], tick=False)
    reset_demo_personas()

    def ledgers():
        return {
            key: list(
                LedgerEntry.objects.filter(member=member)
                .oldest_first()
                .values_list("occurred_at", "kind", "amount", "principal_after")
            )
            for key, member in persona_members().items()
        }

    first = ledgers()
    reset_demo_personas()

    assert ledgers() == first
    assert LedgerEntry.objects.count() == sum(len(entries) for entries in first.values())


# --- Generated members --------------------------------------------------------------------

SCENARIOS = ["standard", "delinquent", "paid_off", "interest_free", "no_web_id", None]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_generated_histories_follow_the_ledgers_rules(scenario):
    members = MemberFactory.create_batch(6)

    seed_generated_histories(members, scenario=scenario, seed=7)

    for member in members:
        state = replay(member)
        contract = LoanContract.objects.get(member=member)
        overdue = state.next_due_date is not None and state.next_due_date < clock.today()
        assert contract.status == (ContractStatus.SUSPENDED if overdue else ContractStatus.ACTIVE)


@pytest.mark.parametrize(
    ("scenario", "check"),
    [
        ("delinquent", lambda p: p.overdue_since is not None and p.overdue_amount > 0),
        ("paid_off", lambda p: p.payoff == 0 and p.next_due_date is None),
        ("interest_free", lambda p: p.interest == 0 and p.interest_free_days_left > 0),
        ("standard", lambda p: p.principal > 0 and p.overdue_since is None),
    ],
)
def test_generated_members_are_in_the_state_of_their_scenario(scenario, check):
    members = MemberFactory.create_batch(5)

    seed_generated_histories(members, scenario=scenario, seed=11)

    for member in members:
        assert check(position_of(member)), (scenario, member)


def test_seeded_histories_end_before_today():
    members = MemberFactory.create_batch(8)

    seed_generated_histories(members, scenario=None, seed=3)

    start_of_today = dt.datetime.combine(clock.today(), dt.time(0, 0), tzinfo=TOKYO)
    assert not LedgerEntry.objects.filter(occurred_at__gte=start_of_today).exists()


SCENARIO_HOLDS = {
    # scenario: what every generated member of it must show on the day it is generated
    Scenario.DELINQUENT: lambda p: p.overdue_since is not None and p.principal > 0,
    Scenario.STANDARD: lambda p: p.overdue_since is None and p.principal > 0,
    Scenario.PAID_OFF: lambda p: p.principal == 0 and p.payoff == 0,
    Scenario.INTEREST_FREE: lambda p: p.interest_free_days_left > 0,
}


@pytest.mark.parametrize("scenario", SCENARIO_HOLDS, ids=str)
def test_a_scenario_holds_for_every_member_whatever_the_seed_and_the_day(scenario):
    """Long histories (100 transactions) on days spread over two months, with a new seed
    each day: minimums that would pay a loan off, or a borrowing whose first due date is
    still ahead, must not turn a generated member into another scenario."""
    broken = []
    for offset in range(0, 60, 7):
        moment = tokyo(2026, 11, 1, 10) + dt.timedelta(days=offset)
        with time_machine.travel(moment, tick=False):
            for member in generate_members(
                count=6, seed=offset, scenario=scenario, transactions=100
            ):
                position = loan_position(contract=member.contract, on=clock.today())
                if not SCENARIO_HOLDS[scenario](position):
                    broken.append((moment.date(), member.member_number, position))
    assert broken == []

"""Seeded ledger histories (history.seeding) for demo personas and generated members.

The personas `delinquent`, `interest_free` and `paid_off` must be in those states by what
the ledger says (positions computed from the entries), not by a flag; every seeded history
must be one the services could have written: balances, splits and due dates follow from
the entries in order.
"""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from history import accounting, services
from history.accounting import LedgerState
from history.interest import Period, merge_periods
from history.models import DueStatus, InterestFreePeriod, InterestFreeSource, Kind, LedgerEntry
from history.seeding import Plan, seed_generated_histories, seed_histories, simulate
from history.selectors import ledger_state, loan_position, local_date, terms_of
from members.demo import PERSONAS_BY_KEY, reset_demo_personas
from members.models import ContractStatus, LoanContract, Member
from portal import clock
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
D = dt.date

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


def replay(member: Member) -> LedgerState:
    """Play the member's entries, oldest first, through the ledger's rules and check that
    each one is what the services would have written. Return the resulting state."""
    contract = LoanContract.objects.get(member=member)
    terms = terms_of(contract)
    free = merge_periods(
        Period(first, last)
        for first, last in InterestFreePeriod.objects.filter(member=member).values_list(
            "first_day", "last_day"
        )
    )
    state = LedgerState(free_periods=tuple(free))
    balance, last_waived = 0, None
    for entry in LedgerEntry.objects.filter(member=member).oldest_first():
        on = local_date(entry.occurred_at)
        if entry.kind == Kind.BORROWING:
            balance += entry.amount
            state = accounting.after_borrowing(
                state=state, amount=entry.amount, terms=terms, on=on, first_time_free=False
            )
        elif entry.kind == Kind.REPAYMENT:
            position = accounting.position_on(state=state, terms=terms, on=on)
            split = accounting.split_repayment(position, entry.amount)
            assert entry.amount <= position.payoff, entry
            assert (entry.late_damages_paid, entry.interest_paid, entry.principal_paid) == (
                split.late_damages_paid,
                split.interest_paid,
                split.principal_paid,
            ), entry
            assert (entry.interest_unpaid, entry.late_damages_unpaid) == (
                split.interest_unpaid,
                split.late_damages_unpaid,
            ), entry
            balance -= entry.principal_paid
            last_waived = position.interest_waived
            state = accounting.after_repayment(
                state=state, position=position, repayment=split, terms=terms, on=on
            )
        elif entry.kind == Kind.INTEREST_FREE_BENEFIT:
            assert entry.amount == last_waived, entry
        assert entry.principal_after == balance >= 0, entry
    assert state.principal == balance == contract.principal_balance
    assert ledger_state(contract).principal == balance
    due = DueStatus.objects.filter(contract=contract).first()
    if state.has_borrowed:
        assert (due.next_due_date, due.paid_toward_due) == (
            state.next_due_date,
            state.paid_toward_due,
        )
    return state


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


def position_of(member):
    return loan_position(contract=LoanContract.objects.get(member=member), on=clock.today())


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

    seed_generated_histories(None, members=members, scenario=scenario, seed=7)

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

    seed_generated_histories(None, members=members, scenario=scenario, seed=11)

    for member in members:
        assert check(position_of(member)), (scenario, member)


def test_generated_histories_have_about_the_requested_number_of_entries():
    members = MemberFactory.create_batch(10)

    seed_histories([(m, Plan.STANDARD) for m in members], today=clock.today(), transactions=100)

    for member in members:
        assert 60 <= LedgerEntry.objects.filter(member=member).count() <= 140
        replay(member)


@pytest.mark.parametrize("plan", [Plan.STANDARD, Plan.PAID_OFF, Plan.DELINQUENT])
def test_simulated_entries_are_in_time_order_as_played(plan):
    """Entries played on one day keep their order once read back by time."""
    member = MemberFactory()
    for seed in range(40):
        for today in (D(2026, 2, 24), D(2026, 12, 9), D(2027, 7, 1)):
            history = simulate(
                member=member,
                contract=member.contract,
                plan=plan,
                today=today,
                rng=random.Random(seed),
            )
            moments = [entry.occurred_at for entry in history.entries]
            repayments = [e.occurred_at for e in history.entries if e.kind == Kind.REPAYMENT]
            assert moments == sorted(moments), (seed, today)
            assert len(set(repayments)) == len(repayments), (seed, today)


def test_members_who_never_borrowed_get_an_empty_ledger():
    member = MemberFactory()

    written = seed_histories([(member, Plan.NEVER_BORROWED)], today=clock.today())

    assert written == 0
    assert position_of(member).payoff == 0
    assert LoanContract.objects.get(member=member).status == ContractStatus.ACTIVE


def test_seeded_histories_end_before_today():
    members = MemberFactory.create_batch(8)

    seed_generated_histories(None, members=members, scenario=None, seed=3)

    start_of_today = dt.datetime.combine(clock.today(), dt.time(0, 0), tzinfo=TOKYO)
    assert not LedgerEntry.objects.filter(occurred_at__gte=start_of_today).exists()


def test_seeded_members_can_go_on_borrowing_and_repaying_consistently(time_machine):
    """Services writing after a seeded history keep the balance equal to the ledger."""
    plans = [Plan.STANDARD, Plan.PAID_OFF, Plan.INTEREST_FREE, Plan.DELINQUENT]
    members = MemberFactory.create_batch(len(plans))
    seed_histories(list(zip(members, plans, strict=True)), today=clock.today())

    for member in members:
        position = position_of(member)
        if position.payoff:
            services.repay(member=member, amount=position.payoff)
        replay(member)
        assert LoanContract.objects.get(member=member).principal_balance == 0

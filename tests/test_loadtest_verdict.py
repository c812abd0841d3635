"""`make loadtest`'s verdict (loadtest/run.py): what fails the run, given what the load
generator reported and what the database holds afterwards."""

import pytest

from history import services
from history.models import LedgerEntry
from loadtest.run import _failures, _table
from members.models import LoanContract
from tests.factories import MemberFactory, TransferAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def testers():
    members = [MemberFactory(), MemberFactory()]
    for member in members:
        TransferAccountFactory(member=member)
    return members


def _results(testers, *, statuses=None, booked=None, problems=()):
    return {
        "seconds": 10.0,
        "statuses": statuses or {"mypage": {"200": 10}, "borrow (confirm)": {"302": 2}},
        "latencies": {"mypage": [0.01] * 10, "borrow (confirm)": [0.02, 0.03]},
        "problems": list(problems),
        "booked": booked or {member.card_number: [] for member in testers},
    }


def _logins(testers):
    return [{"card_number": member.card_number, "pin": "0000"} for member in testers]


def _first_new_entry():
    return (LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1


def test_a_clean_run_passes(testers):
    first = _first_new_entry()
    entry = services.borrow(member=testers[0], amount=10_000)
    booked = {testers[0].card_number: [entry.pk], testers[1].card_number: []}

    assert _failures(_results(testers, booked=booked), _logins(testers), first) == []


def test_a_5xx_or_no_answer_fails_it(testers):
    statuses = {"mypage": {"200": 8, "502": 1}, "history": {"error ConnectionResetError": 1}}

    failures = _failures(_results(testers, statuses=statuses), _logins(testers), 1)

    assert failures == ["mypage: 1 answered 502", "history: 1 answered error ConnectionResetError"]


def test_an_entry_booked_but_not_confirmed_to_the_tester_fails_it(testers):
    first = _first_new_entry()
    services.borrow(member=testers[1], amount=10_000)  # a second entry no tester was shown

    (failure,) = _failures(_results(testers), _logins(testers), first)

    assert failure.startswith(f"member {testers[1].pk}: entries booked [")


def test_a_problem_the_generator_saw_fails_it(testers):
    problems = ["0000: borrow confirmed twice answered 302 /a and 302 /b"]

    assert _failures(_results(testers, problems=problems), _logins(testers), 1) == problems


def test_a_balance_off_its_ledger_fails_it(testers):
    LoanContract.objects.filter(member=testers[0]).update(principal_balance=5)

    (failure,) = _failures(_results(testers), _logins(testers), 1)

    assert (
        failure == f"member {testers[0].pk}: the contract's balance is 5, the ledger adds up to 0"
    )


def test_the_table_has_a_row_per_page_and_the_total(testers):
    table = _table(_results(testers))

    rows = [" ".join(line.split()) for line in table.splitlines()]
    assert "borrow (confirm) 2 302×2 25 30" in rows
    assert "mypage 10 200×10 10 10" in rows
    assert "all 12 1.2 req/s" in rows

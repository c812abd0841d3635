"""The point ledger (points.services): balance = sum of entries ≥ 0, earnings once."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from points import rules, selectors, services
from points.models import PointAccount, PointEntry, Reason
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def joined():
    member = MemberFactory()
    services.join(member=member)
    return member


def sum_of_entries(member) -> int:
    return PointEntry.objects.filter(member=member).aggregate(total=Sum("points"))["total"] or 0


def test_joining_gives_the_joining_points_once(joined):
    assert selectors.balance_of(joined) == rules.JOIN_POINTS

    with pytest.raises(services.PointRefusal) as refused:
        services.join(member=joined)

    assert refused.value.code == "already_joined"
    assert selectors.balance_of(joined) == rules.JOIN_POINTS
    assert list(PointEntry.objects.values_list("reason", "points")) == [("join", 100)]


def test_a_member_who_has_not_joined_has_no_balance_and_earns_nothing():
    member = MemberFactory()

    earned = services.earn(
        member=member, reason=Reason.MONTHLY_LOGIN, points=10, reference="2026-12"
    )

    assert earned is None
    assert selectors.balance_of(member) is None
    assert not PointEntry.objects.exists()


@pytest.mark.parametrize("operation", ["spend", "adjust"])
def test_spending_or_deducting_without_joining_is_refused(operation):
    member = MemberFactory()
    with pytest.raises(services.PointRefusal) as refused:
        if operation == "spend":
            services.spend(member=member, points=40, reference="atm_fee_free")
        else:
            services.adjust(member=member, points=-5, note="誤付与の取消")
    assert refused.value.code == "not_joined"


def test_an_earning_is_credited_once_per_reference(joined):
    first = services.earn(
        member=joined, reason=Reason.MONTHLY_LOGIN, points=10, reference="2026-12"
    )
    again = services.earn(
        member=joined, reason=Reason.MONTHLY_LOGIN, points=10, reference="2026-12"
    )
    next_month = services.earn(
        member=joined, reason=Reason.MONTHLY_LOGIN, points=10, reference="2027-01"
    )

    assert first is not None and next_month is not None
    assert again is None
    assert selectors.balance_of(joined) == 100 + 10 + 10


def test_the_database_refuses_a_second_earning_of_one_reference(joined):
    services.earn(member=joined, reason=Reason.NOTICE, points=5, reference="7")

    with pytest.raises(IntegrityError), transaction.atomic():
        PointEntry.objects.create(
            member=joined, reason=Reason.NOTICE, reference="7", points=5, balance_after=110
        )


def test_the_database_refuses_a_negative_balance(joined):
    with pytest.raises(IntegrityError), transaction.atomic():
        PointAccount.objects.filter(member=joined).update(balance=-1)


def test_spending_more_than_the_balance_is_refused_and_changes_nothing(joined):
    with pytest.raises(services.PointRefusal) as refused:
        services.spend(member=joined, points=101, reference="interest_free_7")

    assert refused.value.code == "insufficient_points"
    assert selectors.balance_of(joined) == 100
    assert PointEntry.objects.count() == 1


def test_spending_the_whole_balance_leaves_zero(joined):
    entry = services.spend(member=joined, points=100, reference="interest_free_7")

    assert (entry.points, entry.balance_after, entry.reason) == (-100, 0, Reason.REDEMPTION)
    assert selectors.balance_of(joined) == 0


def test_staff_adjustments_need_a_reason_and_record_it(joined):
    with pytest.raises(ValueError):
        services.adjust(member=joined, points=50, note="  ")

    grant = services.adjust(member=joined, points=50, note="お詫びの付与")
    deduction = services.adjust(member=joined, points=-30, note="誤付与の取消")

    assert (grant.reason, grant.note) == (Reason.STAFF_GRANT, "お詫びの付与")
    assert deduction.reason == Reason.STAFF_DEDUCTION
    assert selectors.balance_of(joined) == 120


def test_history_lists_newest_first_with_the_balance_after_each_entry(joined):
    services.earn(member=joined, reason=Reason.NOTICE, points=20, reference="3")
    services.spend(member=joined, points=40, reference="atm_fee_free")

    rows = list(selectors.history_of(joined).values_list("points", "balance_after"))

    assert rows == [(-40, 80), (20, 120), (100, 100)]


@pytest.mark.parametrize(
    ("day", "last_day"),
    [
        (dt.date(2026, 12, 4), dt.date(2027, 1, 31)),
        (dt.date(2027, 1, 31), dt.date(2027, 2, 28)),
        (dt.date(2028, 1, 1), dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 30), dt.date(2026, 12, 31)),
    ],
)
def test_the_atm_fee_waiver_runs_to_the_end_of_next_month(day, last_day):
    assert rules.end_of_next_month(day) == last_day


def test_the_benefits_cost_what_spec_7_says():
    costs = {key: benefit.cost for key, benefit in rules.BENEFITS.items()}
    days = {key: benefit.interest_free_days for key, benefit in rules.BENEFITS.items()}

    assert costs == {
        "atm_fee_free": 40,
        "interest_free_7": 250,
        "interest_free_15": 400,
        "interest_free_30": 700,
    }
    assert days == {
        "atm_fee_free": 0,
        "interest_free_7": 7,
        "interest_free_15": 15,
        "interest_free_30": 30,
    }


operations = st.lists(
    st.one_of(
        st.tuples(st.just("earn"), st.integers(1, 200), st.sampled_from(["a", "b", "c", "d"])),
        st.tuples(st.just("spend"), st.integers(1, 400), st.just("")),
        st.tuples(st.just("adjust"), st.integers(-300, 300).filter(bool), st.just("")),
    ),
    max_size=25,
)


class TestAnySequenceKeepsTheBalance(TestCase):
    @settings(max_examples=40, deadline=None)
    @given(operations)
    def test_balance_is_the_sum_of_entries_and_never_negative(self, steps):
        member = MemberFactory()
        services.join(member=member)
        expected = rules.JOIN_POINTS
        earned = set()
        for operation, points, reference in steps:
            try:
                if operation == "earn":
                    services.earn(
                        member=member, reason=Reason.NOTICE, points=points, reference=reference
                    )
                    if reference not in earned:
                        earned.add(reference)
                        expected += points
                elif operation == "spend":
                    services.spend(member=member, points=points, reference="x")
                    expected -= points
                else:
                    services.adjust(member=member, points=points, note="調整")
                    expected += points
            except services.PointRefusal as refusal:
                assert refusal.code == "insufficient_points"
                assert expected - abs(points) < 0
            balance = selectors.balance_of(member)
            assert balance == expected == sum_of_entries(member)
            assert balance >= 0

"""Redemption and the monthly login at the service level (points.services, handlers)."""

import pytest
from django.contrib.auth.signals import user_logged_in
from django.db.models import Sum
from django.test import RequestFactory
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from history import services as history_services
from history.models import AtmFeeWaiver, InterestFreePeriod
from points import rules, selectors, services
from points.models import PointEntry, Reason
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def joined():
    member = MemberFactory()
    services.join(member=member)
    services.adjust(member=member, points=900, note="テスト付与")  # 1,000 points
    return member


def test_an_unknown_benefit_is_refused(joined):
    with pytest.raises(services.PointRefusal) as refused:
        services.redeem(member=joined, benefit="interest_free_8")

    assert refused.value.code == "invalid_choice"
    assert selectors.balance_of(joined) == 1_000


def test_redeeming_without_joining_is_refused_and_grants_nothing():
    member = MemberFactory()

    with pytest.raises(services.PointRefusal) as refused:
        services.redeem(member=member, benefit="interest_free_7")

    assert refused.value.code == "not_joined"
    assert not InterestFreePeriod.objects.exists()


def test_a_failing_grant_spends_nothing(joined, monkeypatch):
    """Spending and granting are one transaction: no points go without the benefit."""

    def broken(**kwargs):
        raise RuntimeError("the ledger is unavailable")

    monkeypatch.setattr(history_services, "grant_interest_free_days", broken)

    with pytest.raises(RuntimeError):
        services.redeem(member=joined, benefit="interest_free_7")

    assert selectors.balance_of(joined) == 1_000
    assert not PointEntry.objects.filter(reason=Reason.REDEMPTION).exists()


def test_the_entry_notes_the_period_granted(joined):
    entry = services.redeem(member=joined, benefit="interest_free_15")
    waiver = services.redeem(member=joined, benefit="atm_fee_free")

    assert entry.note == "無利息15日間（2026/12/09〜2026/12/23）"
    assert waiver.note == "提携ATM手数料無料（翌月末まで）（2026/12/09〜2027/01/31）"


def test_check_redemption_reads_only(joined, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        services.check_redemption(member=joined, benefit="atm_fee_free")
    services.redeem(member=joined, benefit="interest_free_30")  # 300 left

    with pytest.raises(services.PointRefusal) as refused:
        services.check_redemption(member=joined, benefit="interest_free_15")

    assert refused.value.code == "insufficient_points"
    assert PointEntry.objects.filter(reason=Reason.REDEMPTION).count() == 1


def _fire_login(user):
    user_logged_in.send(sender=type(user), request=RequestFactory().get("/"), user=user)


def test_staff_logins_earn_nothing_and_break_nothing():
    _fire_login(StaffFactory())

    assert not PointEntry.objects.exists()


def test_the_login_signal_earns_the_month_once(joined):
    _fire_login(joined)
    _fire_login(joined)

    entries = PointEntry.objects.filter(member=joined, reason=Reason.MONTHLY_LOGIN)
    assert list(entries.values_list("reference", "points")) == [("2026-12", 10)]


redemptions = st.lists(
    st.one_of(
        st.tuples(st.just("redeem"), st.sampled_from(sorted(rules.BENEFITS))),
        st.tuples(st.just("earn"), st.sampled_from(["1", "2", "3", "4"])),
    ),
    max_size=20,
)


class TestAnyRedemptionSequenceKeepsTheBalance(TestCase):
    @settings(max_examples=30, deadline=None)
    @given(redemptions, st.integers(0, 1_500))
    def test_balance_is_the_sum_and_each_refusal_is_explained(self, steps, start):
        member = MemberFactory()
        services.join(member=member)
        if start:
            services.adjust(member=member, points=start, note="開始残高")
        expected = rules.JOIN_POINTS + start
        waived = False
        for operation, value in steps:
            if operation == "earn":
                if services.earn(member=member, reason=Reason.NOTICE, points=20, reference=value):
                    expected += 20
                continue
            cost = rules.BENEFITS[value].cost
            try:
                services.redeem(member=member, benefit=value)
            except services.PointRefusal as refusal:
                if refusal.code == "insufficient_points":
                    assert expected < cost
                else:
                    assert refusal.code == "benefit_active"
                    assert value == "atm_fee_free" and waived
            else:
                assert expected >= cost
                expected -= cost
                waived = waived or value == "atm_fee_free"
            total = PointEntry.objects.filter(member=member).aggregate(total=Sum("points"))
            assert selectors.balance_of(member) == expected == total["total"] >= 0
        days = sum(
            rules.BENEFITS[entry.reference].interest_free_days
            for entry in PointEntry.objects.filter(member=member, reason=Reason.REDEMPTION)
        )
        periods = InterestFreePeriod.objects.filter(member=member)
        assert sum((p.last_day - p.first_day).days + 1 for p in periods) == days
        assert AtmFeeWaiver.objects.filter(member=member).count() == int(waived)


def test_a_login_that_earns_nothing_costs_one_query(joined, django_assert_num_queries):
    _fire_login(joined)  # the month's points
    not_joined = MemberFactory()

    # members.signals stamps last_login (one query); points asks one more.
    with django_assert_num_queries(2):
        _fire_login(joined)
    with django_assert_num_queries(2):
        _fire_login(not_joined)

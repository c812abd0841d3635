"""Point histories of the demo personas and generated members (points.seeding)."""

import pytest
from django.db.models import Sum
from django.urls import reverse

from demo.fake_data import generate_members
from demo.personas import PERSONAS, reset_demo_personas
from history.models import AtmFeeWaiver
from points import rules, selectors, services
from points.models import PointAccount, PointEntry, Reason
from portal import clock
from tests.helpers import data

pytestmark = pytest.mark.django_db


def assert_consistent(member):
    """Balance = sum of entries; each entry's balance_after follows from the one before,
    in the order the history page shows them; nothing of this month's login yet."""
    rows = list(
        PointEntry.objects.filter(member=member)
        .order_by("occurred_at", "id")
        .values_list("points", "balance_after", "occurred_at")
    )
    running = 0
    for points, balance_after, occurred_at in rows:
        running += points
        assert balance_after == running >= 0
        assert occurred_at < clock.now()
    assert selectors.balance_of(member) == (running if rows else None)
    assert not PointEntry.objects.filter(
        member=member,
        reason=Reason.MONTHLY_LOGIN,
        reference=rules.month_reference(clock.today()),
    ).exists()
    # Only benefits that are over were played.
    assert not AtmFeeWaiver.objects.filter(member=member, last_day__gte=clock.today()).exists()
    redemptions = PointEntry.objects.filter(member=member, reason=Reason.REDEMPTION)
    assert redemptions.count() == AtmFeeWaiver.objects.filter(member=member).count()


def test_the_personas_have_the_points_they_are_documented_to_have(persona_members):
    for member in persona_members.values():
        assert_consistent(member)
    standard, rich = persona_members["standard"], persona_members["points_rich"]
    assert selectors.balance_of(standard) > rules.JOIN_POINTS
    assert PointEntry.objects.filter(member=standard, reason=Reason.MONTHLY_LOGIN).count() >= 2
    assert selectors.balance_of(rich) >= sum(b.cost for b in rules.BENEFITS.values()) == 1_390
    joined = set(PointAccount.objects.values_list("member__member_number", flat=True))
    assert joined == {standard.member_number, rich.member_number}


def test_reset_demo_restores_the_points(persona_members):
    rich = persona_members["points_rich"]
    before = selectors.balance_of(rich)
    entries_before = PointEntry.objects.filter(member=rich).count()
    services.redeem(member=rich, benefit="interest_free_30")
    services.join(member=persona_members["card_only"])

    reset_demo_personas()

    rich = type(rich).objects.get(member_number=rich.member_number)
    assert selectors.balance_of(rich) == before
    assert PointEntry.objects.filter(member=rich).count() == entries_before
    assert not PointAccount.objects.filter(member__member_number="100000002").exists()


def test_every_benefit_can_be_redeemed_by_points_rich(persona_members):
    rich = persona_members["points_rich"]
    for key in rules.BENEFITS:
        services.redeem(member=rich, benefit=key)
    assert selectors.balance_of(rich) >= 0


def test_demo_page_tells_each_personas_points(client, persona_members):
    html = client.get(reverse("demo:personas")).content.decode()

    for persona in PERSONAS:
        card = html.split(f'data-persona="{persona.key}"')[1].split("</section>")[0]
        balance = selectors.balance_of(persona_members[persona.key])
        if balance is None:
            assert "未入会" in card and "data-points" not in card
        else:
            assert data(card, "points") == str(balance)


def test_a_persona_logging_in_this_month_earns_the_monthly_points(client, persona_members):
    standard = persona_members["standard"]
    before = selectors.balance_of(standard)

    client.force_login(standard, backend="members.backends.CardPinBackend")

    assert selectors.balance_of(standard) == before + rules.MONTHLY_LOGIN_POINTS


def test_generated_members_get_plausible_point_histories():
    members = generate_members(count=60, seed=7)

    accounts = PointAccount.objects.filter(member__in=members)
    assert 20 <= accounts.count() <= 55  # most joined, not all
    for member in members:
        assert_consistent(member)
    reasons = set(PointEntry.objects.values_list("reason", flat=True))
    assert {Reason.JOIN, Reason.MONTHLY_LOGIN, Reason.WEB_STATEMENT} <= reasons
    total = PointEntry.objects.aggregate(total=Sum("points"))["total"]
    assert total == sum(accounts.values_list("balance", flat=True))

"""The month-end registration points (SPEC §7): `manage.py credit_registration_points`."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from history.models import MailPreference
from members.models import StatementDelivery
from points import selectors, services
from points.models import PointEntry, Reason
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("credit_registration_points", *args, stdout=out)
    return out.getvalue()


def joined(**fields):
    member = MemberFactory(**fields)
    services.join(member=member)
    return member


def earned(member) -> set[tuple[str, str]]:
    return set(
        PointEntry.objects.filter(member=member)
        .exclude(reason=Reason.JOIN)
        .values_list("reason", "reference")
    )


def test_each_registration_earns_one_point_for_the_month_that_ended():
    everything = joined(statement_delivery=StatementDelivery.WEB)
    MailPreference.objects.create(member=everything, reminder_enabled=True, transaction_email=True)
    post_only = joined(statement_delivery=StatementDelivery.POST)
    mails_only = joined(statement_delivery=StatementDelivery.POST)
    MailPreference.objects.create(member=mails_only, transaction_email=True)
    not_joined = MemberFactory(statement_delivery=StatementDelivery.WEB)

    output = run()  # the clock is 2026-12-09: November has ended

    assert earned(everything) == {
        (Reason.REMINDER_MAIL, "2026-11"),
        (Reason.TRANSACTION_MAIL, "2026-11"),
        (Reason.WEB_STATEMENT, "2026-11"),
    }
    assert selectors.balance_of(everything) == 103
    assert earned(post_only) == set()
    assert earned(mails_only) == {(Reason.TRANSACTION_MAIL, "2026-11")}
    assert not PointEntry.objects.filter(member=not_joined).exists()
    assert "2026-11: 4" in output


def test_the_mails_count_only_with_a_verified_address():
    member = joined(statement_delivery=StatementDelivery.POST, email_verified=False)
    MailPreference.objects.create(member=member, reminder_enabled=True, transaction_email=True)

    run()

    assert earned(member) == set()


def test_running_twice_credits_nothing_more():
    member = joined()
    MailPreference.objects.create(member=member, reminder_enabled=True)

    run("--month", "2026-10")
    run("--month", "2026-10")
    output = run("--month", "2026-10")

    assert earned(member) == {
        (Reason.REMINDER_MAIL, "2026-10"),
        (Reason.WEB_STATEMENT, "2026-10"),
    }
    assert selectors.balance_of(member) == 102
    assert "2026-10: 0" in output


def test_each_month_is_credited_once_and_balances_follow_the_entries():
    member = joined()
    services.earn(member=member, reason=Reason.NOTICE, points=5, reference="1")

    run("--month", "2026-10")
    run("--month", "2026-11")

    rows = list(
        PointEntry.objects.filter(member=member)
        .order_by("id")
        .values_list("points", "balance_after")
    )
    assert rows == [(100, 100), (5, 105), (1, 106), (1, 107)]
    assert selectors.balance_of(member) == 107


@pytest.mark.parametrize("month", ["2026-12", "2027-01", "2026-13", "26-11", "2026-1", "abc"])
def test_a_month_that_has_not_ended_or_is_no_month_is_refused(month):
    joined()

    with pytest.raises(CommandError):
        run("--month", month)

    assert not PointEntry.objects.exclude(reason=Reason.JOIN).exists()


def test_many_members_cost_a_few_queries_per_batch(django_assert_max_num_queries):
    members = [joined() for _ in range(30)]
    for member in members[::2]:
        MailPreference.objects.create(member=member, transaction_email=True)

    # 30 members in batches of 10: an id list, then per batch a savepoint and five queries.
    with django_assert_max_num_queries(1 + 3 * 7):
        credited = services.credit_registration_points(month="2026-11", batch_size=10)

    assert credited == 30 + 15
    assert all(selectors.balance_of(member) in (101, 102) for member in members)

import pytest
from django.urls import reverse

from history import services
from history.models import InterestFreePeriod, InterestFreeSource, Kind, LedgerEntry
from tests.factories import MemberFactory, TransferAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def borrower(db):
    member = MemberFactory()
    TransferAccountFactory(member=member)
    services.borrow(member=member, amount=50_000)
    return member


def test_staff_post_an_adjustment_instead_of_editing(staff_client, borrower):
    response = staff_client.post(
        reverse("admin:history_ledgerentry_add"),
        {
            "member_number": borrower.member_number,
            "principal_change": "-2000",
            "note": "誤入金の訂正",
        },
    )
    assert response.status_code == 302
    adjustment = LedgerEntry.objects.get(kind=Kind.ADJUSTMENT)
    assert adjustment.amount == 2_000
    assert adjustment.principal_after == 48_000
    borrower.contract.refresh_from_db()
    assert borrower.contract.principal_balance == 48_000


def test_an_adjustment_cannot_take_the_balance_below_zero(staff_client, borrower):
    with pytest.raises(services.LedgerRefusal):
        services.post_adjustment(member=borrower, principal_change=-60_000, note="")
    assert not LedgerEntry.objects.filter(kind=Kind.ADJUSTMENT).exists()


def test_ledger_entries_can_be_neither_changed_nor_deleted_in_the_admin(staff_client, borrower):
    entry = LedgerEntry.objects.get()
    change_url = reverse("admin:history_ledgerentry_change", args=[entry.pk])
    page = staff_client.get(change_url)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # view-only
    staff_client.post(change_url, {"amount": "1"})
    delete_url = reverse("admin:history_ledgerentry_delete", args=[entry.pk])
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    entry.refresh_from_db()
    assert entry.amount == 50_000


def test_the_ledger_admin_needs_staff(client, borrower):
    client.force_login(borrower, backend="members.backends.CardPinBackend")
    response = client.get(reverse("admin:history_ledgerentry_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response.url


@pytest.mark.parametrize("source", [InterestFreeSource.FIRST_TIME, InterestFreeSource.POINTS])
def test_interest_free_periods_can_be_neither_added_changed_nor_deleted_in_the_admin(
    staff_client, borrower, source
):
    period = InterestFreePeriod.objects.get(member=borrower)  # the first-time 30 days
    if source == InterestFreeSource.POINTS:
        period = services.grant_interest_free_days(member=borrower, days=7)
    first_day, last_day = period.first_day, period.last_day
    change_url = reverse("admin:history_interestfreeperiod_change", args=[period.pk])

    page = staff_client.get(change_url)
    staff_client.post(
        change_url,
        {"member": borrower.pk, "first_day": "2020-01-01", "last_day": "2030-12-31",
         "source": source},
    )  # fmt: skip
    delete = staff_client.post(
        reverse("admin:history_interestfreeperiod_delete", args=[period.pk]), {"post": "yes"}
    )
    add = staff_client.get(reverse("admin:history_interestfreeperiod_add"))

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()  # view-only
    assert delete.status_code == 403
    assert add.status_code == 403
    period.refresh_from_db()
    assert (period.first_day, period.last_day, period.source) == (first_day, last_day, source)
    assert InterestFreePeriod.objects.filter(member=borrower).count() == (
        1 if source == InterestFreeSource.FIRST_TIME else 2
    )

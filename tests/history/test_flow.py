"""The amount → confirmation → done flow (history.flow) with an operation of its own.

Borrowing and repayment are tested through their pages in test_ledger_pages.py; this file shows
that the flow takes everything that differs from the operation (form, check, booking,
entry lookup, templates, URL namespace), as point redemptions and ATM operations will.
"""

import pytest
from django import forms
from django.urls import include, path, reverse

from history import confirmations, flow, services
from history.models import Channel, Confirmation, Kind, LedgerEntry
from portal.urls import urlpatterns as portal_urlpatterns
from tests.factories import MemberFactory
from tests.helpers import error_codes, nonce_of

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class RaiseForm(forms.Form):
    def __init__(self, *args, maximum: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"] = forms.IntegerField(min_value=1, max_value=maximum)


class Raise(flow.Operation):
    """A made-up operation: raise the principal by a staff-like adjustment entry."""

    name = "raise"
    namespace = "flowtest"
    title = "元金の引き上げ（テスト）"
    form_class = RaiseForm
    form_template = "history/operation_form.html"
    done_template = "history/done.html"
    done_title = "元金の引き上げ完了"

    def figures(self, request):
        return {"ceiling": 5_000}

    def maximum(self, figures):
        return figures["ceiling"]

    def check(self, *, member, figures, amount, detail=""):
        if amount == 13:
            raise confirmations.Refusal("refused_at_once", "13円はお受けできません。")

    def book(self, *, member, amount, detail=""):
        if amount == 14:
            raise confirmations.Refusal("refused_at_booking", "14円はお受けできません。")
        return services.post_adjustment(member=member, principal_change=amount, note="flow")

    def entries(self, member):
        return LedgerEntry.objects.filter(member=member, kind=Kind.ADJUSTMENT)


urlpatterns = [
    *portal_urlpatterns,
    path("flowtest/", include((flow.urls(Raise(), "raise/"), "flowtest"))),
]

FORM_URL = "/flowtest/raise/"
CONFIRM_URL = "/flowtest/raise/confirm/"


@pytest.fixture
def member():
    return MemberFactory()


@pytest.fixture
def member_client(client, member):
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client


def confirmation_page(client, amount):
    response = client.post(FORM_URL, {"amount": str(amount)})
    assert response.status_code == 200
    return response


def test_the_operations_urls_are_named_in_its_namespace():
    assert reverse("flowtest:raise") == FORM_URL
    assert reverse("flowtest:raise-confirm") == CONFIRM_URL
    assert reverse("flowtest:raise-done", kwargs={"pk": 7}) == "/flowtest/raise/done/7/"


def test_the_flow_books_the_operations_entry_once_and_shows_it(member_client, member):
    page = confirmation_page(member_client, 3_000)
    html = page.content.decode()
    assert 'id="raise-confirm-form"' in html
    assert f'action="{CONFIRM_URL}"' in html

    first = member_client.post(CONFIRM_URL, {"nonce": nonce_of(page)})
    again = member_client.post(CONFIRM_URL, {"nonce": nonce_of(page)})

    (entry,) = LedgerEntry.objects.filter(member=member)
    done_url = reverse("flowtest:raise-done", kwargs={"pk": entry.pk})
    assert (first.status_code, first["Location"]) == (302, done_url)
    assert (again.status_code, again["Location"]) == (302, done_url)
    assert (entry.kind, entry.amount) == (Kind.ADJUSTMENT, 3_000)
    done = member_client.get(done_url)
    assert f'data-entry-id="{entry.pk}"' in done.content.decode()


def test_the_operations_form_takes_its_maximum(member_client):
    response = member_client.post(FORM_URL, {"amount": "5001"})

    assert 'id="raise-form"' in response.content.decode()
    assert "max_value" in error_codes(response)
    assert not Confirmation.objects.exists()


def test_the_operations_check_refuses_at_the_first_step(member_client):
    response = member_client.post(FORM_URL, {"amount": "13"})

    assert error_codes(response) == ["refused_at_once"]
    assert not Confirmation.objects.exists()


def test_a_refusal_when_booking_shows_the_form_with_the_confirmed_amount(member_client, member):
    page = confirmation_page(member_client, 14)

    response = member_client.post(CONFIRM_URL, {"nonce": nonce_of(page)})

    assert response.status_code == 200
    assert error_codes(response) == ["refused_at_booking"]
    assert 'value="14"' in response.content.decode()
    assert not LedgerEntry.objects.filter(member=member).exists()


def test_the_done_page_looks_only_among_the_operations_entries(member_client, member):
    borrowing = services.borrow(member=member, amount=1_000, channel=Channel.PARTNER_ATM)

    response = member_client.get(reverse("flowtest:raise-done", kwargs={"pk": borrowing.pk}))

    assert response.status_code == 404


def test_a_confirmation_of_another_operation_is_not_carried_out(member_client, member):
    nonce = confirmations.issue(member=member, operation="borrow", amount=3_000)

    response = member_client.post(CONFIRM_URL, {"nonce": nonce})

    assert (response.status_code, response["Location"]) == (302, FORM_URL)
    assert not LedgerEntry.objects.filter(member=member).exists()

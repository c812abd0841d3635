"""Confirm once (history.confirmations): what books money is carried out at most once."""

import datetime as dt

import pytest

from history import confirmations
from history.models import Confirmation
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


class Booked:
    """A stand-in for a booking service: counts its calls, returns a saved row."""

    def __init__(self, *, refuse: str | None = None):
        self.amounts: list[int] = []
        self.refuse = refuse

    def __call__(self, confirmation):
        self.amounts.append(confirmation.amount)
        if self.refuse:
            raise confirmations.Refusal(self.refuse, "refused")
        return MemberFactory()  # any saved row has a pk


def test_carrying_out_books_once_and_then_answers_with_the_entry():
    member = MemberFactory()
    token = confirmations.issue(member=member, operation="borrow", amount=12_000)
    book = Booked()

    first = confirmations.carry_out(member=member, operation="borrow", token=token, book=book)
    again = confirmations.carry_out(member=member, operation="borrow", token=token, book=book)

    assert book.amounts == [12_000]
    assert first == again


@pytest.mark.parametrize(
    ("operation", "token", "other_member"),
    [
        ("repay", None, False),  # another operation's confirmation
        ("borrow", "guessed", False),
        ("borrow", "", False),
        ("borrow", None, True),  # someone else's
    ],
    ids=["other-operation", "guessed", "empty", "other-member"],
)
def test_only_the_members_own_pending_confirmation_is_carried_out(operation, token, other_member):
    member = MemberFactory()
    issued = confirmations.issue(member=member, operation="borrow", amount=12_000)
    book = Booked()

    with pytest.raises(confirmations.NotPending):
        confirmations.carry_out(
            member=MemberFactory() if other_member else member,
            operation=operation,
            token=issued if token is None else token,
            book=book,
        )
    assert book.amounts == []


def test_a_refusal_forgets_the_confirmation_and_says_the_amount():
    member = MemberFactory()
    token = confirmations.issue(member=member, operation="borrow", amount=12_000)

    with pytest.raises(confirmations.Refusal) as refused:
        confirmations.carry_out(
            member=member, operation="borrow", token=token, book=Booked(refuse="suspended")
        )

    assert (refused.value.code, refused.value.amount) == ("suspended", 12_000)
    with pytest.raises(confirmations.NotPending):
        confirmations.carry_out(member=member, operation="borrow", token=token, book=Booked())


def test_a_pending_confirmation_expires_but_a_carried_out_one_still_answers(time_machine):
    member = MemberFactory()
    stale = confirmations.issue(member=member, operation="borrow", amount=1_000)
    done = confirmations.issue(member=member, operation="borrow", amount=2_000)
    entry = confirmations.carry_out(member=member, operation="borrow", token=done, book=Booked())
    time_machine.shift(confirmations.PENDING_LIFETIME + dt.timedelta(seconds=1))

    with pytest.raises(confirmations.NotPending):
        confirmations.carry_out(member=member, operation="borrow", token=stale, book=Booked())
    assert (
        confirmations.carry_out(member=member, operation="borrow", token=done, book=Booked())
        == entry
    )


def test_the_token_is_stored_hashed_and_old_confirmations_are_purged(time_machine):
    member = MemberFactory()
    old = confirmations.issue(member=member, operation="borrow", amount=1_000)
    time_machine.shift(confirmations.KEPT_FOR + dt.timedelta(seconds=1))

    token = confirmations.issue(member=member, operation="borrow", amount=2_000)

    (stored,) = Confirmation.objects.filter(member=member)
    assert stored.amount == 2_000
    assert token not in stored.token_hash and old not in stored.token_hash


def test_the_detail_confirmed_is_what_is_booked_and_what_a_refusal_gives_back():
    member = MemberFactory()
    booked = []

    def book(confirmation):
        booked.append((confirmation.amount, confirmation.detail))
        raise confirmations.Refusal("insufficient", "refused")

    token = confirmations.issue(member=member, operation="redeem", amount=250, detail="free_7")
    with pytest.raises(confirmations.Refusal) as refused:
        confirmations.carry_out(member=member, operation="redeem", token=token, book=book)

    assert booked == [(250, "free_7")]
    assert (refused.value.amount, refused.value.detail) == (250, "free_7")

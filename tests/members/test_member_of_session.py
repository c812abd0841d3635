"""members.selectors.member_of_session: the member of a session, with the contract and its
due status, in one plain query, as the ORM's select_related would load them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from history.models import DueStatus
from members.models import LoanContract, Member
from members.selectors import member_of_session
from tests.factories import MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db


def values(instance) -> dict:
    fields = type(instance)._meta.concrete_fields
    return {field.attname: getattr(instance, field.attname) for field in fields}


def test_it_loads_what_select_related_loads_in_one_query():
    member = MemberFactory(last_login=dt.datetime(2026, 12, 1, 3, 4, 5, 678, tzinfo=dt.UTC))
    DueStatus.objects.create(
        contract=member.contract, next_due_date=dt.date(2026, 12, 25), paid_toward_due=1_234
    )
    expected = Member.objects.select_related("contract__due_status").get(pk=member.pk)

    with CaptureQueriesContext(connection) as queries:
        loaded = member_of_session(member.pk)
        contract, due_status = loaded.contract, loaded.contract.due_status

    assert len(queries) == 1
    assert values(loaded) == values(expected)
    assert values(contract) == values(expected.contract)
    assert values(due_status) == values(expected.contract.due_status)
    # The same Python types as the ORM's (a decimal rate, an aware time, a date).
    assert {name: type(value) for name, value in values(contract).items()} == {
        name: type(value) for name, value in values(expected.contract).items()
    }
    assert loaded.last_login == member.last_login
    assert contract.member is loaded
    assert not loaded._state.adding and loaded._state.db == "default"


def test_a_contract_without_a_due_status_reads_as_none_without_another_query():
    member = MemberFactory()

    loaded = member_of_session(member.pk)

    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(LoanContract.due_status.RelatedObjectDoesNotExist),
    ):
        _ = loaded.contract.due_status
    assert len(queries) == 0


def test_a_member_without_a_contract_reads_as_none_without_another_query():
    member = MemberFactory(contract=None)

    loaded = member_of_session(member.pk)

    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(Member.contract.RelatedObjectDoesNotExist),
    ):
        _ = loaded.contract
    assert len(queries) == 0


def test_staff_and_unknown_ids_are_nobody():
    assert member_of_session(StaffFactory().pk) is None
    assert member_of_session(MemberFactory().pk + 1_000) is None

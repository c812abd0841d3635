"""The demo's tools on the member list (demo.admin): reset the persona_members, generate members."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.urls import reverse

from demo.fake_data import GENERATED_PIN
from demo.personas import PERSONAS_BY_KEY
from history.models import LedgerEntry
from history.selectors import ledger_state
from members import lockout
from members.models import ContractStatus, LoginMethod, Member
from tests.factories import MemberFactory
from tests.helpers import error_codes, logged_in_to_mypage, login_card

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:members_member_changelist")
RESET_DEMO = reverse("admin:members_member_reset_demo")
GENERATE = reverse("admin:members_member_generate")


def test_reset_demo_asks_first_and_changes_nothing_on_get(staff_client, persona_members):
    standard = persona_members["standard"]
    standard.contract.status = ContractStatus.TERMINATED
    standard.contract.save()
    page = staff_client.get(RESET_DEMO)
    assert page.status_code == 200
    assert 'method="post"' in page.content.decode()
    standard.contract.refresh_from_db()
    assert standard.contract.status == ContractStatus.TERMINATED


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_reset_demo_button_refuses_outside_demo_mode(
    staff_client, persona_members, settings, method
):
    settings.PORTAL_DEMO = False
    standard = persona_members["standard"]
    standard.contract.status = ContractStatus.TERMINATED
    standard.contract.save()

    response = getattr(staff_client, method)(RESET_DEMO, follow=True)

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert "PORTAL_DEMO" in response.content.decode()
    standard.contract.refresh_from_db()
    assert standard.contract.status == ContractStatus.TERMINATED
    assert RESET_DEMO not in response.content.decode()


def test_the_changelist_offers_the_reset_demo_button_in_demo_mode(staff_client):
    assert RESET_DEMO in staff_client.get(CHANGELIST).content.decode()


def persona_states() -> dict:
    states = {}
    for key, persona in PERSONAS_BY_KEY.items():
        member = Member.objects.select_related("contract").get(member_number=persona.member_number)
        states[key] = (
            member.contract.status,
            member.contract.principal_balance,
            lockout.is_locked(method=LoginMethod.CARD, identifier=persona.card_number),
            LedgerEntry.objects.filter(member=member).count(),
        )
    return states


def test_the_reset_demo_button_restores_the_personas_and_is_idempotent(
    staff_client, persona_members
):
    documented = persona_states()
    other = MemberFactory()
    lockout.unlock_card(PERSONAS_BY_KEY["card_locked"].card_number)
    persona_members["standard"].contract.status = ContractStatus.TERMINATED
    persona_members["standard"].contract.save()

    first = staff_client.post(RESET_DEMO)
    assert first.status_code == 302
    assert persona_states() == documented
    count = Member.objects.count()
    staff_client.post(RESET_DEMO)
    assert persona_states() == documented
    assert Member.objects.count() == count
    assert Member.objects.filter(pk=other.pk).exists()


def test_the_generate_page_creates_members_with_histories(staff_client, client):
    response = staff_client.post(
        GENERATE, {"count": "4", "scenario": "standard", "seed": "11", "transactions": "12"}
    )
    assert response.status_code == 302
    generated = list(Member.objects.members().select_related("contract"))
    assert len(generated) == 4
    for member in generated:
        assert LedgerEntry.objects.filter(member=member).exists()
        assert member.contract.principal_balance == ledger_state(member.contract).principal
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 4
    assert logged_in_to_mypage(login_card(client, generated[0].card_number, GENERATED_PIN))


@pytest.mark.parametrize("count", ["0", "1001", "", "ten"])
def test_the_generate_page_refuses_a_count_out_of_range(staff_client, count):
    response = staff_client.post(GENERATE, {"count": count, "scenario": "standard"})
    assert response.status_code == 200
    assert error_codes(response)
    assert not Member.objects.members().exists()

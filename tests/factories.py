"""factory-boy factories for tests (realistic Japanese data from Faker's ja_JP locale)."""

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from members.models import (
    ContractStatus,
    DueDay,
    LoanContract,
    Member,
    StatementDelivery,
    TransferAccount,
)

DEFAULT_PIN = "1234"
DEFAULT_PASSWORD = "Passw0rd1"


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    member_number = factory.Sequence(lambda n: f"{200_000_000 + n:09d}")
    card_number = factory.Sequence(lambda n: f"{2_000_000_000 + n:010d}")
    web_id = factory.Sequence(lambda n: f"member{n:04d}x")
    name_kanji = factory.Faker("name", locale="ja_JP")
    name_kana = factory.Faker("kana_name", locale="ja_JP")
    birth_date = factory.Faker("date_of_birth", minimum_age=20, maximum_age=70)
    phone = factory.Faker("numerify", text="090########")
    email = factory.Sequence(lambda n: f"member{n}@example.jp")
    email_verified = True
    postal_code = factory.Faker("numerify", text="#######")
    prefecture = "東京都"
    city = factory.Faker("city", locale="ja_JP")
    street = factory.Faker("town", locale="ja_JP")
    statement_delivery = StatementDelivery.WEB
    pin = factory.PostGenerationMethodCall("set_pin", DEFAULT_PIN)
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)
    contract = factory.RelatedFactory("tests.factories.LoanContractFactory", "member")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class LoanContractFactory(DjangoModelFactory):
    class Meta:
        model = LoanContract

    member = factory.SubFactory(MemberFactory, contract=None)
    credit_limit = 500_000
    annual_rate = Decimal("17.80")
    due_day = DueDay.TWENTY_FIFTH
    status = ContractStatus.ACTIVE
    principal_balance = 0  # consistent with an empty ledger


class StaffFactory(DjangoModelFactory):
    class Meta:
        model = Member
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "staff-pass-123")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class TransferAccountFactory(DjangoModelFactory):
    """The member's registered transfer account, in the member's own kana name."""

    class Meta:
        model = TransferAccount

    member = factory.SubFactory(MemberFactory)
    bank_code = "0001"
    branch_code = "001"
    account_number = "1234567"
    holder_kana = factory.SelfAttribute("member.name_kana")

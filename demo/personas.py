"""Demo personas: fixed members with documented credentials (SPEC §9).

`reset_demo` (command and admin button, only with PORTAL_DEMO) restores each of them to the
state described here and leaves every other member alone. Each persona's ledger is played
by history.seeding, so its balance, due dates and status are true by the ledger.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from demo.notices import reset_demo_notices_and_coupons
from history.models import MailPreference
from history.seeding import Plan, seed_histories
from members import lockout
from members.models import (
    AccountType,
    ContractStatus,
    DueDay,
    LoanContract,
    LoginMethod,
    Member,
    StatementDelivery,
    TransferAccount,
)
from points.seeding import PointPlan, seed_point_histories
from portal import clock


@dataclass(frozen=True)
class Persona:
    key: str
    title: str
    demonstrates: str
    member_number: str
    card_number: str
    pin: str
    web_id: str  # "" when the persona has no Web-ID
    password: str
    name_kanji: str
    name_kana: str
    credit_limit: int = 500_000
    annual_rate: Decimal = Decimal("17.80")
    due_day: int = DueDay.TWENTY_FIFTH
    status: str = ContractStatus.ACTIVE
    card_locked: bool = False
    web_id_locked: bool = False
    plan: str = Plan.STANDARD  # the ledger history it is documented to have (history.seeding)
    points_plan: str = PointPlan.NONE  # its point history (points.seeding); NONE: not joined
    # The 返済期日お知らせメール as (days before the due date, hour), or None when off.
    reminder: tuple[int, int] | None = None
    email_domain: str = "demo.portal.example"  # a sandbox's copy has its own (demo.sandboxes)

    @property
    def email(self) -> str:
        return f"{self.key.replace('_', '-')}@{self.email_domain}"


PERSONAS: tuple[Persona, ...] = (
    Persona(
        key="standard",
        title=_("標準的な会員"),
        demonstrates=_(
            "カードでもWeb-IDでもログインでき、残高とポイントがある典型的な会員。"
            "この会員あてのお知らせ（ポイント付き）があり、"
            "返済期日お知らせメールは期日の7日前の9時に届く設定。"
        ),
        member_number="100000001",
        card_number="1000000001",
        pin="1111",
        web_id="standard01",
        password="Standard01",
        name_kanji="山田 太郎",
        name_kana="ヤマダ タロウ",
        points_plan=PointPlan.REGULAR,
        reminder=(7, 9),
    ),
    Persona(
        key="card_only",
        title=_("Web-ID未登録"),
        demonstrates=_("カード番号・暗証番号でのみログインできる会員（Web-ID登録の案内）。"),
        member_number="100000002",
        card_number="1000000002",
        pin="2222",
        web_id="",
        password="",
        name_kanji="佐藤 花子",
        name_kana="サトウ ハナコ",
    ),
    Persona(
        key="webid_locked",
        title=_("Web-IDロック中"),
        demonstrates=_(
            "パスワードを続けて誤りWeb-IDがロックされた会員。カードではログインできる。"
        ),
        member_number="100000003",
        card_number="1000000003",
        pin="3333",
        web_id="webidlocked03",
        password="Locked0003",
        name_kanji="鈴木 一郎",
        name_kana="スズキ イチロウ",
        web_id_locked=True,
    ),
    Persona(
        key="card_locked",
        title=_("カード暗証番号ロック中"),
        demonstrates=_("暗証番号を続けて誤りカードがロックされた会員。Web-IDではログインできる。"),
        member_number="100000004",
        card_number="1000000004",
        pin="4444",
        web_id="cardlocked04",
        password="Locked0004",
        name_kanji="高橋 美咲",
        name_kana="タカハシ ミサキ",
        card_locked=True,
    ),
    Persona(
        key="terminated",
        title=_("解約済み"),
        demonstrates=_("正しい認証情報でも「ご契約が終了しています」となる会員。"),
        member_number="100000005",
        card_number="1000000005",
        pin="5555",
        web_id="terminated05",
        password="Closed0005",
        name_kanji="田中 健二",
        name_kana="タナカ ケンジ",
        status=ContractStatus.TERMINATED,
        plan=Plan.PAID_OFF,
    ),
    Persona(
        key="delinquent",
        title=_("延滞中"),
        demonstrates=_(
            "約定返済日を過ぎても未入金。ログインすると延滞のお知らせが表示され、"
            "新たなお借入れはできない。延滞のお知らせメールは初期化のたびに送信対象になる。"
        ),
        member_number="100000006",
        card_number="4980000000000006",
        pin="6666",
        web_id="delinquent06",
        password="Overdue0006",
        name_kanji="伊藤 直樹",
        name_kana="イトウ ナオキ",
        credit_limit=300_000,
        due_day=DueDay.FIFTH,
        status=ContractStatus.SUSPENDED,
        plan=Plan.DELINQUENT,
    ),
    Persona(
        key="interest_free",
        title=_("初回無利息期間中"),
        demonstrates=_("初めてのお借入れから30日間の無利息期間中の会員（15桁のカード番号）。"),
        member_number="100000007",
        card_number="498000000000007",
        pin="7777",
        web_id="interestfree07",
        password="Free00007",
        name_kanji="渡辺 さくら",
        name_kana="ワタナベ サクラ",
        plan=Plan.INTEREST_FREE,
    ),
    Persona(
        key="points_rich",
        title=_("ポイントが多い会員"),
        demonstrates=_(
            "すべてのポイント交換（合計1,390ポイント）ができるだけのポイントを持つ会員。"
        ),
        member_number="100000008",
        card_number="1000000008",
        pin="8888",
        web_id="pointsrich08",
        password="Points0008",
        name_kanji="中村 大輔",
        name_kana="ナカムラ ダイスケ",
        credit_limit=1_000_000,
        annual_rate=Decimal("15.00"),
        points_plan=PointPlan.RICH,
    ),
    Persona(
        key="paid_off",
        title=_("完済済み"),
        demonstrates=_("残高0円。限度額いっぱいまでお借入れできる会員。"),
        member_number="100000009",
        card_number="1000000009",
        pin="9999",
        web_id="paidoff09",
        password="Paid00009",
        name_kanji="小林 由美",
        name_kana="コバヤシ ユミ",
        plan=Plan.PAID_OFF,
    ),
    Persona(
        key="new_device",
        title=_("新しい端末からのログイン"),
        demonstrates=_(
            "初めてのブラウザからログインすると「新しい端末からのログイン」通知メールが届く会員。"
        ),
        member_number="100000010",
        card_number="1000000010",
        pin="1010",
        web_id="newdevice10",
        password="Device0010",
        name_kanji="加藤 翔太",
        name_kana="カトウ ショウタ",
    ),
)

PERSONAS_BY_KEY = {persona.key: persona for persona in PERSONAS}
PERSONA_SEED = 2026  # the same histories at every reset of the same day


# A persona's Web-ID stays free for it even after a demo user changed it (members.web_ids,
# filled by demo.apps).
RESERVED_WEB_IDS = {persona.web_id: persona.member_number for persona in PERSONAS if persona.web_id}


@transaction.atomic
def reset_demo_personas() -> list[Member]:
    """Restore every persona to its documented state; other members stay as they are.

    Persona card numbers are never handed out and persona Web-IDs are reserved
    (members.web_ids), so only the personas' own rows are replaced.
    """
    members = restore_personas(PERSONAS)
    reset_demo_notices_and_coupons(
        {persona.key: member for persona, member in zip(PERSONAS, members, strict=True)}
    )
    return members


def restore_personas(personas: tuple[Persona, ...]) -> list[Member]:
    """Replace the members of `personas` (by member number) with their documented state:
    the shared personas, or a sandbox's copies of them (demo.sandboxes)."""
    numbers = [persona.member_number for persona in personas]
    Member.objects.filter(member_number__in=numbers, is_staff=False).delete()
    members = [_create_persona(persona) for persona in personas]
    seed_histories(
        [(member, persona.plan) for persona, member in zip(personas, members, strict=True)],
        today=clock.today(),
        seed=PERSONA_SEED,
    )
    seed_point_histories(
        [(member, persona.points_plan) for persona, member in zip(personas, members, strict=True)],
        today=clock.today(),
        seed=PERSONA_SEED,
    )
    return members


def _create_persona(persona: Persona) -> Member:
    today = clock.today()
    member = Member(
        member_number=persona.member_number,
        card_number=persona.card_number,
        web_id=persona.web_id or None,
        name_kanji=persona.name_kanji,
        name_kana=persona.name_kana,
        birth_date=dt.date(1985, 4, 1),
        phone=f"090{persona.member_number[-8:]}",
        email=persona.email,
        email_verified=True,
        postal_code="1000001",
        prefecture="東京都",
        city="千代田区",
        street="千代田1-1",
        building="",
        employer="株式会社サンプル商事",
        statement_delivery=StatementDelivery.WEB,
        date_joined=clock.now() - dt.timedelta(days=365),
    )
    member.set_pin(persona.pin)
    member.set_password(persona.password or None)
    member.save()
    LoanContract.objects.create(
        member=member,
        credit_limit=persona.credit_limit,
        annual_rate=persona.annual_rate,
        due_day=persona.due_day,
        status=persona.status,  # the ledger's history sets it (seed_histories)
        contracted_on=today - dt.timedelta(days=365),
    )
    TransferAccount.objects.create(
        member=member,
        bank_code="0001",
        branch_code="001",
        account_type=AccountType.ORDINARY,
        account_number=f"{int(persona.member_number) % 10_000_000:07d}",
        holder_kana=persona.name_kana,
    )
    if persona.reminder:
        days_before, hour = persona.reminder
        MailPreference.objects.create(
            member=member,
            reminder_enabled=True,
            reminder_days_before=days_before,
            reminder_hour=hour,
        )
    _reset_locks(persona)
    return member


def _reset_locks(persona: Persona) -> None:
    lockout.unlock_card(persona.card_number)
    if persona.card_locked:
        lockout.lock_credential(method=LoginMethod.CARD, identifier=persona.card_number)
    if persona.web_id:
        lockout.unlock_web_id(persona.web_id)
        if persona.web_id_locked:
            lockout.lock_credential(method=LoginMethod.WEB_ID, identifier=persona.web_id)

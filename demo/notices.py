"""The demo's notices and coupons (SPEC §7, §9): reset with the personas.

They are told apart from staff's own by their fixed titles and codes: a reset replaces
these and leaves every other notice and coupon alone. Their dates follow the clock of the
reset, so each is where this list says whenever the demo is reset.
"""

import datetime as dt
from dataclasses import dataclass

from members.models import Member
from points.models import Audience, Coupon, Notice
from portal import clock


@dataclass(frozen=True)
class DemoNotice:
    title: str
    body: str
    days_ago: int  # published this many days before the reset
    points: int = 0
    for_personas: tuple[str, ...] = ()  # empty: for everyone
    ended_days_ago: int | None = None  # the window closed this many days before the reset
    title_en: str = ""  # the English version staff may add (English pages show it)
    body_en: str = ""


DEMO_NOTICES = (
    DemoNotice(
        title="年末年始のお取引について",
        body="12月31日から1月3日までは、お振込みによるお借入れが翌営業日の扱いになります。\n"
        "提携ATMとスマホATMは通常どおりご利用いただけます。",
        days_ago=2,
        title_en="Transactions over the New Year holidays",
        body_en="From 31 December to 3 January, borrowing by bank transfer is handled on the "
        "next business day.\nPartner ATMs and the Smartphone ATM can be used as usual.",
    ),
    DemoNotice(
        title="【ポイント】返済日お知らせメールのご案内",
        body="返済日の前にメールでお知らせするサービスをご存じですか。\n"
        "登録内容の確認・変更からお申し込みいただけます。\n"
        "このお知らせをお読みいただいた会員さまに10ポイントを差し上げます。",
        days_ago=5,
        points=10,
        title_en="[Points] Our payment reminder e-mail",
        body_en="Did you know we can e-mail you before each due date?\n"
        "You can sign up under My details.\n"
        "Members who read this notice receive 10 points.",
    ),
    DemoNotice(
        title="【ポイント】山田様へ：ご登録内容の確認のお願い",
        body="ご登録のご住所・お電話番号に変更はございませんか。\n"
        "変更があるときは、登録内容の確認・変更からお手続きください。\n"
        "このお知らせは対象の会員さまにだけお届けしています（5ポイント）。",
        days_ago=1,
        points=5,
        for_personas=("standard",),
        title_en="[Points] Mr Yamada: please check your details",
        body_en="Have your address or phone number changed?\n"
        "If so, please update them under My details.\n"
        "This notice goes only to the members it is addressed to (5 points).",
    ),
    DemoNotice(
        title="秋のキャンペーンは終了しました",
        body="たくさんのご応募ありがとうございました。",
        days_ago=60,
        ended_days_ago=30,
        title_en="Our autumn campaign has ended",
        body_en="Thank you for your many entries.",
    ),
)


@dataclass(frozen=True)
class DemoCoupon:
    shop: str
    offer: str
    code: str
    starts_in_days: int  # from the reset's day (negative: already started)
    ends_in_days: int
    terms: str = ""
    shop_en: str = ""  # the English versions staff may add (English pages show them)
    offer_en: str = ""
    terms_en: str = ""


DEMO_COUPONS = (
    DemoCoupon(
        "みどりカフェ", "ドリンク1杯無料", "DEMO-CAFE-01", -7, 30, "お一人様1回限り。",
        shop_en="Midori Café", offer_en="One free drink", terms_en="Once per customer.",
    ),
    DemoCoupon(
        "グリーン書店", "全品10%オフ", "DEMO-BOOK-10", -1, 14,
        shop_en="Green Books", offer_en="10% off everything",
    ),
    DemoCoupon(
        "さくらベーカリー", "パン1個サービス", "DEMO-BAKERY-3", 0, 0, "本日限り。",
        shop_en="Sakura Bakery", offer_en="One free bread roll", terms_en="Today only.",
    ),
    # Not shown: one ended yesterday, one starts tomorrow (they demonstrate the validity).
    DemoCoupon(
        "あおば映画館", "鑑賞料金200円引き", "DEMO-CINEMA-OLD", -30, -1,
        shop_en="Aoba Cinema", offer_en="¥200 off admission",
    ),
    DemoCoupon(
        "ひまわり温泉", "入館料半額", "DEMO-SPA-NEXT", 1, 31,
        shop_en="Himawari Hot Spring", offer_en="Half-price admission",
    ),
)  # fmt: skip


def reset_demo_notices_and_coupons(personas: dict[str, Member]) -> None:
    """Replace the demo notices and coupons; `personas` are the members by persona key.

    A sandbox's own copies of the notices for chosen personas (demo.sandboxes) stay.
    """
    now, today = clock.now(), clock.today()
    titles = [notice.title for notice in DEMO_NOTICES]
    Notice.objects.filter(title__in=titles, sandboxes__isnull=True).delete()
    for demo in DEMO_NOTICES:
        _create_notice(demo, personas, now=now)
    Coupon.objects.filter(code__in=[coupon.code for coupon in DEMO_COUPONS]).delete()
    Coupon.objects.bulk_create(
        Coupon(
            shop=demo.shop,
            offer=demo.offer,
            code=demo.code,
            terms=demo.terms,
            shop_en=demo.shop_en,
            offer_en=demo.offer_en,
            terms_en=demo.terms_en,
            valid_from=today + dt.timedelta(days=demo.starts_in_days),
            valid_until=today + dt.timedelta(days=demo.ends_in_days),
        )
        for demo in DEMO_COUPONS
    )


def create_persona_notices(personas: dict[str, Member]) -> list[Notice]:
    """Create the notices meant for chosen personas for these copies of them (a sandbox's);
    the notices for everyone are the shared ones."""
    now = clock.now()
    return [_create_notice(demo, personas, now=now) for demo in DEMO_NOTICES if demo.for_personas]


def _create_notice(demo: DemoNotice, personas: dict[str, Member], *, now: dt.datetime) -> Notice:
    notice = Notice.objects.create(
        title=demo.title,
        body=demo.body,
        title_en=demo.title_en,
        body_en=demo.body_en,
        published_from=now - dt.timedelta(days=demo.days_ago),
        published_until=None
        if demo.ended_days_ago is None
        else now - dt.timedelta(days=demo.ended_days_ago),
        points=demo.points,
        audience=Audience.SELECTED if demo.for_personas else Audience.EVERYONE,
        created_at=now - dt.timedelta(days=demo.days_ago),
    )
    notice.recipients.set([personas[key] for key in demo.for_personas])
    return notice

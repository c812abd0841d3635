"""The demo's notices and coupons come back with every reset (demo/notices.py)."""

import datetime as dt

import pytest

from demo.notices import DEMO_COUPONS, DEMO_NOTICES
from demo.personas import reset_demo_personas
from points import coupons, notices
from points.models import Coupon, Notice
from tests.helpers import tokyo

pytestmark = pytest.mark.django_db


def test_the_reset_seeds_notices_with_points_and_one_for_standard_only(persona_members):
    standard, paid_off = persona_members["standard"], persona_members["paid_off"]

    seen_by_standard = {notice.title: notice for notice in notices.visible_to(standard)}
    seen_by_paid_off = {notice.title for notice in notices.visible_to(paid_off)}

    targeted = next(notice for notice in DEMO_NOTICES if notice.for_personas)
    ended = next(notice for notice in DEMO_NOTICES if notice.ended_days_ago)
    assert targeted.title in seen_by_standard and targeted.title not in seen_by_paid_off
    assert ended.title not in seen_by_standard
    assert any(notice.points for notice in seen_by_standard.values())
    assert all(not notice.is_read for notice in seen_by_standard.values())
    assert len(seen_by_standard) == len(DEMO_NOTICES) - 1


def test_the_reset_seeds_coupons_valid_today_and_two_that_are_not(persona_members):
    valid = set(coupons.valid_now().values_list("code", flat=True))
    assert valid == {"DEMO-CAFE-01", "DEMO-BOOK-10", "DEMO-BAKERY-3"}
    assert Coupon.objects.count() == len(DEMO_COUPONS)


def test_a_reset_replaces_the_demo_ones_and_keeps_staffs(persona_members, time_machine):
    own_notice = Notice.objects.create(title="スタッフのお知らせ", body="本文")
    own_coupon = Coupon.objects.create(
        shop="店", offer="特典", code="STAFF-1", valid_from=dt.date(2026, 12, 1),
        valid_until=dt.date(2026, 12, 31),
    )  # fmt: skip
    time_machine.move_to(tokyo(2026, 12, 16), tick=False)

    reset_demo_personas()

    assert Notice.objects.filter(pk=own_notice.pk).exists()
    assert Coupon.objects.filter(pk=own_coupon.pk).exists()
    assert Notice.objects.count() == len(DEMO_NOTICES) + 1
    assert Coupon.objects.count() == len(DEMO_COUPONS) + 1
    # The dates follow the clock of the reset.
    assert Coupon.objects.get(code="DEMO-BAKERY-3").valid_from == dt.date(2026, 12, 16)

"""Coupons (SPEC §7): validity by day, the full-screen page with its QR code and clock,
the image served only while valid, CSP, and the admin's checks."""

import datetime as dt
import re

import pytest
import segno
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse

from points.models import COUPON_IMAGE_MAX_BYTES, Coupon
from tests.factories import MemberFactory
from tests.helpers import admin_error_codes, data, tokyo
from tests.portal.test_security_headers import INLINE, assert_guarded

pytestmark = pytest.mark.django_db

LIST_URL = reverse("points:coupons")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def detail_url(coupon) -> str:
    return reverse("points:coupon-detail", args=[coupon.pk])


def image_url(coupon) -> str:
    return reverse("points:coupon-image", args=[coupon.pk])


def make_coupon(**fields) -> Coupon:
    return Coupon.objects.create(
        **{
            "shop": "みどりカフェ",
            "offer": "ドリンク1杯無料",
            "code": "CAFE-2026",
            "valid_from": dt.date(2026, 12, 1),
            "valid_until": dt.date(2026, 12, 31),
            **fields,
        }
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def listed_ids(response) -> list[int]:
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'data-coupon-id="(\d+)"', response.content.decode())]


# --- Validity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "valid"),
    [
        (tokyo(2026, 12, 9, 23, 59, 59), False),  # the day before it starts
        (tokyo(2026, 12, 10, 0, 0, 0), True),  # its first day, from midnight in Tokyo
        (tokyo(2026, 12, 19, 23, 59, 59), True),  # its last day, to the end of it
        (tokyo(2026, 12, 20, 0, 0, 0), False),  # the day after (a Sunday: no maintenance)
    ],
)
def test_a_coupon_is_valid_from_its_first_to_its_last_day_in_tokyo(
    client, member, time_machine, moment, valid
):
    coupon = make_coupon(valid_from=dt.date(2026, 12, 10), valid_until=dt.date(2026, 12, 19))
    time_machine.move_to(moment, tick=False)
    client.force_login(member, backend="members.backends.CardPinBackend")

    assert listed_ids(client.get(LIST_URL)) == ([coupon.pk] if valid else [])
    assert client.get(detail_url(coupon)).status_code == (200 if valid else 404)


def test_a_one_day_coupon_is_valid_on_that_day(member_client):
    coupon = make_coupon(valid_from=dt.date(2026, 12, 9), valid_until=dt.date(2026, 12, 9))
    assert listed_ids(member_client.get(LIST_URL)) == [coupon.pk]


def test_coupons_are_listed_soonest_to_end_first(member_client):
    later = make_coupon(valid_until=dt.date(2027, 1, 31))
    sooner = make_coupon(valid_until=dt.date(2026, 12, 15))
    make_coupon(valid_until=dt.date(2026, 12, 8))  # ended
    assert listed_ids(member_client.get(LIST_URL)) == [sooner.pk, later.pk]


def test_no_coupon_says_so(member_client):
    assert 'id="no-coupons"' in member_client.get(LIST_URL).content.decode()


@pytest.mark.parametrize("url", [LIST_URL, "/mypage/coupons/1/", "/mypage/coupons/1/image/"])
def test_coupons_need_a_logged_in_member(client, url):
    make_coupon()
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("members:login"))


def test_an_unknown_coupon_is_404(member_client):
    assert member_client.get("/mypage/coupons/999999/").status_code == 404
    assert member_client.get("/mypage/coupons/999999/image/").status_code == 404


# --- The full-screen page -------------------------------------------------------------------


def dark_modules(svg: str) -> set[tuple[int, int]]:
    """Read back the modules segno's SVG path draws: `M x y` starts, `h n` draws n dark
    modules on the row at y − ½, `m dx dy` moves."""
    path = re.search(r'<path class="qrline"[^>]*\sd="([^"]+)"', svg)[1]
    x = y = 0.0
    cells = set()
    for command, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            cells.update((int(x) + step, int(y - 0.5)) for step in range(int(first)))
            x += float(first)
    return cells


def test_the_coupon_page_shows_offer_code_qr_code_and_the_time(member_client):
    coupon = make_coupon(terms="お一人様1回限り。")

    response = member_client.get(detail_url(coupon))

    html = response.content.decode()
    assert data(response, "coupon-code") == "CAFE-2026"
    assert "ドリンク1杯無料" in html and "みどりカフェ" in html and "お一人様1回限り。" in html
    # The clock starts at the portal's now, ticking in a static script.
    assert data(response, "now").startswith("2026-12-09T12:00")
    assert "2026年12月9日 12:00" in html
    assert re.search(r'<script src="[^"]*js/coupon-clock\.js" defer></script>', html)
    # The QR code is inline SVG whose modules are segno's QR code of the coupon's code.
    (svg,) = re.findall(r"<svg\b.*?</svg>", html, re.DOTALL)
    qr = segno.make("CAFE-2026", error="m")
    border = 2
    expected = {
        (column + border, row + border)
        for row, line in enumerate(qr.matrix)
        for column, dark in enumerate(line)
        if dark
    }
    assert dark_modules(svg) == expected
    assert "CAFE-2026" in svg  # its title, read out by screen readers


def test_the_coupon_page_keeps_the_content_security_policy(member_client):
    coupon = make_coupon()
    for url in (LIST_URL, detail_url(coupon)):
        response = member_client.get(url)
        assert_guarded(response)
        assert INLINE.search(response.content.decode()) is None, url
        assert (
            response["Cache-Control"].startswith("max-age=0")
            or "no-store" in response["Cache-Control"]
        )


@pytest.mark.parametrize("count", [2, 120])
def test_the_coupon_list_needs_a_constant_number_of_queries(
    member_client, django_assert_max_num_queries, count
):
    Coupon.objects.bulk_create(
        Coupon(
            shop=f"店舗{n}",
            offer="特典",
            code=f"CODE-{n:04d}",
            valid_from=dt.date(2026, 12, 1),
            valid_until=dt.date(2026, 12, 31),
        )
        for n in range(count)
    )
    # Session, member, maintenance windows, the coupons; the session's activity stamp.
    with django_assert_max_num_queries(7):
        assert len(listed_ids(member_client.get(LIST_URL))) == count


# --- The image ------------------------------------------------------------------------------


def test_the_image_is_served_to_members_only_while_the_coupon_is_valid(
    member_client, member, media, time_machine
):
    coupon = make_coupon(
        valid_until=dt.date(2026, 12, 10), image=SimpleUploadedFile("x.png.exe", PNG)
    )
    assert not any(name.endswith(".exe") for name in coupon.image.name.split("/"))
    assert (media / coupon.image.name).is_file()

    page = member_client.get(detail_url(coupon)).content.decode()
    assert f'src="{image_url(coupon)}"' in page
    response = member_client.get(image_url(coupon))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG

    time_machine.move_to(tokyo(2026, 12, 11, 0, 0, 1), tick=False)
    member_client.force_login(member, backend="members.backends.CardPinBackend")
    assert member_client.get(image_url(coupon)).status_code == 404


def test_a_coupon_without_an_image_has_none_to_serve(member_client):
    coupon = make_coupon()
    assert "coupon-image" not in member_client.get(detail_url(coupon)).content.decode()
    assert member_client.get(image_url(coupon)).status_code == 404


def test_a_file_changed_on_disk_into_something_else_is_not_served(member_client, media):
    coupon = make_coupon(image=SimpleUploadedFile("a.jpg", JPEG))
    assert member_client.get(image_url(coupon))["Content-Type"] == "image/jpeg"
    (media / coupon.image.name).write_bytes(b"<html><script>alert(1)</script>")
    assert member_client.get(image_url(coupon)).status_code == 404
    (media / coupon.image.name).unlink()
    assert member_client.get(image_url(coupon)).status_code == 404


# --- The admin ------------------------------------------------------------------------------

ADD_URL = reverse("admin:points_coupon_add")


def admin_post(**fields) -> dict:
    return {
        "shop": "グリーン書店",
        "offer": "全品10%オフ",
        "code": "BOOK-10",
        "terms": "",
        "valid_from": "2026-12-01",
        "valid_until": "2026-12-31",
        **fields,
    }


def test_staff_define_a_coupon_with_an_image(staff_client, media):
    response = staff_client.post(
        ADD_URL, admin_post(image=SimpleUploadedFile("logo.jpg", JPEG, "image/jpeg"))
    )
    assert response.status_code == 302
    coupon = Coupon.objects.get()
    assert coupon.code == "BOOK-10"
    assert coupon.image.name.startswith("coupons/")
    assert (media / coupon.image.name).read_bytes() == JPEG


@pytest.mark.parametrize(
    ("fields", "codes"),
    [
        ({"code": "book-10"}, {"code": ["coupon_code_format"]}),
        ({"code": "AB"}, {"code": ["coupon_code_format"]}),
        ({"code": "ＢＯＯＫ１０"}, {"code": ["coupon_code_format"]}),
        ({"valid_until": "2026-11-30"}, {"__all__": ["validity_order"]}),
        ({"valid_from": "2026-02-30"}, {"valid_from": ["invalid"]}),
        (
            # A page named .png is still HTML.
            {"image": SimpleUploadedFile("x.png", b"<html></html>", "image/png")},
            {"image": ["file_type"]},
        ),
        (
            {"image": SimpleUploadedFile("big.png", PNG + b"\x00" * COUPON_IMAGE_MAX_BYTES)},
            {"image": ["file_too_large"]},
        ),
    ],
)
def test_the_coupon_admin_explains_what_is_wrong(staff_client, media, fields, codes):
    assert admin_error_codes(staff_client.post(ADD_URL, admin_post(**fields))) == codes
    assert not Coupon.objects.exists()
    assert not any(media.rglob("*.*")) and not (media / "coupons").exists()


def test_the_database_refuses_a_coupon_that_ends_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_coupon(valid_from=dt.date(2026, 12, 2), valid_until=dt.date(2026, 12, 1))


def test_the_coupon_admin_needs_staff(client):
    client.force_login(MemberFactory(), backend="members.backends.CardPinBackend")
    response = client.get(reverse("admin:points_coupon_changelist"))
    assert response.status_code == 302


def test_staff_change_a_coupon_whose_stored_image_is_gone(staff_client, media):
    coupon = make_coupon(image=SimpleUploadedFile("a.png", PNG))
    (media / coupon.image.name).unlink()
    change_url = reverse("admin:points_coupon_change", args=[coupon.pk])

    response = staff_client.post(change_url, admin_post(offer="全品20%オフ"))

    assert response.status_code == 302
    coupon.refresh_from_db()
    assert coupon.offer == "全品20%オフ"

"""Coupons (アプリdeクーポン, SPEC §7): which are valid now, their QR code and image.

A coupon is valid from `valid_from` to `valid_until`, both days included, in Tokyo time;
outside that it is neither listed nor shown (404), and neither is its image.
"""

import segno
from django.core.files import File
from django.http import Http404

from points.models import Coupon, CouponQuerySet, image_type
from portal import clock


def valid_now() -> CouponQuerySet:
    """The coupons valid today, the soonest to end first."""
    return Coupon.objects.valid_on(clock.today()).order_by("valid_until", "id")


def valid_coupon(pk: int) -> Coupon:
    """Return the coupon `pk` if it is valid today; raise Http404 otherwise."""
    coupon = valid_now().filter(pk=pk).first()
    if coupon is None:
        raise Http404("no such coupon valid today")
    return coupon


def qr_svg(coupon: Coupon) -> str:
    """Return the QR code of the coupon's code as inline SVG markup (no style attribute:
    segno writes presentation attributes, which the Content-Security-Policy allows)."""
    return segno.make(coupon.code, error="m").svg_inline(
        scale=8, border=2, light="#fff", svgclass="coupon-qr", title=f"QR: {coupon.code}"
    )


def open_image(coupon: Coupon) -> tuple[File, str]:
    """Return the coupon's image file, open, and its content type (by its content)."""
    if not coupon.image:
        raise Http404("no image")
    try:
        file = coupon.image.open("rb")
    except FileNotFoundError as missing:
        raise Http404("image missing") from missing
    head = file.read(8)
    file.seek(0)
    content_type = image_type(head)
    if content_type is None:  # validated on upload; a file changed on disk is not served
        file.close()
        raise Http404("not an image")
    return file, content_type

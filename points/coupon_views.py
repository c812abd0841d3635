"""The member's coupons: the list, one coupon full-screen, its image (points/coupons.py)."""

import datetime as dt

from django.http import FileResponse
from django.shortcuts import render
from django.utils.dateformat import format as format_date
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from members.decorators import member_required
from points import coupons
from portal import clock


@require_safe
@member_required
@never_cache
def coupon_list(request):
    return render(request, "points/coupon_list.html", {"coupons": coupons.valid_now()})


@require_safe
@member_required
@never_cache
def coupon_detail(request, pk: int):
    coupon = coupons.valid_coupon(pk)
    context = {
        "coupon": coupon,
        # segno's own markup from a code of letters, digits and hyphens (Coupon.code).
        "qr_svg": mark_safe(coupons.qr_svg(coupon)),
        # Whole seconds: every browser's Date.parse reads that ISO form.
        "now": clock.now().replace(microsecond=0),
        # The clock's month names, if the page's date format writes them ("Dec").
        "month_names": [format_date(dt.date(2000, month, 1), "M") for month in range(1, 13)],
    }
    return render(request, "points/coupon_detail.html", context)


@require_safe
@member_required
@never_cache
def coupon_image(request, pk: int):
    file, content_type = coupons.open_image(coupons.valid_coupon(pk))
    return FileResponse(file, content_type=content_type)

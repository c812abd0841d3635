from django import template
from django.utils.translation import ngettext

from points.models import EnglishVersions, Localized, PointEntry
from points.rules import BENEFITS, Benefit
from points.selectors import describe

register = template.Library()


@register.filter
def benefit(key: str) -> Benefit | None:
    """Return the benefit of a redemption form's `benefit` value (a ledger reference)."""
    return BENEFITS.get(key)


@register.filter
def signed_points(points: int) -> str:
    """Return points with their sign and thousands separators ("+10", "−250")."""
    return f"+{points:,}" if points > 0 else f"−{-points:,}"


@register.filter
def point_count(points: int, signed: str = "") -> str:
    """Return a number of points as the page's language writes it (「1,234 ポイント」,
    "1,234 points"; with the argument "signed", 「−250 ポイント」)."""
    if points is None or points == "":
        return ""
    points = int(points)
    number = signed_points(points) if signed else f"{points:,}"
    return ngettext("%(points)s ポイント", "%(points)s ポイント", abs(points)) % {"points": number}


@register.filter
def localized(instance: EnglishVersions, field: str) -> Localized:
    """Return a field staff wrote, in English on an English page when they gave it
    (`{% with title=notice|localized:"title" %}<h1 lang="{{ title.lang }}">…`)."""
    return instance.localized(field)


@register.filter
def point_detail(entry: PointEntry) -> Localized | str:
    """Return what one entry's line tells under its reason (points.selectors.describe)."""
    return describe([entry])[0].detail

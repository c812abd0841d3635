from django import template

from points.rules import BENEFITS, Benefit

register = template.Library()


@register.filter
def benefit(key: str) -> Benefit | None:
    """Return the benefit of a redemption form's `benefit` value (a ledger reference)."""
    return BENEFITS.get(key)


@register.filter
def signed_points(points: int) -> str:
    """Return points with their sign and thousands separators ("+10", "−250")."""
    return f"+{points:,}" if points > 0 else f"−{-points:,}"

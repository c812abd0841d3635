"""The lender's name as the page's language writes it."""

from django.conf import settings
from django.utils import translation


def brand_name() -> str:
    """Return PORTAL_BRAND_NAME, or PORTAL_BRAND_NAME_EN on an English page or mail."""
    if translation.get_language() == "en":
        return settings.PORTAL_BRAND_NAME_EN
    return settings.PORTAL_BRAND_NAME

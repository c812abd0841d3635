from django.conf import settings

from portal.branding import brand_name


def portal(request):
    """Return the brand name and demo flag every template may show."""
    return {
        "brand_name": brand_name(),
        "demo_enabled": settings.PORTAL_DEMO,
        "support_phone": settings.PORTAL_SUPPORT_PHONE,
        # For tel: links: the digits (and a leading +) only.
        "support_phone_tel": "".join(
            c for c in settings.PORTAL_SUPPORT_PHONE if c.isdigit() or c == "+"
        ),
    }

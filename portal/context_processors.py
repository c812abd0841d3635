from django.conf import settings


def portal(request):
    """Return the brand name and demo flag every template may show."""
    return {
        "brand_name": settings.PORTAL_BRAND_NAME,
        "demo_enabled": settings.PORTAL_DEMO,
        "support_phone": settings.PORTAL_SUPPORT_PHONE,
        # For tel: links: the digits (and a leading +) only.
        "support_phone_tel": "".join(
            c for c in settings.PORTAL_SUPPORT_PHONE if c.isdigit() or c == "+"
        ),
    }

import math

from django.conf import settings
from django.views.generic import TemplateView

from portal.throttle import ip_throttle


class LoginHelpView(TemplateView):
    """Troubleshooting: every cause of a failed login with its remedy."""

    template_name = "portal/help_login.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            throttle_minutes=math.ceil(ip_throttle().window_seconds / 60),
            lockout_threshold=settings.PORTAL_LOCKOUT_THRESHOLD,
            **kwargs,
        )

import math

from django.conf import settings
from django.views.generic import TemplateView


class LoginHelpView(TemplateView):
    """Troubleshooting: every cause of a failed login with its remedy."""

    template_name = "portal/help_login.html"

    def get_context_data(self, **kwargs):
        _failures, window_seconds = settings.PORTAL_IP_THROTTLE
        return super().get_context_data(
            throttle_minutes=math.ceil(window_seconds / 60),
            lockout_threshold=settings.PORTAL_LOCKOUT_THRESHOLD,
            **kwargs,
        )

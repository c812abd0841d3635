import math

from django.conf import settings
from django.shortcuts import render
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


# Error pages in the site's frame and the visitor's language (Django's own are English
# text). Each refusal carries its code, as every error message does (SPEC §10).


def bad_request(request, exception=None):
    return _error_page(request, status=400, code="bad_request")


def permission_denied(request, exception=None):
    return _error_page(request, status=403, code="permission_denied")


def csrf_failure(request, reason=""):
    """A form posted without its page's token (an old tab, cookies off): say what to do."""
    return _error_page(request, status=403, code="csrf_failed")


def server_error(request):
    """The 500 page: rendered without the request's context, which may be what failed
    (a database that is down must not fail the error page too)."""
    return render(None, "500.html", {"support_phone": settings.PORTAL_SUPPORT_PHONE}, status=500)


def _error_page(request, *, status: int, code: str):
    return render(request, "portal/error.html", {"code": code}, status=status)

import math
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from portal.middleware import API_PATH
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
    if _database_went_away(exception):
        # A session whose save failed as the database went away ("interrupted").
        return _database_unavailable(request)
    return _error_page(request, status=400, code="bad_request")


def permission_denied(request, exception=None):
    return _error_page(request, status=403, code="permission_denied")


def csrf_failure(request, reason=""):
    """A form posted without its page's token (an old tab, cookies off): say what to do."""
    return _error_page(request, status=403, code="csrf_failed")


# Seconds a visitor (or a client honouring Retry-After) waits before trying again after the
# database could not be reached.
DATABASE_RETRY_AFTER = 30


def server_error(request):
    """The 500 page: rendered without the request's context, which may be what failed
    (a database that is down must not fail the error page too).

    A database that cannot be reached (restarting, a failover, a network split) is a 503
    with its own code: the site is unavailable for a moment, nothing is broken, and the
    next request reconnects (CONN_HEALTH_CHECKS)."""
    if _database_went_away(sys.exc_info()[1]):
        return _database_unavailable(request)
    context = {"support_phone": settings.PORTAL_SUPPORT_PHONE}
    return render(None, "500.html", context, status=500)


def _database_went_away(exception: BaseException | None) -> bool:
    """Whether `exception` is, or came from, the database being unreachable."""
    while exception is not None:
        if isinstance(exception, OperationalError | InterfaceError):
            return True
        exception = exception.__cause__ or exception.__context__
    return False


def _database_unavailable(request):
    """The 503 of a database that cannot be reached, without reading it."""
    if request is not None and request.path_info.startswith(API_PATH):
        response = _api_unavailable()
    else:
        context = {"support_phone": settings.PORTAL_SUPPORT_PHONE}
        response = render(None, "503.html", context, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response


def _api_unavailable() -> JsonResponse:
    """The app API's problem details (RFC 9457) of a database that cannot be reached."""
    text = str(
        _(
            "システムが一時的に応答しないため、処理できませんでした。しばらくしてから、もう一度お試しください。"
        )
    )
    body = {"type": "urn:member-portal:problem:service_unavailable", "title": text,
            "status": 503, "detail": text, "code": "service_unavailable", "errors": []}  # fmt: skip
    return JsonResponse(body, status=503, content_type="application/problem+json; charset=utf-8")


def _error_page(request, *, status: int, code: str):
    return render(request, "portal/error.html", {"code": code}, status=status)

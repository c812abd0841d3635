import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from portal import clock

LAST_ACTIVITY_SESSION_KEY = "members_last_activity"


class IdleTimeoutMiddleware:
    """Log a member out after PORTAL_SESSION_IDLE_MINUTES without a request (SPEC §4).

    The next request after the timeout goes to the login page with a notice. Staff
    sessions in the admin keep Django's own session expiry.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _is_member(request.user):
            last = request.session.get(LAST_ACTIVITY_SESSION_KEY)
            idle_limit = dt.timedelta(minutes=settings.PORTAL_SESSION_IDLE_MINUTES)
            if last is not None and clock.now() - dt.datetime.fromisoformat(last) > idle_limit:
                logout(request)
                messages.info(
                    request,
                    _(
                        "一定時間操作がなかったため、自動的にログアウトしました。もう一度ログインしてください。"
                    ),
                    extra_tags="session_timeout",
                )
                return redirect("members:login")
        response = self.get_response(request)
        # After the view, so that the request that logs in starts the idle clock too.
        if _is_member(request.user):
            request.session[LAST_ACTIVITY_SESSION_KEY] = clock.now().isoformat()
        return response


def _is_member(user) -> bool:
    return user.is_authenticated and getattr(user, "member_number", None) is not None

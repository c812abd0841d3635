from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from members import sessions
from members.decorators import is_member
from portal import clock

SESSION_ENDED_NOTICES = {
    sessions.IDLE: _(
        "一定時間操作がなかったため、自動的にログアウトしました。もう一度ログインしてください。"
    ),
    sessions.ABSOLUTE: _(
        "ログインから一定時間が経過したため、自動的にログアウトしました。"
        "もう一度ログインしてください。"
    ),
}


class SessionLifetimeMiddleware:
    """End a session after PORTAL_SESSION_IDLE_MINUTES without a request, or
    PORTAL_SESSION_MAX_HOURS after login however active (SPEC §4), for members and staff.

    The next request after that goes to the login page (staff: the admin's) with a notice.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            ended = sessions.ended_by_time(
                request.session, now=clock.now(), last_request=sessions.last_request_at(request)
            )
            if ended is not None:
                logout(request)
                messages.info(request, SESSION_ENDED_NOTICES[ended], extra_tags=ended)
                return redirect("admin:login" if user.is_staff else "members:login")
        response = self.get_response(request)
        # After the view, so that the request that logs in starts the idle clock too.
        if request.user.is_authenticated:
            sessions.touch(request, response, now=clock.now())
        else:
            sessions.forget_activity(request, response)
        return response


class NoStoreForMembersMiddleware:
    """Keep every member page out of caches (SPEC §4): `Cache-Control: no-store` on every
    answer to a logged-in member and on every answer of the member URLs."""

    MEMBER_NAMESPACES = {"members", "history", "points"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        was_member = is_member(request.user)
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            was_member
            or is_member(request.user)
            or (match is not None and match.namespace in self.MEMBER_NAMESPACES)
        ):
            add_never_cache_headers(response)
        return response

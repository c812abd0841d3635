"""Maintenance windows: when is a service closed, and until when (SPEC §3)."""

import datetime as dt
import math
from collections.abc import Iterable

from django.template.response import TemplateResponse

from portal import clock
from portal.models import MaintenanceScope, MaintenanceWindow

# Apps whose every URL is a member page (or the login) and closes in a member-page window.
MEMBER_APPS = frozenset({"members", "history", "points"})

# Windows may cover every moment (a weekly window a week long); chaining stops a year ahead.
LONGEST_CLOSURE = dt.timedelta(days=366)


def resume_at(*, windows: Iterable[MaintenanceWindow], moment: dt.datetime) -> dt.datetime | None:
    """Return when service resumes if `moment` is inside a window, else None.

    Adjacent or overlapping windows (Sunday 23:00 and Monday 00:00) chain into one closure.
    """
    windows = list(windows)
    end = moment
    while end - moment < LONGEST_CLOSURE:
        ends = [
            occurrence[1]
            for window in windows
            if (occurrence := window.occurrence_covering(end)) is not None
        ]
        if not ends:
            break
        end = max(ends)
    return end if end > moment else None


def closed_until(scope: str = MaintenanceScope.MEMBER_PAGES) -> dt.datetime | None:
    """Return when `scope` reopens if it is closed now, else None."""
    return resume_at(windows=MaintenanceWindow.objects.blocking(scope), moment=clock.now())


def retry_after(until: dt.datetime) -> int:
    """Return the whole seconds (at least 1) until `until`: a Retry-After header's value."""
    return max(1, math.ceil((until - clock.now()).total_seconds()))


def maintenance_response(
    request, *, until: dt.datetime, scope: str = MaintenanceScope.MEMBER_PAGES
) -> TemplateResponse:
    """Return the 503 page that says which service resumes when."""
    context = {"until": until, "scope": scope}
    response = TemplateResponse(request, "portal/maintenance.html", context, status=503)
    response["Retry-After"] = str(retry_after(until))
    return response


class MaintenanceMiddleware:
    """Answer 503 on member pages and the login during a member-page window."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.app_name not in MEMBER_APPS:
            return None
        until = closed_until(MaintenanceScope.MEMBER_PAGES)
        if until is None:
            return None
        return maintenance_response(request, until=until)

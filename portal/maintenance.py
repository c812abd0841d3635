"""Maintenance windows: when is a service closed, and until when (SPEC §3)."""

import datetime as dt
import math
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
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


# Every member page asks whether it is closed; the windows change only when staff edit
# them. Each process keeps the active windows for PORTAL_MAINTENANCE_CACHE_SECONDS (0: read
# them on every ask), so a page pays no query for them. A window saved or deleted through
# the ORM (the admin) is forgotten at once in the process that saved it, and again when
# its transaction commits; other processes see the edit within the cache's seconds.
# Only the rows are kept: whether a window covers now is worked out on every ask, on the
# request's clock (a sandbox's own).
_monotonic = time.monotonic  # tests replace it to move the cache's clock
_cached: tuple[float, tuple[MaintenanceWindow, ...]] | None = None


def active_windows() -> tuple[MaintenanceWindow, ...]:
    """Return the active maintenance windows, from this process's cache while it is fresh."""
    global _cached
    cached, now = _cached, _monotonic()
    if cached is not None and now - cached[0] < settings.PORTAL_MAINTENANCE_CACHE_SECONDS:
        return cached[1]
    windows = tuple(MaintenanceWindow.objects.filter(is_active=True))
    _cached = (now, windows)
    return windows


def forget_windows(**kwargs) -> None:
    """Drop this process's cached windows (a window was saved or deleted); a signal receiver."""
    global _cached
    _cached = None
    if kwargs.get("sender") is not None:  # a save inside a transaction: once more at commit
        transaction.on_commit(forget_windows, using=kwargs.get("using"))


def closed_until(
    scope: str = MaintenanceScope.MEMBER_PAGES,
    *,
    windows: Iterable[MaintenanceWindow] | None = None,
) -> dt.datetime | None:
    """Return when `scope` reopens if it is closed now, else None (by `windows`, the active
    ones a request read already, or by the active ones now)."""
    if windows is None:
        windows = active_windows()
    closing = [window for window in windows if window.closes(scope)]
    return resume_at(windows=closing, moment=clock.now())


def retry_after(until: dt.datetime) -> int:
    """Return the whole seconds (at least 1) until `until`: a Retry-After header's value."""
    return max(1, math.ceil((until - clock.now()).total_seconds()))


# Paths whose 503 a higher app words in its own format, by path prefix (respond_on).
_responders: dict[str, Callable[[dt.datetime], HttpResponse]] = {}


def respond_on(prefix: str, responder: Callable[[dt.datetime], HttpResponse]) -> None:
    """Have `responder(until)` answer a window's 503 on the paths under `prefix`: the app
    API (a higher floor) registers its problem details when it starts."""
    _responders[prefix] = responder


def maintenance_response(
    request, *, until: dt.datetime, scope: str = MaintenanceScope.MEMBER_PAGES
) -> HttpResponse:
    """Return the 503 page that says which service resumes when (a TemplateResponse), or
    on another app's paths that app's answer (respond_on)."""
    for prefix, responder in _responders.items():
        if request.path_info.startswith(prefix):
            return responder(until)
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
        # Kept for the page's other questions (the menu's repayment window), so that it
        # reads the windows once even when the process keeps none.
        request.maintenance_windows = active_windows()
        until = closed_until(MaintenanceScope.MEMBER_PAGES, windows=request.maintenance_windows)
        if until is None:
            return None
        return maintenance_response(request, until=until)

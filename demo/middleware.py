"""The sandbox of the logged-in member, applied to their request (SPEC §11).

A request of a sandbox member runs on the sandbox's clock (`portal.clock.shifted`) and
keeps the copies of its mail in the sandbox's mailbox (`portal.mail.delivering_to`):
both are context variables, set for this request only, so requests of other sandboxes
and of the shared personas, in this thread, another thread or another process, never
see them. Then come the sandbox's glitch switches. Every other request costs nothing:
a member outside the sandboxes' number range needs no query.
"""

import datetime as dt
import time

from django.conf import settings
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse

from demo import sandboxes
from portal import clock
from portal.mail import delivering_to
from portal.maintenance import maintenance_response

# The glitch latency waits through this name, so tests replace it and count instead of
# sleeping on the wall clock.
sleep = time.sleep
LATENCY_HEADER = "X-Sandbox-Latency-Ms"
# How long a glitch's 503 tells the client to wait.
GLITCH_RETRY_AFTER = dt.timedelta(seconds=5)
DEMO_PATH = "/demo/"


class SandboxMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        sandbox = self._sandbox(request)
        if sandbox is None:
            return self.get_response(request)
        with clock.shifted(sandbox.clock_offset), delivering_to(sandbox.mailbox):
            # The demo pages (the sandbox's own controls among them) never glitch: a tester
            # must be able to turn a glitch off from the browser it slows down.
            glitches = (
                sandboxes.Glitches()
                if request.path_info.startswith(DEMO_PATH)
                else sandboxes.glitches_for(sandbox, request.path_info)
            )
            if glitches.unavailable:
                response = _unavailable(request, until=clock.now() + GLITCH_RETRY_AFTER)
            else:
                response = self.get_response(request)
        if glitches.latency_ms:
            sleep(glitches.latency_ms / 1000)
            response[LATENCY_HEADER] = str(glitches.latency_ms)
        return response

    @staticmethod
    def _sandbox(request):
        if not settings.PORTAL_DEMO:
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if sandboxes.slot_of(getattr(user, "member_number", None)) is None:
            return None
        return sandboxes.sandbox_of(user)


def _unavailable(request, *, until: dt.datetime) -> HttpResponse:
    """Return the 503 of a maintenance window: the maintenance page, or the app API's
    problem details on its paths (portal.maintenance.respond_on)."""
    response = maintenance_response(request, until=until)
    if isinstance(response, SimpleTemplateResponse):
        response.render()  # a middleware's answer is not rendered for it
    return response

"""Work that a view leaves for after its response has gone out to the client.

The recovery pages use it so that a request whose data matches a member does the same
work, and takes the same time, as one whose data matches nobody: the look-up, the mail
counter and the mail itself all happen once the answer is on its way.
"""

import logging
from collections.abc import Callable

from django.http import HttpRequest

logger = logging.getLogger(__name__)

_TASKS = "_portal_after_response"


def after_response(request: HttpRequest, task: Callable[[], object]) -> None:
    """Run `task` once the response to `request` has been sent."""
    request.__dict__.setdefault(_TASKS, []).append(task)


class AfterResponseMiddleware:
    """Hand the request's tasks to its response, which runs them when the server closes it
    (after the last byte is sent, before `request_finished` closes the database
    connection)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for task in request.__dict__.pop(_TASKS, ()):
            # Django's own hook for closing what a response holds; the public
            # `request_finished` signal runs too late (the database connection is closed).
            response._resource_closers.append(_logged(task))
        return response


def _logged(task: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        try:
            task()
        except Exception as exc:
            # The type only: a task's arguments and locals may hold a one-time link.
            logger.error("A task after the response failed: %s", type(exc).__name__)

    return run

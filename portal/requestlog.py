"""Structured request logs: one JSON line per request, and a request id on every record.

`RequestLogMiddleware` (outermost) takes the request id from an incoming `X-Request-ID`
when it is sane (a load balancer or proxy in front sets one, so its log and ours join up),
else makes one; echoes it in the response's `X-Request-ID`; keeps it in a context variable
for the length of the request, which `RequestIdFilter` writes on every log record made
meanwhile (Django's own error logs included); and logs the request once it is answered.

The request line holds the method, the path without its query string (URL parts that
carry a secret, such as the token of a recovery link, are replaced by their name), the
status, the duration, the request id and the member's id, if the request identified one.
Never a query string, a header, a cookie or a form field: PINs, passwords and one-time
tokens travel in those.
"""

import json
import logging
import re
import secrets
import time
from contextvars import ContextVar

from django.core.signals import request_finished
from django.dispatch import receiver
from django.utils.functional import SimpleLazyObject, empty

logger = logging.getLogger("portal.requests")

REQUEST_ID_HEADER = "X-Request-ID"
# What an incoming id may look like (a UUID, a proxy's hex or base64 id, …): anything
# else is replaced, so a client cannot write what it likes into the logs.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:+/=-]{8,64}")
# URL parameters whose value is a secret (members/urls.py, demo/urls.py): the logged path
# names them instead.
SECRET_URL_PARAMETERS = frozenset({"token", "uidb64"})

_request_id: ContextVar[str | None] = ContextVar("portal_request_id", default=None)


def current_request_id() -> str | None:
    """Return the id of the request in progress, None outside a request."""
    return _request_id.get()


def new_request_id() -> str:
    return secrets.token_hex(16)


def incoming_request_id(request) -> str:
    """Return the request's own `X-Request-ID` if it is sane, else a new id."""
    given = request.META.get("HTTP_X_REQUEST_ID", "")
    return given if SANE_REQUEST_ID.fullmatch(given) else new_request_id()


class RequestIdFilter(logging.Filter):
    """Write the id of the request in progress (None outside one) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        return True


# The attributes every LogRecord has: anything else on a record came as `extra`.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
}


# `extra` that Django's own records carry and a line must not: the request's repr holds
# its query string; the server's socket is of no use.
_NEVER_LOGGED = frozenset({"request", "server_time"})


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and the
    record's `extra` fields; a traceback, when there is one, as `exc_info`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRIBUTES and name not in _NEVER_LOGGED:
                entry[name] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime


def logged_path(request) -> str:
    """Return the request's path, its secret URL parameters replaced by their names."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if name in SECRET_URL_PARAMETERS and value:
                path = path.replace(f"/{value}/", f"/<{name}>/")
    return path


def member_id(request) -> int | None:
    """Return the id of the user the request identified, without loading one it did not
    (reading `request.user` first here would cost a page that never did a query)."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    if isinstance(user, SimpleLazyObject):
        if user._wrapped is empty:
            return None
        user = user._wrapped
    return user.pk if getattr(user, "is_authenticated", False) else None


class RequestLogMiddleware:
    """Give each request its id and log one line for it once it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request)
        # Kept until the response is closed (request_finished below): Django logs a 4xx or
        # 5xx answer after the middleware, and work after the response runs at its close.
        _request_id.set(request_id)
        started = time.perf_counter()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        path = logged_path(request)
        logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "member_id": member_id(request),
            },
        )
        return response


@receiver(request_finished)
def _forget_request_id(sender, **kwargs):
    _request_id.set(None)

"""`/healthz`: whether this instance can serve, for a load balancer's health check.

200 `{"status": "ok"}` when the database answers a trivial query and the cache gives back
what was just put in it; else 503 with the names of the dependencies that failed
(`{"status": "unavailable", "failed": ["database"]}`), never why (an error message may
name hosts or users). No data of any member.

Answered by a middleware near the top of the stack, before the host check, the HTTPS
redirect, the session, the language, the login and the maintenance windows: a load
balancer asks by the instance's address over plain HTTP, carries no cookie, and must see
an instance as up during a maintenance window (it answers its 503 pages fine). Never
cached, never throttled, and no session is made.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
CACHE_PROBE_SECONDS = 10


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception as exc:
        logger.warning("Health check: the database failed: %s", type(exc).__name__)
        return False


def cache_ok() -> bool:
    """Put a random value in the cache and read it back (a cache that is down answers
    misses with portal.cache's backend, so the round trip is what tells)."""
    key = f"portal:healthz:{secrets.token_hex(8)}"
    value = secrets.token_hex(8)
    try:
        cache.set(key, value, CACHE_PROBE_SECONDS)
        ok = cache.get(key) == value
        cache.delete(key)
    except Exception as exc:
        logger.warning("Health check: the cache failed: %s", type(exc).__name__)
        return False
    if not ok:
        logger.warning("Health check: the cache did not keep a value")
    return ok


def health_response() -> JsonResponse:
    failed = [name for name, ok in (("database", database_ok()), ("cache", cache_ok())) if not ok]
    body = {"status": "unavailable", "failed": failed} if failed else {"status": "ok"}
    response = JsonResponse(body, status=503 if failed else 200)
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """Answer `/healthz` (any method but the probe is meant as GET or HEAD) itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return health_response()
        return self.get_response(request)

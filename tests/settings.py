"""Settings of the test suite: the portal's own, read from the environment as in production.

The suite runs with DEBUG off, as production does, so it needs what production must
configure. Servers and commands the tests start inherit the environment set here.
"""

import atexit
import os
import shutil
import tempfile

# The test client's host; the browser journeys point it at their live server.
os.environ.setdefault("PORTAL_BASE_URL", "http://testserver")
# Uploaded files go to a directory of this run (servers the tests start share it), never
# into the checkout's media/.
if "PORTAL_MEDIA_ROOT" not in os.environ:
    os.environ["PORTAL_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="portal-test-media-")
    atexit.register(shutil.rmtree, os.environ["PORTAL_MEDIA_ROOT"], ignore_errors=True)

from portal.settings import *  # noqa: F403
from portal.settings import CACHES


def worker_key_prefix() -> str:
    """The cache key prefix of this pytest-xdist worker ("" outside xdist).

    Each worker has its own test database (pytest-django adds `_gw0`, `_gw1`… to its
    name), but with CACHE_URL all of them share one Redis database: their own key prefix
    keeps the sessions, counters and the like of one worker out of another's way. The
    servers a worker starts inherit its PYTEST_XDIST_WORKER (tests/multiprocess).
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"test-{worker}" if worker else ""


CACHES = {**CACHES, "default": {**CACHES["default"], "KEY_PREFIX": worker_key_prefix()}}

"""Settings of the test suite: the portal's own, read from the environment as in production.

The suite runs with DEBUG off, as production does, so it needs what production must
configure. Servers and commands the tests start inherit the environment set here.
"""

import os

# The test client's host; the browser journeys point it at their live server.
os.environ.setdefault("PORTAL_BASE_URL", "http://testserver")

from portal.settings import *  # noqa: F403

"""Settings of `make loadtest`: the portal's own, read from the environment as in
production (loadtest/run.py sets it); only collectstatic writes somewhere of the run's."""

import os

from portal.settings import *  # noqa: F403

STATIC_ROOT = os.environ["LOADTEST_STATIC_ROOT"]

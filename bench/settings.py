"""Settings of `make bench`: the portal's own, plus a bare view to compare pages with.

`bench/run.py` sets the environment (DEBUG off, loopback only, a throwaway database);
the only differences from production are the URLconf and where collectstatic writes.
"""

import os

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]

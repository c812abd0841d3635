"""Settings of `make bench`: the portal's own, plus two pages of its own to compare with.

`bench/run.py` sets the environment (DEBUG off, loopback only, a throwaway database);
the only differences from production are the URLconf (a bare view and the member floor
page), bench/templates, and where collectstatic writes.
"""

import os
from pathlib import Path

from portal.settings import *  # noqa: F403
from portal.settings import TEMPLATES

ROOT_URLCONF = "bench.urls"
STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
TEMPLATES = [
    {**TEMPLATES[0], "DIRS": [*TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]}
]

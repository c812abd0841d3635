"""The environment the suite runs in, set before pytest-django imports the settings.

Loaded as a plugin (`-p tests.environment` in pyproject.toml) because conftest files come
too late: the settings are read first. The suite runs with DEBUG off, as production does,
so it needs what production must configure. Servers the tests start inherit it.
"""

import os

# The test client's host; the browser journeys point it at their live server.
os.environ.setdefault("PORTAL_BASE_URL", "http://testserver")

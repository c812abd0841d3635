"""Settings of the gunicorn servers that the multi-process tests start.

The portal's own settings (read from the environment as in production) with three
test-only changes: Argon2 counts its hash computations for the tests, every answer names
the process that served it, and static files need no collectstatic manifest, as in the
rest of the suite (tests/conftest.py).
"""

from portal.settings import *  # noqa: F403
from portal.settings import MIDDLEWARE, PASSWORD_HASHERS, STORAGES

PASSWORD_HASHERS = [
    "tests.multiprocess.hashers.CountingArgon2PasswordHasher"
    if hasher == "django.contrib.auth.hashers.Argon2PasswordHasher"
    else hasher
    for hasher in PASSWORD_HASHERS
]
MIDDLEWARE = ["tests.multiprocess.middleware.served_by", *MIDDLEWARE]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

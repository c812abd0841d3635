"""Settings of the gunicorn servers that the multi-process tests start.

The portal's own settings (read from the environment as in production) with four
test-only changes: Argon2 counts its hash computations for the tests, every answer names
the process that served it, static files need no collectstatic manifest, as in the
rest of the suite (tests/conftest.py), and under pytest-xdist the cache keys carry the
prefix of the worker that started the servers, as its tests' do (tests/settings.py).
"""

from portal.settings import *  # noqa: F403
from portal.settings import CACHES, MIDDLEWARE, PASSWORD_HASHERS, STORAGES
from tests.settings import worker_key_prefix

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
CACHES = {**CACHES, "default": {**CACHES["default"], "KEY_PREFIX": worker_key_prefix()}}

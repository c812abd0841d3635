"""The servers' settings with sessions in the cache backed by the database (`cached_db`),
as a deployment that shares Redis may run them: the Redis drill runs both engines."""

from tests.multiprocess.server_settings import *  # noqa: F403

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

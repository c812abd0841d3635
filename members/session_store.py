"""The session engine (settings.SESSION_ENGINE): Django's database sessions, read with one
plain statement.

Every request of a logged-in visitor reads its session. Django's store builds that read
with the ORM, which took longer to write the statement than the database to answer it
(a tenth of a bare logged-in request); the statement is the same every time. Writing,
deleting and expiring stay Django's.
"""

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        """Return the session's data; an unknown or expired key starts an empty session
        (with a new key when saved), as Django's store does."""
        connection = connections[router.db_for_read(self.model)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {self.model._meta.db_table}"
                " WHERE session_key = %s AND expire_date > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return {}
        return self.decode(row[0])

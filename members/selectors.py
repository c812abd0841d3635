"""Reads of the members app that pages share."""

import datetime as dt

from members.login import PREVIOUS_LOGIN_SESSION_KEY
from members.models import LoginAttempt, Member


def previous_login_at(session) -> dt.datetime | None:
    """Return the time of the login before the current one, as recorded at login."""
    value = session.get(PREVIOUS_LOGIN_SESSION_KEY)
    return dt.datetime.fromisoformat(value) if value else None


def login_history(member: Member):
    return LoginAttempt.objects.for_member(member)

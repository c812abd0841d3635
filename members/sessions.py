"""Logged-in sessions: their lifetime and the member's record of each open one (SPEC §4).

A session ends after PORTAL_SESSION_IDLE_MINUTES without a request and, however active,
PORTAL_SESSION_MAX_HOURS after login; both are read from the session (and the activity
cookie, below), so checking them costs no query. Each member session also has a
`MemberSession` row, written at login and removed at logout, from which the member sees
their open sessions and ends the others in the configured session store (whatever
SESSION_ENGINE is).
"""

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    update_session_auth_hash,
)
from django.contrib.sessions.backends.base import SessionBase
from django.core.signing import BadSignature, Signer
from django.db.models import Q
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare

from members.models import LOGIN_CREDENTIALS, Member, MemberSession

# Sent (with `member`) whenever a member's other sessions are ended: a door that keeps
# logins of its own (the app API's tokens) ends them too, whatever ended the sessions (a
# new password, PIN, e-mail, phone or transfer account; "end the other sessions").
sessions_ended = Signal()

STARTED_AT_SESSION_KEY = "members_session_started_at"
LAST_ACTIVITY_SESSION_KEY = "members_last_activity"

# The idle clock must see every request, but writing the session at every request costs
# a database write and commit per page. So the time of a session's last request travels
# in a signed cookie of its own, bound to the session's key, and the session keeps a copy
# that is written only once it is ACTIVITY_WRITE_INTERVAL old. A session is idle from the
# later of the two. The cookie can only be one the server signed at a request of this
# very session, so it never keeps a session open past its idle limit; without it (lost,
# or a client that drops it) the session's copy ends the session up to the interval
# early, never late. The list of open sessions judges the *other* sessions from their
# copies, with the interval's slack, so it never ends one that is still open.
ACTIVITY_COOKIE = "members_activity"
ACTIVITY_SALT = "members.sessions.activity"
ACTIVITY_WRITE_INTERVAL = dt.timedelta(seconds=60)

# Why a session ended by time; also the notice's `data-notice` on the login page.
IDLE = "session_timeout"
ABSOLUTE = "session_expired"

# The backend Django records in the session at login tells how the member logged in.
LOGIN_METHOD_OF_BACKEND = {
    credential.backend: method
    for method, credential in LOGIN_CREDENTIALS.items()
    if credential.backend
}


def started(session: SessionBase, *, now: dt.datetime) -> None:
    """Start the session's absolute lifetime (at login)."""
    session[STARTED_AT_SESSION_KEY] = now.isoformat()


def _bound_to(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


def touch(request: HttpRequest, response: HttpResponse, *, now: dt.datetime) -> None:
    """Restart the idle clock (after every request of a logged-in user): the activity
    cookie always, the session's copy when it is ACTIVITY_WRITE_INTERVAL old."""
    session = request.session
    stored = session.get(LAST_ACTIVITY_SESSION_KEY)
    if stored is None or not (
        dt.timedelta(0) <= now - dt.datetime.fromisoformat(stored) < ACTIVITY_WRITE_INTERVAL
    ):
        session[LAST_ACTIVITY_SESSION_KEY] = now.isoformat()
    if session.session_key is None:  # not stored yet: only the session's copy can hold it
        session[LAST_ACTIVITY_SESSION_KEY] = now.isoformat()
        return
    value = Signer(salt=ACTIVITY_SALT).sign(f"{_bound_to(session.session_key)}|{now.isoformat()}")
    response.set_cookie(
        ACTIVITY_COOKIE,
        value,
        domain=settings.SESSION_COOKIE_DOMAIN,
        path=settings.SESSION_COOKIE_PATH,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite=settings.SESSION_COOKIE_SAMESITE,
    )


def forget_activity(request: HttpRequest, response: HttpResponse) -> None:
    """Drop the activity cookie of a session that is over (it is bound to its key anyway)."""
    if ACTIVITY_COOKIE in request.COOKIES:
        response.delete_cookie(
            ACTIVITY_COOKIE,
            domain=settings.SESSION_COOKIE_DOMAIN,
            path=settings.SESSION_COOKIE_PATH,
            samesite=settings.SESSION_COOKIE_SAMESITE,
        )


def last_request_at(request: HttpRequest) -> dt.datetime | None:
    """Return the time of this session's last request from the activity cookie, or None
    if the cookie is missing, altered, or signed for another session."""
    value, key = request.COOKIES.get(ACTIVITY_COOKIE), request.session.session_key
    if not value or not key:
        return None
    try:
        bound, _, stamp = Signer(salt=ACTIVITY_SALT).unsign(value).partition("|")
        if not constant_time_compare(bound, _bound_to(key)):
            return None
        return dt.datetime.fromisoformat(stamp)
    except (BadSignature, ValueError):
        return None


def last_activity(data: Mapping, *, last_request: dt.datetime | None = None) -> dt.datetime | None:
    """Return the later of the session's copy of its last request and `last_request`."""
    stored = data.get(LAST_ACTIVITY_SESSION_KEY)
    candidates = [dt.datetime.fromisoformat(stored)] if stored else []
    if last_request is not None:
        candidates.append(last_request)
    return max(candidates, default=None)


def ended_by_time(
    data: Mapping,
    *,
    now: dt.datetime,
    last_request: dt.datetime | None = None,
    idle_slack: dt.timedelta = dt.timedelta(0),
) -> str | None:
    """Return why a logged-in session is over (IDLE or ABSOLUTE), None while it is open.

    `last_request`: the activity cookie's time, if the request brought one. `idle_slack`:
    how much older than the session's last request its copy may be (judging a session
    from its copy alone). A session without a start is from before the absolute lifetime
    existed: it is over.
    """
    started_at = data.get(STARTED_AT_SESSION_KEY)
    max_age = dt.timedelta(hours=settings.PORTAL_SESSION_MAX_HOURS)
    if started_at is None or now - dt.datetime.fromisoformat(started_at) > max_age:
        return ABSOLUTE
    last = last_activity(data, last_request=last_request)
    idle_limit = dt.timedelta(minutes=settings.PORTAL_SESSION_IDLE_MINUTES)
    if last is not None and now - last > idle_limit + idle_slack:
        return IDLE
    return None


def login_method(session: Mapping, *, member: Member) -> str:
    """Return how the member logged in to this session (LoginMethod).

    A session opened some other way (a test's force_login) falls back to the member's
    `preferred_login_method`.
    """
    method = LOGIN_METHOD_OF_BACKEND.get(session.get(BACKEND_SESSION_KEY, ""))
    return method or member.preferred_login_method


def _store() -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore()


def record_login(
    *,
    member: Member,
    session: SessionBase,
    user_agent: str,
    client_address: str,
    now: dt.datetime,
) -> None:
    """Record a member's new session; forget those past the absolute lifetime."""
    if session.session_key is None:  # a store without server-side sessions (signed cookies)
        return
    cutoff = now - dt.timedelta(hours=settings.PORTAL_SESSION_MAX_HOURS)
    # A member logging in again in their own session keeps its key: it starts afresh.
    MemberSession.objects.filter(
        Q(member=member, started_at__lt=cutoff) | Q(session_key=session.session_key)
    ).delete()
    MemberSession.objects.create(
        member=member,
        session_key=session.session_key,
        method=login_method(session, member=member),
        user_agent=user_agent[:300],
        client_address=client_address,
        started_at=now,
    )


def keep_after_credential_change(request: HttpRequest, member: Member) -> None:
    """Keep the current session after a password change, which ends all the others.

    Django would otherwise end this one too (sessions are tied to the password hash); it
    gives the session a new key, which the record follows.
    """
    old_key = request.session.session_key
    update_session_auth_hash(request, member)
    MemberSession.objects.filter(session_key=old_key).update(
        session_key=request.session.session_key
    )
    end_other_sessions(member=member, current_session_key=request.session.session_key)


def forget(session_key: str | None) -> None:
    """Remove the record of a session that is ending (logout)."""
    if session_key is not None:
        MemberSession.objects.filter(session_key=session_key).delete()


@dataclass(frozen=True)
class OpenSession:
    record: MemberSession
    is_current: bool
    last_activity_at: dt.datetime | None


def open_sessions(
    *,
    member: Member,
    current_session_key: str | None,
    now: dt.datetime,
    current_last_request: dt.datetime | None = None,
) -> list[OpenSession]:
    """Return the member's open sessions, newest first; records of ended ones are removed.

    A session is open while the store still holds it for this member with the current
    credentials (a password or PIN change ends the others) and its time is not up (for
    the others, judged from their copy of their last request, with the copy's slack).
    `current_last_request`: the activity cookie's time of the current session.
    """
    store, found, ended = _store(), [], []
    auth_hash = member.get_session_auth_hash()
    for record in MemberSession.objects.filter(member=member).order_by("-started_at", "-id"):
        data = type(store)(session_key=record.session_key).load()
        is_current = record.session_key == current_session_key
        last_request = current_last_request if is_current else None
        is_open = (
            data.get(SESSION_KEY) == str(member.pk)
            and constant_time_compare(data.get(HASH_SESSION_KEY, ""), auth_hash)
            and ended_by_time(
                data,
                now=now,
                last_request=last_request,
                idle_slack=dt.timedelta(0) if is_current else ACTIVITY_WRITE_INTERVAL,
            )
            is None
        )
        if not is_open:
            ended.append(record)
            continue
        found.append(
            OpenSession(
                record=record,
                is_current=is_current,
                last_activity_at=last_activity(data, last_request=last_request),
            )
        )
    _end(ended, store)
    return found


def end_other_sessions(*, member: Member, current_session_key: str | None) -> int:
    """End every session of the member but the current one (None: every one); return how
    many were ended. Each is deleted from the session store, so its next request is a
    logged-out one."""
    others = list(
        MemberSession.objects.filter(member=member).exclude(session_key=current_session_key)
    )
    _end(others, _store())
    sessions_ended.send(sender=Member, member=member)
    return len(others)


def _end(records: list[MemberSession], store: SessionBase) -> None:
    for record in records:
        store.delete(record.session_key)
    MemberSession.objects.filter(pk__in=[record.pk for record in records]).delete()

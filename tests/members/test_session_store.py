"""The session engine (members.session_store): Django's database sessions, read with one
plain statement, behave as Django's do."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.session_store import SessionStore

pytestmark = pytest.mark.django_db


def saved(data: dict) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_a_saved_session_reads_back_in_one_query():
    key = saved({"a": 1, "b": "二"})

    store = SessionStore(key)
    with CaptureQueriesContext(connection) as queries:
        data = dict(store.items())

    assert data == {"a": 1, "b": "二"}
    assert store.session_key == key
    assert len(queries) == 1


@pytest.mark.parametrize("gone", ["expired", "unknown"])
def test_an_expired_or_unknown_key_reads_empty_and_is_never_reused(gone):
    key = saved({"a": 1})
    if gone == "expired":
        Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    else:
        key = "x" * 32

    store = SessionStore(key)

    assert dict(store.items()) == {}
    store["b"] = 2
    store.save()
    assert store.session_key != key  # a new session, not the old key brought back


def test_it_reads_the_session_still_valid_a_moment_before_it_expires():
    key = saved({"a": 1})
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + dt.timedelta(seconds=5)
    )

    assert dict(SessionStore(key).items()) == {"a": 1}

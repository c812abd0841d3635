"""The common cost of every member page (SPEC §12 "Speed"): at most 2 queries.

The session and the member; no session write while the idle clock's copy is fresh, no
maintenance look-up while the process's windows are (portal.maintenance). `make bench`
measures the same floor on a page of its own (bench/views.py).
"""

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# A member page that shows what is on every one and next to nothing else.
PIN_PAGE = reverse("members:settings-pin")


def test_a_member_page_costs_the_session_and_the_member(
    member_client, django_assert_num_queries, time_machine
):
    assert member_client.get(PIN_PAGE).status_code == 200  # reads the windows once
    time_machine.shift(dt.timedelta(seconds=1))
    with django_assert_num_queries(2):
        assert member_client.get(PIN_PAGE).status_code == 200


def test_the_maintenance_look_up_is_the_third_query_without_the_cache(
    member_client, django_assert_num_queries, settings
):
    settings.PORTAL_MAINTENANCE_CACHE_SECONDS = 0
    member_client.get(PIN_PAGE)
    with django_assert_num_queries(3):
        assert member_client.get(PIN_PAGE).status_code == 200

"""Structured request logs (portal.requestlog): one JSON line per request with its id, the
id on every record made during the request, and never a secret."""

import json
import logging
import re

import pytest
from django.urls import reverse

from portal.requestlog import JsonFormatter, RequestIdFilter
from tests.factories import DEFAULT_PIN
from tests.helpers import login_card

pytestmark = pytest.mark.django_db


def request_lines(caplog) -> list[dict]:
    """The request records, as the production formatter writes them."""
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == "portal.requests"
    ]


@pytest.fixture
def caplog(caplog):
    caplog.set_level(logging.INFO)
    caplog.handler.addFilter(RequestIdFilter())
    return caplog


def test_one_json_line_per_request_without_the_query_string(client, caplog):
    response = client.get(reverse("members:login") + "?next=/mypage/&pin=1234")
    (line,) = request_lines(caplog)
    assert line["method"] == "GET"
    assert line["path"] == reverse("members:login")
    assert line["status"] == response.status_code == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["member_id"] is None
    assert line["request_id"] == response["X-Request-ID"]
    assert line["logger"] == "portal.requests" and line["level"] == "INFO"
    assert "pin" not in json.dumps(line) and "next" not in json.dumps(line)


def test_a_sane_incoming_request_id_is_kept_and_echoed(client, caplog):
    response = client.get(reverse("members:login"), headers={"X-Request-ID": "lb-4f2a.9c_01"})
    assert response["X-Request-ID"] == "lb-4f2a.9c_01"
    assert request_lines(caplog)[0]["request_id"] == "lb-4f2a.9c_01"


@pytest.mark.parametrize(
    "given",
    ["short", "x" * 65, "has space in it", "new\nline-injected", "<script>alert(1)</script>"],
)
def test_an_insane_incoming_request_id_is_replaced(client, caplog, given):
    response = client.get(reverse("members:login"), headers={"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert request_lines(caplog)[0]["request_id"] == response["X-Request-ID"]


def test_without_an_incoming_id_each_request_gets_its_own(client, caplog):
    first = client.get(reverse("members:login"))["X-Request-ID"]
    second = client.get(reverse("members:login"))["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


def test_every_record_made_during_the_request_carries_its_id(client, caplog, monkeypatch):
    """A record of any logger (here the health check's warning) names the request."""
    monkeypatch.setattr("portal.health.database_ok", _failing_database)
    response = client.get("/healthz")
    warnings = [record for record in caplog.records if record.name == "portal.health"]
    assert warnings
    assert {record.request_id for record in warnings} == {response["X-Request-ID"]}


def _failing_database():
    logging.getLogger("portal.health").warning("Health check: the database failed: X")
    return False


def test_outside_a_request_records_carry_no_id(caplog):
    logging.getLogger("portal").info("a job's record")
    assert caplog.records[-1].request_id is None


def test_the_member_is_named_by_id_and_no_secret_is_logged(client, caplog, member):
    response = login_card(client, member.card_number, DEFAULT_PIN)
    assert response.status_code == 302
    client.get(reverse("members:mypage"))
    login, mypage = request_lines(caplog)
    assert login["path"] == reverse("members:login-card") and login["method"] == "POST"
    assert mypage["member_id"] == member.pk and mypage["status"] == 200
    # What the request chose or measured may hold any digits; everything else may not.
    entries = [json.loads(JsonFormatter().format(record)) for record in caplog.records]
    for entry in entries:
        for varying in ("time", "request_id", "duration_ms", "member_id"):
            entry.pop(varying, None)
    logged = json.dumps(entries, ensure_ascii=False)
    assert DEFAULT_PIN not in logged
    assert member.card_number not in logged
    assert client.cookies["sessionid"].value not in logged


def test_a_token_in_the_path_is_logged_by_its_name(client, caplog):
    path = reverse("members:reset-password", args=["MTIz", "cy7a1f-0123456789abcdef0123"])
    client.get(path)
    (line,) = request_lines(caplog)
    assert line["path"] == "/account/password/reset/<uidb64>/<token>/"
    assert "cy7a1f" not in json.dumps(line)


def test_a_page_that_does_not_need_the_member_does_not_load_it(
    client, member, django_assert_num_queries
):
    """Logging the member id costs no query of its own (the health check makes one)."""
    client.force_login(member)
    with django_assert_num_queries(1):
        client.get("/healthz")


def test_djangos_own_error_records_carry_the_id_and_no_query_string(client, caplog):
    """Django logs a 4xx after the middleware: still the request's id, and the request's
    repr (with its query string) is left out of the line."""
    response = client.get("/no-such-page/?token=s3cr3t-value")
    assert response.status_code == 404
    (record,) = [record for record in caplog.records if record.name == "django.request"]
    assert record.request_id == response["X-Request-ID"]
    line = JsonFormatter().format(record)
    assert "s3cr3t" not in line and json.loads(line)["status_code"] == 404

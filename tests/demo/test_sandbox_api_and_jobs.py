"""A sandbox's clock for its members' app API calls, and its month-end point job."""

import pytest
from django.test import Client
from django.urls import reverse

from demo.personas import PERSONAS_BY_KEY, reset_demo_personas
from points.models import PointEntry
from tests.api.conftest import ApiClient
from tests.demo.test_sandboxes import JSON, MONDAY_NIGHT, create, persona, url


@pytest.fixture(autouse=True)
def _demo(settings, mailbox, db):
    settings.PORTAL_DEMO = True


def api_of(credentials: dict) -> ApiClient:
    api = ApiClient(Client())
    answer = api.post(
        "/auth/card", {"card_number": credentials["card_number"], "pin": credentials["pin"]}
    )
    assert answer.status_code == 201, answer.content
    api.token = answer.json()["token"]
    return api


def test_the_api_runs_a_sandbox_members_calls_on_the_sandboxs_clock(client):
    first, second = create(client), create(client)
    in_first, in_second = api_of(persona(first, "standard")), api_of(persona(second, "standard"))
    client.post(url("demo:sandbox-clock", first), {"now": MONDAY_NIGHT}, content_type=JSON)

    closed = in_first.get("/dashboard")
    assert closed.status_code == 503 and closed.json()["code"] == "maintenance"
    assert closed.json()["maintenance_until"].startswith("2026-12-14T")
    assert in_second.get("/dashboard").status_code == 200  # the other sandbox's clock


def test_an_unknown_token_is_still_refused_before_any_sandbox_is_looked_at(client):
    create(client)
    answer = ApiClient(client, token="not-a-token").get("/dashboard")
    assert answer.status_code == 401 and answer.json()["code"] == "not_authenticated"


def test_the_point_job_credits_the_month_before_the_sandboxs_today_for_its_members(client):
    reset_demo_personas()
    sandbox = create(client)
    client.post(
        url("demo:sandbox-clock", sandbox), {"now": "2027-01-01T10:00:00+09:00"}, content_type=JSON
    )

    first = client.post(url("demo:sandbox-points", sandbox))
    again = client.post(url("demo:sandbox-points", sandbox))

    assert first.status_code == 200 and first.json()["month"] == "2026-12"
    assert first.json()["credited"] > 0 and again.json() == {"month": "2026-12", "credited": 0}
    standard = persona(sandbox, "standard")
    assert PointEntry.objects.filter(
        member__member_number=standard["member_number"], reference="2026-12"
    ).exists()
    shared = PERSONAS_BY_KEY["standard"]
    assert not PointEntry.objects.filter(
        member__member_number=shared.member_number, reference="2026-12"
    ).exists()


def test_the_point_job_of_an_unknown_sandbox_is_404_and_it_takes_only_post(client):
    sandbox = create(client)
    assert client.post(reverse("demo:sandbox-points", args=["x" * 43])).status_code == 404
    assert client.get(url("demo:sandbox-points", sandbox)).status_code == 405

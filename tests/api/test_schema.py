"""schemathesis against the live schema (SPEC §11): every operation, with a logged-in
token, answers without a 5xx and as its schema says (status, content type, body)."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from api import tokens
from history import services
from members.models import LoginMethod
from points import services as point_services
from tests.factories import MemberFactory, TransferAccountFactory

# A request the schema allows may still be refused by a rule the schema cannot state (an
# amount above the available credit, a code no ATM shows): 422 with the rule's code. And
# like the pages, the API ignores query parameters it does not know, so negative tests do
# not add any.
CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {"allow-extra-parameters": False},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]
            }
        },
    }
)
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application(), config=CONFIG)


@pytest.fixture
def test_transaction_kept_open():
    """Keep the test's database connection through the WSGI calls, as Django's test client
    does: a request's end would otherwise close it (and PostgreSQL's test transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_member(db):
    member = MemberFactory()
    TransferAccountFactory(member=member)
    services.borrow(member=member, amount=50_000)
    point_services.join(member=member)
    return member


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_every_operation_conforms(case, api_member, test_transaction_kept_open):
    # A fresh token each time: some examples log out.
    token, _record = tokens.issue(member=api_member, method=LoginMethod.CARD)
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


# --- Stateful: the links the schema declares ------------------------------------------

DECLARED_LINKS = {
    ("/api/v1/atm/claims", "post", "200"): {"ConfirmOperation": "api_endpoints_atm_confirm"},
    ("/api/v1/history", "get", "200"): {"ReadEntry": "api_endpoints_history_entry"},
    ("/api/v1/loan/borrowings", "post", "201"): {"ReadEntry": "api_endpoints_history_entry"},
    ("/api/v1/loan/repayments", "post", "201"): {"ReadEntry": "api_endpoints_history_entry"},
    ("/api/v1/atm/operations", "post", "201"): {"ReadEntry": "api_endpoints_history_entry"},
    ("/api/v1/coupons", "get", "200"): {"ReadCoupon": "api_endpoints_coupon"},
}


def test_the_schema_declares_links_to_operations_it_has(client):
    document = client.get("/api/openapi.json").json()
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    declared = {
        (path, method, status): {name: link["operationId"] for name, link in links.items()}
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        for status, answer in operation["responses"].items()
        if (links := answer.get("links"))
    }
    assert declared == DECLARED_LINKS
    assert {target for links in declared.values() for target in links.values()} <= operations
    claim = document["paths"]["/api/v1/atm/claims"]["post"]["responses"]["200"]
    assert claim["links"]["ConfirmOperation"]["requestBody"] == {
        "code": "$response.body#/code",
        "operation": "$response.body#/operation",
        "amount": "$response.body#/amount",
    }


# The state machine's calls carry the running sequence's token through an auth provider, so
# schemathesis knows them authenticated (and checks that a call without it is refused).
stateful_schema = schemathesis.openapi.from_wsgi(
    "/api/openapi.json", get_wsgi_application(), config=CONFIG
)
sequence = {}


@stateful_schema.auth(refresh_interval=None)
class SequenceToken:
    """The token of the running sequence."""

    def get(self, case, ctx):
        return sequence["token"]

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.mark.django_db
def test_stateful_sequences_along_the_links_conform(api_member, test_transaction_kept_open):
    class Workflow(stateful_schema.as_state_machine()):
        def setup(self):
            # A fresh token per sequence: a step may log out.
            sequence["token"], _record = tokens.issue(member=api_member, method=LoginMethod.CARD)

    Workflow.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )

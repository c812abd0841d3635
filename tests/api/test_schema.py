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

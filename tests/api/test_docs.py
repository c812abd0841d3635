"""The API's description: the OpenAPI 3.1 schema and the docs page, served locally."""

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_1_with_every_operation(client):
    schema = client.get("/api/openapi.json").json()

    assert schema["openapi"].startswith("3.1")
    operations = {
        (method.upper(), path) for path, item in schema["paths"].items() for method in item
    }
    assert ("POST", "/api/v1/auth/card") in operations
    assert ("POST", "/api/v1/loan/borrowings") in operations
    assert len(operations) == 18
    borrow = schema["paths"]["/api/v1/loan/borrowings"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in borrow["parameters"])
    assert "application/problem+json" in borrow["responses"]["409"]["content"]
    assert schema["components"]["securitySchemes"]["MemberToken"]["scheme"] == "bearer"


def test_the_docs_page_uses_only_the_portals_own_scripts(client):
    answer = client.get("/api/docs")

    html = answer.content.decode()
    assert answer.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert not re.search(r'(src|href)="https?://', html)  # no CDN
    policy = answer["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy

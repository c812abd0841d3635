"""The app API's interactive docs (/api/docs) in a real browser: Swagger UI from the
portal's own static files renders the live schema and breaks no Content-Security-Policy
(the page fixture fails a test on any violation, tests/browser/conftest.py)."""

from playwright.sync_api import expect


def test_the_api_docs_render_every_operation_without_a_policy_violation(page, transactional_db):
    requested_hosts = set()
    page.on("request", lambda request: requested_hosts.add(request.url.split("/")[2]))

    page.goto("/api/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Member portal app API")
    expect(page.locator(".opblock-summary-path[data-path='/api/v1/auth/card']")).to_be_visible()
    page.locator(".opblock-summary-path[data-path='/api/v1/loan/borrowings']").click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert page.locator(".opblock").count() >= 17
    # Every asset from the portal itself: no CDN.
    assert len(requested_hosts) == 1, requested_hosts
    assert page.csp_violations == []

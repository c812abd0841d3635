import pytest

from tests.factories import DEFAULT_PIN, MemberFactory, TransferAccountFactory


class ApiClient:
    """Django's test client speaking JSON to /api/v1/, with a bearer token once logged in."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.token:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return headers

    def get(self, path, params=None, headers=None):
        return self.client.get(f"/api/v1{path}", params or {}, headers=self._headers(headers))

    def send(self, method, path, body=None, headers=None, raw=None):
        data = raw if raw is not None else body
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=data,
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post(self, path, body=None, headers=None, raw=None):
        return self.send("post", path, body, headers, raw)

    def put(self, path, body=None, headers=None):
        return self.send("put", path, body, headers)

    def log_in_card(self, member, pin=DEFAULT_PIN):
        answer = self.post("/auth/card", {"card_number": member.card_number, "pin": pin})
        assert answer.status_code == 201, answer.content
        self.token = answer.json()["token"]
        return answer


@pytest.fixture
def api(client):
    return ApiClient(client)


@pytest.fixture
def borrower(db):
    member = MemberFactory()
    TransferAccountFactory(member=member)
    return member


@pytest.fixture
def member_api(client, borrower):
    """An API client logged in as `borrower` (card and PIN)."""
    api = ApiClient(client)
    api.log_in_card(borrower)
    return api

import pytest


@pytest.fixture
def member_client(client, member):
    """A browser logged in as `member` (card login)."""
    client.force_login(member, backend="members.backends.CardPinBackend")
    return client

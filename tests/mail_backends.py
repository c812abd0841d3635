"""E-mail backends for tests."""

from django.core.mail.backends.base import BaseEmailBackend


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that is down: every delivery fails as SMTP does when it cannot connect."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")

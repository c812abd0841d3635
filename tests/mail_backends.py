"""E-mail backends for tests."""

from django.core.mail.backends.base import BaseEmailBackend


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that is down: every delivery fails as SMTP does when it cannot connect."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class RefusingSomeEmailBackend(BaseEmailBackend):
    """A mail server that refuses mail to addresses whose local part ends in 7 and drops
    the rest (a delivery that fails for some members at one run)."""

    def send_messages(self, email_messages):
        for message in email_messages:
            if any(address.split("@")[0].endswith("7") for address in message.to):
                raise ConnectionRefusedError(111, "Connection refused")
        return len(email_messages)

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


class AppendingEmailBackend(BaseEmailBackend):
    """A mail server shared by processes: appends each recipient to the file named by
    PORTAL_TEST_MAIL_LOG, one line per delivered mail, after a short pause per mail (a
    delivery takes time, so that parallel senders overlap)."""

    def send_messages(self, email_messages):
        import os
        import time

        for message in email_messages:
            time.sleep(0.01)
            line = ",".join(message.to) + "\n"
            # O_APPEND: each short line lands whole, whatever the other processes write.
            descriptor = os.open(os.environ["PORTAL_TEST_MAIL_LOG"], os.O_WRONLY | os.O_APPEND)
            try:
                os.write(descriptor, line.encode())
            finally:
                os.close(descriptor)
        return len(email_messages)

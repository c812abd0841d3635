from django.core.management.base import BaseCommand

from portal.outbox import send_due


class Command(BaseCommand):
    help = (
        "Try again the mails the mail server did not take (the outbox), each when due, "
        "with growing pauses, giving up after PORTAL_MAIL_MAX_ATTEMPTS tries; safe to run "
        "every minute from cron, on several hosts at once."
    )

    def handle(self, *args, **options):
        outcome = send_due()
        self.stdout.write(
            f"Sent {outcome.sent} mails from the outbox; {outcome.failed} failed (tried "
            f"again later); gave up {outcome.gave_up}; deleted {outcome.deleted} done ones."
        )

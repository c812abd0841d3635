from django.core.management.base import BaseCommand

from history.reminders import send_due_notices


class Command(BaseCommand):
    help = (
        "Send the repayment reminders and overdue notices due at the portal clock's now, "
        "each once ever; safe to run every few minutes from cron, on several hosts at once."
    )

    def handle(self, *args, **options):
        outcome = send_due_notices()
        self.stdout.write(
            f"Sent {outcome.sent} reminders; {outcome.failed} failed (retried on the next run); "
            f"{outcome.withdrawn} no longer due."
        )

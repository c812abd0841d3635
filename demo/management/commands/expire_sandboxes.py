from django.core.management.base import BaseCommand

from demo.sandboxes import expire_sandboxes


class Command(BaseCommand):
    help = (
        "Delete the testers' sandboxes past their expiry (PORTAL_SANDBOX_HOURS) with "
        "everything they made. Safe to run from cron on several hosts at once."
    )

    def handle(self, *args, **options):
        # Not only in demo mode: sandboxes left by a demo run must go all the same.
        deleted = expire_sandboxes()
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} expired sandboxes."))

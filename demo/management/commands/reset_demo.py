from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.personas import reset_demo_personas


class Command(BaseCommand):
    help = "Restore every demo persona to its documented state; other members stay as they are."

    def handle(self, *args, **options):
        if not settings.PORTAL_DEMO:
            # The personas' credentials are published on /demo/: never create them elsewhere.
            raise CommandError(
                "reset_demo runs only in demo mode (PORTAL_DEMO=1); nothing was changed."
            )
        members = reset_demo_personas()
        self.stdout.write(self.style.SUCCESS(f"Reset {len(members)} demo personas."))

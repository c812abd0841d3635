from django.core.management.base import BaseCommand

from members.demo import reset_demo_personas


class Command(BaseCommand):
    help = "Restore every demo persona to its documented state; other members stay as they are."

    def handle(self, *args, **options):
        members = reset_demo_personas()
        self.stdout.write(self.style.SUCCESS(f"Reset {len(members)} demo personas."))

from django.core.management.base import BaseCommand, CommandError

from members import staff_actions
from members.models import Member


class Command(BaseCommand):
    help = (
        "Unlock a staff ID locked by too many wrong passwords or TOTP codes (another staff "
        "member with the change permission can do the same in the admin)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The staff ID to unlock.")

    def handle(self, *args, username, **options):
        staff = Member.objects.filter(is_staff=True, username=username).first()
        if staff is None:
            raise CommandError(f"No staff user {username!r}.")
        staff_actions.unlock_staff(staff=staff)
        self.stdout.write(self.style.SUCCESS(f"Unlocked staff ID {username!r}."))

import io

import segno
from django.core.management.base import BaseCommand, CommandError

from members import staff_login
from members.models import Member


class Command(BaseCommand):
    help = (
        "Give a staff user a TOTP device for the admin's second factor and print its "
        "otpauth URL and QR code, for them to scan. This is how the first device comes to "
        "be outside demo mode; afterwards staff replace their own on the admin's "
        "二段階認証 page. The key is printed to this terminal only: clear it afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="The staff ID.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Replace the device the staff user has (a lost or new phone).",
        )

    def handle(self, *args, username, replace, **options):
        staff = Member.objects.filter(is_staff=True, username=username).first()
        if staff is None:
            raise CommandError(f"No staff user {username!r}.")
        if staff_login.staff_device(staff) is not None and not replace:
            raise CommandError(
                f"{username!r} already has a TOTP device; use --replace to replace it."
            )
        device = staff_login.enroll_staff_device(staff=staff)
        self.stdout.write(f"otpauth URL for {username!r} (scan it or type it in):")
        self.stdout.write(device.config_url)
        qr_code = io.StringIO()
        segno.make(device.config_url, error="m").terminal(out=qr_code, compact=True)
        self.stdout.write(qr_code.getvalue())
        self.stdout.write(self.style.SUCCESS(f"{username!r} now signs in with this device."))

from django.core.management.base import BaseCommand

from history.services import mark_delinquencies
from portal import clock


class Command(BaseCommand):
    help = "Daily ledger job: suspend contracts past their due date unpaid, lift paid-up ones."

    def handle(self, *args, **options):
        suspended, reinstated = mark_delinquencies(today=clock.today())
        self.stdout.write(f"Suspended {suspended} contracts; reinstated {reinstated}.")

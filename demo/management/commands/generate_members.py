from django.core.management.base import BaseCommand, CommandError

from demo.fake_data import GENERATED_PASSWORD, GENERATED_PIN, MAX_SEED, Scenario, generate_batch


class Command(BaseCommand):
    help = (
        "Create N test members with realistic Japanese data, loan contracts and ledger "
        f"histories. They all share the PIN {GENERATED_PIN} and the Web-ID password "
        f"{GENERATED_PASSWORD} (scenario no_web_id: no Web-ID)."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many members to create (N ≥ 1).")
        parser.add_argument(
            "--scenario",
            choices=Scenario.values,
            default=Scenario.RANDOM,
            help="What their accounts look like; random mixes standard, delinquent, "
            "paid_off and interest_free (default: random).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            help=f"Make the data reproducible (same seed, same members; 0 to {MAX_SEED}).",
        )
        parser.add_argument(
            "--transactions",
            type=int,
            default=12,
            help="About how many ledger entries each member gets (default: 12).",
        )

    def handle(self, *args, count, scenario, seed, transactions, **options):
        if count < 1:
            raise CommandError("N must be at least 1.")
        if transactions < 0:
            raise CommandError("--transactions cannot be negative.")
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise CommandError(f"--seed must be between 0 and {MAX_SEED}.")
        batch = generate_batch(count=count, scenario=scenario, seed=seed, transactions=transactions)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {batch.count} members ({scenario}, seed {batch.seed}, "
                f"batch #{batch.pk}). "
                f"PIN {GENERATED_PIN}, Web-ID password {GENERATED_PASSWORD}."
            )
        )

"""Hand mutations: what mutmut does not change, changed by hand (tests/mutation/run.py).

mutmut changes code inside functions only, and skips decorated ones: the constants at a
module's top (the rates, the first-due-date table, the fees, the point costs) and the
properties of the position (`@property`) are never mutated by it. Each entry below
replaces `before` (which must occur exactly once in `path`) with `after`; the selected
tests must fail. A mutation a test cannot tell from the original does not belong here.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class HandMutation:
    path: str
    before: str
    after: str
    why: str


def _each(path: str, why: str, *changes: tuple[str, str]) -> list[HandMutation]:
    return [HandMutation(path, before, after, why) for before, after in changes]


SCHEDULE = "history/schedule.py"
INTEREST = "history/interest.py"
ACCOUNTING = "history/accounting.py"

HAND_MUTATIONS = [
    # --- Minimum payment (SPEC §6): bands, rates, the unit, the rounding ---------------
    *_each(
        SCHEDULE,
        "a minimum-payment band's highest base",
        ("(300_000, Decimal", "(299_999, Decimal"),
        ("(300_000, Decimal", "(300_001, Decimal"),
        ("(1_000_000, Decimal", "(999_999, Decimal"),
        ("(1_000_000, Decimal", "(1_000_001, Decimal"),
    ),
    *_each(
        SCHEDULE,
        "a minimum-payment band's rate, 0.01% off",
        ('Decimal("0.0361")', 'Decimal("0.0360")'),
        ('Decimal("0.0361")', 'Decimal("0.0362")'),
        ('Decimal("0.0253")', 'Decimal("0.0252")'),
        ('Decimal("0.0253")', 'Decimal("0.0254")'),
        ('Decimal("0.0199")', 'Decimal("0.0198")'),
        ('Decimal("0.0199")', 'Decimal("0.0200")'),
    ),
    *_each(
        SCHEDULE,
        "the minimum payment's rounding unit (1,000 yen)",
        ("MINIMUM_PAYMENT_UNIT = 1_000", "MINIMUM_PAYMENT_UNIT = 100"),
        ("MINIMUM_PAYMENT_UNIT = 1_000", "MINIMUM_PAYMENT_UNIT = 10_000"),
    ),
    *_each(
        SCHEDULE,
        "rounding the minimum payment up, not to the nearest or down",
        (
            "from decimal import ROUND_CEILING, Decimal",
            "from decimal import ROUND_HALF_UP as ROUND_CEILING, Decimal",
        ),
        (
            "from decimal import ROUND_CEILING, Decimal",
            "from decimal import ROUND_FLOOR as ROUND_CEILING, Decimal",
        ),
    ),
    # --- Due dates (SPEC §6): month-end and the first-due-date table --------------------
    *_each(SCHEDULE, "the month-end due day", ("MONTH_END = 31", "MONTH_END = 30")),
    *_each(
        SCHEDULE,
        "the first-due-date table: the day a later first due date starts from",
        ("5: (20, 1, 2)", "5: (19, 1, 2)"),
        ("5: (20, 1, 2)", "5: (21, 1, 2)"),
        ("25: (10, 0, 1)", "25: (9, 0, 1)"),
        ("25: (10, 0, 1)", "25: (11, 0, 1)"),
        ("MONTH_END: (15, 0, 1)", "MONTH_END: (14, 0, 1)"),
        ("MONTH_END: (15, 0, 1)", "MONTH_END: (16, 0, 1)"),
    ),
    *_each(
        SCHEDULE,
        "the first-due-date table: how many months ahead",
        ("5: (20, 1, 2)", "5: (20, 0, 2)"),
        ("5: (20, 1, 2)", "5: (20, 1, 1)"),
        ("15: (32, 1, 1)", "15: (32, 0, 1)"),
        ("15: (32, 1, 1)", "15: (32, 2, 2)"),
        ("25: (10, 0, 1)", "25: (10, 1, 1)"),
        ("25: (10, 0, 1)", "25: (10, 0, 2)"),
        ("MONTH_END: (15, 0, 1)", "MONTH_END: (15, 1, 1)"),
        ("MONTH_END: (15, 0, 1)", "MONTH_END: (15, 0, 2)"),
    ),
    # --- Interest (SPEC §6): the year's days ----------------------------------------------
    *_each(
        INTEREST,
        "the days of a common or a leap year",
        ("return 366 if calendar.isleap(year) else 365", "return 365"),
        ("return 366 if calendar.isleap(year) else 365", "return 366"),
        (
            "return 366 if calendar.isleap(year) else 365",
            "return 365 if calendar.isleap(year) else 366",
        ),
    ),
    # --- The ledger (SPEC §6): 30 free days, 20% late damages, the position's sums --------
    *_each(
        ACCOUNTING,
        "the first borrowing's interest-free days (30)",
        ("FIRST_TIME_FREE_DAYS = 30", "FIRST_TIME_FREE_DAYS = 29"),
        ("FIRST_TIME_FREE_DAYS = 30", "FIRST_TIME_FREE_DAYS = 31"),
    ),
    *_each(
        "members/models.py",
        "the late-damages rate of every contract (20%)",
        ('LATE_DAMAGES_RATE = Decimal("20.0")', 'LATE_DAMAGES_RATE = Decimal("19.9")'),
        ('LATE_DAMAGES_RATE = Decimal("20.0")', 'LATE_DAMAGES_RATE = Decimal("20.1")'),
    ),
    *_each(
        ACCOUNTING,
        "the payoff amount: principal + interest + late damages",
        (
            "return self.principal + self.interest + self.late_damages",
            "return self.principal + self.interest",
        ),
        (
            "return self.principal + self.interest + self.late_damages",
            "return self.principal + self.late_damages",
        ),
    ),
    *_each(
        ACCOUNTING,
        "what is still due: every missed minimum, at least one, capped at what is owed",
        ("cycles = max(1, self.due_dates_missed)", "cycles = max(0, self.due_dates_missed)"),
        ("cycles = max(1, self.due_dates_missed)", "cycles = 1"),
        (
            "unpaid = cycles * self.minimum_payment - self.paid_toward_due",
            "unpaid = cycles * self.minimum_payment",
        ),
        ("return max(0, min(unpaid, self.principal + self.interest))", "return max(0, unpaid)"),
        (
            "return max(0, min(unpaid, self.principal + self.interest))",
            "return max(0, min(unpaid, self.principal))",
        ),
    ),
    *_each(
        ACCOUNTING,
        "the overdue amount: the missed minimums and the late damages",
        ("return self.remaining_due + self.late_damages", "return self.remaining_due"),
        (
            "if self.overdue_since is None:\n            return 0\n        return self.remaining",
            "if False:\n            return 0\n        return self.remaining",
        ),
    ),
    *_each(
        ACCOUNTING,
        "a repayment pays everything off only when nothing at all is left",
        (
            "return self.principal_after == self.interest_unpaid == self.late_damages_unpaid == 0",
            "return self.principal_after == self.late_damages_unpaid == 0",
        ),
        (
            "return self.principal_after == self.interest_unpaid == self.late_damages_unpaid == 0",
            "return self.principal_after == self.interest_unpaid == 0",
        ),
        (
            "return self.principal_after == self.interest_unpaid == self.late_damages_unpaid == 0",
            "return self.interest_unpaid == self.late_damages_unpaid == 0",
        ),
    ),
    *_each(
        ACCOUNTING,
        "the interest-free days left, today included",
        (
            "return (self.interest_free_until - start).days + 1",
            "return (self.interest_free_until - start).days",
        ),
        (
            "if self.interest_free_until is None or self.interest_free_until < self.on:",
            "if self.interest_free_until is None or self.interest_free_until <= self.on:",
        ),
        ("start = max(self.on, self.interest_free_from or self.on)", "start = self.on"),
    ),
    *_each(
        ACCOUNTING,
        "the principal is the balance of the last change",
        (
            "return self.changes[-1].balance if self.changes else 0",
            "return self.changes[0].balance if self.changes else 0",
        ),
    ),
    # --- The partner-ATM fee (SPEC §8): 110 yen up to 10,000 yen, 220 above ---------------
    *_each(
        "history/atm.py",
        "the partner-ATM fee and its limit",
        ("FEE_LIMIT_OF_SMALL = 10_000", "FEE_LIMIT_OF_SMALL = 9_999"),
        ("FEE_LIMIT_OF_SMALL = 10_000", "FEE_LIMIT_OF_SMALL = 10_001"),
        ("SMALL_FEE = 110", "SMALL_FEE = 100"),
        ("LARGE_FEE = 220", "LARGE_FEE = 210"),
    ),
    # --- Points (SPEC §7): earnings and costs ---------------------------------------------
    *_each(
        "points/rules.py",
        "a point earning",
        ("JOIN_POINTS = 100", "JOIN_POINTS = 99"),
        ("MONTHLY_LOGIN_POINTS = 10", "MONTHLY_LOGIN_POINTS = 11"),
        ("INCOME_CERTIFICATE_POINTS = 160", "INCOME_CERTIFICATE_POINTS = 150"),
        ("REGISTRATION_POINTS = 1", "REGISTRATION_POINTS = 2"),
        (
            "NOTICE_POINTS_MIN, NOTICE_POINTS_MAX = 5, 20",
            "NOTICE_POINTS_MIN, NOTICE_POINTS_MAX = 4, 20",
        ),
        (
            "NOTICE_POINTS_MIN, NOTICE_POINTS_MAX = 5, 20",
            "NOTICE_POINTS_MIN, NOTICE_POINTS_MAX = 5, 21",
        ),
    ),
    *_each(
        "points/rules.py",
        "a benefit's cost or days",
        ('Benefit("atm_fee_free", 40,', 'Benefit("atm_fee_free", 39,'),
        ('Benefit("interest_free_7", 250,', 'Benefit("interest_free_7", 249,'),
        ('Benefit("interest_free_15", 400,', 'Benefit("interest_free_15", 399,'),
        ('Benefit("interest_free_30", 700,', 'Benefit("interest_free_30", 699,'),
        ("interest_free_days=7)", "interest_free_days=6)"),
        ("interest_free_days=15)", "interest_free_days=14)"),
        ("interest_free_days=30)", "interest_free_days=31)"),
    ),
    *_each(
        "points/rules.py",
        "an income certificate's size limit (5 MB)",
        ("CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024", "CERTIFICATE_MAX_BYTES = 5 * 1000 * 1000"),
    ),
]

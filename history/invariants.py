"""The ledger's invariant (SPEC §6 "Balances are always consistent with the ledger"),
checked over many members at once: after a load test (`make loadtest`), a data repair or
a restore.

For every member with a contract, the entries played oldest first (time, then the order
of writing) add up: a borrowing adds its amount, a repayment takes its principal part,
an adjustment moves the balance by its amount (up or down: the entry keeps the amount,
its `principal_after` the direction), and the other kinds (ATM fee, interest-free
benefit) leave it alone. Each entry's `principal_after` is that running balance, and the
contract's `principal_balance` is the last one: borrowings − principal repaid ±
adjustments. A member without entries owes nothing.
"""

from dataclasses import dataclass

from history.models import Kind, LedgerEntry
from members.models import LoanContract

CHUNK = 5_000  # entries read per round trip


@dataclass(frozen=True)
class Breach:
    member_id: int
    problem: str

    def __str__(self) -> str:
        return f"member {self.member_id}: {self.problem}"


def ledger_breaches(member_ids: list[int] | None = None) -> list[Breach]:
    """Return where the ledger's invariant fails, for `member_ids` or every member with a
    contract: an empty list when every balance is what its entries add up to.

    Two queries (the contracts, then the entries streamed in order), whatever the number
    of members and entries.
    """
    contracts = LoanContract.objects.all()
    entries = LedgerEntry.objects.all()
    if member_ids is not None:
        contracts = contracts.filter(member_id__in=member_ids)
        entries = entries.filter(member_id__in=member_ids)
    balances = dict(contracts.values_list("member_id", "principal_balance"))
    running = dict.fromkeys(balances, 0)
    breaches = {}
    rows = entries.order_by("member_id", "occurred_at", "id").values_list(
        "member_id", "id", "kind", "amount", "principal_paid", "principal_after"
    )
    for member_id, entry_id, kind, amount, principal_paid, principal_after in rows.iterator(
        chunk_size=CHUNK
    ):
        if member_id in breaches or member_id not in running:
            continue  # the first breach of a member is enough; no contract: not checked
        before = running[member_id]
        if kind == Kind.BORROWING:
            expected = {before + amount}
        elif kind == Kind.REPAYMENT:
            expected = {before - principal_paid}
        elif kind == Kind.ADJUSTMENT:
            expected = {before + amount, before - amount}
        else:
            expected = {before}
        if principal_after not in expected:
            breaches[member_id] = Breach(
                member_id,
                f"entry {entry_id} ({kind}, {amount}) leaves {principal_after} after {before}",
            )
        running[member_id] = principal_after
    for member_id, balance in balances.items():
        if member_id not in breaches and balance != running[member_id]:
            breaches[member_id] = Breach(
                member_id,
                f"the contract's balance is {balance}, the ledger adds up to {running[member_id]}",
            )
    return sorted(breaches.values(), key=lambda breach: breach.member_id)

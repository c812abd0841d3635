"""Japanese bank and branch names from their codes (zengin-code's offline data).

The data (every bank and branch, about 20 MB once loaded) is read on first use only.
"""

import functools


@functools.cache
def _banks() -> dict:
    from zengin_code import Bank

    return Bank.all


def bank_name(bank_code: str) -> str:
    """Return the bank's name ("みずほ"), or "" for a code no bank has."""
    bank = _banks().get(bank_code)
    return bank.name if bank is not None else ""


def branch_name(bank_code: str, branch_code: str) -> str:
    """Return the branch's name ("東京営業部"), or "" for an unknown bank or branch."""
    bank = _banks().get(bank_code)
    branch = bank.branches.get(branch_code) if bank is not None else None
    return branch.name if branch is not None else ""


def branch_codes(bank_code: str) -> list[str]:
    """Return the codes of the bank's branches (none for an unknown bank)."""
    bank = _banks().get(bank_code)
    return sorted(bank.branches) if bank is not None else []

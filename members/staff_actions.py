"""What staff do to accounts after checking a caller's identity (SPEC §9, "Admin")."""

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from members import lockout, sessions
from members.models import LoanContract, Member


@sensitive_variables("new_pin_secret")
@transaction.atomic
def set_new_pin(*, member: Member, new_pin_secret: str) -> None:
    """Set a new PIN after staff checked the member's identity; this unlocks the card."""
    member.set_pin(new_pin_secret)
    member.save(update_fields=["pin"])
    if member.card_number:
        lockout.unlock_card(member.card_number)


@transaction.atomic
def set_contract_status(*, contract: LoanContract, status: str) -> None:
    """Terminate or reinstate a contract (staff action); a termination ends the member's
    sessions and API tokens (they could no longer act for the member anyway)."""
    contract.status = status
    contract.save(update_fields=["status"])
    if contract.is_terminated:
        sessions.end_other_sessions(member=contract.member, current_session_key=None)


def unlock_staff(*, staff: Member) -> None:
    """Unlock a staff ID (another staff member's action, or `manage.py unlock_staff`)."""
    lockout.unlock_staff(staff.username)

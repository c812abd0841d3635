from django.dispatch import Signal

from portal import clock


def record_last_login(sender, user, **kwargs):
    """Stamp `last_login` with portal.clock (replaces Django's `update_last_login`)."""
    user.last_login = clock.now()
    user.save(update_fields=["last_login"])


# Sent by members.demo.reset_demo_personas with `personas`: a list of (persona key, member).
# Higher apps (the ledger, points) give the personas their documented histories.
personas_reset = Signal()

# Sent by members.fake_data.generate_members with `members` (the new members) and
# `scenario`; the ledger gives them a realistic transaction history.
members_generated = Signal()

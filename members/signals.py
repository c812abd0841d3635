from portal import clock


def record_last_login(sender, user, **kwargs):
    """Stamp `last_login` with portal.clock (replaces Django's `update_last_login`)."""
    user.last_login = clock.now()
    user.save(update_fields=["last_login"])

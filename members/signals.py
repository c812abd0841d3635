from members import sessions
from members.decorators import is_member
from members.limits import client_address
from portal import clock


def record_last_login(sender, user, **kwargs):
    """Stamp `last_login` with portal.clock (replaces Django's `update_last_login`)."""
    user.last_login = clock.now()
    user.save(update_fields=["last_login"])


def start_session(sender, request, user, **kwargs):
    """Start the session's absolute lifetime; record a member's session for their list."""
    if request is None or not hasattr(request, "session"):
        return
    now = clock.now()
    sessions.started(request.session, now=now)
    if is_member(user):
        sessions.record_login(
            member=user,
            session=request.session,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            client_address=client_address(request),
            now=now,
        )


def forget_session(sender, request, user, **kwargs):
    """Remove the record of a member's session that logs out (or times out)."""
    if request is None or user is None or not is_member(user):
        return
    sessions.forget(request.session.session_key)

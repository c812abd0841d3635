"""Bearer tokens of the app API: random, stored hashed, expiring, revoked like sessions.

A token lives PORTAL_API_TOKEN_HOURS. It is refused from the moment the member's password
or PIN changes (it keeps the member's session auth hash of its login, as Django's session
does) or the member may no longer stay logged in (`Member.may_stay_logged_in`, the rule
of web sessions: a terminated contract), and deleted at logout and whenever the member's
web sessions are ended for them (members.sessions.sessions_ended).
"""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils.crypto import constant_time_compare

from api.models import ApiToken
from members.models import Member
from portal import clock

TOKEN_BYTES = 32


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def issue(*, member: Member, method: str) -> tuple[str, ApiToken]:
    """Return a new token of `member` (and its record); forget the member's expired ones."""
    now = clock.now()
    ApiToken.objects.filter(member=member, expires_at__lte=now).delete()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    record = ApiToken.objects.create(
        member=member,
        token_hash=_hash(token),
        method=method,
        session_auth_hash=member.get_session_auth_hash(),
        previous_login_at=member.last_login,
        created_at=now,
        expires_at=now + dt.timedelta(hours=settings.PORTAL_API_TOKEN_HOURS),
    )
    return token, record


def authenticate(token: str) -> ApiToken | None:
    """Return the live token record of `token` (its member selected), None if there is none."""
    record = (
        ApiToken.objects.select_related("member__contract")
        .filter(token_hash=_hash(token), expires_at__gt=clock.now())
        .first()
    )
    if record is None:
        return None
    member = record.member
    if not member.may_stay_logged_in:  # inactive, or the contract terminated, as a session
        return None
    if not constant_time_compare(record.session_auth_hash, member.get_session_auth_hash()):
        return None  # the password or PIN changed since this login
    return record


def revoke(record: ApiToken) -> None:
    """End one token (logout)."""
    ApiToken.objects.filter(pk=record.pk).delete()


def revoke_all(sender=None, *, member: Member, **kwargs) -> int:
    """End every token of `member`; return how many (a receiver of sessions_ended)."""
    deleted, _by_model = ApiToken.objects.filter(member=member).delete()
    return deleted

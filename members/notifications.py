"""Mails to members at their verified address (the apps above send theirs through here)."""

from django.utils import translation

from members.models import Member
from portal.mail import send_templated_mail


def notify_member(
    *, member: Member, template: str, context: dict | None = None, retry: bool = True
) -> bool:
    """Mail the member at their verified address, in their language; return whether it
    went out (an unverified address gets nothing). A mail the server does not take waits
    in the outbox unless `retry` is off (portal.mail.send_templated_mail)."""
    if not (member.email and member.email_verified):
        return False
    return mail_member(
        member=member, to=member.email, template=template, context=context, retry=retry
    )


def mail_member(
    *, member: Member, to: str, template: str, context: dict | None = None, retry: bool = True
) -> bool:
    """Mail the member at `to` in their language; return whether it went out.

    Only for the mails an address other than the verified one must get: the link that
    verifies a new address, and the notice to the address it replaced.
    """
    with translation.override(member.language):
        return send_templated_mail(
            to=to, template=template, context={"member": member, **(context or {})}, retry=retry
        )

"""A member's own account (SPEC §5): Web-ID and password, their recovery by mail, the
e-mail address, contact details, the transfer account and statement delivery."""

from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.debug import sensitive_variables

from members import limits, lockout, sessions
from members.models import ChangeKind, Member, ProfileChange, TransferAccount
from members.notifications import mail_member, notify_member
from members.tokens import email_verification_token, password_recovery_token
from portal import clock


def record_change(*, member: Member, kind: str) -> ProfileChange:
    return ProfileChange.objects.create(member=member, kind=kind, changed_at=clock.now())


def link_token(member: Member, generator) -> tuple[str, str]:
    """Return (uidb64, token) for a link in an e-mail."""
    return urlsafe_base64_encode(force_bytes(member.pk)), generator.make_token(member)


def unlock_web_id(*, member: Member) -> None:
    """Unlock the member's Web-ID (staff action, or completed password recovery)."""
    if member.web_id:
        lockout.unlock_web_id(member.web_id)


# --- Web-ID and password ------------------------------------------------------------


class WebIdTaken(Exception):
    """Another member took the Web-ID between the form check and the save."""


@sensitive_variables("password")
def set_web_id(*, member: Member, web_id: str, password: str) -> None:
    """Register or change the member's Web-ID and password (needs a verified e-mail)."""
    if not member.email_verified:
        raise PermissionError("a verified e-mail address is required for a Web-ID")
    had_web_id = member.has_web_id
    member.web_id = web_id
    member.set_password(password)
    try:
        with transaction.atomic():
            member.save(update_fields=["web_id", "password"])
            # Failures against the Web-ID while nobody had it were counted like any
            # unknown identifier's; they must not greet its new owner with a lock.
            unlock_web_id(member=member)
            record_change(member=member, kind=ChangeKind.WEB_ID)
    except IntegrityError as exc:
        raise WebIdTaken(web_id) from exc
    notify_member(
        member=member,
        template="emails/web_id_registered",
        context={"changed": had_web_id, "web_id": web_id},
    )


@sensitive_variables("password")
@transaction.atomic
def reset_password(*, member: Member, password: str) -> None:
    """Set a new password from a recovery link; this also unlocks the Web-ID."""
    member.set_password(password)
    member.save(update_fields=["password"])
    unlock_web_id(member=member)
    record_change(member=member, kind=ChangeKind.PASSWORD)
    transaction.on_commit(lambda: notify_member(member=member, template="emails/password_changed"))


def send_web_id_reminder(*, member_number: str, email: str, site_url: str) -> None:
    """Mail the Web-ID if the member number and registered address match; silent otherwise."""
    member = (
        Member.objects.members()
        .filter(member_number=member_number, email__iexact=email, web_id__isnull=False)
        .first()
    )
    if member is not None and limits.reserve_member_mail(member_pk=member.pk, kind="web_id"):
        notify_member(
            member=member, template="emails/web_id_reminder", context={"site_url": site_url}
        )


def send_password_recovery(*, web_id: str, email: str, build_url) -> None:
    """Mail a one-time link to set a new password if Web-ID and address match; silent otherwise.

    `build_url(uidb64, token)` returns the absolute URL of the link.
    """
    member = Member.objects.members().filter(web_id=web_id, email__iexact=email).first()
    if member is not None and limits.reserve_member_mail(member_pk=member.pk, kind="password"):
        uidb64, token = link_token(member, password_recovery_token)
        notify_member(
            member=member,
            template="emails/password_recovery",
            context={"url": build_url(uidb64, token)},
        )


# --- E-mail address -----------------------------------------------------------------


class TooManyMails(Exception):
    """The member was sent as many mails of this kind as an hour allows."""


def request_email_verification(
    *, member: Member, new_email: str | None, build_url, current_session_key: str | None
) -> None:
    """Send the verification link for a new address (or for the current unverified one).

    This is the one mail an unverified address ever receives. Raises TooManyMails, and
    changes nothing, past MEMBER_MAILS_PER_HOUR["verification"]. A new address ends the
    member's other sessions (all but `current_session_key`); the old verified address is
    told when the new one is verified.
    """
    if not limits.reserve_member_mail(member_pk=member.pk, kind="verification"):
        raise TooManyMails
    if new_email is not None:
        member.pending_email = new_email
        member.save(update_fields=["pending_email"])
        sessions.end_other_sessions(member=member, current_session_key=current_session_key)
    uidb64, token = link_token(member, email_verification_token)
    mail_member(
        member=member,
        to=member.pending_email or member.email,
        template="emails/verify_email",
        context={"url": build_url(uidb64, token)},
    )


@transaction.atomic
def verify_email(*, member: Member) -> None:
    """Make the address the link was sent to the member's verified address."""
    previous = member.email if member.email_verified else ""
    if member.pending_email:
        member.email = member.pending_email
        member.pending_email = ""
    member.email_verified = True
    member.save(update_fields=["email", "pending_email", "email_verified"])
    record_change(member=member, kind=ChangeKind.EMAIL)
    if previous and previous.lower() != member.email.lower():
        # Tell the old address too, so a hijacked account notices the change.
        transaction.on_commit(
            lambda: mail_member(
                member=member,
                to=previous,
                template="emails/contact_changed",
                context={"kinds": [ChangeKind.EMAIL.label]},
            )
        )


# --- Profile, transfer account, statements -------------------------------------------

CONTACT_FIELDS = {
    ChangeKind.ADDRESS: ("postal_code", "prefecture", "city", "street", "building"),
    ChangeKind.PHONE: ("phone",),
    ChangeKind.EMPLOYER: ("employer",),
}


@transaction.atomic
def update_profile(
    *, member: Member, changes: dict[str, str], current_session_key: str | None
) -> list[str]:
    """Save address, phone and employer; record and announce what changed.

    A new phone number ends the member's other sessions (all but `current_session_key`).
    """
    kinds = [
        kind
        for kind, fields in CONTACT_FIELDS.items()
        if any(getattr(member, name) != changes[name] for name in fields if name in changes)
    ]
    if not kinds:
        return []
    for name, value in changes.items():
        setattr(member, name, value)
    member.save(update_fields=list(changes))
    for kind in kinds:
        record_change(member=member, kind=kind)
    if ChangeKind.PHONE in kinds:
        sessions.end_other_sessions(member=member, current_session_key=current_session_key)
    labels = [ChangeKind(kind).label for kind in kinds]
    transaction.on_commit(
        lambda: notify_member(
            member=member, template="emails/contact_changed", context={"kinds": labels}
        )
    )
    return kinds


@transaction.atomic
def set_transfer_account(
    *, member: Member, account: dict[str, str], current_session_key: str | None
) -> TransferAccount:
    """Register or replace the account that transfer borrowing pays into; a change ends
    the member's other sessions (all but `current_session_key`).

    Submitting the registered account again changes nothing and announces nothing.
    """
    current = TransferAccount.objects.filter(member=member).first()
    if current is not None and all(
        getattr(current, name) == value for name, value in account.items()
    ):
        return current
    transfer_account, _created = TransferAccount.objects.update_or_create(
        member=member, defaults={**account, "updated_at": clock.now()}
    )
    record_change(member=member, kind=ChangeKind.TRANSFER_ACCOUNT)
    sessions.end_other_sessions(member=member, current_session_key=current_session_key)
    labels = [ChangeKind.TRANSFER_ACCOUNT.label]
    transaction.on_commit(
        lambda: notify_member(
            member=member, template="emails/contact_changed", context={"kinds": labels}
        )
    )
    return transfer_account


@transaction.atomic
def set_statement_delivery(*, member: Member, delivery: str) -> None:
    """Choose post or Web statements; a change is recorded."""
    if member.statement_delivery == delivery:
        return
    member.statement_delivery = delivery
    member.save(update_fields=["statement_delivery"])
    record_change(member=member, kind=ChangeKind.STATEMENT_DELIVERY)

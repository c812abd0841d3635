"""The outbox: mails the mail server did not take, tried again until they go or give up.

`send_templated_mail` (portal.mail) keeps a mail here when its delivery fails, and the
page that sent it answers as usual. `send_outbox` (cron, every minute or few, on any
number of hosts at once) tries each waiting mail again when it is due: 1, 2, 4, 8…
minutes after the last try (at most PORTAL_MAIL_RETRY_MAX_MINUTES apart), and gives up
after PORTAL_MAIL_MAX_ATTEMPTS tries in all.

Each mail goes out once however many runs overlap: a run claims one due mail at a time
under a row lock (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL: parallel runs share
the work and never wait for each other; SQLite's writers queue), delivers it and marks
it sent in the same transaction. A mail the server takes but whose transaction then
fails to commit would go again on the next run: at least once, as SMTP itself is.

The logs name the mail by its template and id, never its recipient or body (which may
hold a one-time link); the body is emptied once the mail is sent or given up.
"""

import dataclasses
import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from portal.models import OutgoingMail

logger = logging.getLogger(__name__)

# Sent and given-up mails are deleted this long after they were made.
KEEP_DONE = dt.timedelta(days=30)
DELIVERY_ERRORS = (smtplib.SMTPException, OSError)


def retry_delay(attempts: int) -> dt.timedelta:
    """Return the wait before the next try of a mail tried `attempts` times."""
    minutes = min(2 ** (attempts - 1), settings.PORTAL_MAIL_RETRY_MAX_MINUTES)
    return dt.timedelta(minutes=minutes)


def keep(*, template: str, message: EmailMessage, error: Exception) -> OutgoingMail | None:
    """Keep a mail whose first delivery failed with `error`; return it (None if even the
    outbox cannot be written: the database is down too, which is logged)."""
    now = timezone.now()
    try:
        mail = OutgoingMail.objects.create(
            template=template,
            to=message.to[0],
            from_email=message.from_email,
            subject=message.subject,
            body=message.body,
            created_at=now,
            attempts=1,
            next_attempt_at=now + retry_delay(1),
            last_error=type(error).__name__,
        )
    except DatabaseError as exc:
        logger.error("Could not keep the %s mail in the outbox: %s", template, type(exc).__name__)
        return None
    logger.warning(
        "The %s mail waits in the outbox as #%s (%s)", template, mail.pk, type(error).__name__
    )
    return mail


@dataclasses.dataclass
class Outcome:
    sent: int = 0
    failed: int = 0  # tried again later
    gave_up: int = 0
    deleted: int = 0  # done long ago


def send_due(*, now: dt.datetime | None = None) -> Outcome:
    """Try every mail due at `now` once; return what became of them."""
    now = now or timezone.now()
    outcome = Outcome()
    while (result := _send_next(now)) is not None:
        setattr(outcome, result, getattr(outcome, result) + 1)
    outcome.deleted, _ = (
        OutgoingMail.objects.filter(created_at__lt=now - KEEP_DONE)
        .exclude(sent_at__isnull=True, gave_up_at__isnull=True)
        .delete()
    )
    return outcome


def _send_next(now: dt.datetime) -> str | None:
    """Claim the next due mail and try it; return what became of it, None if none is due."""
    with transaction.atomic():
        due = OutgoingMail.objects.filter(
            sent_at__isnull=True, gave_up_at__isnull=True, next_attempt_at__lte=now
        ).order_by("next_attempt_at", "pk")
        if connection.features.has_select_for_update_skip_locked:
            # A mail another run is sending is skipped, not waited for.
            due = due.select_for_update(skip_locked=True)
        mail = due.first()
        if mail is None:
            return None
        return _attempt(mail, now)


def _attempt(mail: OutgoingMail, now: dt.datetime) -> str:
    mail.attempts += 1
    try:
        # The delivery backend itself: the demo mailbox has its copy from the first try.
        delivery = get_connection(settings.PORTAL_MAIL_DELIVERY_BACKEND)
        EmailMessage(
            subject=mail.subject,
            body=mail.body,
            from_email=mail.from_email,
            to=[mail.to],
            connection=delivery,
        ).send()
    except DELIVERY_ERRORS as exc:
        mail.last_error = type(exc).__name__
        if mail.attempts >= settings.PORTAL_MAIL_MAX_ATTEMPTS:
            mail.gave_up_at, mail.body = now, ""
            logger.error(
                "Gave up the %s mail #%s after %s tries: %s",
                mail.template,
                mail.pk,
                mail.attempts,
                mail.last_error,
            )
            result = "gave_up"
        else:
            mail.next_attempt_at = now + retry_delay(mail.attempts)
            logger.warning(
                "Could not send the %s mail #%s (try %s of %s): %s",
                mail.template,
                mail.pk,
                mail.attempts,
                settings.PORTAL_MAIL_MAX_ATTEMPTS,
                mail.last_error,
            )
            result = "failed"
    else:
        mail.sent_at, mail.body = now, ""
        logger.info("Sent the %s mail #%s at try %s", mail.template, mail.pk, mail.attempts)
        result = "sent"
    mail.save()
    return result

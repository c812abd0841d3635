"""Sending e-mail: every message goes through Django's e-mail framework.

`MailboxBackend` delivers through the backend configured by EMAIL_URL and, in demo mode,
also keeps a copy that the demo mailbox (/demo/mailbox/) shows, like a local mail catcher.

A copy goes to the shared demo mailbox unless the work in progress names a private one
(`delivering_to`, a context variable set per request or job, never a process-wide
setting) or a registered router claims one of its recipients (a mail sent outside such
a context: a login alert before the session exists, a reminder job). The demo's
sandboxes (SPEC §11) do both; this module knows nothing of them.
"""

import logging
import smtplib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.template.loader import render_to_string
from django.urls import reverse

from portal import clock, outbox
from portal.branding import brand_name
from portal.models import MailboxMessage

logger = logging.getLogger(__name__)

SHARED_MAILBOX = ""
_mailbox: ContextVar[str | None] = ContextVar("portal_mailbox", default=None)
# Set once at start-up (AppConfig.ready), like URL patterns: configuration, not state.
_routers: list[Callable[[Sequence[str]], str | None]] = []


@contextmanager
def delivering_to(mailbox: str) -> Iterator[None]:
    """Keep the copies of the mails the wrapped code sends in `mailbox`."""
    token = _mailbox.set(mailbox)
    try:
        yield
    finally:
        _mailbox.reset(token)


def register_mailbox_router(router: Callable[[Sequence[str]], str | None]) -> None:
    """Let `router(recipients)` name the mailbox of a mail sent outside `delivering_to`."""
    if router not in _routers:
        _routers.append(router)


def mailbox_for(recipients: Sequence[str]) -> str:
    """Return the mailbox a copy of a mail to `recipients` belongs to."""
    if (mailbox := _mailbox.get()) is not None:
        return mailbox
    for router in _routers:
        if mailbox := router(recipients):
            return mailbox
    return SHARED_MAILBOX


class MailboxBackend(BaseEmailBackend):
    """Deliver through PORTAL_MAIL_DELIVERY_BACKEND; with PORTAL_DEMO, keep a copy too."""

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.delivery = get_connection(
            settings.PORTAL_MAIL_DELIVERY_BACKEND, fail_silently=fail_silently, **kwargs
        )

    def open(self):
        return self.delivery.open()

    def close(self):
        return self.delivery.close()

    def send_messages(self, email_messages):
        if settings.PORTAL_DEMO:
            MailboxMessage.objects.bulk_create(_copy(message) for message in email_messages)
        return self.delivery.send_messages(email_messages)


def _copy(message) -> MailboxMessage:
    html = next(
        (
            content
            for content, mimetype in getattr(message, "alternatives", [])
            if mimetype == "text/html"
        ),
        "",
    )
    return MailboxMessage(
        mailbox=mailbox_for(message.to),
        sent_at=clock.now(),
        from_email=message.from_email,
        to=",".join(message.to),
        subject=message.subject,
        body=message.body,
        html_body=html,
    )


def absolute_url(viewname: str, *args) -> str:
    """Return the address of a view for an e-mail, on PORTAL_BASE_URL.

    Never from the request: its Host header is whatever the client sent.
    """
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse(viewname, args=args)


def send_templated_mail(*, to: str, template: str, context: dict, retry: bool = True) -> bool:
    """Send `<template>_subject.txt` / `<template>.txt` to `to`; return whether it went out.

    A mail server that is down must not turn the page that sends into an error: the
    change the mail reports is already made, and a recovery page that failed only when
    the data matched would tell which data is registered. The failure is logged without
    the message, which may hold a one-time link, and the mail waits in the outbox for
    `send_outbox` (portal.outbox) — unless `retry` is off: the caller tries again itself
    (the reminder job keeps an unsent reminder for its next run).
    """
    context = {
        "brand_name": brand_name(),
        "support_phone": settings.PORTAL_SUPPORT_PHONE,
        **context,
    }
    subject = render_to_string(f"{template}_subject.txt", context).strip()
    body = render_to_string(f"{template}.txt", context)
    message = EmailMultiAlternatives(subject=subject, body=body, to=[to])
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        logger.error("Could not send the %s mail: %s", template, type(exc).__name__)
        if retry:
            outbox.keep(template=template, message=message, error=exc)
        return False
    return True

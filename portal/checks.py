"""`manage.py check --deploy`: what must never face the internet (SPEC §12 "Deploy").

Django's own deploy checks cover DEBUG, cookies, HSTS and the like; these name the
portal's own settings that are right for a demo or a test and wrong in production.
"""

from pathlib import Path

from django.conf import settings
from django.core.checks import Warning
from django.core.exceptions import ImproperlyConfigured

# The prefix of the key in portal/settings.py (and of every key `startproject` generates).
INSECURE_KEY_PREFIX = "django-insecure-"
CONSOLE_MAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"


def check_demo_mode(app_configs, **kwargs):
    if not settings.PORTAL_DEMO:
        return []
    return [
        Warning(
            "PORTAL_DEMO is on: /demo/ lists the personas' PINs and passwords, and the public "
            "demo mailbox (/demo/mailbox/) shows every e-mail the portal sends, with its "
            "recovery links and Web-IDs.",
            hint="Never run demo mode where the internet reaches it; unset PORTAL_DEMO.",
            id="portal.W001",
        )
    ]


def check_fake_clock(app_configs, **kwargs):
    if not settings.PORTAL_FAKE_NOW:
        return []
    return [
        Warning(
            f"PORTAL_FAKE_NOW is set ({settings.PORTAL_FAKE_NOW}): due dates, interest, "
            "maintenance windows and link expiry run on a fake clock.",
            hint="Unset PORTAL_FAKE_NOW in production.",
            id="portal.W002",
        )
    ]


def check_secret_key(app_configs, **kwargs):
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # set but empty
        key = ""
    if key and not key.startswith(INSECURE_KEY_PREFIX):
        return []
    return [
        Warning(
            "SECRET_KEY is missing or the insecure default: anyone can forge the e-mail "
            "verification and password recovery links, and sessions.",
            hint="Set SECRET_KEY to a long random value (50 characters or more), kept secret.",
            id="portal.W003",
        )
    ]


def check_lockout_key(app_configs, **kwargs):
    if not settings.PORTAL_LOCKOUT_KEY.startswith(INSECURE_KEY_PREFIX):
        return []
    return [
        Warning(
            "PORTAL_LOCKOUT_KEY is the insecure default key: the lockout and throttle "
            "counters are keyed hashes of identifiers, which this key lets anyone compute.",
            hint="Set SECRET_KEY (PORTAL_LOCKOUT_KEY defaults to it) or PORTAL_LOCKOUT_KEY "
            "to a long random value.",
            id="portal.W004",
        )
    ]


def check_mail_backend(app_configs, **kwargs):
    if settings.PORTAL_MAIL_DELIVERY_BACKEND != CONSOLE_MAIL_BACKEND:
        return []
    return [
        Warning(
            "E-mail goes to the console (EMAIL_URL is consolemail:// or unset): recovery "
            "links and Web-IDs are printed to the log instead of being delivered.",
            hint="Set EMAIL_URL to the mail server, e.g. smtp+tls://user:password@host:587.",
            id="portal.W005",
        )
    ]


def check_base_url(app_configs, **kwargs):
    if settings.PORTAL_BASE_URL.startswith("https://"):
        return []
    return [
        Warning(
            f"PORTAL_BASE_URL is not an https address ({settings.PORTAL_BASE_URL}): the "
            "links in e-mails, with their one-time tokens, would travel unencrypted.",
            hint="Set PORTAL_BASE_URL to the portal's https address.",
            id="portal.W006",
        )
    ]


def check_media_root(app_configs, **kwargs):
    media = Path(settings.MEDIA_ROOT).resolve()
    static = [
        Path(folder).resolve() for folder in [settings.STATIC_ROOT, *settings.STATICFILES_DIRS]
    ]
    if not any(media == folder or folder in media.parents for folder in static):
        return []
    return [
        Warning(
            f"PORTAL_MEDIA_ROOT ({media}) lies in the static files: uploaded income "
            "certificates would be served to anyone who guesses their names.",
            hint="Keep PORTAL_MEDIA_ROOT outside STATIC_ROOT and the static folders: the "
            "files reach only their member and staff, through views.",
            id="portal.W007",
        )
    ]


DEPLOY_CHECKS = [
    check_demo_mode,
    check_fake_clock,
    check_secret_key,
    check_lockout_key,
    check_mail_backend,
    check_base_url,
    check_media_root,
]

"""Settings for the member portal, read from the environment (or a `.env` file)."""

import re
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

# The features the installed django-permissions-policy knows (it refuses any other name).
from django_permissions_policy import _FEATURE_NAMES as PERMISSIONS_POLICY_FEATURES

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The insecure default only exists so `make demo` and the tests run without set-up;
# production must set SECRET_KEY (`manage.py check --deploy` says so).
SECRET_KEY = env("SECRET_KEY", default="django-insecure-demo-only-do-not-use-in-production")
# The key of the lockout and throttle counters (they are keyed hashes of identifiers).
# Separate from SECRET_KEY so that rotating SECRET_KEY does not orphan every counter, and
# with them every lock that only staff may lift (SPEC §4). Defaults to SECRET_KEY.
PORTAL_LOCKOUT_KEY = env("PORTAL_LOCKOUT_KEY", default=SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
# Where the portal is reached, e.g. https://portal.example.com: every link in an e-mail is
# built from it, never from the request's Host header (a client sends whatever Host it
# likes, and a recovery link pointing elsewhere hands its token to whoever runs that host).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "")
if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", PORTAL_BASE_URL):
    raise ImproperlyConfigured(
        "PORTAL_BASE_URL must be the portal's address, such as https://portal.example.com "
        f"(required when DEBUG is off; e-mail links are built from it), not {PORTAL_BASE_URL!r}"
    )
PORTAL_BASE_URL = PORTAL_BASE_URL.rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django's admin with the staff sign-in of members.admin_site (lockout, TOTP).
    "members.apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "portal",
    "members",
    "history",
    "points",
    "demo",
    "api",
    "ninja",  # the API docs' local Swagger UI assets
    "django.forms",  # the widgets' templates, for FORM_RENDERER
]

MIDDLEWARE = [
    # Outermost: every answer, early ones included, is logged with its request id.
    "portal.requestlog.RequestLogMiddleware",
    # Before the host check, the HTTPS redirect, sessions and maintenance: a load balancer
    # asks by address over plain HTTP, at any hour (portal.health).
    "portal.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside everything that may answer early (the NUL guard, maintenance): every page.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads the body: an oversized one is answered 413 unread.
    "portal.middleware.RequestSizeLimitMiddleware",
    # Before anything reads the request: a NUL never reaches a query (400 instead).
    "portal.middleware.RejectNulMiddleware",
    "portal.after_response.AfterResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "members.middleware.NoStoreForMembersMiddleware",
    "members.middleware.SessionLifetimeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An app API request with a live bearer token is its member's from here on.
    "api.middleware.BearerTokenMiddleware",
    # After the session bookkeeping (real time), before maintenance: a sandbox member's
    # request (a page's or the API's) runs on the sandbox's clock, so its maintenance
    # windows are the sandbox's.
    "demo.middleware.SandboxMiddleware",
    "portal.maintenance.MaintenanceMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.context_processors.portal",
                "history.context_processors.quick_menu",
            ],
        },
    },
]

# Form widgets render through TEMPLATES, so templates/django/forms/ may override Django's
# (a select writes its options in place, without an include per option).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# SQLite file by default; production sets DATABASE_URL=postgres://... (psycopg 3).
# No ATOMIC_REQUESTS: failed-login records must survive a request that ends in an error.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Seconds a worker keeps its database connection (0: one per request). Production on
# PostgreSQL saves a connection setup per request with e.g. 60; stale ones are checked.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer fails a request after this many seconds (503 page)
    # instead of holding its worker until gunicorn kills it.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing at once with "database is locked".
    # Write-ahead logging: readers never wait for a writer, and a commit appends to the
    # log without waiting for the disk (synchronous=NORMAL: a power cut may lose the last
    # commits, never corrupt the file). Without it every login, with its half-dozen
    # commits, waited for the disk about ten times. Production runs PostgreSQL anyway.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

# Nothing correctness-relevant lives here (lockout and throttle counters are in the
# database), so the local-memory default is safe; production shares Redis anyway.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis that is down or unreachable is a cache miss, not an error page (portal.cache).
    CACHES["default"]["BACKEND"] = "portal.cache.TolerantRedisCache"
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 1)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 1)
# After Redis failed, each worker thread leaves it alone (every call a miss) this long.
PORTAL_CACHE_RETRY_SECONDS = env.int("PORTAL_CACHE_RETRY_SECONDS", default=5)

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# Every message also lands in the demo mailbox when PORTAL_DEMO is on (portal.mail).
PORTAL_MAIL_DELIVERY_BACKEND = EMAIL_CONFIG["EMAIL_BACKEND"]
EMAIL_BACKEND = "portal.mail.MailboxBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@portal.example")
# A mail the mail server did not take waits in the outbox (portal.outbox) for
# `send_outbox`, which tries again after 1, 2, 4… minutes (at most PORTAL_MAIL_RETRY_MAX_
# MINUTES apart) and gives up after PORTAL_MAIL_MAX_ATTEMPTS tries in all.
PORTAL_MAIL_MAX_ATTEMPTS = env.int("PORTAL_MAIL_MAX_ATTEMPTS", default=8)
PORTAL_MAIL_RETRY_MAX_MINUTES = env.int("PORTAL_MAIL_RETRY_MAX_MINUTES", default=60)

AUTH_USER_MODEL = "members.Member"
AUTHENTICATION_BACKENDS = [
    # Staff sign in to /admin/ with a username; members never have one.
    "django.contrib.auth.backends.ModelBackend",
    "members.backends.CardPinBackend",
    "members.backends.WebIdBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# Staff passwords; member Web-ID passwords follow SPEC §4 and are validated in members.forms.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "members:login"
LOGIN_REDIRECT_URL = "members:mypage"
# E-mail links (address verification, password recovery) expire after one hour, as the
# mails and pages tell the member.
PASSWORD_RESET_TIMEOUT = 60 * 60

# Django's database sessions, read with one plain statement (members.session_store).
SESSION_ENGINE = "members.session_store"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
# A form posted without its token gets the site's page, in the visitor's language.
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", default=False) else None
)
X_FRAME_OPTIONS = "DENY"
# Scripts and styles only from the portal's own files (static/js, static/css): no inline
# <script>, no event handler attribute, no style attribute, on every page including the
# admin's (templates/admin/ overrides the one admin template with a <style> block).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Every browser feature django-permissions-policy knows is off, except what the portal
# uses: the camera (the smartphone ATM scans a QR code on /mypage/atm/), and what its forms
# rely on in the browser (password managers filling the login, autofocus, scrolling).
PORTAL_BROWSER_FEATURES = {"camera", "autofill", "focus-without-user-activation", "vertical-scroll"}
PERMISSIONS_POLICY = {
    feature: ["self"] if feature in PORTAL_BROWSER_FEATURES else []
    for feature in PERMISSIONS_POLICY_FEATURES
}
# How many reverse proxies stand in front of the app. With N > 0 the client's address
# is the one the outermost proxy saw: the N-th entry from the right of X-Forwarded-For
# (entries further left are whatever the client claimed). 0: REMOTE_ADDR.
PORTAL_TRUSTED_PROXIES = env.int("PORTAL_TRUSTED_PROXIES", default=0)

# Japanese first; English for visitors who choose it (the switch in every page's header
# sets a cookie) or whose browser asks for it (Accept-Language). The source strings are
# Japanese; locale/en/LC_MESSAGES/django.po holds their English (`make messages`).
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and times per language: portal/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["portal.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Uploaded files (income certificates and coupon images, SPEC §7): outside the static tree
# and never served by URL (MEDIA_URL stays unset); a view checks who asks and sends the
# file. Stored names are random; directories and files are readable by the app's user only.
MEDIA_ROOT = env("PORTAL_MEDIA_ROOT", default=str(BASE_DIR / "media"))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# A request body larger than this is answered 413 with a coded page before anything reads
# it (an upload is at most 5 MB; the rest is room for the form around it). It is the one
# size limit: Django's own limit of form fields is set to it, so that Django never answers
# an uncoded 400 below it; files over FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file.
PORTAL_MAX_REQUEST_BYTES = env.int("PORTAL_MAX_REQUEST_BYTES", default=5 * 1024 * 1024 + 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = PORTAL_MAX_REQUEST_BYTES

# One JSON object a line (portal.requestlog): a line per request (`portal.requests`), and
# every record carries the id of the request it was made in. LOG_FORMAT=text for people.
LOG_FORMAT = env("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "portal.requestlog.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "portal.requestlog.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- The portal's own settings (SPEC §2) ---
PORTAL_BRAND_NAME = env("PORTAL_BRAND_NAME", default="みどりカードローン")
# The name on English pages and mails (a Japanese brand is romanised, as lenders do).
PORTAL_BRAND_NAME_EN = env(
    "PORTAL_BRAND_NAME_EN",
    default="Midori Card Loan" if PORTAL_BRAND_NAME == "みどりカードローン" else PORTAL_BRAND_NAME,
)
PORTAL_DEMO = env.bool("PORTAL_DEMO", default=False)
PORTAL_FAKE_NOW = env("PORTAL_FAKE_NOW", default="")
# The real instant the fake clock read PORTAL_FAKE_NOW, for processes sharing one clock
# (portal.clock); unset, each process's clock starts at PORTAL_FAKE_NOW when it starts.
PORTAL_FAKE_NOW_SINCE = env("PORTAL_FAKE_NOW_SINCE", default="")
PORTAL_LOCKOUT_THRESHOLD = env.int("PORTAL_LOCKOUT_THRESHOLD", default=5)
PORTAL_SESSION_IDLE_MINUTES = env.int("PORTAL_SESSION_IDLE_MINUTES", default=15)
# A session ends this long after login however active it is (SPEC §4); the session store
# forgets it by then too, instead of sliding for Django's default two weeks.
PORTAL_SESSION_MAX_HOURS = env.int("PORTAL_SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = PORTAL_SESSION_MAX_HOURS * 60 * 60
# An app API token ends this long after its login (SPEC §11), like a web session.
PORTAL_API_TOKEN_HOURS = env.int("PORTAL_API_TOKEN_HOURS", default=12)
PORTAL_SUPPORT_PHONE = env("PORTAL_SUPPORT_PHONE", default="0120-000-000")
# Seconds each process keeps the maintenance windows it read (portal.maintenance): an edit
# in the admin reaches the other processes within this time. 0: read them on every page.
PORTAL_MAINTENANCE_CACHE_SECONDS = env.int("PORTAL_MAINTENANCE_CACHE_SECONDS", default=5)

# Staff TOTP (django-otp). The authenticator app shows the brand beside the staff ID.
OTP_TOTP_ISSUER = PORTAL_BRAND_NAME
# Wrong codes count in the staff ID's lockout counter (members.staff_login); django-otp's
# own growing delay on top would refuse a right code typed just after a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
# Device secrets are shown only to their owner while enrolling, never in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True


def _parse_throttle(value: str) -> tuple[int, int]:
    """Return (failures, window seconds) from a rate such as "50/15m"."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*([smh])\s*", value)
    if not match:
        raise ImproperlyConfigured(f"PORTAL_IP_THROTTLE must look like '50/15m', not {value!r}")
    count, amount, unit = match.groups()
    return int(count), int(amount) * {"s": 1, "m": 60, "h": 3600}[unit]


PORTAL_IP_THROTTLE = _parse_throttle(env("PORTAL_IP_THROTTLE", default="50/15m"))
# Testers' sandboxes (demo.sandboxes, only with PORTAL_DEMO): how long one lives, and how
# many one client address may create per window.
PORTAL_SANDBOX_HOURS = env.int("PORTAL_SANDBOX_HOURS", default=24)
PORTAL_SANDBOX_THROTTLE = _parse_throttle(env("PORTAL_SANDBOX_THROTTLE", default="30/1h"))

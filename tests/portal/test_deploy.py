import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x9!production-like-secret-key-for-the-deploy-check-only-0123456789",
    "ALLOWED_HOSTS": "portal.example",
    "PORTAL_BASE_URL": "https://portal.example",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example:587",
    "SESSION_COOKIE_SECURE": "1",
    "CSRF_COOKIE_SECURE": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "PORTAL_DEMO": "0",
    "PORTAL_FAKE_NOW": "",
}


# The browser tests' allowance (tests/browser/conftest.py) is not production's: check without
# it. Nor do the suite's settings module (tests/settings.py) or a lockout key come along.
NOT_INHERITED = {
    *PRODUCTION_ENV,
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_SETTINGS_MODULE",
    "PORTAL_LOCKOUT_KEY",
}


def _run(command, env):
    base = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    return subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _check_deploy(env):
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def test_check_deploy_is_clean_with_production_settings():
    result = _check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SECURE_HSTS_SECONDS"])
def test_check_deploy_catches_a_missing_production_setting(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = _check_deploy(env)
    assert result.returncode != 0
    assert missing.split("_")[-1] in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("PORTAL_DEMO", "1", "portal.W001"),
        ("PORTAL_FAKE_NOW", "2026-12-07T03:00:00+09:00", "portal.W002"),
        ("SECRET_KEY", None, "portal.W003"),
        ("PORTAL_LOCKOUT_KEY", "django-insecure-demo-only-do-not-use-in-production", "portal.W004"),
        ("EMAIL_URL", "consolemail://", "portal.W005"),
        ("EMAIL_URL", None, "portal.W005"),
        ("PORTAL_BASE_URL", "http://portal.example", "portal.W006"),
    ],
)
def test_check_deploy_names_what_must_never_face_the_internet(name, value, check_id):
    env = {key: item for key, item in PRODUCTION_ENV.items() if key != name}
    if value is not None:
        env[name] = value
    result = _check_deploy(env)
    assert result.returncode != 0
    assert check_id in result.stderr + result.stdout


SETUP = ["-c", "import django; django.setup()"]


def test_the_settings_refuse_to_load_without_a_base_url_when_debug_is_off():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "PORTAL_BASE_URL"}
    result = _run(SETUP, {**env, "DJANGO_SETTINGS_MODULE": "portal.settings"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "PORTAL_BASE_URL" in result.stderr


@pytest.mark.parametrize("value", ["portal.example", "ftp://portal.example", "https://"])
def test_the_settings_refuse_a_base_url_that_is_not_an_address(value):
    result = _run(
        SETUP,
        {**PRODUCTION_ENV, "PORTAL_BASE_URL": value, "DJANGO_SETTINGS_MODULE": "portal.settings"},
    )
    assert result.returncode != 0
    assert "PORTAL_BASE_URL" in result.stderr


def test_with_debug_on_the_base_url_defaults_to_the_demo_server():
    """`make demo` sets DEBUG=1 and nothing else."""
    env = {"DEBUG": "1", "DJANGO_SETTINGS_MODULE": "portal.settings"}
    result = _run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.PORTAL_BASE_URL)",
        ],
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://127.0.0.1:8000"

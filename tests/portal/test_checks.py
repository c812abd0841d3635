"""The portal's deploy checks (portal/checks.py): each names one thing that must never face
the internet, and all stay silent with production settings."""

import pytest
from django.core.checks import Tags, run_checks

PRODUCTION = {
    "PORTAL_DEMO": False,
    "PORTAL_FAKE_NOW": "",
    "SECRET_KEY": "x9!production-like-secret-key-for-the-check-tests-only-0123456789",
    "PORTAL_LOCKOUT_KEY": "another-production-like-key-for-the-lockout-counters-0123456789",
    "PORTAL_MAIL_DELIVERY_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "PORTAL_BASE_URL": "https://portal.example.com",
}


@pytest.fixture
def production(settings):
    for name, value in PRODUCTION.items():
        setattr(settings, name, value)
    return settings


def portal_warnings() -> list[str]:
    messages = run_checks(include_deployment_checks=True, tags=[Tags.security])
    return [message.id for message in messages if message.id.startswith("portal.")]


def test_production_settings_raise_no_portal_warning(production):
    assert portal_warnings() == []


def test_the_checks_run_only_with_deploy(production):
    production.PORTAL_DEMO = True
    messages = run_checks(include_deployment_checks=False)
    assert not [message for message in messages if message.id.startswith("portal.")]


@pytest.mark.parametrize(
    ("name", "value", "check_id"),
    [
        ("PORTAL_DEMO", True, "portal.W001"),
        ("PORTAL_FAKE_NOW", "2026-12-07T03:00:00+09:00", "portal.W002"),
        ("SECRET_KEY", "django-insecure-demo-only-do-not-use-in-production", "portal.W003"),
        ("SECRET_KEY", "", "portal.W003"),
        ("PORTAL_LOCKOUT_KEY", "django-insecure-demo-only-do-not-use-in-production", "portal.W004"),
        (
            "PORTAL_MAIL_DELIVERY_BACKEND",
            "django.core.mail.backends.console.EmailBackend",
            "portal.W005",
        ),
        ("PORTAL_BASE_URL", "http://portal.example.com", "portal.W006"),
    ],
)
def test_each_check_fires_on_its_bad_setting_alone(production, name, value, check_id):
    setattr(production, name, value)
    assert portal_warnings() == [check_id]


def test_uploads_inside_the_static_files_are_a_warning(production, tmp_path):
    production.STATIC_ROOT = tmp_path / "staticfiles"
    production.MEDIA_ROOT = tmp_path / "staticfiles" / "media"
    assert portal_warnings() == ["portal.W007"]
    production.MEDIA_ROOT = production.STATICFILES_DIRS[0]
    assert portal_warnings() == ["portal.W007"]
    production.MEDIA_ROOT = tmp_path / "media"
    assert portal_warnings() == []

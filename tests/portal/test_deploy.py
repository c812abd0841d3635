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
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
}


# The browser tests' allowance (tests/browser/conftest.py) is not production's: check without it.
NOT_INHERITED = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}


def _check_deploy(env):
    base = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "SECURE_HSTS_SECONDS"])
def test_check_deploy_catches_a_missing_production_setting(missing):
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != missing}
    result = _check_deploy(env)
    assert result.returncode != 0
    assert missing.split("_")[-1] in result.stderr + result.stdout

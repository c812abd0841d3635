"""`make serve` refuses to start what must not face the internet: `check --deploy` runs
first and any warning stops the start before `migrate`; so does a database or cache that
the instances could not share. (Its full start is tests/multiprocess/test_make_serve.py.)"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.portal.test_deploy import NOT_INHERITED, PRODUCTION_ENV

ROOT = Path(__file__).resolve().parents[2]
SHARED = {
    "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
    "CACHE_URL": "redis://127.0.0.1:1/0",
}

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make_serve(env: dict) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    base.pop("DATABASE_URL", None)
    base.pop("CACHE_URL", None)
    return subprocess.run(
        # The suite's interpreter and packages; the virtualenv is not rebuilt.
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.requirements",
            "serve",
            f"BIN={Path(sys.executable).parent}",
            "PORT=1",
        ],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"DEBUG": "1"}, "security.W018"),
        ({"SECRET_KEY": "django-insecure-demo-only-do-not-use-in-production"}, "portal.W003"),
        ({"PORTAL_DEMO": "1"}, "portal.W001"),
    ],
)
def test_a_failing_deploy_check_stops_the_start_before_migrate(change, named):
    result = make_serve({**PRODUCTION_ENV, **SHARED, **change})
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert named in output
    assert "manage.py migrate" not in output and "gunicorn" not in output


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "DATABASE_URL"),
        ({"CACHE_URL": "locmemcache://"}, "CACHE_URL"),
    ],
)
def test_a_database_or_cache_of_one_machine_stops_the_start(change, named):
    result = make_serve({**PRODUCTION_ENV, **SHARED, **change})
    assert result.returncode != 0
    assert f"set {named}=" in result.stderr
    assert "manage.py check" not in result.stdout

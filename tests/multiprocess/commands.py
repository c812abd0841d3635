"""Management commands run as cron runs them: several processes started at the same moment."""

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def run_at_once(commands: list[str], env: Mapping[str, str]) -> list[str]:
    """Start `manage.py <command>` for each of `commands` at once (repeat a command to run
    it in several processes); wait for all, assert each succeeded, return their output."""
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", command],
            cwd=BASE_DIR,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command in commands
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        outputs.append(out)
    return outputs

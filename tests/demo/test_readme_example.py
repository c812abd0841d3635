"""The README's example for test automation runs as written against a live server."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLE_BASE = "http://127.0.0.1:8000"


def readme_example() -> str:
    """Return the Python example of the README's "For test automation" section."""
    section = README.read_text(encoding="utf-8").split("## For test automation", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def test_the_example_is_about_ten_lines():
    example = readme_example()
    body = example.split("\ndef ", 1)[1].splitlines()[1:]
    assert len([line for line in body if line.strip()]) <= 10


@pytest.mark.django_db(transaction=True)
def test_the_example_passes_against_a_live_server(live_server, settings, mailbox):
    settings.PORTAL_DEMO = True
    example = readme_example()
    assert EXAMPLE_BASE in example
    namespace: dict = {}
    exec(compile(example.replace(EXAMPLE_BASE, live_server.url), str(README), "exec"), namespace)
    tests = [value for name, value in namespace.items() if name.startswith("test_")]
    assert tests
    for test in tests:
        test()

"""axe-core: no serious or critical violation (what outside testers run against the
portal, issue #13).

tests/browser/test_every_page.py runs it on every page a persona reaches, at a phone and
a desktop width, in Japanese and in English; here it is shown to catch a violation. axe
runs in the page (axe-playwright-python ships axe-core; nothing is fetched).
"""

from axe_playwright_python.sync_playwright import Axe

AXE = Axe()
BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    """Return the serious and critical axe violations of the page, one line each."""
    results = AXE.run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def test_axe_catches_a_violation(page, personas):
    """The check is not vacuous: an image without a text alternative is reported."""
    page.goto("/login/")
    page.evaluate(
        """() => { const image = document.createElement('img');
                   image.src = '/static/img/logo.svg';
                   document.querySelector('main').append(image); }"""
    )

    assert any(line.startswith("image-alt") for line in blocking_violations(page))

"""Panels that higher apps add to the member page (/mypage/).

`members` must not import `history` or `points`; they register a panel here when they
start, and the member page renders whatever is registered, in order.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

Panel = Callable[[HttpRequest], SafeString]
_panels: list[Panel] = []


def register_panel(panel: Panel) -> Panel:
    """Add `panel` (a function of the request returning HTML) to the member page."""
    if panel not in _panels:
        _panels.append(panel)
    return panel


def render_panels(request: HttpRequest) -> list[SafeString]:
    return [panel(request) for panel in _panels]

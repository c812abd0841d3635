"""Panels that higher apps add to the member's pages: the member page (/mypage/) and the
registered details (登録内容, /mypage/settings/).

`members` must not import `history` or `points`; they register a panel here when they
start, and the page renders whatever is registered for it, in order.
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

Panel = Callable[[HttpRequest], SafeString]
MYPAGE = "mypage"
SETTINGS_PAGE = "settings"  # panels here are rows of the page's <dl class="settings-list">
_panels: dict[str, list[Panel]] = {MYPAGE: [], SETTINGS_PAGE: []}


def register_panel(panel: Panel, *, page: str = MYPAGE) -> Panel:
    """Add `panel` (a function of the request returning HTML) to a member page."""
    if panel not in _panels[page]:
        _panels[page].append(panel)
    return panel


def render_panels(request: HttpRequest, *, page: str = MYPAGE) -> list[SafeString]:
    return [panel(request) for panel in _panels[page]]

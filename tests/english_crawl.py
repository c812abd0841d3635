"""Fetching many pages and reporting the Japanese left on them in one readable list.

Used by tests/test_english_pages.py (every page a persona reaches) and the admin's English
check (tests/members/test_admin_english.py).
"""

import html as html_lib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.urls import Resolver404, get_resolver, resolve

from tests.english import japanese_outside_data


@dataclass
class Visit:
    who: str  # a persona key, "visitor" or "staff"
    url: str
    status: int
    view_name: str
    html: str


@dataclass
class Crawl:
    """The pages fetched, in order, each under the URL name it resolved to."""

    visits: list[Visit] = field(default_factory=list)

    def record(self, who: str, response, url: str | None = None) -> None:
        url = url or response.request["PATH_INFO"]
        query = response.request.get("QUERY_STRING")
        if query and "?" not in url:
            url = f"{url}?{query}"
        # No crash: a 5xx other than the maintenance page's 503 fails the crawl at once.
        assert response.status_code < 500 or response.status_code == 503, (
            f"{who} {url}: {response.status_code}"
        )
        self.visits.append(
            Visit(
                who=who,
                url=url,
                status=response.status_code,
                view_name=view_name(url),
                html=response.content.decode() if is_html(response) else "",
            )
        )

    @property
    def html_visits(self) -> list[Visit]:
        return [visit for visit in self.visits if visit.html]

    def names(self) -> set[str]:
        return {visit.view_name for visit in self.visits}


def is_html(response) -> bool:
    return response.get("Content-Type", "").startswith("text/html")


def view_name(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return "(no URL pattern)"


def named_url_patterns(skip_namespaces=("admin",)) -> set[str]:
    """Every named URL pattern of the URLconf ("namespace:name"), apart from `skip_namespaces`."""
    names = set()

    def walk(patterns, namespace):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):  # an include()
                inner = pattern.namespace or namespace
                if inner not in skip_namespaces:
                    walk(pattern.url_patterns, inner)
            elif pattern.name:
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return names


def japanese_report(found: list[tuple[str, list[str]]]) -> str:
    """One readable list: each page with the Japanese pieces first seen there.

    A piece already listed under an earlier page is counted, not repeated, so the list
    reads as the strings still to translate, each once, under the first page showing it.
    """
    seen: set[str] = set()
    lines = []
    pieces_total = 0
    for page, pieces in found:
        new = [piece for piece in dict.fromkeys(pieces) if piece not in seen]
        seen.update(new)
        pieces_total += len(pieces)
        again = len(set(pieces)) - len(new)
        lines.append(f"{page}" + (f"  (+{again} listed above)" if again else ""))
        lines.extend(f"    {piece}" for piece in new)
    header = (
        f"Japanese outside data on {len(found)} English pages "
        f"({len(seen)} distinct pieces, {pieces_total} in all):"
    )
    return "\n".join([header, *lines])


def without_values(html: str, values) -> str:
    """Return the page with each data value (as written and HTML-escaped) taken out."""
    for value in sorted(values, key=len, reverse=True):
        html = html.replace(html_lib.escape(value), "").replace(value, "")
    return html


def japanese_in(html: str, data_values=()) -> list[str]:
    return japanese_outside_data(without_values(html, data_values) if data_values else html)

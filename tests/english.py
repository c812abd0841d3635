"""Finding Japanese on an English page, apart from data.

Data in Japanese (names, addresses, bank names, a notice staff wrote in Japanese, the
language switch's 「日本語」) sits in an element marked `lang="ja"`: screen readers then
read it as Japanese, and this check leaves it out. Everything else an English reader
sees or hears — text, `alt`, `title`, `aria-label`, `placeholder`, button values — must
be English.
"""

import re
from html.parser import HTMLParser

# Kana, CJK ideographs, Japanese punctuation and full-width forms.
JAPANESE = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uffef]")
READ_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}
VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
UNREAD = {"script", "style", "template"}


class _Finder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, is Japanese data, is unread)
        self.found = []

    @property
    def _skipping(self):
        return any(japanese or unread for _, japanese, unread in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        japanese = (attrs.get("lang") or "").lower().startswith("ja")
        if not (self._skipping or japanese):
            for name in READ_ATTRIBUTES & attrs.keys():
                self._check(f"{tag}[{name}]", attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
                self._check("input[value]", attrs.get("value"))
        if tag not in VOID:
            self.stack.append((tag, japanese, tag in UNREAD))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if not self._skipping:
            self._check("text", data)

    def _check(self, where, text):
        if text and JAPANESE.search(text):
            self.found.append(f"{where}: {' '.join(text.split())[:80]}")


def japanese_outside_data(html: str) -> list[str]:
    """Return each piece of Japanese on a page that is not marked as Japanese data."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found


def get_in_english(client, url, **kwargs):
    """GET a page as a visitor who chose English (the language switch's cookie)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client.get(url, **kwargs)


def assert_page_in_english(response, status=200) -> str:
    """Assert the response is an English page with no Japanese outside data; return it."""
    assert response.status_code == status, response.status_code
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert japanese_outside_data(html) == []
    return html

import re

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# A run of Japanese (kana, CJK ideographs, Japanese punctuation and full-width forms),
# spaces between its words included (「山田 太郎」).
_JAPANESE_RUN = re.compile(
    r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uffef]+"
    r"(?:[ \u3000]+[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uffef]+)*"
)
_TAG = re.compile(r"(<[^>]*>)")


@register.filter(is_safe=True)
def japanese_as_data(html: SafeString) -> SafeString:
    """Mark each run of Japanese in already-escaped HTML text as Japanese (`<span lang="ja">`):
    in a mail sent in English, Japanese is data (the member's name, a reason staff wrote)."""
    parts = _TAG.split(str(html))
    for index in range(0, len(parts), 2):  # the text between the tags
        parts[index] = _JAPANESE_RUN.sub(r'<span lang="ja">\g<0></span>', parts[index])
    return mark_safe("".join(parts))

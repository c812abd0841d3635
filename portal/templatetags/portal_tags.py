from collections.abc import Callable

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf
from django.utils.translation import get_language, pgettext

register = template.Library()

# What {% memo %} rendered, by node and what the output depends on (see MemoNode).
_memos: dict[tuple, str] = {}
MEMO_LIMIT = 1_000  # entries at most: keys are a few languages and flags, not members


def forget_memos(**kwargs) -> None:
    """Drop every memo (a changed setting may change the links or the texts)."""
    _memos.clear()


setting_changed.connect(forget_memos, dispatch_uid="portal_tags.forget_memos")


class MemoNode(template.Node):
    def __init__(self, nodelist, keys):
        self.nodelist = nodelist
        self.keys = keys

    def render(self, context):
        key = (
            self,
            get_language(),
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
            context.autoescape,
            *(key.resolve(context) for key in self.keys),
        )
        try:
            return _memos[key]
        except KeyError:
            pass
        html = self.nodelist.render(context)
        if len(_memos) < MEMO_LIMIT:
            _memos[key] = html
        return html


@register.tag
def memo(parser, token):
    """Render a fragment once per process: `{% memo var ... %}…{% endmemo %}`.

    For the menus every page repeats (their links and texts): what it renders is kept per
    language, script prefix and URLconf and the values of the variables given, so the
    fragment must show nothing else of the request (no member, no time, no CSRF token)
    and hold no `{% block %}`.
    """
    bits = token.split_contents()[1:]
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, [parser.compile_filter(bit) for bit in bits])


@register.filter
def coded_errors(bound_field_or_form):
    """Return (code, message) pairs of a bound field's errors, or a form's non-field errors.

    Every message is shown with its code in `data-error-code` (the testers' contract).
    """
    if hasattr(bound_field_or_form, "non_field_errors"):
        errors = bound_field_or_form.errors.as_data().get("__all__", [])
    else:
        errors = bound_field_or_form.form.errors.as_data().get(bound_field_or_form.name, [])
    return [(error.code or "invalid", message) for error in errors for message in error]


@register.filter
def yen(amount):
    """Return an integer yen amount with thousands separators ("1,234")."""
    if amount is None or amount == "":
        return ""
    return f"{int(amount):,}"


@register.filter
def money(amount):
    """Return a yen amount as the page's language writes it (「1,234円」, "¥1,234")."""
    return money_format()(amount)


def money_format() -> Callable[[object], str]:
    """Return `money` with the page's language looked up once, for a list of amounts."""
    pattern = pgettext("an amount in yen", "{amount}円")

    def format_money(amount) -> str:
        if amount is None or amount == "":
            return ""
        amount = int(amount)
        sign = "-" if amount < 0 else ""
        return sign + pattern.format(amount=f"{abs(amount):,}")

    return format_money


@register.filter
def phone(number):
    """Return a Japanese phone number with its hyphens (09000000001 → 090-0000-0001)."""
    digits = str(number or "")
    if not digits.isdigit():
        return digits
    if len(digits) == 11 and digits[:3] in ("050", "070", "080", "090"):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10 and digits[:4] in ("0120", "0800"):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 10 and digits[:2] in ("03", "06"):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return digits

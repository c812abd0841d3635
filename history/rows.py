"""The history table's rows (/mypage/history/), written once for the page.

The rows are the page's hot spot: twenty entries of seven labelled cells each asked the
template engine for some three hundred variables, a third of the page's time. Here the
labels are translated once per page, every cell is formatted once, and a row is one
`format_html` of ROW (as Django's admin writes its change list); the template keeps the
table around them and its header (COLUMNS).
"""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from history.models import Channel, Kind, LedgerEntry
from portal.templatetags.portal_tags import money

# The columns: their header (also each cell's data-label, which a phone shows beside the
# value) and whether they hold amounts (right-aligned).
COLUMNS = (
    (_("日時"), False),
    (_("種類"), False),
    (_("お取引方法"), False),
    (_("金額"), True),
    (_("うち利息"), True),
    (_("うち元金"), True),
    (_("取引後残高"), True),
)

# A row: the entry's data attributes (SPEC §10) and its cells in COLUMNS' order.
ROW = (
    '<tr data-kind="{kind}" data-amount="{amount}" data-balance-after="{after}">'
    '<td class="nowrap" data-label="{label0}">{when}</td>'
    '<td class="keep" data-label="{label1}">{kind_text}</td>'
    '<td class="keep" data-label="{label2}">{channel_text}</td>'
    '<td class="num" data-label="{label3}">{amount_text}</td>'
    '<td class="num" data-label="{label4}">{interest_text}</td>'
    '<td class="num" data-label="{label5}">{principal_text}</td>'
    '<td class="num" data-label="{label6}">{after_text}</td>'
    "</tr>\n"
)


def history_rows(entries: Iterable[LedgerEntry]) -> SafeString:
    """Return the table rows of `entries`, in their order, in the page's language."""
    labels = {f"label{i}": conditional_escape(label) for i, (label, _num) in enumerate(COLUMNS)}
    kinds = {value: str(label) for value, label in Kind.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    when_format = get_format("SHORT_DATETIME_FORMAT")
    zone = timezone.get_current_timezone()
    rows = []
    for entry in entries:
        repayment = entry.kind == Kind.REPAYMENT
        rows.append(
            format_html(
                ROW,
                kind=entry.kind,
                amount=entry.amount,
                after=entry.principal_after,
                when=format_date(entry.occurred_at.astimezone(zone), when_format),
                kind_text=kinds.get(entry.kind, entry.kind),
                channel_text=channels.get(entry.channel, entry.channel),
                amount_text=money(entry.amount),
                interest_text=money(entry.interest_paid) if repayment else "",
                principal_text=money(entry.principal_paid) if repayment else "",
                after_text=money(entry.principal_after),
                **labels,
            )
        )
    return mark_safe("".join(rows))  # each row escaped by format_html

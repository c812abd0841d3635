"""The history table's rows (/mypage/history/), written once for the page.

The rows are the page's hot spot: twenty entries of seven labelled cells each asked the
template engine for some three hundred variables, a third of the page's time. Here the
entries come as plain values (FIELDS), every text of the page's language (the labels,
the kinds, the channels, the yen pattern) is translated and escaped once per page, and a
row is one `str.format` of ROW; the template keeps the table around them and its header
(COLUMNS). Escaping: every text is escaped before it reaches ROW, and everything else is
a number formatted here.
"""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from history.models import Channel, Kind
from portal.templatetags.portal_tags import money_format

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

# What a row reads of an entry (`QuerySet.values`).
FIELDS = (
    "occurred_at",
    "kind",
    "channel",
    "amount",
    "interest_paid",
    "principal_paid",
    "principal_after",
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


def history_rows(entries: Iterable[dict]) -> SafeString:
    """Return the table rows of `entries` (dicts of FIELDS), in their order, in the page's
    language."""
    labels = {f"label{i}": escape(str(label)) for i, (label, _num) in enumerate(COLUMNS)}
    kinds = {value: escape(str(label)) for value, label in Kind.choices}
    channels = {value: escape(str(label)) for value, label in Channel.choices}
    money = money_format()
    when_format = get_format("SHORT_DATETIME_FORMAT")
    zone = timezone.get_current_timezone()
    rows = []
    for entry in entries:
        repayment = entry["kind"] == Kind.REPAYMENT
        rows.append(
            ROW.format(
                kind=escape(entry["kind"]),
                amount=int(entry["amount"]),
                after=int(entry["principal_after"]),
                when=format_date(entry["occurred_at"].astimezone(zone), when_format),
                kind_text=kinds.get(entry["kind"]) or escape(entry["kind"]),
                channel_text=channels.get(entry["channel"]) or escape(entry["channel"]),
                amount_text=money(entry["amount"]),
                interest_text=money(entry["interest_paid"]) if repayment else "",
                principal_text=money(entry["principal_paid"]) if repayment else "",
                after_text=money(entry["principal_after"]),
                **labels,
            )
        )
    return mark_safe("".join(rows))  # every text escaped above, the rest numbers

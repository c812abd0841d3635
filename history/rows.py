"""What the history table shows of each entry, formatted once for the page.

A page of 20 entries would otherwise ask the template for a hundred and more lookups on
model instances, each label through the choices' lazy translations and each date through
the locale's formats; here the labels are translated once per page and every cell is a
plain string.
"""

import dataclasses
from collections.abc import Iterable

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format

from history.models import Channel, Kind, LedgerEntry
from portal.templatetags.portal_tags import money


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryRow:
    """One line of the history table: the entry's values for its data attributes, and
    the cells as the page's language writes them."""

    kind: str
    amount: int
    principal_after: int
    when: str
    kind_label: str
    channel_label: str
    amount_text: str
    interest_text: str  # empty but for a repayment
    principal_text: str  # empty but for a repayment
    after_text: str


def history_rows(entries: Iterable[LedgerEntry]) -> list[HistoryRow]:
    """Return the table's rows of `entries`, in their order."""
    kinds = {value: str(label) for value, label in Kind.choices}
    channels = {value: str(label) for value, label in Channel.choices}
    when_format = get_format("SHORT_DATETIME_FORMAT")
    zone = timezone.get_current_timezone()
    rows = []
    for entry in entries:
        repayment = entry.kind == Kind.REPAYMENT
        rows.append(
            HistoryRow(
                kind=entry.kind,
                amount=entry.amount,
                principal_after=entry.principal_after,
                when=format_date(entry.occurred_at.astimezone(zone), when_format),
                kind_label=kinds.get(entry.kind, entry.kind),
                channel_label=channels.get(entry.channel, entry.channel),
                amount_text=money(entry.amount),
                interest_text=money(entry.interest_paid) if repayment else "",
                principal_text=money(entry.principal_paid) if repayment else "",
                after_text=money(entry.principal_after),
            )
        )
    return rows

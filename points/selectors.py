"""Reads of the point ledger."""

import re
from collections.abc import Iterable

from django.db.models import F, Max, Q
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from members.models import Member
from points.models import (
    IncomeCertificate,
    Localized,
    Notice,
    PointAccount,
    PointEntry,
    PointEntryQuerySet,
    Reason,
)
from points.rules import BENEFITS
from portal import clock

# Kana and CJK ideographs: a note staff wrote in Japanese.
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")


def account_of(member: Member) -> PointAccount | None:
    """Return the member's point account, or None if they have not joined."""
    return PointAccount.objects.filter(member=member).first()


def balance_of(member: Member) -> int | None:
    """Return the member's point balance, or None if they have not joined."""
    return PointAccount.objects.filter(member=member).values_list("balance", flat=True).first()


def history_of(member: Member) -> PointEntryQuerySet:
    """Return the member's point entries, newest first."""
    return PointEntry.objects.for_member(member).newest_first()


def describe(entries: Iterable[PointEntry]) -> list[PointEntry]:
    """Give each entry its `reason_label` (the reason in the page's language, translated
    once for all the entries) and its `detail`: what the history shows under the reason,
    in the page's language (a Localized, or "" for nothing), in two queries at most.

    A redemption tells its benefit and period, a notice's points the notice's title, the
    certificate's points the certificate's number; a staff grant or deduction the reason
    staff wrote. The stored Japanese note is the fallback (marked as Japanese) for what
    is no longer there (a deleted notice).
    """
    entries = list(entries)
    notice_ids = [
        int(entry.reference)
        for entry in entries
        if entry.reason == Reason.NOTICE and entry.reference.isdigit()
    ]
    notices = Notice.objects.only("title", "title_en").in_bulk(notice_ids) if notice_ids else {}
    certificate_entries = [e.pk for e in entries if e.reason == Reason.INCOME_CERTIFICATE]
    certificates = (
        dict(
            IncomeCertificate.objects.filter(point_entry__in=certificate_entries).values_list(
                "point_entry_id", "pk"
            )
        )
        if certificate_entries
        else {}
    )
    labels = {value: str(label) for value, label in Reason.choices}
    for entry in entries:
        entry.reason_label = labels.get(entry.reason, entry.reason)
        entry.detail = _detail(entry, notices, certificates)
    return entries


def _detail(entry: PointEntry, notices: dict, certificates: dict) -> Localized | str:
    language = translation.get_language() or "ja"
    if entry.reason == Reason.REDEMPTION and entry.reference in BENEFITS:
        label = BENEFITS[entry.reference].label
        if entry.benefit_first_day and entry.benefit_last_day:
            label = _("%(benefit)s（%(first)s〜%(last)s）") % {
                "benefit": label,
                "first": date_format(entry.benefit_first_day, "SHORT_DATE_FORMAT"),
                "last": date_format(entry.benefit_last_day, "SHORT_DATE_FORMAT"),
            }
        return Localized(label, language)
    if entry.reason == Reason.NOTICE and entry.reference.isdigit():
        notice = notices.get(int(entry.reference))
        if notice is not None:
            return notice.localized("title")
    if entry.reason == Reason.INCOME_CERTIFICATE and entry.pk in certificates:
        number = _("収入証明書類 #%(number)s") % {"number": certificates[entry.pk]}
        return Localized(number, language)
    if not entry.note:
        return ""
    return Localized(entry.note, "ja" if _JAPANESE.search(entry.note) else "en")


def certificates_of(member: Member) -> list[IncomeCertificate]:
    """Return the member's income certificates, newest first."""
    return list(IncomeCertificate.objects.for_member(member).newest_first())


def mypage_figures(member: Member) -> dict:
    """Return what the /mypage/ panel shows, in one query: the balance (None: not joined)
    and the last day of an active partner-ATM fee waiver (None: none).

    Joined rather than two correlated subqueries, which the ORM takes twice as long to
    compile.
    """
    today = clock.today()
    waived = Q(atm_fee_waivers__first_day__lte=today, atm_fee_waivers__last_day__gte=today)
    figures = (
        Member.objects.filter(pk=member.pk)
        .values(points=F("point_account__balance"))
        .annotate(atm_fee_waived_until=Max("atm_fee_waivers__last_day", filter=waived))
    )
    return next(iter(figures), None) or {"points": None, "atm_fee_waived_until": None}


def balances_by_member_number(member_numbers: list[str]) -> dict[str, int]:
    """Return the point balances of those members who joined, by member number (one query)."""
    return dict(
        PointAccount.objects.filter(member__member_number__in=member_numbers).values_list(
            "member__member_number", "balance"
        )
    )

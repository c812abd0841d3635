"""The point service's numbers (SPEC §7): what each earning gives, what each benefit costs.

Pure values and functions of dates; the ledger's writes are in points.services.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

JOIN_POINTS = 100
MONTHLY_LOGIN_POINTS = 10
INCOME_CERTIFICATE_POINTS = 160
# Each registration held at a month end (reminder mail, transaction mail, Web statements).
REGISTRATION_POINTS = 1
# A notice that gives points gives between these (staff choose).
NOTICE_POINTS_MIN, NOTICE_POINTS_MAX = 5, 20


@dataclasses.dataclass(frozen=True)
class Benefit:
    """What a member can exchange points for."""

    key: str  # the redemption form's `benefit` value (SPEC §10)
    cost: int
    label: str
    interest_free_days: int = 0  # 0: the partner-ATM fee waiver


BENEFITS = {
    benefit.key: benefit
    for benefit in (
        Benefit("atm_fee_free", 40, _("提携ATM手数料無料（翌月末まで）")),
        Benefit("interest_free_7", 250, _("無利息7日間"), interest_free_days=7),
        Benefit("interest_free_15", 400, _("無利息15日間"), interest_free_days=15),
        Benefit("interest_free_30", 700, _("無利息30日間"), interest_free_days=30),
    )
}


def redemption_note(benefit: Benefit, first_day: dt.date, last_day: dt.date) -> str:
    """Return the note of a redemption's entry, for staff: in Japanese whatever the member
    reads (「無利息15日間（2026/12/09〜2026/12/23）」); pages tell it from the entry's
    benefit and period in their own language."""
    with translation.override(settings.LANGUAGE_CODE):
        return f"{benefit.label}（{first_day:%Y/%m/%d}〜{last_day:%Y/%m/%d}）"


def month_reference(day: dt.date) -> str:
    """Return the reference of the month of `day` ("2026-12"): once-a-month earnings."""
    return f"{day:%Y-%m}"


def previous_month_reference(day: dt.date) -> str:
    """Return the reference of the month before `day`'s: the month the month-end
    registration points are credited for when the job runs on `day`."""
    return month_reference(day.replace(day=1) - dt.timedelta(days=1))


def year_reference(day: dt.date) -> str:
    """Return the reference of the year of `day` ("2026"): once-a-year earnings."""
    return f"{day:%Y}"


def end_of_next_month(day: dt.date) -> dt.date:
    """Return the last day of the month after `day`'s (the ATM-fee waiver's last day)."""
    first_of_next = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    first_after_that = (first_of_next + dt.timedelta(days=32)).replace(day=1)
    return first_after_that - dt.timedelta(days=1)


# --- Income certificates (収入証明書類) ---------------------------------------------------

# At most 5 MB (5 × 1024 × 1024 bytes): exactly that is accepted, one byte more refused.
CERTIFICATE_MAX_BYTES = 5 * 1024 * 1024
# Uploads waiting for review a member may have at once (what one member can put on disk).
CERTIFICATE_MAX_PENDING = 5
# What a certificate may be, told by its first bytes (never by its name or the
# Content-Type the browser sent): the stored type and the extension of the stored file.
CERTIFICATE_SIGNATURES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
}
CERTIFICATE_CONTENT_TYPES = tuple(kind for kind, _extension in CERTIFICATE_SIGNATURES.values())
# Enough of the start of a file to match any signature.
CERTIFICATE_HEAD_BYTES = max(len(signature) for signature in CERTIFICATE_SIGNATURES)


def certificate_content_type(head: bytes) -> str | None:
    """Return the content type a file starting with `head` is (PDF, JPEG, PNG), or None."""
    for signature, (content_type, _extension) in CERTIFICATE_SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    return None


def certificate_extension(content_type: str) -> str:
    """Return the extension the stored file of that content type gets ("pdf")."""
    return next(ext for kind, ext in CERTIFICATE_SIGNATURES.values() if kind == content_type)

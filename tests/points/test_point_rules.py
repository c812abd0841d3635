"""The point service's numbers and date rules (points.rules) against SPEC §7.

Pure values and functions, no database: the fast tests `make mutation` runs against every
small change of these rules (a cost, an earning, the waiver's last day).
"""

import datetime as dt

import pytest
from django.utils import translation

from points import rules

D = dt.date


def test_earnings_are_those_of_the_spec():
    assert rules.JOIN_POINTS == 100
    assert rules.MONTHLY_LOGIN_POINTS == 10
    assert rules.INCOME_CERTIFICATE_POINTS == 160
    assert rules.REGISTRATION_POINTS == 1
    assert (rules.NOTICE_POINTS_MIN, rules.NOTICE_POINTS_MAX) == (5, 20)


def test_benefits_cost_what_the_spec_says_and_give_their_days():
    assert {key: (b.cost, b.interest_free_days) for key, b in rules.BENEFITS.items()} == {
        "atm_fee_free": (40, 0),
        "interest_free_7": (250, 7),
        "interest_free_15": (400, 15),
        "interest_free_30": (700, 30),
    }
    assert all(benefit.key == key for key, benefit in rules.BENEFITS.items())


@pytest.mark.parametrize(
    ("day", "last_day"),
    [
        (D(2026, 12, 1), D(2027, 1, 31)),
        (D(2026, 12, 31), D(2027, 1, 31)),  # across the year
        (D(2027, 1, 31), D(2027, 2, 28)),  # a month that ends before the 31st
        (D(2028, 1, 15), D(2028, 2, 29)),  # a leap February
        (D(2027, 2, 28), D(2027, 3, 31)),
        (D(2027, 3, 1), D(2027, 4, 30)),
        (D(2027, 11, 30), D(2027, 12, 31)),
    ],
)
def test_the_waiver_runs_to_the_last_day_of_next_month(day, last_day):
    assert rules.end_of_next_month(day) == last_day


def test_once_a_month_and_once_a_year_references():
    assert rules.month_reference(D(2027, 3, 9)) == "2027-03"
    assert rules.month_reference(D(2026, 12, 31)) == "2026-12"
    assert rules.year_reference(D(2027, 3, 9)) == "2027"


@pytest.mark.parametrize(
    ("head", "content_type", "extension"),
    [
        (b"%PDF-1.7\n", "application/pdf", "pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", "jpg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png", "png"),
    ],
)
def test_a_certificate_is_told_by_its_first_bytes(head, content_type, extension):
    assert rules.certificate_content_type(head) == content_type
    assert rules.certificate_extension(content_type) == extension


@pytest.mark.parametrize("head", [b"", b"%PDF", b"GIF89a", b"\x89PNG\r\n\x1a", b"PK\x03\x04"])
def test_anything_else_is_not_a_certificate(head):
    assert rules.certificate_content_type(head) is None


def test_certificate_limits():
    assert rules.CERTIFICATE_MAX_BYTES == 5 * 1024 * 1024
    assert rules.CERTIFICATE_HEAD_BYTES == 8  # the PNG signature, the longest


@pytest.mark.parametrize(
    ("today", "month"),
    [
        (D(2027, 1, 1), "2026-12"),  # the job's day: the 1st, for the month that ended
        (D(2026, 3, 1), "2026-02"),
        (D(2026, 3, 31), "2026-02"),  # a day later in the month: still the month before
        (D(2024, 3, 2), "2024-02"),
    ],
)
def test_the_point_job_credits_the_month_before_its_day(today, month):
    assert rules.previous_month_reference(today) == month


def test_a_redemption_note_is_japanese_for_staff_whatever_the_page_language():
    benefit = rules.BENEFITS["interest_free_7"]
    with translation.override("en"):
        note = rules.redemption_note(benefit, D(2026, 12, 9), D(2026, 12, 15))
    assert note == "無利息7日間（2026/12/09〜2026/12/15）"

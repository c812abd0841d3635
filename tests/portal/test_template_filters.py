"""The formats the pages share (portal_tags): phone numbers as Japanese write them."""

import pytest

from portal.templatetags.portal_tags import phone


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("09000000001", "090-0000-0001"),
        ("08012345678", "080-1234-5678"),
        ("0120000000", "0120-000-000"),
        ("0312345678", "03-1234-5678"),
        ("0451234567", "045-123-4567"),
        ("12345", "12345"),  # not a number this knows: as it is
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_are_shown_with_their_hyphens(number, shown):
    assert phone(number) == shown

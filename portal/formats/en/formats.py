"""Dates and times on English pages: "2 Dec 2026" in text, "2026-12-02 06:30" in tables."""

DATE_FORMAT = "j M Y"  # in sentences and figures
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j M"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y-m-d"  # in tables
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
FIRST_DAY_OF_WEEK = 0
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

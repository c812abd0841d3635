"""Dates and times on Japanese pages: 「2026年12月2日」 in text, 「2026/12/02 06:30」 in tables.

Templates name the format (`|date:"DATE_FORMAT"`), never spell it, so each language
keeps one style per context.
"""

DATE_FORMAT = "Y年n月j日"  # in sentences and figures
DATETIME_FORMAT = "Y年n月j日 H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "n月j日"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "Y/m/d"  # in tables
SHORT_DATETIME_FORMAT = "Y/m/d H:i"
FIRST_DAY_OF_WEEK = 0
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

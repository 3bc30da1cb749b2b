"""Dates as the portal writes them everywhere (apps/core/formatting.py): ISO 8601, 2027-01-01.

Django's English formats would write a date left unformatted in a template as "Jan. 1, 2025"
beside the "2027-01-01" of the pages that format theirs; these take precedence over them.
"""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
YEAR_MONTH_FORMAT = "Y-m"
MONTH_DAY_FORMAT = "m-d"

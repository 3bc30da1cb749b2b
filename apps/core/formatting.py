"""How the portal writes figures for people: one place, so every page says them the same way.

- A measured percentage (attainment) is rounded *down* to two places, "99.89 %": rounding up
  could show a miss as met (99.8999 is not 99.9). A target is written exactly as agreed, without
  trailing zeros, "99.99 %" (never "99.9900 %"); targets have at most four places.
- An amount has two places and thousands separators, then its ISO currency code:
  "32,450.00 EUR" (codes, not symbols: a portfolio mixes currencies that share a symbol).
- A date is ISO 8601, "2027-01-01"; a moment adds the time, "2027-01-01 14:30".

Pure Python (no Django), so the rules are tested on their own; templates use them through the
``formatting`` template library (apps/core/templatetags/formatting.py).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

MEASURED_PLACES = 2
NO_DATA = "no data"
NOTHING = "—"


class Coded(str):
    """A code a CSV file keeps as it is ("NO_SLO") with the words a page writes for it
    ("NO SLO"): one row serves both the table and its CSV."""

    text: str

    def __new__(cls, code: str, text: str):
        value = super().__new__(cls, code)
        value.text = text
        return value


def _decimal(value) -> Decimal | None:
    """Decimal of a figure given as a Decimal, an int, a float or text (packets store text)."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def trimmed(value: Decimal) -> str:
    """A decimal without trailing zeros or exponent: 99.9000 → "99.9", 100.00 → "100"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(7)}


def floor_percent(value: Decimal, places: int = MEASURED_PLACES) -> Decimal:
    """A measured percentage rounded down to ``places``: never more than was attained."""
    return Decimal(value).quantize(_QUANTA[places], rounding=ROUND_FLOOR)


def percent(value, *, places: int = MEASURED_PLACES, none: str = NO_DATA) -> str:
    """A measured percentage for people: "99.89 %" for 99.8999; ``none`` when there is no data."""
    number = _decimal(value)
    if number is None or not number.is_finite():
        return none if number is None else str(value)
    return f"{trimmed(floor_percent(number, places))} %"


BUDGET_PLACES = 1
ALL_SPENT = "all spent (100 % SLO)"


def budget_left(remaining, *, none: str = NO_DATA) -> str:
    """The share of an error budget left, given as a fraction (1: all of it, below zero:
    overspent), rounded down to one place as a measured figure is: 0.9608 → "96 %",
    -99 → "-9900 %". A 100 % SLO has no budget, so one miss spends it all (its remaining share
    is −∞): "all spent (100 % SLO)" says so where "−∞ %" would puzzle."""
    number = _decimal(remaining)
    if number is None:
        return none
    if not number.is_finite():
        return ALL_SPENT
    return percent(number * 100, places=BUDGET_PLACES)


def target(value, *, none: str = NOTHING) -> str:
    """A target as agreed, exactly and without trailing zeros: "99.99 %", "99.9 %", "100 %"."""
    number = _decimal(value)
    if number is None:
        return none
    return f"{trimmed(number)} %"


def amount(value, *, none: str = NOTHING) -> str:
    """An amount of money without its currency: "32,450.00"."""
    number = _decimal(value)
    if number is None:
        return none
    return f"{number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,.2f}"


def money(value, currency: str, *, none: str = NOTHING) -> str:
    """An amount with its currency code: "32,450.00 EUR"."""
    number = _decimal(value)
    if number is None:
        return none
    return f"{amount(number)} {currency.upper()}".rstrip()


def points(value, *, none: str = NOTHING) -> str:
    """A margin between two percentages, in points, as exact as its figures: "-0.9 points"."""
    number = _decimal(value)
    if number is None:
        return none
    return f"{trimmed(number)} points"


def file_size(value, *, none: str = NOTHING) -> str:
    """A size in bytes, in steps of 1024 with at most one decimal: "512 bytes", "1.5 KB",
    "20 MB" (20 × 1024 × 1024 bytes)."""
    if value is None or value == "":
        return none
    size = Decimal(int(value))
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        shown = size.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if shown < 1024 or unit == "GB":  # judged rounded: never "1024 KB"
            break
    return f"{trimmed(shown)} {unit}"


def day(value, *, none: str = NOTHING) -> str:
    """A date (or the date of a moment) in ISO 8601: "2027-01-01"."""
    if value is None or value == "":
        return none
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

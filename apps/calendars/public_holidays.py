"""Public holidays from the ``holidays`` package: which countries and subdivisions it knows, and
the dates of a year (kept per process: a year's holidays do not change while it runs)."""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays


@cache
def supported_subdivisions() -> dict[str, frozenset[str]]:
    """Country code → the codes of its subdivisions (empty when it has none)."""
    return {
        country: frozenset(subdivisions)
        for country, subdivisions in holidays.list_supported_countries().items()
    }


@cache
def holidays_of_year(country: str, subdivision: str, year: int) -> tuple[tuple[date, str], ...]:
    """The public holidays of one year as (date, name), in date order."""
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=year)
    return tuple(sorted(found.items()))

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cache
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from .business_time import DAY_KEYS, BusinessCalendar, HoursError, parse_hours
from .public_holidays import holidays_of_year, supported_subdivisions


def default_hours() -> dict[str, list[list[str]]]:
    """Monday to Friday, 09:00 to 17:00."""
    return {day: [["09:00", "17:00"]] if day in DAY_KEYS[:5] else [] for day in DAY_KEYS}


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


class Calendar(models.Model):
    """The hours in which a support clock runs: weekly windows in a time zone, less public
    holidays (of a country and optional subdivision) and closed dates, plus extra open dates.

    The maths lives in ``business_time``; ``business_calendar()`` hands it this calendar with
    the holidays of the years asked for. See the module's docstring for how windows that cross
    midnight, open dates and DST changes are read.
    """

    name = models.CharField(max_length=150, unique=True)
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="IANA time zone, e.g. Europe/London."
    )
    hours = models.JSONField(
        default=default_hours,
        help_text=(
            'Windows per weekday in local time: {"mon": [["09:00", "17:00"]], …, "sun": []}. '
            '"24:00" ends a day; a window ending before it starts ("23:00"–"07:00") crosses '
            "midnight and belongs to the day it starts."
        ),
    )
    holiday_country = models.CharField(
        max_length=3, blank=True, help_text="Country whose public holidays close the calendar."
    )
    holiday_subdivision = models.CharField(
        max_length=10, blank=True, help_text="Optional subdivision of the country, e.g. ENG."
    )
    closed_dates = models.JSONField(
        default=list, blank=True, help_text='Extra closed days, "YYYY-MM-DD".'
    )
    open_dates = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            'Extra open days, "YYYY-MM-DD": they open with their weekday\'s windows, or with '
            "the first weekday's from Monday when theirs has none."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    # --- validation -------------------------------------------------------------------------

    def clean(self):
        errors: dict[str, list[str]] = {}
        if self.timezone not in _zones():
            errors["timezone"] = [f"{self.timezone!r} is not an IANA time zone."]
        hours_error = self._hours_error()
        if hours_error:
            errors["hours"] = [hours_error]
        errors.update(self._holiday_errors())
        dates: dict[str, list[str]] = {}
        for name in ("closed_dates", "open_dates"):
            normalised, error = _parse_dates(getattr(self, name))
            if error:
                errors[name] = [error]
            else:
                dates[name] = normalised
                setattr(self, name, normalised)
        both = sorted(set(dates.get("closed_dates", ())) & set(dates.get("open_dates", ())))
        if both:
            errors["open_dates"] = [f"{', '.join(both)} cannot be both closed and open."]
        if errors:
            raise ValidationError(errors)

    def _hours_error(self) -> str | None:
        hours = self.hours
        if not isinstance(hours, dict):
            return 'Hours are an object of weekdays: {"mon": [["09:00", "17:00"]], …}.'
        for day, windows in hours.items():
            for window in windows if isinstance(windows, list) else ():
                if isinstance(window, list) and not all(isinstance(t, str) for t in window):
                    return f'{day}: times are written "HH:MM", not {window!r}.'
        try:
            weekly = parse_hours(hours)
        except HoursError as error:
            return str(error)
        if not any(weekly):
            return "Every day is closed: give at least one window."
        self.hours = {day: hours.get(day) or [] for day in DAY_KEYS}
        return None

    def _holiday_errors(self) -> dict[str, list[str]]:
        country, subdivision = self.holiday_country, self.holiday_subdivision
        if not country:
            if subdivision:
                return {"holiday_subdivision": ["A subdivision needs a holiday country."]}
            return {}
        known = supported_subdivisions()
        if country not in known:
            return {
                "holiday_country": [
                    f"{country!r} is not a country the holidays package knows (ISO 3166 "
                    "alpha-2 codes such as GB, US, DE)."
                ]
            }
        if subdivision and subdivision not in known[country]:
            choices = ", ".join(sorted(known[country])) or "none"
            return {
                "holiday_subdivision": [
                    f"{subdivision!r} is not a subdivision of {country} (known: {choices})."
                ]
            }
        return {}

    # --- readings ---------------------------------------------------------------------------

    def holidays_in(self, year: int) -> list[tuple[date, str]]:
        """The public holidays of a year, as (date, name)."""
        if not self.holiday_country:
            return []
        return list(holidays_of_year(self.holiday_country, self.holiday_subdivision, year))

    def business_calendar(self, *, years: Iterable[int]) -> BusinessCalendar:
        """This calendar for the pure maths, with the public holidays of ``years`` resolved.

        Ask for every year the computation may touch (a year either side of the instants is
        enough for budgets of weeks); outside them only the weekly hours and the dates apply.
        """
        holidays = {day for year in years for day, _ in self.holidays_in(year)}
        return BusinessCalendar(
            timezone=self.timezone,
            weekly=self.hours,
            holidays=frozenset(holidays),
            closed_dates=frozenset(date.fromisoformat(d) for d in self.closed_dates),
            open_dates=frozenset(date.fromisoformat(d) for d in self.open_dates),
        )


def _parse_dates(values) -> tuple[list[str], str | None]:
    """A JSON list of "YYYY-MM-DD" as sorted unique strings, or the first error."""
    if values in (None, ""):
        return [], None
    if not isinstance(values, list):
        return [], 'A list of dates written "YYYY-MM-DD".'
    parsed = set()
    for value in values:
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            parsed.add(date.fromisoformat(value))
        except ValueError:
            return [], f'{value!r} is not a date written "YYYY-MM-DD".'
    return [day.isoformat() for day in sorted(parsed)], None

"""Calendars in the admin: Support keeps the desk's hours, holidays and exceptions here."""

from django.contrib import admin
from django.utils import timezone

from apps.core.admin import GovernedAdmin

from .business_time import DAY_KEYS
from .models import Calendar


@admin.register(Calendar)
class CalendarAdmin(GovernedAdmin):
    list_display = ["name", "timezone", "weekly_hours", "holiday_region"]
    list_filter = ["holiday_country", "timezone"]
    search_fields = ["name", "timezone"]
    readonly_fields = ["holidays_this_year"]
    fieldsets = [
        (None, {"fields": ["name", "timezone", "hours"]}),
        (
            "Holidays and exceptions",
            {
                "fields": [
                    "holiday_country",
                    "holiday_subdivision",
                    "holidays_this_year",
                    "closed_dates",
                    "open_dates",
                ]
            },
        ),
    ]

    @admin.display(description="weekly hours")
    def weekly_hours(self, calendar):
        hours = calendar.hours if isinstance(calendar.hours, dict) else {}
        parts = []
        for day in DAY_KEYS:
            windows = hours.get(day) or []
            if windows:
                spans = ", ".join(f"{start}–{end}" for start, end in windows)
                parts.append(f"{day.capitalize()} {spans}")
        return "; ".join(parts) or "closed"

    @admin.display(description="public holidays")
    def holiday_region(self, calendar):
        if not calendar.holiday_country:
            return "—"
        return "-".join(filter(None, [calendar.holiday_country, calendar.holiday_subdivision]))

    @admin.display(description="public holidays this year")
    def holidays_this_year(self, calendar):
        if calendar.pk is None or not calendar.holiday_country:
            return "—"
        found = calendar.holidays_in(timezone.now().year)
        return "; ".join(f"{day:%a %d %b}: {name}" for day, name in found) or "none"

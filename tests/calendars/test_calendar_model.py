"""The Calendar model: validation shared by admin and API, and the pure calendar it builds."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from apps.calendars.business_time import due_after
from apps.calendars.models import Calendar

pytestmark = pytest.mark.django_db


def errors_of(**fields) -> dict[str, list[str]]:
    calendar = Calendar(name="Desk", **fields)
    with pytest.raises(ValidationError) as caught:
        calendar.full_clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"timezone": "Europe/Londn"}, "timezone", "'Europe/Londn' is not an IANA time zone."),
        ({"hours": {"mon": [["09:00", "09:00"]]}}, "hours", "starts and ends at the same minute"),
        (
            {"hours": {"mon": [["09:00", "12:00"], ["11:30", "17:00"]]}},
            "hours",
            "mon: window 09:00–12:00 overlaps mon 11:30–17:00.",
        ),
        ({"hours": {"mon": [[540, 1020]]}}, "hours", 'times are written "HH:MM"'),
        ({"hours": {"mon": [["9", "17"]]}}, "hours", "is not a time of day"),
        ({"hours": {day: [] for day in ("mon", "tue", "sun")}}, "hours", "Every day is closed"),
        ({"hours": [["09:00", "17:00"]]}, "hours", "an object of weekdays"),
        ({"holiday_country": "XX"}, "holiday_country", "'XX' is not a country"),
        (
            {"holiday_country": "GB", "holiday_subdivision": "XYZ"},
            "holiday_subdivision",
            "'XYZ' is not a subdivision of GB (known: ENG, NIR, SCT, WLS).",
        ),
        ({"holiday_subdivision": "ENG"}, "holiday_subdivision", "needs a holiday country"),
        ({"closed_dates": ["2026-02-30"]}, "closed_dates", "'2026-02-30' is not a date"),
        ({"open_dates": "2026-01-01"}, "open_dates", "A list of dates"),
        (
            {"closed_dates": ["2026-12-24"], "open_dates": ["2026-12-24"]},
            "open_dates",
            "2026-12-24 cannot be both closed and open.",
        ),
    ],
)
def test_bad_calendars_are_refused_naming_the_field(fields, field, message):
    errors = errors_of(**fields)

    assert field in errors
    assert any(message in text for text in errors[field]), errors


def test_a_valid_calendar_is_normalised_and_its_history_recorded():
    calendar = Calendar(
        name="US desk",
        timezone="America/New_York",
        hours={"mon": [["08:00", "18:00"]], "fri": [["22:00", "06:00"]]},
        holiday_country="US",
        closed_dates=["2026-12-24", "2026-12-24", "2026-07-03"],
    )
    calendar.full_clean()
    calendar.save()

    assert list(calendar.hours) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert calendar.hours["sun"] == []
    assert calendar.closed_dates == ["2026-07-03", "2026-12-24"]
    assert calendar.history.count() == 1


def test_business_calendar_closes_on_the_bank_holidays_of_the_years_asked(london_desk):
    pure = london_desk.business_calendar(years=[2026])

    assert date(2026, 12, 28) in pure.holidays  # Boxing Day (substitute)
    assert date(2026, 8, 31) in pure.holidays  # Summer bank holiday
    # Thursday 24 December 16:00 GMT plus two business hours: Christmas Friday and the
    # substitute Monday are closed, so Tuesday 29 December 10:00.
    start = datetime(2026, 12, 24, 16, tzinfo=UTC)
    assert due_after(pure, start, 2 * 3600) == datetime(2026, 12, 29, 10, tzinfo=UTC)


def test_holidays_in_a_year_have_their_names(london_desk):
    holidays = dict(london_desk.holidays_in(2026))

    assert holidays[date(2026, 4, 3)] == "Good Friday"
    assert Calendar(name="No holidays").holidays_in(2026) == []

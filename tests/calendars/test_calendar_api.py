"""/api/v1/calendars/: CRUD under the roles' permissions, and due, elapsed and holidays."""

import pytest

from apps.calendars.models import Calendar
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

NIGHTS = {
    "mon": [["09:00", "17:00"]],
    "tue": [],
    "wed": [],
    "thu": [],
    "fri": [["22:00", "06:00"]],
    "sat": [],
    "sun": [],
}


def test_support_creates_a_calendar_and_its_history_names_them(sue):
    client = client_for(sue)

    response = client.post(
        "/api/v1/calendars/",
        {
            "name": "Night desk",
            "timezone": "Europe/London",
            "hours": NIGHTS,
            "holiday_country": "GB",
            "holiday_subdivision": "SCT",
            "closed_dates": ["2026-12-24"],
            "open_dates": [],
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["hours"] == NIGHTS
    assert set(body) == {
        "id",
        "name",
        "timezone",
        "hours",
        "holiday_country",
        "holiday_subdivision",
        "closed_dates",
        "open_dates",
    }
    history = client.get(f"/api/v1/calendars/{body['id']}/history/").json()
    assert [(entry["change_type"], entry["user"]) for entry in history] == [("created", "sue")]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"timezone": "Mars/Base"}, "timezone", "'Mars/Base' is not an IANA time zone."),
        ({"hours": {"mon": [["10:00", "10:00"]]}}, "hours", "starts and ends at the same"),
        ({"hours": {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}}, "hours", "overlaps"),
        ({"hours": {"sat": []}}, "hours", "Every day is closed"),
        ({"holiday_country": "ZZ"}, "holiday_country", "not a country"),
        ({"closed_dates": ["24/12/2026"]}, "closed_dates", "is not a date"),
    ],
)
def test_bad_calendars_are_400_naming_the_field_and_nothing_is_written(
    sue, payload, field, message
):
    response = client_for(sue).post("/api/v1/calendars/", {"name": "Bad", **payload})

    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not Calendar.objects.exists()


def test_support_edits_and_others_only_read(sue, bob, dave, alice, london_desk):
    url = f"/api/v1/calendars/{london_desk.pk}/"

    assert client_for(sue).patch(url, {"timezone": "Europe/Dublin"}).status_code == 200
    assert client_for(bob).get(url).json()["timezone"] == "Europe/Dublin"
    assert client_for(dave).get(url).status_code == 200
    assert client_for(bob).patch(url, {"timezone": "UTC"}).status_code == 403
    assert client_for(alice).get(url).status_code == 403
    assert client_for(sue).delete(url).status_code == 403  # no role deletes calendars
    assert client_for().get(url).status_code in (401, 403)
    london_desk.refresh_from_db()
    assert london_desk.timezone == "Europe/Dublin"


def test_due_counts_business_minutes_across_the_bank_holidays(bob, london_desk):
    """Thursday 24 December 2026, 16:00 GMT, plus 120 business minutes: Christmas Friday and
    the substitute Boxing Day Monday are closed, so it is due on Tuesday at 10:00."""
    response = client_for(bob).get(
        f"/api/v1/calendars/{london_desk.pk}/due/",
        {"start": "2026-12-24T16:00:00+00:00", "minutes": "120"},
    )

    assert response.status_code == 200
    assert response.json() == {"due": "2026-12-29T10:00:00Z"}


def test_due_with_zero_minutes_is_the_next_opening(bob, london_desk):
    url = f"/api/v1/calendars/{london_desk.pk}/due/"

    closed = client_for(bob).get(url, {"start": "2026-06-06T12:00:00Z", "minutes": "0"})
    open_ = client_for(bob).get(url, {"start": "2026-06-08T12:34:56+01:00", "minutes": "0"})

    assert closed.json() == {"due": "2026-06-08T08:00:00Z"}  # Monday 09:00 BST
    assert open_.json() == {"due": "2026-06-08T11:34:56Z"}


def test_elapsed_is_business_seconds_and_zero_for_an_empty_interval(bob, london_desk):
    url = f"/api/v1/calendars/{london_desk.pk}/elapsed/"
    client = client_for(bob)

    week = client.get(url, {"start": "2026-06-01T00:00:00Z", "end": "2026-06-08T00:00:00Z"})
    backwards = client.get(url, {"start": "2026-06-08T00:00:00Z", "end": "2026-06-01T00:00:00Z"})

    assert week.json() == {"business_seconds": 5 * 8 * 3600}
    assert backwards.json() == {"business_seconds": 0}


def test_holidays_of_a_year(bob, london_desk):
    response = client_for(bob).get(f"/api/v1/calendars/{london_desk.pk}/holidays/", {"year": 2026})

    body = response.json()
    assert body["dates"] == [
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-26",
        "2026-12-28",
    ]
    assert body["holidays"][1] == {"date": "2026-04-03", "name": "Good Friday"}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("due", {"minutes": "10"}, "start"),
        ("due", {"start": "2026-06-01T09:00:00", "minutes": "10"}, "start"),
        ("due", {"start": "yesterday", "minutes": "10"}, "start"),
        ("due", {"start": "2026-06-01T09:00:00Z"}, "minutes"),
        ("due", {"start": "2026-06-01T09:00:00Z", "minutes": "-5"}, "minutes"),
        ("due", {"start": "2026-06-01T09:00:00Z", "minutes": "ten"}, "minutes"),
        ("elapsed", {"start": "2026-06-01T09:00:00Z"}, "end"),
        ("elapsed", {"start": "2026-06-01T09:00:00Z", "end": "2126-06-01T09:00:00Z"}, "end"),
        ("holidays", {"year": "twenty"}, "year"),
        ("holidays", {"year": "99999"}, "year"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(bob, london_desk, path, params, field):
    response = client_for(bob).get(f"/api/v1/calendars/{london_desk.pk}/{path}/", params)

    assert response.status_code == 400
    assert field in response.json()


def test_naive_start_says_how_to_give_an_offset(bob, london_desk):
    response = client_for(bob).get(
        f"/api/v1/calendars/{london_desk.pk}/due/",
        {"start": "2026-06-01T09:00:00", "minutes": "10"},
    )

    assert response.json() == {
        "start": [
            "The timestamp needs a UTC offset, e.g. 2026-06-01T09:00:00Z or "
            "2026-06-01T09:00:00+01:00."
        ]
    }


@pytest.mark.parametrize("field", ["closed_dates", "open_dates"])
def test_null_dates_in_a_form_body_are_refused_with_400(sue, london_desk, field):
    client = client_for(sue)

    response = client.patch(
        f"/api/v1/calendars/{london_desk.pk}/", {field: "null"}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json() == {field: ["A list of dates is required (may be empty)."]}
    london_desk.refresh_from_db()
    assert getattr(london_desk, field) is not None

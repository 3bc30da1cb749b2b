"""Calendars in the admin: Support adds them, bad hours are refused on the form, history kept."""

import json

import pytest
from django.urls import reverse

from apps.calendars.models import Calendar
from tests.admin.helpers import client_for

pytestmark = pytest.mark.django_db


def form(**overrides):
    data = {
        "name": "Sydney desk",
        "timezone": "Australia/Sydney",
        "hours": json.dumps({"mon": [["08:00", "12:00"], ["11:00", "18:00"]]}),
        "holiday_country": "AU",
        "holiday_subdivision": "NSW",
        "closed_dates": "[]",
        "open_dates": "[]",
    }
    data.update(overrides)
    return data


def test_overlapping_windows_are_refused_on_the_form_and_nothing_is_written(sue):
    response = client_for(sue).post(reverse("admin:calendars_calendar_add"), form())

    assert response.status_code == 200
    assert (
        "mon: window 08:00–12:00 overlaps mon 11:00–18:00."
        in response.context["adminform"].form.errors["hours"]
    )
    assert not Calendar.objects.exists()


def test_support_adds_a_calendar_and_its_history_names_them(sue):
    hours = json.dumps({"mon": [["08:00", "18:00"]], "sun": [["22:00", "06:00"]]})

    response = client_for(sue).post(reverse("admin:calendars_calendar_add"), form(hours=hours))

    assert response.status_code == 302
    calendar = Calendar.objects.get()
    assert calendar.hours["sun"] == [["22:00", "06:00"]] and calendar.hours["tue"] == []
    assert calendar.history.get().history_user == sue
    changelist = client_for(sue).get(reverse("admin:calendars_calendar_changelist"))
    assert "Mon 08:00–18:00; Sun 22:00–06:00" in changelist.text


def test_the_change_page_lists_this_years_public_holidays(sue, london_desk):
    page = client_for(sue).get(reverse("admin:calendars_calendar_change", args=[london_desk.pk]))

    assert "Christmas Day" in page.text


def test_engineering_reads_calendars_but_cannot_change_them(bob, london_desk):
    url = reverse("admin:calendars_calendar_change", args=[london_desk.pk])

    assert client_for(bob).get(url).status_code == 200
    response = client_for(bob).post(url, form(name="Renamed"))
    assert response.status_code == 403
    london_desk.refresh_from_db()
    assert london_desk.name == "London desk"

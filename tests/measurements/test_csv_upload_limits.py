"""A CSV upload the csv module cannot read (a megabyte in one field) is a row error naming the
column and a 400 page, never a crash."""

import pytest

from apps.measurements.csv_import import samples_csv_parse
from apps.measurements.models import SLISample

from .test_csv_upload import upload, uploader  # noqa: F401 (fixture)

HEADER = "indicator,start,end,good,total\n"
ROW = "payments-api/Availability,2026-03-01T00:00:00Z,2026-03-01T00:05:00Z,998,1000\n"
MEGABYTE = "9" * (1024 * 1024)


def test_a_megabyte_field_is_a_row_error_naming_its_column(availability):
    parsed = samples_csv_parse((HEADER + ROW + ROW.replace("998", MEGABYTE)).encode())

    assert [(e.row, e.column, e.message) for e in parsed.errors] == [
        (3, "good", "a value is longer than 131072 characters")
    ]
    assert not parsed.items


def test_a_megabyte_header_is_an_error_on_row_1(db):
    parsed = samples_csv_parse((MEGABYTE + "\n" + ROW).encode())

    assert [(e.row, e.message) for e in parsed.errors] == [
        (1, "a value is longer than 131072 characters")
    ]


@pytest.mark.parametrize("field", ["indicator", "good"])
def test_the_admin_upload_answers_400_with_the_error(client, uploader, availability, field):  # noqa: F811
    client.force_login(uploader)
    row = (
        ROW.replace("payments-api/Availability", MEGABYTE)
        if field == "indicator"
        else (ROW.replace("998", MEGABYTE))
    )

    response = upload(client, (HEADER + row).encode())

    assert response.status_code == 400
    page = response.content.decode()
    assert f"<td>2</td><td>{field}</td><td>a value is longer than 131072 characters</td>" in page
    assert not SLISample.objects.exists()

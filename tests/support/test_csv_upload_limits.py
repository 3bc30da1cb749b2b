"""A ticket history the csv module cannot read (a megabyte in one field) is a row error naming
the column, never a crash."""

import pytest

from apps.support.csv_import import ticket_history_csv_import

from .test_csv_upload import GOOD, desk  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

MEGABYTE = b"x" * (1024 * 1024)


def test_a_megabyte_field_is_a_row_error_naming_its_column(desk):  # noqa: F811
    data = GOOD.replace(b"Checkout down", MEGABYTE)

    parsed = ticket_history_csv_import(data=data)

    assert [(e.row, e.column, e.message) for e in parsed.errors] == [
        (2, "subject", "a value is longer than 131072 characters")
    ]


def test_a_megabyte_header_is_an_error_on_row_1(desk):  # noqa: F811
    parsed = ticket_history_csv_import(data=MEGABYTE + b"\n" + GOOD)

    assert [(e.row, e.message) for e in parsed.errors] == [
        (1, "a value is longer than 131072 characters")
    ]

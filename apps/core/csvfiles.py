"""Reading uploaded CSV files: what to tell the uploader when the csv module cannot read one."""

from __future__ import annotations

import csv


def unreadable_message(error: csv.Error) -> str:
    """The csv module's refusal in the uploader's words."""
    if "field limit" in str(error):
        return f"a value is longer than {csv.field_size_limit()} characters"
    return f"not readable as CSV ({error})"


def over_long_column(text: str, row_number: int, header: list[str]) -> str:
    """The column of the over-long value on a row, split plainly (the csv reader refused it).

    A row is a line unless a quoted value spans several: near enough to point at it.
    """
    lines = text.splitlines()
    if not 0 < row_number <= len(lines):
        return ""
    for index, value in enumerate(lines[row_number - 1].split(",")):
        if len(value) > csv.field_size_limit():
            return header[index] if index < len(header) else ""
    return ""


def refusal(error: csv.Error, text: str, row_number: int, header: list[str]) -> tuple[str, str]:
    """(column, message) for a row the csv module refused."""
    column = over_long_column(text, row_number, header) if "field limit" in str(error) else ""
    return column, unreadable_message(error)

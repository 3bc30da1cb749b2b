"""Reading uploaded CSV files: what to tell the uploader when the csv module cannot read one."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """One problem of an uploaded file: its row as a spreadsheet numbers it (0: the file)."""

    row: int
    column: str
    message: str


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


FIRST_DATA_ROW = 2  # rows are numbered as a spreadsheet numbers them: the header is row 1


def read_records(
    data: bytes,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    max_bytes: int,
    max_rows: int,
    nothing_in_it: str,
    required_values: tuple[str, ...] = (),
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """The rows of an uploaded file as (row number, {column: stripped value}), and every problem
    of its shape: size, encoding, header (``required`` columns present, none unknown), rows of
    the wrong length, ``required_values`` left empty, too many rows. Blank rows are skipped."""
    errors: list[RowError] = []
    if len(data) > max_bytes:
        return [], [RowError(0, "", f"The file is larger than {max_bytes} bytes.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "", "The file is not UTF-8 text.")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lower() for column in next(reader, [])]
    except csv.Error as error:
        return [], [RowError(1, "", unreadable_message(error))]
    errors += [RowError(1, column, "missing column") for column in required if column not in header]
    errors += [
        RowError(1, column, f"unknown column (expected {', '.join(columns)})")
        for column in header
        if column not in columns
    ]
    if errors:
        return [], errors
    records: list[tuple[int, dict[str, str]]] = []
    try:
        for row_number, values in enumerate(reader, start=FIRST_DATA_ROW):
            if not any(value.strip() for value in values):
                continue
            if len(records) >= max_rows:
                errors.append(
                    RowError(row_number, "", f"More than {max_rows} rows: split the file.")
                )
                break
            if len(values) != len(header):
                errors.append(
                    RowError(row_number, "", f"{len(values)} values for {len(header)} columns")
                )
                continue
            record = dict(zip(header, (value.strip() for value in values), strict=True))
            empty = [column for column in required_values if not record[column]]
            if empty:
                errors += [RowError(row_number, column, "required") for column in empty]
                continue
            records.append((row_number, record))
    except csv.Error as error:
        column, message = refusal(error, text, reader.line_num, header)
        return [], [*errors, RowError(reader.line_num, column, message)]
    if not records and not errors:
        errors.append(RowError(FIRST_DATA_ROW, "", nothing_in_it))
    return records, errors

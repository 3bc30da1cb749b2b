"""Files a page hands over for download: one way to name them and to write a CSV's text."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils.http import content_disposition_header


def attachment(content, content_type: str, filename: str) -> HttpResponse:
    """``content`` as a download saved under ``filename``."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    """A header line, then the rows, as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()

"""The API's JSON parser: bounded in size and depth, so hostile bodies are 4xx, never a crash.

DRF's own parser reads a body of any size (Django's DATA_UPLOAD_MAX_MEMORY_SIZE guards only
``request.body`` and forms) and lets Python's recursion limit decide how deep a document may be,
which answers 500 on ``[[[[…]]]]``.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

# No write body of this API nests more than a few levels (a schedule holds tiers).
JSON_MAX_DEPTH = 32


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"

    def __init__(self, limit: int):
        super().__init__(f"The request body is larger than {limit} bytes.")


def max_body_bytes() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_deep(value, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether lists and objects nest deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def load_json(body: bytes, *, max_depth: int = JSON_MAX_DEPTH, parse_constant=_refuse_constant):
    """``body`` parsed, or ParseError saying why (bad JSON, NaN/Infinity, nested too deep)."""
    try:
        value = json.loads(body, parse_constant=parse_constant)
    except RecursionError as error:
        raise ParseError(f"JSON parse error: nested deeper than {max_depth} levels.") from error
    except ValueError as error:
        raise ParseError(f"JSON parse error: {error}") from error
    if isinstance(value, (dict, list)) and too_deep(value, max_depth):
        raise ParseError(f"JSON parse error: nested deeper than {max_depth} levels.")
    return value


def read_bounded(stream, meta, limit: int | None, too_large=RequestBodyTooLarge) -> bytes:
    """The body, refused from its Content-Length, else after reading one byte past ``limit``."""
    if stream is None:
        return b""
    if limit is None:
        return stream.read()
    try:
        declared = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large(limit)
    body = stream.read(limit + 1)
    if len(body) > limit:
        raise too_large(limit)
    return body


class JSONParser(parsers.JSONParser):
    """JSON up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 beyond) and ``JSON_MAX_DEPTH`` levels."""

    def parse(self, stream, media_type=None, parser_context=None):
        meta = parser_context["request"].META if parser_context else {}
        body = read_bounded(stream, meta, max_body_bytes())
        if not body:
            raise ParseError("JSON parse error: the body is empty.")
        return load_json(body)

"""The OpenAPI schema: each operation also lists the error answers it can give.

drf-spectacular documents only the success of an operation; clients (and the schema fuzzing in
CI) need the errors too, with their bodies: ``400 {field: [messages]}`` for bad input (body,
query or filter), ``401`` and ``403`` wherever a login is needed, ``404`` for an object that
does not exist or that the caller may not see, ``409`` when the current state forbids a write
(apps/core/errors.py), ``413`` for a body over the limit and ``415`` for one in a format the
route does not read. A view whose errors differ names them per method (``error_codes``), and an
operation's own ``extend_schema(responses=...)`` for a code wins.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
BODY_WRITES = {"POST", "PUT", "PATCH"}


class ErrorSerializer(serializers.Serializer):
    """An error with one message: ``{"detail": "…"}``."""

    detail = serializers.CharField()

    class Meta:
        ref_name = "Error"


# DRF reports bad input per field ({"field": ["message"], "non_field_errors": [...]}, nested for
# nested input, a list for a list), and a body it cannot parse as {"detail": "…"}.
VALIDATION_ERROR = {
    "oneOf": [{"type": "object", "additionalProperties": {}}, {"type": "array", "items": {}}],
    "description": "Messages per field, or {'detail': …} for a body that cannot be read",
}

ERRORS = {
    "400": OpenApiResponse(VALIDATION_ERROR, description="Bad input"),
    "401": OpenApiResponse(ErrorSerializer, description="Not logged in, or the token is invalid"),
    "403": OpenApiResponse(ErrorSerializer, description="The caller's role may not do this"),
    "404": OpenApiResponse(ErrorSerializer, description="No such object, or not the caller's"),
    "409": OpenApiResponse(ErrorSerializer, description="The object's state forbids this"),
    "413": OpenApiResponse(ErrorSerializer, description="The request body is too large"),
    "415": OpenApiResponse(ErrorSerializer, description="The body's media type is not read here"),
    "429": OpenApiResponse(ErrorSerializer, description="Too many attempts: try again later"),
}

# The HTTP server (gunicorn) refuses a request line over its limit before Django sees it, with
# a page of its own, on any route.
URI_TOO_LONG = {"description": "The URL is too long (refused by the HTTP server)"}


class CovenantAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, adding the error responses an operation can really give."""

    def error_codes(self) -> list[str]:
        declared = getattr(self.view, "error_codes", {})
        if self.method in declared:
            return list(declared[self.method])
        codes = ["400"]
        if self.view.get_authenticators():
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in WRITES:
            codes.append("409")
        if self.method in BODY_WRITES:
            codes += ["413", "415"]
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self.error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[code], code)
        responses.setdefault("414", URI_TOO_LONG)
        return responses

"""POST /api/v1/openslo/import and GET /api/v1/openslo/export?service=<slug> (OpenSLO v1 YAML).

The contract writes these paths without a trailing slash; both spellings are served.

Import takes the YAML as the raw body (application/yaml, text/yaml or text/plain, several
documents allowed) and answers 200 with what was created, updated and left unchanged, plus
warnings; ``?dry_run=1`` reports without writing; ``?team=<name>`` is the owner team for new
services without a team label. A file with any problem changes nothing and answers 400
``{"yaml": ["line 12: spec.objectives[0].target: must be in [0, 1) (got 99.9)", …]}``.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError, PermissionDenied, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Service, Team

from .openslo import OpenSLOError, check_import_permission, openslo_export, openslo_import
from .openslo.documents import MAX_FILE_CHARS

YAML_MEDIA_TYPE = "application/yaml"
# A character is at least a byte, so a body within this bound is within the parser's too.
MAX_BODY_BYTES = MAX_FILE_CHARS


class YAMLTextParser(BaseParser):
    """The body as text: the importer parses it itself to keep line numbers."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_BODY_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_BODY_BYTES:
            raise ParseError(f"The file is larger than {MAX_BODY_BYTES} bytes; split it.")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ParseError(f"The body is not UTF-8 text: {error}") from error


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes", "on")


class OpenSLOImportView(APIView):
    parser_classes = [YAMLTextParser]

    @extend_schema(
        operation_id="openslo_import",
        request={YAML_MEDIA_TYPE: OpenApiTypes.STR},
        parameters=[
            OpenApiParameter("team", str, description="Owner team of new unlabelled services."),
            OpenApiParameter("dry_run", bool, description="Validate and report, write nothing."),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="created/updated/unchanged"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description='{"yaml": [line messages]}'),
        },
    )
    def post(self, request):
        check_import_permission(request.user)  # Django's PermissionDenied: a 403 with the why
        text = request.data if isinstance(request.data, str) else ""
        if not text.strip():
            raise ValidationError({"yaml": ["Send the OpenSLO YAML as the request body."]})
        team = None
        if request.query_params.get("team"):
            name = request.query_params["team"]
            if "\x00" in name:
                raise ValidationError({"team": ["A team name has no NUL character."]})
            team = Team.objects.filter(name__iexact=name).first()
            if team is None:
                raise ValidationError({"team": [f"No team named {name!r}."]})
        try:
            report = openslo_import(
                text=text,
                user=request.user,
                team=team,
                dry_run=_flag(request.query_params.get("dry_run")),
            )
        except OpenSLOError as error:
            return Response(
                {"yaml": error.messages, "warnings": [str(w) for w in error.warnings]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(report.as_dict())


class OpenSLOExportView(APIView):
    @extend_schema(
        operation_id="openslo_export",
        parameters=[OpenApiParameter("service", str, required=True, description="Service slug")],
        responses={(200, YAML_MEDIA_TYPE): OpenApiTypes.STR},
    )
    def get(self, request):
        if not (
            request.user.has_perm("catalog.view_service") and request.user.has_perm("slos.view_slo")
        ):
            raise PermissionDenied("You may not read the catalog.")
        slug = request.query_params.get("service", "")
        if not slug:
            raise ValidationError({"service": ["Name the service by its slug: ?service=<slug>."]})
        service = get_object_or_404(Service.objects.select_related("team"), slug=slug)
        response = HttpResponse(
            openslo_export(service=service), content_type=f"{YAML_MEDIA_TYPE}; charset=utf-8"
        )
        response["Content-Disposition"] = f'inline; filename="{service.slug}.openslo.yaml"'
        return response


# The contract's paths have no trailing slash; the slashed spelling is served too but left out
# of the schema, so that each operation is documented once, as the contract writes it.
urlpatterns = [
    path("openslo/import", OpenSLOImportView.as_view(), name="openslo-import"),
    path("openslo/export", OpenSLOExportView.as_view(), name="openslo-export"),
    path("openslo/import/", OpenSLOImportView.as_view(schema=None)),
    path("openslo/export/", OpenSLOExportView.as_view(schema=None)),
]

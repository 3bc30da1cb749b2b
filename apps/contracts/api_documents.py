"""``/api/v1/contracts/{id}/documents/``: the files kept with a contract revision.

GET lists them, POST (multipart: ``kind``, ``file``) attaches one through
``services.document_attach``; ``GET …/documents/{doc_id}/`` downloads it as an attachment. A
contract the caller may not see is a 404; attaching needs the right to edit or sign it (403).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.exceptions import NotAcceptable
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.reverse import reverse

from apps.core.api import RefuseUnknownFields

from . import documents, policies, services
from .choices import DocumentKind
from .file_types import ALLOWED, ALLOWED_WORDS
from .models import ContractDocument


class ContractDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ContractDocument
        fields = [
            "id",
            "contract",
            "revision",
            "kind",
            "name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        return reverse(
            "contract-document-detail",
            kwargs={"id": document.contract_id, "doc_id": document.pk},
            request=self.context.get("request"),
        )


class DocumentUploadSerializer(RefuseUnknownFields, serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField(help_text=f"{ALLOWED_WORDS}.")


class FileOrJSONNegotiation(DefaultContentNegotiation):
    """A download answers with the file's own type whatever the client accepts, and an error
    with JSON: never 406."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except NotAcceptable:
            return renderers[0], renderers[0].media_type


class ContractDocumentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ContractDocumentSerializer
    parser_classes = [parsers.MultiPartParser]
    content_negotiation_class = FileOrJSONNegotiation
    pagination_class = None
    # The paths' names as the API contract writes them: contracts/{id}/documents/{doc_id}/.
    lookup_url_kwarg = "doc_id"

    def initialize_request(self, request, *args, **kwargs):
        documents.limit_upload_size(request)  # before anything (a CSRF check) reads the body
        return super().initialize_request(request, *args, **kwargs)

    def contract(self):
        return get_object_or_404(
            policies.visible_contracts(self.request.user), pk=self.kwargs["id"]
        )

    def get_queryset(self):
        return policies.visible_documents(
            self.request.user,
            ContractDocument.objects.filter(contract_id=self.kwargs["id"]),
        )

    def list(self, request, *args, **kwargs):
        """The files of this revision, newest first."""
        self.contract()  # a contract the caller may not see is a 404, not an empty list
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: ContractDocumentSerializer},
    )
    def create(self, request, *args, **kwargs):
        """Attach a file (its type is read from its content; at most DOCUMENT_MAX_BYTES)."""
        contract = self.contract()
        policies.check_attach_document(request.user, contract)
        body = DocumentUploadSerializer(data=request.data)
        if too_large := documents.too_large_refusal(request):
            raise too_large
        body.is_valid(raise_exception=True)
        document = services.document_attach(
            contract=contract,
            file=body.validated_data["file"],
            kind=body.validated_data["kind"],
            user=request.user,
        )
        return Response(self.get_serializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={(200, file_type.content_type): OpenApiTypes.BINARY for file_type in ALLOWED}
    )
    def retrieve(self, request, *args, **kwargs):
        """The file itself, as an attachment."""
        return documents.download_response(self.get_object())

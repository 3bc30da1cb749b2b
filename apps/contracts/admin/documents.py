"""Contract documents in the admin: read-only, listed on their contract and on their own, each
with its history (who attached it). Files are attached on the contract page or through the API
(services.document_attach); the download links go to the view that checks who may see it."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from apps.core import formatting
from apps.core.admin import ReadOnlyGovernedAdmin, ReadOnlyInline

from .. import policies
from ..models import ContractDocument


def _download_link(document: ContractDocument):
    url = reverse("contracts:document-download", args=[document.contract_id, document.pk])
    return format_html('<a href="{}">{}</a>', url, document.name)


class DocumentInline(ReadOnlyInline):
    """The revision's files, read-only, each a link to its download."""

    model = ContractDocument
    fields = ["download", "kind", "content_type", "shown_size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    verbose_name_plural = "documents"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description="file")
    def download(self, document):
        return _download_link(document)

    @admin.display(description="size")
    def shown_size(self, document):
        return formatting.file_size(document.size)


@admin.register(ContractDocument)
class ContractDocumentAdmin(ReadOnlyGovernedAdmin):
    """Every document of the contracts the user may see; attached elsewhere, never edited."""

    list_display = [
        "name",
        "contract",
        "revision",
        "kind",
        "shown_size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_select_related = ["contract", "uploaded_by"]
    list_filter = ["kind"]
    search_fields = ["name", "contract__number"]
    show_full_result_count = False
    fields = [
        "download",
        "contract",
        "revision",
        "kind",
        "content_type",
        "shown_size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # The same documents the contract pages show: those of contracts the user may see.
        return policies.visible_documents(request.user, super().get_queryset(request))

    @admin.display(description="file")
    def download(self, document):
        return _download_link(document)

    @admin.display(description="size", ordering="size")
    def shown_size(self, document):
        return formatting.file_size(document.size)

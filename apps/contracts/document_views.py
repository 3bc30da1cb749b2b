"""The contract page's documents: attach a file to the revision, download one.

Attaching goes through ``services.document_attach`` (type and size checked, who recorded); a
refusal stores nothing and says which field was wrong. Downloads are answered only to those who
may see the contract, as attachments: documents have no public URL.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from apps.core import formatting
from apps.core.errors import refusal_text

from . import documents, policies, services
from .choices import DocumentKind
from .file_types import ALLOWED, ALLOWED_WORDS
from .models import ContractDocument


class DocumentForm(forms.Form):
    """A file to keep with the revision; document_attach checks its type and size."""

    kind = forms.ChoiceField(
        choices=DocumentKind.choices, initial=DocumentKind.SIGNED, label="What it is"
    )
    file = forms.FileField(
        widget=forms.FileInput(
            attrs={"accept": ",".join(ext for kind in ALLOWED for ext in kind.extensions)}
        ),
        help_text=f"{ALLOWED_WORDS}, at most {formatting.file_size(settings.DOCUMENT_MAX_BYTES)}.",
        error_messages={"required": "Choose a file to attach."},
    )


@login_required
@require_POST
@csrf_exempt  # only so that the size limit is in place before the body is read: checked below
def document_upload(request, pk: int):
    documents.limit_upload_size(request)
    return _document_upload(request, pk)


@csrf_protect
def _document_upload(request, pk: int):
    contract = get_object_or_404(policies.visible_contracts(request.user), pk=pk)
    form = DocumentForm(request.POST, request.FILES)
    try:
        policies.check_attach_document(request.user, contract)
        if too_large := documents.too_large_refusal(request):
            raise too_large
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        document = services.document_attach(
            contract=contract,
            file=form.cleaned_data["file"],
            kind=form.cleaned_data["kind"],
            user=request.user,
        )
    except (ValidationError, PermissionDenied) as refusal:
        labels = {
            name: field.label or name.replace("_", " ") for name, field in form.fields.items()
        }
        messages.error(request, f"Nothing stored: {refusal_text(refusal, labels)}")
    else:
        messages.success(request, f"{document} attached to revision {document.revision}.")
    return redirect("contracts:detail", pk=contract.pk)


@login_required
@require_GET
def document_download(request, pk: int, document_pk: int):
    """The file, to whoever may see its contract; anyone else gets a 404 (nothing revealed)."""
    document = get_object_or_404(
        policies.visible_documents(request.user, ContractDocument.objects.filter(contract_id=pk)),
        pk=document_pk,
    )
    return documents.download_response(document)

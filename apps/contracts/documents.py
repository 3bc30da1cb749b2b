"""Files kept with a contract revision: what an upload must be before anything is stored, and
how a stored one is handed back.

The write itself is ``services.document_attach``; who may attach and who may download are in
``policies`` (``can_attach_document``, ``visible_documents``). Downloads always pass through a
view that asked those: no document has a public URL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import FileResponse

from apps.core import formatting

from . import file_types
from .models import ContractDocument


@dataclass(frozen=True)
class CheckedUpload:
    """An upload found fit to keep: its safe name and what its content is."""

    name: str
    content_type: str
    size: int
    sha256: str


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def check_upload(upload) -> CheckedUpload:
    """The upload's name, type, size and hash, or ValidationError on ``file`` saying why not:
    missing, empty, over DOCUMENT_MAX_BYTES, or content that is not an allowed type."""
    if upload is None or not hasattr(upload, "chunks"):
        raise ValidationError({"file": "Choose a file to attach."})
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            {
                "file": f"The file is {formatting.file_size(upload.size)}; "
                f"at most {formatting.file_size(limit)} is accepted."
            }
        )
    if not upload.size:
        raise ValidationError({"file": "The file is empty."})
    max_name = ContractDocument._meta.get_field("name").max_length
    name = file_types.safe_name(upload.name or "", max_length=max_name)
    if not name.strip("."):
        raise ValidationError({"file": "Give the file a name."})
    try:
        found = file_types.check(upload, name)
    except file_types.RefusedFile as refusal:
        raise ValidationError({"file": str(refusal)}) from refusal
    return CheckedUpload(
        name=name, content_type=found.content_type, size=upload.size, sha256=_sha256(upload)
    )


class DocumentSizeLimit(FileUploadHandler):
    """Skips a file as soon as it passes DOCUMENT_MAX_BYTES, so that a huge upload is never
    written to disk; ``too_large_refusal`` then names it. First of a request's handlers."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > settings.DOCUMENT_MAX_BYTES:
            self.request.document_upload_too_large = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one build the file


def limit_upload_size(request) -> None:
    """Before the body is read: stop reading a file past the limit (Django's own handlers would
    write a file of any size to disk before anything could refuse it)."""
    request.upload_handlers.insert(0, DocumentSizeLimit(request))


def too_large_refusal(request) -> ValidationError | None:
    if not getattr(request, "document_upload_too_large", False):
        return None
    limit = formatting.file_size(settings.DOCUMENT_MAX_BYTES)
    return ValidationError({"file": f"The file is over {limit}; at most {limit} is accepted."})


def download_response(document: ContractDocument) -> FileResponse:
    """The stored file as an attachment under its safe name, with the type it was checked to
    be (never one a browser would render inline on our origin)."""
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response

"""An admin page that imports a CSV file in two steps: upload → preview → confirm.

The upload is checked in full and nothing is kept (a dry run); the preview shows the first rows
or every error. The file's text waits in the session under a one-time token until the uploader
confirms; the confirmation imports it again for real, so anything that changed meanwhile (another
upload, a deleted row it refers to) is caught and shown, not half-imported. A page says what its
file holds by filling in the attributes and the three methods below.
"""

from __future__ import annotations

import uuid

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse

PREVIEW_ROWS = 200


class CsvUploadFlow:
    template: str
    session_key: str
    columns: tuple[str, ...]
    max_bytes: int
    refusal: str  # why a user without the permission gets a 403

    def may_upload(self, request) -> bool:
        raise NotImplementedError

    def parse(self, request, data: bytes, *, dry_run: bool):
        """The parsed file, with ``ok``, ``errors``, ``items``, ``row_numbers`` and ``result``."""
        raise NotImplementedError

    def preview_rows(self, parsed) -> list[dict]:
        """The first PREVIEW_ROWS rows as the preview table shows them."""
        raise NotImplementedError

    def imported(self, request, name: str, parsed) -> HttpResponse:
        """After the import: tell the uploader what was written and send them on."""
        raise NotImplementedError

    def preview_figures(self, parsed) -> dict:
        """More figures for the preview's summary line."""
        return {}

    def handle(self, request, context: dict) -> HttpResponse:
        if not self.may_upload(request):
            raise PermissionDenied(self.refusal)
        context = {
            **context,
            "columns": self.columns,
            "max_megabytes": self.max_bytes // (1024 * 1024),
        }
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm(request, context)
        if request.method == "POST":
            self._preview(request, context)
        refused = context.get("form_error") or context.get("errors")
        return TemplateResponse(request, self.template, context, status=400 if refused else 200)

    def _preview(self, request, context: dict) -> None:
        upload = request.FILES.get("file")
        if upload is None:
            context["form_error"] = "Choose a CSV file."
            return
        if upload.size > self.max_bytes:
            context["form_error"] = f"The file is larger than {context['max_megabytes']} MB."
            return
        data = upload.read()
        parsed = self.parse(request, data, dry_run=True)
        context.update(self._preview_context(parsed, upload.name))
        if parsed.ok:
            token = uuid.uuid4().hex
            request.session[self.session_key] = {
                "token": token,
                "name": upload.name,
                "text": data.decode("utf-8-sig"),
            }
            context["token"] = token

    def _preview_context(self, parsed, name: str) -> dict:
        return {
            "file_name": name,
            "errors": parsed.errors,
            "preview_rows": self.preview_rows(parsed) if parsed.ok else [],
            "row_count": len(parsed.items),
            "more_rows": max(0, len(parsed.items) - PREVIEW_ROWS),
            "result": parsed.result,
            **self.preview_figures(parsed),
        }

    def _confirm(self, request, context: dict) -> HttpResponse:
        stored = request.session.get(self.session_key)
        if not stored or stored.get("token") != request.POST.get("token"):
            context["form_error"] = (
                "This upload has expired or was replaced: upload the file again."
            )
            return TemplateResponse(request, self.template, context, status=400)
        parsed = self.parse(request, stored["text"].encode(), dry_run=False)
        if not parsed.ok:
            # Something changed since the preview: show what, import nothing.
            context.update(self._preview_context(parsed, stored["name"]))
            return TemplateResponse(request, self.template, context, status=400)
        del request.session[self.session_key]
        return self.imported(request, stored["name"], parsed)

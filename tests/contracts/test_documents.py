"""Attaching documents to a contract revision: who may, what is checked, what is kept."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.contracts import file_types, services
from apps.contracts.choices import ContractStatus
from apps.contracts.models import ContractDocument
from tests.document_files import (
    EXE_BYTES,
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    docx_bytes,
    signed_pdf,
    upload,
)
from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    """This test's own MEDIA_ROOT, so "nothing stored" can be checked file by file."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()]


def test_the_owner_attaches_a_signed_pdf_kept_with_the_revision(media, contract, alice):
    document = services.document_attach(
        contract=contract, file=signed_pdf(), kind="signed", user=alice
    )

    document.refresh_from_db()
    assert document.contract == contract
    assert document.revision == contract.revision == 1
    assert (document.kind, document.name) == ("signed", "ACME-001 signed.pdf")
    assert (document.content_type, document.size) == ("application/pdf", len(PDF_BYTES))
    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert document.uploaded_by == alice
    [path] = stored_files(media)
    assert path.read_bytes() == PDF_BYTES
    assert "ACME-001" not in path.name  # stored under a random name, not the person's
    [record] = document.history.all()
    assert record.history_user == alice
    assert record.history_change_reason == "Signed contract attached to revision 1."


def test_legal_attaches_to_a_signed_revision(media, alice, carol, acme):
    signed = ContractFactory(owner=alice, customer=acme, status=ContractStatus.SIGNED)
    document = services.document_attach(
        contract=signed,
        file=upload("annex.png", PNG_BYTES, "image/png"),
        kind="attachment",
        user=carol,
    )
    assert (document.content_type, document.uploaded_by) == ("image/png", carol)


@pytest.mark.parametrize("who", ["bob", "dave", "mallory"])
def test_those_who_may_neither_edit_nor_sign_attach_nothing(media, contract, who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.document_attach(contract=contract, file=signed_pdf(), kind="signed", user=user)
    assert not ContractDocument.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_refused_on_its_field_and_nothing_is_stored(
    media, settings, contract, alice
):
    settings.DOCUMENT_MAX_BYTES = 512 * 1024
    too_big = upload("big.pdf", PDF_BYTES + b"0" * (600 * 1024))
    with pytest.raises(ValidationError) as refusal:
        services.document_attach(contract=contract, file=too_big, kind="signed", user=alice)
    assert refusal.value.message_dict == {
        "file": ["The file is 600.1 KB; at most 512 KB is accepted."]
    }
    assert not ContractDocument.objects.exists()
    assert stored_files(media) == []


def test_an_exe_renamed_pdf_is_refused_whatever_the_client_claims(media, contract, alice):
    impostor = upload("contract.pdf", EXE_BYTES, "application/pdf")
    with pytest.raises(ValidationError) as refusal:
        services.document_attach(contract=contract, file=impostor, kind="signed", user=alice)
    assert refusal.value.message_dict == {
        "file": [
            "“contract.pdf” is not a file a contract keeps: its content is not PDF, PNG, JPEG, "
            "plain text (.txt) or DOCX."
        ]
    }
    assert not ContractDocument.objects.exists()
    assert stored_files(media) == []


def test_a_pdf_must_be_named_as_one(media, contract, alice):
    with pytest.raises(ValidationError) as refusal:
        services.document_attach(
            contract=contract, file=upload("notes.txt", PDF_BYTES), kind="signed", user=alice
        )
    assert refusal.value.message_dict == {
        "file": ["“notes.txt” holds PDF, so its name must end .pdf."]
    }


def test_an_empty_file_and_an_unknown_kind_are_refused_by_field(media, contract, alice):
    with pytest.raises(ValidationError) as empty:
        services.document_attach(
            contract=contract, file=upload("a.pdf", b""), kind="signed", user=alice
        )
    assert empty.value.message_dict == {"file": ["The file is empty."]}
    with pytest.raises(ValidationError) as kind:
        services.document_attach(contract=contract, file=signed_pdf(), kind="memo", user=alice)
    assert list(kind.value.message_dict) == ["kind"]
    assert stored_files(media) == []


# --- what the content is -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (PDF_BYTES, file_types.PDF),
        (PNG_BYTES, file_types.PNG),
        (JPEG_BYTES, file_types.JPEG),
        ("Côté lettre: credits capped at 30 %.\n".encode(), file_types.TEXT),
        (docx_bytes(), file_types.DOCX),
        (EXE_BYTES, None),
        (b"plain words\x00with a NUL", None),
        (b"\xff\xfe not UTF-8", None),
        (docx_bytes(parts=("xl/workbook.xml", "[Content_Types].xml")), None),  # a spreadsheet
        (b"PK\x03\x04 a broken zip", None),
        (b"", None),
    ],
)
def test_the_type_is_told_by_the_content(content, expected):
    assert file_types.detect(io.BytesIO(content)) == expected


def test_a_docx_is_kept_as_one(media, contract, alice):
    document = services.document_attach(
        contract=contract,
        file=upload("Order form.docx", docx_bytes(), "application/octet-stream"),
        kind="attachment",
        user=alice,
    )
    assert document.content_type == file_types.DOCX.content_type


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\alice\\Signed.pdf", "Signed.pdf"),
        ('inv"oice;\r\n.pdf', "inv oice .pdf"),
        ("..hidden.pdf", "hidden.pdf"),
        ("Vertrag – unterschrieben.pdf", "Vertrag – unterschrieben.pdf"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_file_names_are_made_safe(name, safe):
    assert file_types.safe_name(name) == safe

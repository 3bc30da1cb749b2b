"""``/api/v1/contracts/{id}/documents/``: attach (multipart), list and download files."""

import pytest

from apps.contracts.models import ContractDocument
from tests.document_files import EXE_BYTES, PDF_BYTES, signed_pdf, upload

from .conftest import client_for

pytestmark = pytest.mark.django_db


def _documents(contract) -> str:
    return f"/api/v1/contracts/{contract.pk}/documents/"


def test_attach_list_and_download_round_trip(contract, alice, bob):
    owner = client_for(alice)
    created = owner.post(
        _documents(contract), {"kind": "signed", "file": signed_pdf()}, format="multipart"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert {
        key: body[key] for key in ("contract", "revision", "kind", "name", "content_type", "size")
    } == {
        "contract": contract.pk,
        "revision": 1,
        "kind": "signed",
        "name": "ACME-001 signed.pdf",
        "content_type": "application/pdf",
        "size": len(PDF_BYTES),
    }
    assert body["uploaded_by"] == alice.pk
    assert body["download_url"].endswith(f"{_documents(contract)}{body['id']}/")

    listed = client_for(bob).get(_documents(contract))
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json()] == [body["id"]]

    download = client_for(bob).get(f"{_documents(contract)}{body['id']}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == 'attachment; filename="ACME-001 signed.pdf"'


def test_a_download_answers_with_the_file_whatever_the_client_accepts(contract, alice):
    owner = client_for(alice)
    created = owner.post(
        _documents(contract), {"kind": "signed", "file": signed_pdf()}, format="multipart"
    ).json()
    response = owner.get(f"{_documents(contract)}{created['id']}/", HTTP_ACCEPT="image/png")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"kind": "signed", "file": upload("contract.pdf", EXE_BYTES)}, ["file"]),
        ({"kind": "signed", "file": upload("noise.bin", bytes(range(256)) * 4)}, ["file"]),
        ({"kind": "signed"}, ["file"]),
        ({"kind": "signed", "file": "not a file"}, ["file"]),
        ({"kind": "memo", "file": signed_pdf()}, ["kind"]),
        ({"kind": "signed", "file": signed_pdf(), "owner": "1"}, ["owner"]),
    ],
)
def test_bad_uploads_are_400_naming_the_field_and_store_nothing(contract, alice, data, errors):
    response = client_for(alice).post(_documents(contract), data, format="multipart")
    assert response.status_code == 400, response.content
    assert sorted(response.json()) == errors
    assert not ContractDocument.objects.exists()


def test_a_file_over_the_limit_is_not_read_to_its_end(settings, contract, alice):
    settings.DOCUMENT_MAX_BYTES = 64 * 1024
    big = upload("big.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    response = client_for(alice).post(
        _documents(contract), {"file": big, "kind": "signed"}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is over 64 KB; at most 64 KB is accepted."]}
    assert not ContractDocument.objects.exists()


def test_garbage_bodies_are_4xx_never_500(contract, alice):
    owner = client_for(alice)
    broken = owner.generic(
        "POST",
        _documents(contract),
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF',
        content_type="multipart/form-data; boundary=x",
    )
    assert broken.status_code == 400
    no_boundary = owner.generic(
        "POST", _documents(contract), b"\x00\xff", content_type="multipart/form-data"
    )
    assert no_boundary.status_code == 400
    as_json = owner.post(_documents(contract), {"kind": "signed"}, format="json")
    assert as_json.status_code == 415


def test_who_may_attach_and_who_may_read(contract, alice, bob, sam, mallory):
    assert (
        client_for(bob)
        .post(_documents(contract), {"kind": "signed", "file": signed_pdf()}, format="multipart")
        .status_code
        == 403
    )
    for stranger in (sam, mallory):
        client = client_for(stranger)
        assert client.get(_documents(contract)).status_code == 404
        assert (
            client.post(
                _documents(contract), {"kind": "signed", "file": signed_pdf()}, format="multipart"
            ).status_code
            == 404
        )
    assert not ContractDocument.objects.exists()
    attached = client_for(alice).post(
        _documents(contract), {"kind": "signed", "file": signed_pdf()}, format="multipart"
    )
    document_url = f"{_documents(contract)}{attached.json()['id']}/"
    assert client_for(sam).get(document_url).status_code == 404
    assert client_for().get(document_url).status_code == 401


def test_the_schema_describes_the_multipart_upload_and_the_download(api):
    schema = api.get("/api/schema/?format=json").json()
    operations = schema["paths"]["/api/v1/contracts/{id}/documents/"]
    assert "multipart/form-data" in operations["post"]["requestBody"]["content"]
    download = schema["paths"]["/api/v1/contracts/{id}/documents/{doc_id}/"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]

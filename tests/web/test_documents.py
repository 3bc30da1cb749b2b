"""Documents on the contract page: attached from its form, listed with the timeline's entry,
downloaded only by those who may see the contract."""

import pytest
from django.urls import reverse

from apps.contracts import services
from apps.contracts.models import ContractDocument
from tests.document_files import EXE_BYTES, PDF_BYTES, signed_pdf, upload
from tests.factories import UserFactory

from .helpers import client_as

pytestmark = pytest.mark.django_db


def _attach(browser, contract, file, kind="signed"):
    return browser.post(
        reverse("contracts:document-upload", args=[contract.pk]),
        {"kind": kind, "file": file},
        follow=True,
    )


def test_the_owner_attaches_from_the_page_and_sees_it_listed_and_in_the_timeline(contract, alice):
    page = _attach(client_as(alice), contract, signed_pdf()).content.decode()

    document = ContractDocument.objects.get()
    assert "Signed contract “ACME-001 signed.pdf” attached to revision 1." in page
    download = reverse("contracts:document-download", args=[contract.pk, document.pk])
    assert f'href="{download}"' in page
    assert "ACME-001 signed.pdf" in page
    timeline = page[page.index('id="timeline-heading"') :]
    assert "alice</strong>\n        · Signed contract “ACME-001 signed.pdf” created" in timeline
    assert "Signed contract attached to revision 1." in timeline


def test_a_refused_upload_names_the_field_and_stores_nothing(settings, contract, alice):
    settings.DOCUMENT_MAX_BYTES = 1024
    browser = client_as(alice)
    too_big = _attach(browser, contract, upload("big.pdf", PDF_BYTES + b"0" * 2048))
    assert "Nothing stored: File: The file is over 1 KB; at most 1 KB is accepted." in (
        too_big.content.decode()
    )
    renamed = _attach(browser, contract, upload("contract.pdf", EXE_BYTES))
    assert "Nothing stored: File: “contract.pdf” is not a file a contract keeps" in (
        renamed.content.decode()
    )
    missing = browser.post(
        reverse("contracts:document-upload", args=[contract.pk]), {"kind": "signed"}, follow=True
    )
    assert "Nothing stored: File: Choose a file to attach." in missing.content.decode()
    assert not ContractDocument.objects.exists()


def test_an_upload_without_the_csrf_token_is_refused(contract, alice):
    browser = client_as(alice, enforce_csrf_checks=True)
    response = browser.post(
        reverse("contracts:document-upload", args=[contract.pk]),
        {"kind": "signed", "file": signed_pdf()},
    )
    assert response.status_code == 403
    assert not ContractDocument.objects.exists()


def test_only_those_who_may_edit_or_sign_see_the_form(contract, alice, bob, carol):
    form = 'enctype="multipart/form-data"'
    url = reverse("contracts:detail", args=[contract.pk])
    assert form in client_as(alice).get(url).content.decode()
    assert form in client_as(carol).get(url).content.decode()
    assert form not in client_as(bob).get(url).content.decode()
    refused = _attach(client_as(bob), contract, signed_pdf())
    assert "Nothing stored: Only the contract&#x27;s owner or legal" in refused.content.decode()
    assert not ContractDocument.objects.exists()


def test_downloads_go_to_those_who_see_the_contract_as_attachments(
    client, contract, alice, bob, mallory
):
    document = services.document_attach(
        contract=contract, file=upload('ACME "signed";.pdf', PDF_BYTES), kind="signed", user=alice
    )
    url = reverse("contracts:document-download", args=[contract.pk, document.pk])

    for reader in (alice, bob):
        response = client_as(reader).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="ACME signed .pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"

    other_sales = UserFactory(username="sam", roles=["Sales"])
    assert client_as(other_sales).get(url).status_code == 404
    assert client_as(mallory).get(url).status_code == 404
    assert client.get(url).status_code == 302  # to the login page
    # The document under another contract's id is not found either.
    elsewhere = reverse("contracts:document-download", args=[contract.pk + 1000, document.pk])
    assert client_as(alice).get(elsewhere).status_code == 404

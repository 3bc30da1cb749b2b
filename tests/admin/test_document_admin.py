"""Contract documents in the admin: read-only, on their contract's page and in their own list,
each linking to the download view that checks who may see it, with who attached it in history."""

import pytest
from django.urls import reverse

from apps.contracts import services
from tests.document_files import signed_pdf

from .helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(contract, alice):
    return services.document_attach(contract=contract, file=signed_pdf(), kind="signed", user=alice)


def test_the_contract_page_lists_its_documents_with_their_download(carol, contract, document):
    page = client_for(carol).get(reverse("admin:contracts_contract_change", args=[contract.pk]))
    download = reverse("contracts:document-download", args=[contract.pk, document.pk])
    assert f'<a href="{download}">ACME-001 signed.pdf</a>' in page.text
    assert "Signed contract" in page.text


def test_the_document_list_and_history_say_who_attached_what(bob, document):
    listing = client_for(bob).get(reverse("admin:contracts_contractdocument_changelist"))
    assert "ACME-001 signed.pdf" in listing.text
    assert "ACME-001 r1" in listing.text
    history = client_for(bob).get(
        reverse("admin:contracts_contractdocument_history", args=[document.pk])
    )
    assert "Signed contract attached to revision 1." in history.text
    assert "alice" in history.text


def test_nobody_changes_a_document_in_the_admin(carol, document):
    change = client_for(carol).post(
        reverse("admin:contracts_contractdocument_change", args=[document.pk]), {"kind": "x"}
    )
    assert change.status_code == 403
    document.refresh_from_db()
    assert document.kind == "signed"

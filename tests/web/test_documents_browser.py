"""In the browser: the owner attaches the signed PDF from the contract page, sees it listed and
in the timeline, and is told by field why an impostor file was refused."""

import pytest
from django.urls import reverse

from apps.contracts import services
from tests.document_files import EXE_BYTES, PDF_BYTES, docx_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_owner_attaches_documents_from_the_contract_page(
    live_server, page, screenshot, alice, carol, aligned_line
):
    contract = aligned_line.contract
    services.document_attach(
        contract=contract,
        file=upload("Order form.docx", docx_bytes()),
        kind="attachment",
        user=carol,
    )
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(live_server.url + reverse("contracts:detail", args=[contract.pk]))

    documents = page.locator("section[aria-labelledby=documents-heading]")
    documents.locator("#id_file").set_input_files(
        {"name": "contract.pdf", "mimeType": "application/pdf", "buffer": EXE_BYTES}
    )
    documents.locator("text=Attach to revision 1").click()
    page.wait_for_load_state()
    assert "Nothing stored: File: “contract.pdf” is not a file a contract keeps" in (
        page.inner_text("main")
    )
    screenshot("documents-refused")

    documents.locator("#id_kind").select_option("signed")
    documents.locator("#id_file").set_input_files(
        {"name": "ACME-001 signed.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    documents.locator("text=Attach to revision 1").click()
    page.wait_for_load_state()
    assert "Signed contract “ACME-001 signed.pdf” attached to revision 1." in (
        page.inner_text("main")
    )
    listed = documents.inner_text()
    assert "Documents (2)" in listed
    assert f"ACME-001 signed.pdf\tSigned contract\tPDF\t{len(PDF_BYTES)} bytes" in listed
    assert "Order form.docx\tAttachment" in listed
    timeline = page.locator("section[aria-labelledby=timeline-heading]").inner_text()
    assert "alice · Signed contract “ACME-001 signed.pdf” created" in timeline
    screenshot("documents-on-the-contract-page")

    with page.expect_download() as download:
        documents.locator("a", has_text="ACME-001 signed.pdf").click()
    assert download.value.suggested_filename == "ACME-001 signed.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF_BYTES

"""The packet PDFs page by page, as a reader turns them: no blank page, each section's text on
the page where it belongs. Every page is also kept as a PNG under var/packets/ for a look."""

import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from apps.reviews import exports
from apps.reviews.choices import PacketScope
from tests.conftest import require
from tests.factories import CommitmentFactory

from .conftest import open_cycle, packet_of

pytestmark = pytest.mark.django_db

OUT = Path(__file__).resolve().parents[2] / "var" / "packets"


def pdf_pages(pdf: bytes, name: str) -> list[str]:
    """The text of each page (pdftotext, one call per page), after saving the PDF and a PNG
    of every page."""
    require(bool(shutil.which("pdftotext")), "needs poppler-utils (pdftotext, pdftoppm)")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob(f"{name}-*.png"):
        old.unlink()
    path = OUT / f"{name}.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    count = int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(OUT / name)], check=True)
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


PAGE_NUMBER = re.compile(r"^\s*\d+ / \d+\s*$", re.MULTILINE)


def body(page: str) -> str:
    """A page's text without its running page number."""
    return PAGE_NUMBER.sub("", page).strip()


def flat(text: str) -> str:
    return " ".join(text.split())


def page_with(pages: list[str], text: str) -> int:
    """The number (from 1) of the only page that holds ``text``."""
    found = [n for n, page in enumerate(pages, start=1) if text in page]
    assert len(found) == 1, (text, found)
    return found[0]


@pytest.fixture
def three_line_packet(
    reviewed,
    signed_contract,
    availability,
    review_schedule,
    dave,
    acme,
    django_capture_on_commit_callbacks,
):
    """Acme's contract with three lines: more than a page, so the contract must break."""
    for target in ("99.5", "99.0"):
        CommitmentFactory(
            contract=signed_contract,
            indicator=availability,
            target=Decimal(target),
            credit_schedule=review_schedule,
        )
    cycle = open_cycle(django_capture_on_commit_callbacks, user=dave)
    return packet_of(cycle, PacketScope.CUSTOMER, acme.pk)


def test_customer_packet_has_no_blank_page_and_no_orphan_heading(three_line_packet):
    pages = pdf_pages(exports.packet_pdf(three_line_packet, []), "customer-three-lines")

    for number, page in enumerate(pages, start=1):
        assert body(page), f"page {number} is blank"
    # Page 1: the title, the "Contracts" heading, the contract and its first line, whole.
    first = pages[0]
    for text in (
        "Annual review 2025: Customer Acme Corp",
        "Contracts",
        "ACME-001 r1 (signed, 10,000.00 EUR/month",
        "Availability ≥ 99.8 % per calendar month",
    ):
        assert text in first
    # Each further line starts its own page with its whole table.
    for target, number in (("99.5", 2), ("99", 3)):
        heading = f"Availability ≥ {target} % per calendar month"
        assert page_with(pages, heading) == number
        assert pages[number - 1].count("2025-") >= 12
    # The closing sections follow the last line; evidence reads as sentences.
    for text in ("Credits owed", "Renewals in the next 12 months", "Recommendations"):
        assert page_with(pages, text) >= 3
    text = flat("".join(pages))
    assert "Evidence: Target 99.8 %. Breached in 2025-02 (99.7 %), 2025-03 (98.9 %)." in text
    assert "{'" not in text and "commitment_id" not in text
    # The 99.5 % line is credited 10 % in February, a month it met: the column says so.
    assert "(credited although the target was met)" in flat(pages[1])


def test_service_packet_keeps_each_section_with_its_table(service_packet):
    pages = pdf_pages(exports.packet_pdf(service_packet, []), "service")

    assert all(body(page) for page in pages)
    slo_page = page_with(pages, "SLO Availability ≥ 99.9 % (rolling 30 days, active)")
    assert "Budget used" in pages[slo_page - 1] and "2025-12-01" in pages[slo_page - 1]
    sla_page = page_with(pages, "SLAs: attainment, breaches and credits")
    assert page_with(pages, "Availability ≥ 99.8 % per calendar month") == sla_page
    assert "breached: below 99.8 % target" in pages[sla_page - 1]
    assert "Attainment in the last quarters: Q1 2025 99.5 %, Q2 2025 100 %" in flat("".join(pages))

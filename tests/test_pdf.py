"""Tests of PDF reports in the acquire and clean stages: text extraction page by page (pypdf), running
headers/footers and page numbers dropped, page boundaries kept as ``Document.page_offsets`` and mapped back
by ``page_of``, and one clear InputError for truncated, encrypted and text-less PDFs.  The PDFs are made in
the tests with fpdf2."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF

from watchfloor.acquire import iter_inputs
from watchfloor.acquire.pdf import PAGE_BREAK, read_pdf, strip_running_lines
from watchfloor.clean import clean
from watchfloor.errors import InputError
from watchfloor.models import Document, Origin, RawInput, page_of
from watchfloor.settings import Settings

PAGE_ONE = (
    "Gunmen attacked a police checkpoint near Menaka on 3 March 2024, killing four officers, "
    "local officials said. The attackers fled on motorbikes towards the border."
)
PAGE_TWO = "Two days later militants ambushed a supply convoy near Gao, and two civilians were injured."
PAGE_THREE = "The army said it had sent reinforcements to the area."


class _Report(FPDF):
    """An A4 report with a running header and a "Page N/M" footer on every page."""

    def header(self) -> None:
        self.set_font("helvetica", size=8)
        self.cell(0, 8, "Sahel Security Review - Weekly Brief", align="C")
        self.ln(12)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("helvetica", size=8)
        self.cell(0, 8, f"Page {self.page_no()}/{{nb}}", align="C")


def make_pdf(pages: list[str], *, title: str | None = None, user_password: str | None = None) -> bytes:
    """A PDF with one page per string (a blank string gives a page without text)."""
    pdf = _Report()
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=12)
        if text:
            pdf.multi_cell(0, 8, text)
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    return bytes(pdf.output())


@pytest.fixture
def two_pages(tmp_path: Path) -> Path:
    """A two-page PDF report with a metadata title, a running header and page-number footers."""
    path = tmp_path / "brief.pdf"
    path.write_bytes(make_pdf([PAGE_ONE, PAGE_TWO], title="Weekly brief on the central Sahel"))
    return path


def _only(path: Path, settings: Settings) -> RawInput | InputError:
    items = list(iter_inputs([path], settings=settings))
    assert len(items) == 1, items
    return items[0]


def test_pdf_is_read_page_by_page(two_pages: Path, settings: Settings) -> None:
    raw = _only(two_pages, settings)
    assert isinstance(raw, RawInput)
    assert raw.origin is Origin.PDF and raw.page == 1 and raw.file_name == "brief.pdf"
    assert raw.title == "Weekly brief on the central Sahel"
    text = raw.data.decode("utf-8")
    assert text.count(PAGE_BREAK) == 1
    first, second = text.split(PAGE_BREAK)
    assert "checkpoint near Menaka" in first and "supply convoy" in second
    assert "Weekly Brief" not in text and "Page 1" not in text and "Page 2" not in text


def test_clean_keeps_page_offsets(two_pages: Path, settings: Settings) -> None:
    raw = _only(two_pages, settings)
    assert isinstance(raw, RawInput)
    doc = clean(raw)
    assert PAGE_BREAK not in doc.text
    assert len(doc.page_offsets) == 2 and doc.page_offsets[0] == 0
    assert doc.text[doc.page_offsets[1] :].startswith("Two days later")
    assert page_of(doc, doc.text.index("Menaka")) == 1
    assert page_of(doc, doc.text.index("convoy")) == 2
    assert page_of(doc, doc.page_offsets[1] - 1) == 1
    assert page_of(doc, len(doc.text) + 5) is None


def test_blank_page_maps_to_the_next_page_with_text(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "gap.pdf"
    path.write_bytes(make_pdf([PAGE_ONE, "", PAGE_THREE]))
    raw = _only(path, settings)
    assert isinstance(raw, RawInput)
    doc = clean(raw)
    assert len(doc.page_offsets) == 3 and doc.page_offsets[1] == doc.page_offsets[2]
    assert page_of(doc, doc.text.index("reinforcements")) == 3


def test_page_of_without_pages_is_none() -> None:
    doc = Document(id="x", file_name="a.txt", source="a.txt", origin=Origin.FILE, text="Some text.", raw_sha256="0")
    assert page_of(doc, 3) is None


def test_truncated_pdf_is_one_input_error(two_pages: Path, tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "broken.pdf"
    path.write_bytes(two_pages.read_bytes()[:700])
    error = _only(path, settings)
    assert isinstance(error, InputError)
    assert error.source == str(path) and "corrupt or truncated PDF" in error.problem


def test_password_protected_pdf_is_refused(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "locked.pdf"
    path.write_bytes(make_pdf([PAGE_ONE], user_password="letmein"))
    error = _only(path, settings)
    assert isinstance(error, InputError) and "password" in error.problem


def test_owner_password_only_pdf_is_read(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "restricted.pdf"
    path.write_bytes(make_pdf([PAGE_ONE], user_password=""))
    raw = _only(path, settings)
    assert isinstance(raw, RawInput) and "Menaka" in raw.data.decode("utf-8")


def test_pdf_without_text_is_refused(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    error = read_pdf(bytes(pdf.output()), source="scan.pdf", file_name="scan.pdf")
    assert isinstance(error, InputError) and "no extractable text" in error.problem


def test_text_over_the_limit_is_refused(two_pages: Path) -> None:
    error = read_pdf(two_pages.read_bytes(), source="brief.pdf", file_name="brief.pdf", max_chars=50)
    assert isinstance(error, InputError) and "over the limit" in error.problem


def test_folder_walk_reads_pdfs(two_pages: Path, settings: Settings) -> None:
    items = list(iter_inputs([two_pages.parent], settings=settings))
    assert [i.file_name for i in items if isinstance(i, RawInput)] == ["brief.pdf"]


def test_strip_running_lines_keeps_body_lines() -> None:
    pages = [
        ["Annual Report 2023", "Body line one.", "12"],
        ["Annual Report 2023", "Body line two.", "Page 13 of 40"],
        ["Annual Report 2023", "Annual Report 2023 is cited here in the body.", "- 14 -"],
    ]
    assert strip_running_lines(pages) == [
        ["Body line one."],
        ["Body line two."],
        ["Annual Report 2023 is cited here in the body."],
    ]
    single = [["Title", "Only page.", "1"]]
    assert strip_running_lines(single) == [["Title", "Only page."]]

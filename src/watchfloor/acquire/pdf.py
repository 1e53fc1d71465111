"""PDF reports -> one ``RawInput`` whose text keeps the page boundaries.

Text is extracted page by page with ``pypdf`` (pure Python).  The pages are
joined with a form feed (``PAGE_BREAK``); the clean stage turns those breaks
into ``Document.page_offsets`` so that evidence offsets map back to page
numbers (``watchfloor.models.page_of``).  Running headers and footers that
repeat on most pages, and bare page-number lines, are dropped here because
they would otherwise split sentences that run across pages.

A PDF that cannot be parsed (truncated, corrupt), is encrypted with a
password, or has no extractable text (a scan without OCR) becomes one
``InputError``.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from watchfloor.errors import InputError
from watchfloor.models import Origin, RawInput

log = logging.getLogger(__name__)

__all__ = ["PAGE_BREAK", "PDF_MEDIA_TYPE", "extract_pages", "read_pdf"]

#: Separator between the pages of a PDF's extracted text (form feed, as pdftotext writes it).
PAGE_BREAK = "\f"
PDF_MEDIA_TYPE = "application/pdf"
#: Lines at the top and bottom of a page looked at for running headers/footers.
_EDGE_LINES = 2
_PAGE_NUMBER = re.compile(
    r"^\s*(?:-\s*)?(?:page\s+|p\.\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?(?:\s*-)?\s*$", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
_FILE_NAME_TITLE = re.compile(r"\.(docx?|pdf|indd|rtf|odt|pptx?|txt)$|^microsoft (word|powerpoint)\b", re.IGNORECASE)


def _page_texts(data: bytes, *, source: str) -> list[str]:
    """Raw extracted text of each page; ``InputError`` for unreadable or locked PDFs."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(source, "PDF is encrypted and needs a password")
        pages = list(reader.pages)
    except InputError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        raise InputError(source, f"PDF is encrypted and cannot be opened: {exc}") from exc
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError) as exc:
        raise InputError(source, f"corrupt or truncated PDF: {exc}") from exc
    texts: list[str] = []
    for number, page in enumerate(pages, start=1):
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:  # pypdf raises many types on broken content streams; keep the other pages
            log.warning("%s: cannot extract text from page %d: %s", source, number, exc)
            texts.append("")
    return texts


def _edge_key(line: str) -> str:
    """A running header/footer key: whitespace collapsed, digits masked ("Page 3 of 9" ~ "Page 4 of 9")."""
    return _DIGITS.sub("#", " ".join(line.split())).casefold()


def strip_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Pages without bare page numbers and without header/footer lines repeated on at least half the pages."""
    pages = [[line for line in page if not _PAGE_NUMBER.match(line)] for page in pages]
    if len(pages) < 2:
        return pages
    counts: Counter[str] = Counter()
    for page in pages:
        content = [line for line in page if line.strip()]
        edges = {_edge_key(line) for line in content[:_EDGE_LINES] + content[-_EDGE_LINES:]}
        counts.update(edges)
    running = {key for key, n in counts.items() if key and n >= 2 and n * 2 >= len(pages)}
    if not running:
        return pages
    out: list[list[str]] = []
    for page in pages:
        content_at = [i for i, line in enumerate(page) if line.strip()]
        edge_at = set(content_at[:_EDGE_LINES] + content_at[-_EDGE_LINES:])
        out.append([line for i, line in enumerate(page) if i not in edge_at or _edge_key(line) not in running])
    return out


def extract_pages(data: bytes, *, source: str) -> list[str]:
    """The text of each page of a PDF (running headers/footers dropped); ``InputError`` when there is none."""
    texts = _page_texts(data, source=source)
    if not texts:
        raise InputError(source, "PDF has no pages")
    pages = strip_running_lines([text.replace(PAGE_BREAK, "\n").splitlines() for text in texts])
    out = ["\n".join(lines).strip("\n") for lines in pages]
    if not any(page.strip() for page in out):
        raise InputError(source, f"PDF has no extractable text in its {len(out)} page(s) (scanned images need OCR)")
    return out


def _metadata_title(data: bytes) -> str | None:
    """The document title from the PDF's info dictionary, unless it is a file name or empty."""
    from pypdf import PdfReader

    try:
        meta = PdfReader(io.BytesIO(data), strict=False).metadata
        title = meta.title if meta is not None else None
    except Exception:  # metadata is a nicety; a broken info dictionary is not an error
        return None
    if not isinstance(title, str):
        return None
    title = " ".join(title.split())
    if len(title.split()) < 3 or _FILE_NAME_TITLE.search(title):
        return None
    return title


def read_pdf(
    data: bytes, *, source: str, file_name: str, url: str | None = None, max_chars: int | None = None
) -> RawInput | InputError:
    """One ``RawInput`` (origin PDF) with the pages' text joined by ``PAGE_BREAK``, or an ``InputError``."""
    try:
        pages = extract_pages(data, source=source)
    except InputError as exc:
        return exc
    text = PAGE_BREAK.join(pages)
    if max_chars is not None and len(text) > max_chars:
        return InputError(source, f"PDF text is {len(text)} characters, over the limit of {max_chars}")
    log.debug("%s: %d page(s), %d characters of text", source, len(pages), len(text))
    return RawInput(
        source=source,
        origin=Origin.PDF,
        data=text.encode("utf-8"),
        media_type="text/plain",
        file_name=file_name,
        url=url,
        title=_metadata_title(data),
        page=1,
    )

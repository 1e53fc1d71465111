"""The clean stage: ``RawInput`` -> ``Document``.

Decodes the bytes (``decode``), extracts HTML main text (``htmltext``),
normalises Unicode (``textnorm``), reads the headline, section, byline,
publication and date lines (``metadata``, ``pubdate``), drops site boilerplate
(``boilerplate``) and guesses the language (``language``).  Pure and
per-document: safe to run in worker processes.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import replace

import yaml

from watchfloor.clean.boilerplate import split_boilerplate
from watchfloor.clean.decode import decode_bytes
from watchfloor.clean.htmltext import HtmlPage, extract_html
from watchfloor.clean.language import detect_language
from watchfloor.clean.metadata import Header, analyse_header, choose_published
from watchfloor.clean.pubdate import parse_caller_date
from watchfloor.clean.textnorm import match_key, normalize_text
from watchfloor.errors import InputError
from watchfloor.models import Document, Origin, RawInput

log = logging.getLogger(__name__)

__all__ = ["clean", "document_id", "match_key", "normalize_text"]

_HTML_START = re.compile(r"^\s*(<!doctype html|<html|<head|<body)", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
#: Page separator in the text of a PDF (``watchfloor.acquire.pdf.PAGE_BREAK``).
_PAGE_BREAK = "\f"


def document_id(text: str) -> str:
    """Content id of a cleaned text: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def markdown_to_text(text: str) -> str:
    """Plain text of Markdown: heading marks, emphasis, link syntax, images, fences and rules dropped."""
    out: list[str] = []
    for line in text.splitlines():
        if line.strip().startswith(("```", "~~~")) or _MD_RULE.match(line):
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            line = heading.group(1)
        line = _MD_IMAGE.sub("", line)
        line = _MD_LINK.sub(r"\1", line)
        line = _MD_EMPHASIS.sub(r"\2", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        out.append(line)
    return "\n".join(out)


def front_matter(raw: RawInput, text: str) -> tuple[RawInput, str]:
    """Markdown YAML front matter (``---`` block) filling missing hints: title, date/published, publisher, url."""
    m = _FRONT_MATTER.match(text)
    if m is None:
        return raw, text
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return raw, text
    if not isinstance(meta, dict):
        return raw, text

    def pick(*names: str) -> str | None:
        for name in names:
            value = meta.get(name)
            if value not in (None, ""):
                return str(value).strip()
        return None

    hints = replace(
        raw,
        title=raw.title or pick("title", "headline"),
        published=raw.published or pick("published", "date", "pubdate", "published_at"),
        publisher=raw.publisher or pick("publisher", "source", "site"),
        url=raw.url or pick("url", "link", "canonical_url"),
    )
    return hints, text[m.end() :]


def _assemble(lines: list[str], drop: set[int]) -> str:
    """Kept lines; a blank line in the input (or a dropped run between blocks) stays a paragraph break."""
    return _assemble_with_offsets(lines, drop)[0]


def _assemble_with_offsets(lines: list[str], drop: set[int]) -> tuple[str, dict[int, int]]:
    """``_assemble`` and the offset in its result where each kept line starts (by line index)."""
    paragraphs: list[list[int]] = [[]]
    for i, line in enumerate(lines):
        if not line.strip():
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        if i in drop:
            continue
        paragraphs[-1].append(i)
    starts: dict[int, int] = {}
    parts: list[str] = []
    offset = 0
    for paragraph in (p for p in paragraphs if p):
        if parts:
            offset += 2
        block: list[str] = []
        for k, i in enumerate(paragraph):
            offset += 1 if k else 0
            starts[i] = offset
            block.append(lines[i])
            offset += len(lines[i])
        parts.append("\n".join(block))
    return "\n\n".join(parts), starts


def _page_lines(body: str) -> tuple[list[str], list[int]]:
    """Normalised lines of a PDF text whose pages are separated by form feeds, and each line's page number."""
    lines: list[str] = []
    pages: list[int] = []
    for number, page in enumerate(body.split(_PAGE_BREAK), start=1):
        text = normalize_text(page)
        if text:
            page_lines = text.split("\n")
            lines.extend(page_lines)
            pages.extend([number] * len(page_lines))
    return lines, pages


def _page_offsets(line_pages: list[int], starts: dict[int, int], *, pages: int, end: int) -> list[int]:
    """Offset where each page starts in the assembled text (a page without kept text starts where the next does)."""
    first: dict[int, int] = {}
    for i, start in starts.items():
        number = line_pages[i]
        first[number] = min(start, first.get(number, start))
    offsets = [end] * pages
    following = end
    for number in range(pages, 0, -1):
        following = first.get(number, following)
        offsets[number - 1] = following
    return offsets


def _body_and_page(raw: RawInput, text: str) -> tuple[str, HtmlPage | None]:
    if raw.media_type == "text/html" or (raw.media_type == "text/plain" and _HTML_START.match(text)):
        page = extract_html(text, source=raw.source, url=raw.url)
        return page.text, page
    if raw.media_type == "text/markdown":
        return markdown_to_text(text), None
    return text, None


def clean(raw: RawInput) -> Document:
    """Clean one acquired report into a ``Document``; ``InputError`` if it has no usable body."""
    decoded = decode_bytes(raw.data, source=raw.source)
    if raw.media_type == "text/markdown":
        raw, decoded = front_matter(raw, decoded)
    body, page = _body_and_page(raw, decoded)
    paged = raw.origin == Origin.PDF and _PAGE_BREAK in body
    if paged:
        lines, line_pages = _page_lines(body)
    else:
        lines, line_pages = normalize_text(body).split("\n"), []
    hint = raw.title or (page.title if page else None)
    header: Header = analyse_header(lines, title_hint=hint)
    split = split_boilerplate(lines)
    removed = dict(header.consumed)
    for i, kind in split.removed:
        removed.setdefault(i, kind)
    text, starts = _assemble_with_offsets(lines, set(removed))
    if not text.strip():
        raise InputError(raw.source, "no body text left after cleaning")
    for i in sorted(removed):
        log.debug("%s: dropped line %d (%s): %.60s", raw.source, i, removed[i], lines[i])
    caller = parse_caller_date(raw.published) if raw.published else None
    if raw.published and caller is None:
        log.warning("%s: cannot parse the supplied published date %r", raw.source, raw.published)
    published, method, page_date = choose_published(header, caller=caller, html_date=page.date if page else None)
    return Document(
        id=document_id(text),
        file_name=raw.file_name,
        source=raw.source,
        origin=raw.origin,
        text=text,
        raw_sha256=hashlib.sha256(raw.data).hexdigest(),
        title=header.title,
        section=header.section,
        publisher=raw.publisher or header.publisher or (page.sitename if page else None),
        publication=header.publication,
        volume=header.volume,
        issue=header.issue,
        author=header.author or (page.author if page else None),
        language=detect_language(text),
        url=raw.url or (page.url if page else None),
        published=published,
        published_method=method,
        page_date=page_date,
        removed_lines=[lines[i] for i in sorted(removed) if lines[i].strip()],
        page_offsets=(
            _page_offsets(line_pages, starts, pages=body.count(_PAGE_BREAK) + 1, end=len(text)) if paged else []
        ),
    )

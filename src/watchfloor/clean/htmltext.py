"""HTML to paragraph text and page metadata, through trafilatura (lxml text as a fallback).

Comments are excluded; paragraphs, headings, list items and table rows each
become one paragraph of the output (separated by blank lines).  The page's
own date comes from htmldate (``extensive_search=False``, original date) as
trafilatura calls it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from watchfloor.clean.pubdate import parse_caller_date
from watchfloor.clean.textnorm import match_key
from watchfloor.errors import InputError

log = logging.getLogger(__name__)

_BLOCK_TAGS = {"p", "head", "item", "quote", "row", "code", "list", "table", "div"}
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "nav", "footer", "form", "button", "iframe")


@dataclass(slots=True)
class HtmlPage:
    """Text and metadata extracted from one HTML page."""

    text: str
    title: str | None = None
    author: str | None = None
    sitename: str | None = None
    url: str | None = None
    date: dt.date | None = None
    has_body_text: bool = True


def _block_text(element: Any) -> str:
    parts: list[str] = []
    if element.text:
        parts.append(element.text)
    for child in element:
        if child.tag == "lb":
            parts.append("\n")
        else:
            parts.append(_block_text(child))
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def _paragraphs(body: Any) -> list[str]:
    """One string per block of trafilatura's output tree."""
    out: list[str] = []
    for element in body:
        if element.tag in {"list", "table"}:
            for child in element:
                text = _block_text(child).strip()
                if text:
                    out.append(text)
            continue
        text = _block_text(element).strip()
        if text:
            out.append(text)
    return out


def _lxml_text(html: str) -> str:
    """Body text by lxml alone: block elements become paragraphs."""
    import lxml.html

    try:
        root = lxml.html.document_fromstring(html)
    except Exception:  # lxml raises several parser errors on junk
        return ""
    for bad in root.iter(*_DROP_TAGS):
        bad.drop_tree()
    body = root.find("body")
    if body is None:
        return ""
    for block in body.iter("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "br", "tr", "section", "article"):
        block.tail = "\n\n" + (block.tail or "")
    return str(body.text_content()).strip()


def strip_site_suffix(title: str, sitename: str | None) -> str:
    """``title`` without a trailing " | Site name" when the tail is the site's name."""
    if not sitename:
        return title
    site = match_key(sitename)
    for sep in (" | ", " - ", " – ", " — ", " :: ", " · ", " » "):
        head, found, tail = title.rpartition(sep)
        if found and head.strip() and match_key(tail) == site:
            return head.strip()
    return title


def extract_html(html: str, *, source: str, url: str | None = None) -> HtmlPage:
    """Main text and metadata of an HTML page; ``InputError`` when the page has no body text."""
    import trafilatura

    try:
        result = trafilatura.bare_extraction(
            html,
            url=url,
            include_comments=False,
            include_tables=True,
            with_metadata=True,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as exc:  # trafilatura surfaces lxml and parser errors of all kinds
        log.debug("%s: trafilatura failed: %s", source, exc)
        result = None
    paragraphs: list[str] = []
    page = HtmlPage(text="")
    if result is not None and not isinstance(result, dict):
        body = getattr(result, "body", None)
        if body is not None:
            paragraphs = _paragraphs(body)
        if not paragraphs and result.text:
            paragraphs = [p for p in result.text.split("\n") if p.strip()]
        page.sitename = result.sitename or None
        page.title = strip_site_suffix(result.title, page.sitename) if result.title else None
        page.author = result.author or None
        page.url = result.url or None
        if result.date:
            page.date = parse_caller_date(str(result.date))
    text = "\n\n".join(paragraphs)
    if not text.strip():
        text = _lxml_text(html)
        if text:
            log.debug("%s: trafilatura found no main text, using lxml body text", source)
    if not text.strip():
        raise InputError(source, "HTML page has no body text")
    page.text = text
    return page

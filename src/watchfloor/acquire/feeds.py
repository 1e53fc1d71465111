"""RSS and Atom feeds -> one ``RawInput`` per item, through ``feedparser``.

Each item keeps its link (``url``), title, date (``published``, taken as the
caller-supplied METADATA date) and the feed's title as ``publisher``.  The
body is the item's full content (``content:encoded`` / Atom ``content``)
when there is one, else its description/summary; HTML stays HTML for the
clean stage.  The feed is parsed from bytes already read (from a file or a
URL), so feedparser never opens a file or the network itself.

A feed feedparser cannot read at all (no items recovered) is one
``InputError`` naming the file and the parser's complaint; a feed that is not
well-formed but whose items can be recovered is read with a warning.  An item
with no text is an ``InputError`` of its own.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import io
import logging
import time
from collections.abc import Iterator, Mapping
from typing import Any

from watchfloor.errors import InputError
from watchfloor.models import Origin, RawInput

log = logging.getLogger(__name__)

__all__ = ["FEED_MEDIA_TYPES", "FEED_SUFFIXES", "item_date", "looks_like_feed", "read_feed"]

#: File suffixes read as feeds.
FEED_SUFFIXES: frozenset[str] = frozenset({".xml", ".rss", ".atom"})
#: HTTP content types taken for feeds.
FEED_MEDIA_TYPES: frozenset[str] = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+xml",
        "application/xml",
        "text/xml",
    }
)
_FEED_ROOTS = (b"<rss", b"<feed", b"<rdf:rdf")


def looks_like_feed(data: bytes) -> bool:
    """True when the start of ``data`` is an RSS, Atom or RDF document element."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return any(root in head for root in _FEED_ROOTS) and not head.startswith((b"<!doctype html", b"<html"))


def item_date(entry: Mapping[str, Any]) -> str | None:
    """The item's date as ``YYYY-MM-DD`` in its own time zone (feedparser's parsed value is UTC)."""
    for key in ("published", "updated", "created"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        value = value.strip()
        try:
            return email.utils.parsedate_to_datetime(value).date().isoformat()
        except (TypeError, ValueError, IndexError):
            pass
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
        except ValueError:
            pass
        parsed = entry.get(f"{key}_parsed")
        if isinstance(parsed, time.struct_time):
            return dt.date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday).isoformat()
        return value  # left for the clean stage's date parser
    return None


def _body(entry: Mapping[str, Any]) -> tuple[str, str] | None:
    """The item's longest text (full content before summary) and its media type."""
    candidates: list[Mapping[str, Any]] = [c for c in entry.get("content") or [] if isinstance(c, Mapping)]
    summary = entry.get("summary_detail")
    if isinstance(summary, Mapping):
        candidates.append(summary)
    elif isinstance(entry.get("summary"), str):
        candidates.append({"value": entry["summary"], "type": "text/html"})
    best: tuple[str, str] | None = None
    for candidate in candidates:
        value = candidate.get("value")
        if not isinstance(value, str) or not value.strip():
            continue
        kind = str(candidate.get("type") or "text/html")
        media_type = "text/html" if "html" in kind or "xml" in kind else "text/plain"
        if best is None or len(value.strip()) > len(best[0].strip()) * 1.2:  # full content wins over a teaser
            best = (value, media_type)
    return best


def _text(value: Any) -> str | None:
    return " ".join(value.split()) or None if isinstance(value, str) else None


def _item(entry: Mapping[str, Any], *, source: str, file_name: str, publisher: str | None) -> RawInput | InputError:
    body = _body(entry)
    if body is None:
        return InputError(source, "feed item has no content or description")
    data, media_type = body
    return RawInput(
        source=source,
        origin=Origin.FEED,
        data=data.encode("utf-8"),
        media_type=media_type,
        file_name=file_name,
        url=_text(entry.get("link")),
        title=_text(entry.get("title")),
        published=item_date(entry),
        publisher=publisher,
    )


def read_feed(data: bytes, *, source: str, file_name: str) -> Iterator[RawInput | InputError]:
    """One ``RawInput`` per feed item (source ``<source>#N``), or ``InputError`` for an unreadable feed or item."""
    import feedparser

    parsed = feedparser.parse(io.BytesIO(data), sanitize_html=True, resolve_relative_uris=True)
    entries = list(parsed.get("entries") or [])
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not entries:
        if problem is not None:
            yield InputError(source, f"not a readable RSS/Atom feed: {problem}")
        elif not parsed.get("version"):
            yield InputError(source, "not an RSS or Atom feed")
        else:
            yield InputError(source, "feed has no items")
        return
    if problem is not None:
        log.warning("%s: feed is not well-formed (%s); read the %d item(s) recovered", source, problem, len(entries))
    publisher = _text(parsed.get("feed", {}).get("title"))
    for number, entry in enumerate(entries, start=1):
        yield _item(entry, source=f"{source}#{number}", file_name=f"{file_name}#{number}", publisher=publisher)

"""Tests of feed and URL inputs in the acquire stage: RSS 2.0 and Atom files become one RawInput per item
(link, title, item date, feed title as publisher, HTML or text body), broken XML is recovered with a warning
or refused as one InputError, and ``http(s)://`` inputs are fetched from a local test server (a feed, a page,
a PDF) with every network failure turned into one InputError naming the URL."""

from __future__ import annotations

import http.server
import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from watchfloor.acquire import iter_inputs
from watchfloor.acquire.feeds import item_date, looks_like_feed
from watchfloor.acquire.fetch import read_url
from watchfloor.clean import clean
from watchfloor.errors import InputError
from watchfloor.models import DateMethod, Origin, RawInput
from watchfloor.settings import Settings

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel>
  <title>Sahel Security Review</title>
  <link>https://review.example.org/</link>
  <description>Weekly notes</description>
  <item>
    <title>Checkpoint attacked near Menaka</title>
    <link>https://review.example.org/2024/menaka</link>
    <pubDate>Sun, 03 Mar 2024 23:30:00 -0500</pubDate>
    <description>Short teaser.</description>
    <content:encoded><![CDATA[<p>Gunmen attacked a police checkpoint near Menaka on Sunday, killing four
      officers, local officials said.</p><p>The attackers fled on motorbikes towards the border.</p>
      <script>alert(1)</script>]]></content:encoded>
  </item>
  <item>
    <title>Convoy ambushed near Gao</title>
    <link>https://review.example.org/2024/gao</link>
    <pubDate>Tue, 05 Mar 2024 08:00:00 GMT</pubDate>
    <description>&lt;p&gt;Militants ambushed a supply convoy near Gao on Tuesday; two civilians were
      injured.&lt;/p&gt;</description>
  </item>
  <item>
    <title>Title only</title>
    <link>https://review.example.org/2024/empty</link>
  </item>
</channel>
</rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Horn Monitor</title>
  <id>urn:uuid:horn-monitor</id>
  <updated>2024-04-02T10:00:00Z</updated>
  <entry>
    <title>Al-Shabaab claims mortar attack</title>
    <link href="https://horn.example.net/a/1"/>
    <id>urn:uuid:1</id>
    <published>2024-04-01T22:15:00+03:00</published>
    <updated>2024-04-02T06:00:00+03:00</updated>
    <content type="html">&lt;p&gt;Al-Shabaab said it fired mortars at a base near Mogadishu
      on Monday.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Talks resume</title>
    <link href="https://horn.example.net/a/2"/>
    <id>urn:uuid:2</id>
    <updated>2024-04-02T09:00:00Z</updated>
    <summary type="text">Negotiators met again in Nairobi on Tuesday, a spokesman said.</summary>
  </entry>
</feed>
"""


@pytest.fixture
def rss_file(tmp_path: Path) -> Path:
    """An RSS 2.0 file: an item with content:encoded, one with an HTML description, one with a title only."""
    path = tmp_path / "review.rss"
    path.write_text(RSS, encoding="utf-8")
    return path


@pytest.fixture
def atom_file(tmp_path: Path) -> Path:
    """An Atom 1.0 file saved as .xml: an entry with HTML content and one with a plain-text summary."""
    path = tmp_path / "horn.xml"
    path.write_text(ATOM, encoding="utf-8")
    return path


def _split(items: list[RawInput | InputError]) -> tuple[list[RawInput], list[InputError]]:
    return [i for i in items if isinstance(i, RawInput)], [i for i in items if isinstance(i, InputError)]


def test_rss_items(rss_file: Path, settings: Settings) -> None:
    good, bad = _split(list(iter_inputs([rss_file], settings=settings)))
    assert [g.source for g in good] == [f"{rss_file}#1", f"{rss_file}#2"]
    first, second = good
    assert first.origin is Origin.FEED and first.file_name == "review.rss#1"
    assert first.url == "https://review.example.org/2024/menaka"
    assert first.title == "Checkpoint attacked near Menaka"
    assert first.publisher == "Sahel Security Review"
    assert first.published == "2024-03-03"  # the item's own day, not shifted to UTC
    assert first.media_type == "text/html"
    body = first.data.decode("utf-8")
    assert "killing four" in body and "<script>" not in body and "Short teaser" not in body
    assert second.published == "2024-03-05" and "supply convoy" in second.data.decode("utf-8")
    assert [(e.source, e.problem) for e in bad] == [(f"{rss_file}#3", "feed item has no content or description")]


def test_atom_entries(atom_file: Path, settings: Settings) -> None:
    good, bad = _split(list(iter_inputs([atom_file], settings=settings)))
    assert not bad
    assert [g.url for g in good] == ["https://horn.example.net/a/1", "https://horn.example.net/a/2"]
    assert [g.published for g in good] == ["2024-04-01", "2024-04-02"]
    assert [g.media_type for g in good] == ["text/html", "text/plain"]
    assert {g.publisher for g in good} == {"Horn Monitor"}


def test_feed_item_cleans_with_metadata_date(rss_file: Path, settings: Settings) -> None:
    raw = next(i for i in iter_inputs([rss_file], settings=settings) if isinstance(i, RawInput))
    doc = clean(raw)
    assert doc.title == "Checkpoint attacked near Menaka"
    assert doc.published is not None and doc.published.isoformat() == "2024-03-03"
    assert doc.published_method is DateMethod.METADATA
    assert doc.url == "https://review.example.org/2024/menaka" and doc.publisher == "Sahel Security Review"
    assert doc.text.startswith("Gunmen attacked a police checkpoint") and "alert" not in doc.text


def test_broken_feed_with_recoverable_items_warns(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "broken.rss"
    cut = RSS.index("  <item>\n    <title>Title only")
    path.write_text(RSS[:cut] + "  <item><title>Half an item</ti", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="watchfloor.acquire.feeds"):
        good, _bad = _split(list(iter_inputs([path], settings=settings)))
    assert [g.title for g in good] == ["Checkpoint attacked near Menaka", "Convoy ambushed near Gao"]
    assert any("not well-formed" in r.message and str(path) in r.message for r in caplog.records)


def test_unreadable_feed_is_one_input_error(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "junk.atom"
    path.write_text("<feed><<< this & that >>", encoding="utf-8")
    items = list(iter_inputs([path], settings=settings))
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert items[0].source == str(path) and items[0].problem.startswith("not a readable RSS/Atom feed: ")


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("<?xml version='1.0'?><catalog><book>One</book></catalog>", "not an RSS or Atom feed"),
        ("<?xml version='1.0'?><rss version='2.0'><channel><title>Empty</title></channel></rss>", "feed has no items"),
    ],
)
def test_feed_without_items(tmp_path: Path, settings: Settings, content: str, problem: str) -> None:
    path = tmp_path / "other.xml"
    path.write_text(content, encoding="utf-8")
    items = list(iter_inputs([path], settings=settings))
    assert [(i.source, i.problem) for i in items if isinstance(i, InputError)] == [(str(path), problem)]
    assert len(items) == 1


def test_item_date_forms() -> None:
    assert item_date({"published": "Wed, 10 Jan 2024 01:00:00 +0300"}) == "2024-01-10"
    assert item_date({"updated": "2024-01-10T23:59:00-08:00"}) == "2024-01-10"
    assert item_date({"published": "sometime in January 2024"}) == "sometime in January 2024"
    assert item_date({}) is None


def test_looks_like_feed() -> None:
    assert looks_like_feed(b"\xef\xbb\xbf<?xml version='1.0'?>\n<rss version='2.0'>")
    assert looks_like_feed(b'<feed xmlns="http://www.w3.org/2005/Atom">')
    assert not looks_like_feed(b"<!DOCTYPE html><html><body>rss feed</body></html>")


# --- URLs, served by a local test server -------------------------------------------------------------

_PAGE = (
    b"<html><head><title>Attack in Menaka</title></head><body><article><h1>Attack in Menaka</h1>"
    b"<p>Gunmen attacked a police checkpoint near Menaka on Sunday, killing four officers, officials said."
    b"</p></article></body></html>"
)


def _two_page_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in ("Gunmen attacked a checkpoint near Menaka on Sunday.", "Militants ambushed a convoy near Gao."):
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, str, bytes]]] = {}

    def do_GET(self) -> None:
        status, content_type, body = self.routes.get(self.path, (404, "text/plain", b"not here"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    """A local HTTP server (its base URL) serving an RSS feed, an HTML page, a PDF and a big file."""
    _Handler.routes = {
        "/feed": (200, "application/rss+xml; charset=utf-8", RSS.encode("utf-8")),
        "/page.html": (200, "text/html; charset=utf-8", _PAGE),
        "/report": (200, "application/pdf", _two_page_pdf()),
        "/big": (200, "text/plain", b"word " * 4000),
        "/image": (200, "image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),
    }
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_url_feed_page_and_pdf(server: str, settings: Settings) -> None:
    urls = [f"{server}/feed", f"{server}/page.html", f"{server}/report", f"{server}/feed"]
    good, bad = _split(list(iter_inputs(urls, settings=settings)))
    assert [(g.origin, g.source) for g in good] == [
        (Origin.FEED, f"{server}/feed#1"),
        (Origin.FEED, f"{server}/feed#2"),
        (Origin.URL, f"{server}/page.html"),
        (Origin.PDF, f"{server}/report"),
    ]
    assert [e.source for e in bad] == [f"{server}/feed#3"]  # the title-only item; the repeated URL is read once
    page = good[2]
    assert page.media_type == "text/html" and page.url == f"{server}/page.html"
    assert "police checkpoint" in clean(page).text
    pdf_doc = clean(good[3])
    assert len(pdf_doc.page_offsets) == 2 and pdf_doc.url == f"{server}/report"


def test_url_failures_are_one_input_error_each(server: str, settings: Settings) -> None:
    small = Settings(database_url=settings.database_url, max_input_bytes=1000)
    cases = {
        f"{server}/missing": "HTTP 404",
        f"{server}/big": "over the limit of 1000 bytes",
        f"{server}/image": "unsupported content type 'image/png'",
    }
    for url, problem in cases.items():
        items = list(iter_inputs([url], settings=small))
        assert len(items) == 1 and isinstance(items[0], InputError), url
        assert items[0].source == url and problem in items[0].problem


def test_unreachable_url_is_one_input_error(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed.xml"  # nothing listens there any more
    items = list(iter_inputs([url], settings=settings))
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert items[0].source == url and items[0].problem.startswith("cannot fetch")


def test_silent_server_times_out(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)  # accepts the connection, never answers
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/slow"
        items = list(read_url(url, settings=settings, timeout=0.3))
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert items[0].source == url and "timed out" in items[0].problem

"""``http(s)://`` inputs: fetch one URL (timeout, size limit) and read it as a feed, a PDF or a page.

The response is sorted by its content type, then by sniffing its first
bytes: an RSS/Atom feed yields one ``RawInput`` per item (``feeds``), a PDF
one paged ``RawInput`` (``pdf``), HTML or plain text one ``RawInput`` with
origin URL.  Any network failure (DNS, refused, timeout, TLS, an HTTP error
status, a body over the size limit) is one ``InputError`` naming the URL.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from watchfloor.acquire.feeds import FEED_MEDIA_TYPES, looks_like_feed, read_feed
from watchfloor.acquire.pdf import PDF_MEDIA_TYPE, read_pdf
from watchfloor.clean.decode import looks_binary
from watchfloor.errors import InputError
from watchfloor.models import Origin, RawInput
from watchfloor.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["FETCH_TIMEOUT", "Fetched", "fetch_url", "is_url", "read_url"]

#: Seconds allowed to connect, and between two reads of the body.
FETCH_TIMEOUT = 20.0
_USER_AGENT = "watchfloor (report reader)"
_TEXT_TYPES = {"text/html": "text/html", "application/xhtml+xml": "text/html", "text/plain": "text/plain"}


def is_url(arg: object) -> bool:
    """True for an ``http://`` or ``https://`` string."""
    return isinstance(arg, str) and arg.strip().lower().startswith(("http://", "https://"))


@dataclass(slots=True)
class Fetched:
    """A fetched URL: the final address after redirects, its content type and body."""

    url: str
    content_type: str
    data: bytes


def fetch_url(url: str, *, max_bytes: int, timeout: float = FETCH_TIMEOUT) -> Fetched:
    """GET ``url`` (redirects followed); ``InputError`` on any network failure, error status or oversize body."""
    import httpx

    headers = {"User-Agent": _USER_AGENT, "Accept": "*/*"}
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=True, max_redirects=5, headers=headers) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise InputError(url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip())
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise InputError(url, f"response is {declared} bytes, over the limit of {max_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(url, f"response is over the limit of {max_bytes} bytes")
                chunks.append(chunk)
            content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
            return Fetched(url=str(response.url), content_type=content_type, data=b"".join(chunks))
    except httpx.TimeoutException:
        raise InputError(url, f"timed out after {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise InputError(url, f"cannot fetch: {exc or type(exc).__name__}") from None


def _file_name(url: str) -> str:
    parts = urlsplit(url)
    tail = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return tail or parts.netloc or url


def read_url(url: str, *, settings: Settings, timeout: float = FETCH_TIMEOUT) -> Iterator[RawInput | InputError]:
    """The report(s) at a URL: feed items, a PDF or one page; an ``InputError`` when it cannot be fetched or read."""
    url = url.strip()
    try:
        fetched = fetch_url(url, max_bytes=settings.max_input_bytes, timeout=timeout)
    except InputError as exc:
        yield exc
        return
    if not fetched.data.strip():
        yield InputError(url, "empty response")
        return
    name = _file_name(fetched.url)
    kind = fetched.content_type
    log.debug("%s: %d bytes of %s", url, len(fetched.data), kind or "unknown type")
    if kind == PDF_MEDIA_TYPE or fetched.data.startswith(b"%PDF-"):
        yield read_pdf(fetched.data, source=url, file_name=name, url=fetched.url, max_chars=settings.max_input_bytes)
        return
    if (kind in FEED_MEDIA_TYPES or kind.endswith("+xml") or not kind) and looks_like_feed(fetched.data):
        yield from read_feed(fetched.data, source=url, file_name=name)
        return
    if kind in FEED_MEDIA_TYPES and kind != "application/xhtml+xml":
        yield InputError(url, f"XML response ({kind}) is not an RSS or Atom feed")
        return
    if (kind and kind not in _TEXT_TYPES and not kind.startswith("text/")) or looks_binary(fetched.data):
        yield InputError(url, f"unsupported content type {kind or '(none)'!r}")
        return
    yield RawInput(
        source=url,
        origin=Origin.URL,
        data=fetched.data,
        media_type=_TEXT_TYPES.get(kind, "text/plain"),  # clean sniffs HTML in text/plain
        file_name=name,
        url=fetched.url,
    )

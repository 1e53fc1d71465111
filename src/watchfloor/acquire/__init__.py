"""The acquire stage: paths, folders and glob patterns -> ``RawInput`` records.

``iter_inputs`` never raises for a bad input: it yields an ``InputError``
for it (missing path, unreadable, empty, oversize or binary file, unsupported
type, each malformed JSONL line) and goes on with the rest, so one bad file
does not stop a batch.  Folders are walked recursively in sorted order, so
runs are deterministic; a folder's own documentation (``README*``,
``LICENSE*``, ``CHANGELOG*``, any suffix) is skipped, though such a file named
explicitly is read.

Besides text, HTML, Markdown and JSONL files it reads RSS/Atom feeds
(``.xml``, ``.rss``, ``.atom``: one input per item, see ``feeds``), PDF
reports (``.pdf``: text with page breaks, see ``pdf``) and ``http(s)://``
URLs of a feed, a PDF or a page (``fetch``).
"""

from __future__ import annotations

import glob
import json
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from watchfloor.acquire.feeds import FEED_SUFFIXES, read_feed
from watchfloor.acquire.fetch import is_url, read_url
from watchfloor.acquire.pdf import read_pdf
from watchfloor.clean.decode import looks_binary
from watchfloor.errors import InputError
from watchfloor.models import Origin, RawInput
from watchfloor.settings import Settings

log = logging.getLogger(__name__)

__all__ = ["MEDIA_TYPES", "SUPPORTED_SUFFIXES", "is_folder_doc", "iter_inputs", "read_path", "stream_jsonl"]

#: Suffix (lower case) -> media type of the files watchfloor reads.
MEDIA_TYPES: dict[str, str] = {
    ".txt": "text/plain",
    ".text": "text/plain",
    ".md": "text/markdown",
    ".html": "text/html",
    ".htm": "text/html",
    ".jsonl": "application/jsonl",
    ".xml": "application/xml",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".pdf": "application/pdf",
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(MEDIA_TYPES)
_GLOB_CHARS = set("*?[")
#: Names of the files that document a folder rather than hold a report: README, LICENSE, CHANGELOG, any suffix.
_FOLDER_DOC = re.compile(r"^(?:readme|licen[cs]e|changelog)(?:[-_. ].*)?$", re.IGNORECASE)
_HINT_FIELDS = ("url", "title", "published", "publisher")


def _expand(arg: str | Path) -> Iterator[Path | InputError]:
    """Files named by one argument: the file itself, a folder's supported files, or a pattern's matches."""
    path = Path(arg)
    if not path.exists() and _GLOB_CHARS & set(str(arg)):
        matches = sorted(glob.glob(str(arg), recursive=True))
        if not matches:
            yield InputError(str(arg), "no file matches this pattern")
        for match in matches:
            yield from _expand_existing(Path(match), named=False)
        return
    if not path.exists():
        yield InputError(str(arg), "no such file or directory")
        return
    yield from _expand_existing(path, named=True)


def is_folder_doc(path: Path) -> bool:
    """A file that documents its folder (README.md, LICENSE, CHANGELOG.txt ...), not a report."""
    return _FOLDER_DOC.match(path.name) is not None


def _expand_existing(path: Path, *, named: bool) -> Iterator[Path | InputError]:
    if path.is_dir():
        try:
            children = sorted(p for p in path.rglob("*") if p.is_file())
        except OSError as exc:
            yield InputError(str(path), f"cannot list folder: {exc.strerror or exc}")
            return
        for child in children:
            if any(part.startswith(".") for part in child.relative_to(path).parts):
                log.debug("skipping hidden file %s", child)
            elif is_folder_doc(child):
                log.debug("skipping %s: documents the folder, not a report", child)
            elif child.suffix.lower() not in SUPPORTED_SUFFIXES:
                log.debug("skipping %s: unsupported suffix %r", child, child.suffix)
            else:
                yield child
        return
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        if named:
            supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
            yield InputError(str(path), f"unsupported file type {path.suffix or '(none)'!r} (supported: {supported})")
        else:
            log.debug("skipping %s: unsupported suffix %r", path, path.suffix)
        return
    yield path


def iter_inputs(paths: Sequence[str | Path], *, settings: Settings) -> Iterator[RawInput | InputError]:
    """Yield one ``RawInput`` per report (one per JSONL record) or an ``InputError`` per bad input."""
    if isinstance(paths, str | Path):  # a lone path, not a sequence of them
        paths = [paths]
    seen: set[Path] = set()
    seen_urls: set[str] = set()
    for arg in paths:
        if isinstance(arg, str) and is_url(arg):
            if arg.strip() not in seen_urls:
                seen_urls.add(arg.strip())
                yield from read_url(arg, settings=settings)
            continue
        for item in _expand(arg):
            if isinstance(item, InputError):
                log.debug("bad input: %s", item)
                yield item
                continue
            key = item.resolve()
            if key in seen:
                log.debug("skipping %s: already read", item)
                continue
            seen.add(key)
            yield from read_path(item, settings=settings)


def _unreadable(source: str, exc: OSError) -> InputError:
    """The error for a file that cannot be opened or read."""
    if isinstance(exc, PermissionError):
        return InputError(source, "cannot read file: permission denied")
    return InputError(source, f"cannot read file: {exc.strerror or exc}")


def _read_bytes(path: Path, *, settings: Settings, binary: bool = False) -> bytes | InputError:
    source = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        return InputError(source, f"cannot read file: {exc.strerror or exc}")
    if size > settings.max_input_bytes:
        return InputError(source, f"file is {size} bytes, over the limit of {settings.max_input_bytes} bytes")
    if size == 0:
        return InputError(source, "empty file")
    try:
        with path.open("rb") as handle:
            data = handle.read(settings.max_input_bytes + 1)
    except OSError as exc:
        return _unreadable(source, exc)
    if len(data) > settings.max_input_bytes:
        return InputError(source, f"file is over the limit of {settings.max_input_bytes} bytes")
    if not data.strip():
        return InputError(source, "empty file (whitespace only)")
    if not binary and looks_binary(data):
        return InputError(source, "binary data, not text")
    return data


def read_path(path: Path, *, settings: Settings) -> Iterator[RawInput | InputError]:
    """The report(s) in one file of a supported type: one ``RawInput``, or one per JSONL line or feed item."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from stream_jsonl(path, max_line_bytes=settings.max_input_bytes)
        return
    data = _read_bytes(path, settings=settings, binary=suffix == ".pdf")
    if isinstance(data, InputError):
        yield data
        return
    if suffix in FEED_SUFFIXES:
        yield from read_feed(data, source=str(path), file_name=path.name)
        return
    if suffix == ".pdf":
        yield read_pdf(data, source=str(path), file_name=path.name, max_chars=settings.max_input_bytes)
        return
    yield RawInput(
        source=str(path),
        origin=Origin.FILE,
        data=data,
        media_type=MEDIA_TYPES[suffix],
        file_name=path.name,
    )


def _record(path: Path, number: int, obj: Any) -> RawInput | InputError:
    source = f"{path}:{number}"
    if not isinstance(obj, dict):
        return InputError(source, f"JSONL line is a {type(obj).__name__}, not an object")
    html, text = obj.get("html"), obj.get("text")
    if isinstance(html, str) and html.strip():
        body, media_type = html, "text/html"
    elif isinstance(text, str) and text.strip():
        body, media_type = text, "text/plain"
    else:
        return InputError(source, "JSONL record has no non-empty 'text' or 'html' string")
    hints: dict[str, str | None] = {}
    for name in _HINT_FIELDS:
        value = obj.get(name)
        hints[name] = str(value).strip() or None if value is not None else None
    return RawInput(
        source=source,
        origin=Origin.JSONL,
        data=body.encode("utf-8"),
        media_type=media_type,
        file_name=f"{path.name}#{number}",
        url=hints["url"],
        title=hints["title"],
        published=hints["published"],
        publisher=hints["publisher"],
    )


def _jsonl_line(path: Path, number: int, raw: bytes) -> RawInput | InputError | None:
    """One JSONL line's record or error (``None`` for a blank line)."""
    try:
        line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return InputError(f"{path}:{number}", f"JSONL line is not UTF-8 (byte {exc.start})")
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return InputError(f"{path}:{number}", f"malformed JSON: {exc.msg} at column {exc.colno}")
    return _record(path, number, obj)


def stream_jsonl(path: Path, *, max_line_bytes: int) -> Iterator[RawInput | InputError]:
    """One ``RawInput`` per JSONL line with ``text`` or ``html``; an ``InputError`` per bad line.

    The file is read a line at a time, so a backfill file of any size streams
    in constant memory: the size limit applies to each record (line), and an
    oversize line is skipped without being held in memory.
    """
    source = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield _unreadable(source, exc)
        return
    with handle:
        head = handle.peek(8192)[:8192]
        if not head:
            yield InputError(source, "empty file")
            return
        if looks_binary(head):
            yield InputError(source, "binary data, not text")
            return
        number, records = 0, 0
        while raw := handle.readline(max_line_bytes + 1):
            number += 1
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                yield InputError(f"{path}:{number}", f"JSONL line is over the limit of {max_line_bytes} bytes")
                continue
            item = _jsonl_line(path, number, raw)
            if item is not None:
                records += 1
                yield item
        if not records:
            yield InputError(source, "empty file (whitespace only)")

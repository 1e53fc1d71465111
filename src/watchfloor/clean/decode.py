"""Bytes to text: UTF-8 (with or without BOM), UTF-16/32 with BOM, then legacy encodings.

Legacy single-byte text (cp1252, latin-1 and the like) is detected with
``charset-normalizer`` when UTF-8 fails; cp1252 is the last resort because
it maps nearly every byte.  Binary junk (NUL bytes outside UTF-16/32, a high
share of control characters) is refused with an ``InputError``.
"""

from __future__ import annotations

import codecs
import logging

from watchfloor.errors import InputError

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
#: Control characters that ordinary text may contain.
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\f", "\v", "\x1b"}
#: Share of control characters above which a decoded text is taken for binary data.
MAX_CONTROL_RATIO = 0.05


def control_ratio(text: str) -> float:
    """Share of characters that are C0/C1 controls not found in ordinary text."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0) and ch not in _ALLOWED_CONTROLS)
    return bad / len(text)


def looks_binary(data: bytes, *, sample: int = 8192) -> bool:
    """True when the bytes look like binary data rather than text (NUL bytes without a UTF-16/32 BOM, controls)."""
    head = data[:sample]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if b"\x00" in head:
        return True
    bad = sum(1 for b in head if (b < 32 and chr(b) not in _ALLOWED_CONTROLS) or b == 0x7F)
    return bool(head) and bad / len(head) > MAX_CONTROL_RATIO


def _mostly_western(data: bytes) -> bool:
    """True when ``data`` read as cp1252 is Latin text with a minority of accented letters."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    accented = sum(1 for ch in letters if ord(ch) > 0x7F)
    return accented / len(letters) < 0.3


def _legacy_encoding(data: bytes) -> str:
    """Best guess of a legacy encoding for bytes that are not UTF-8."""
    if _mostly_western(data):
        return "cp1252"
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset-normalizer ships with requests
        return "cp1252"
    best = from_bytes(data).best()
    if best is None:
        return "cp1252"
    encoding = best.encoding
    # Latin text in a Western single-byte code page: cp1252 is a superset of latin-1's printable range.
    if encoding in {"latin_1", "iso8859_1", "iso8859_15", "cp1250", "mac_roman"}:
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            return encoding
        return "cp1252"
    return encoding


def decode_bytes(data: bytes, *, source: str) -> str:
    """Decode raw report bytes to ``str``; raises ``InputError`` naming ``source`` when it cannot."""
    if not data.strip():
        raise InputError(source, "empty input")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputError(source, f"invalid {encoding} text after byte-order mark: {exc.reason}") from exc
            return _checked(text, source=source)
    if looks_binary(data):
        raise InputError(source, "binary data, not text")
    try:
        return _checked(data.decode("utf-8"), source=source)
    except UnicodeDecodeError:
        pass
    encoding = _legacy_encoding(data)
    log.debug("%s: not UTF-8, decoding as %s", source, encoding)
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        text = data.decode("latin-1")
    return _checked(text, source=source)


def _checked(text: str, *, source: str) -> str:
    if control_ratio(text) > MAX_CONTROL_RATIO:
        raise InputError(source, "binary data, not text (too many control characters)")
    return text

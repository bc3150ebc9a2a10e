"""Decode page bytes to text, trusting the bytes over an HTTP charset that may lie.

Valid UTF-8 with non-ASCII text is almost never a legacy code page by accident, so a page
that decodes as UTF-8 is UTF-8 whatever the header says. Otherwise the <meta> declaration
(windows-1258 pages often declare it only there), then the header, then windows-1258; a
Western code page is checked against windows-1258, which old Vietnamese sites mislabel as it.
The result is NFC with invisible characters removed (windows-1258 text is decomposed).
"""

from __future__ import annotations

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

from crawler.extract.text import scrub

FALLBACK = "cp1258"
WESTERN = {"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"}
# Letters and combining tones that Vietnamese text is full of and Western text never has.
VIETNAMESE = set("ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323")
# A UTF-8 page with a few broken bytes (a truncated upload) is still UTF-8.
MAX_BROKEN_UTF8 = 0.002


def _vietnamese_score(text: str) -> int:
    return sum(1 for char in text if char in VIETNAMESE)


def _legacy(body: bytes, encoding: str) -> str | None:
    try:
        text = body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    if encoding in WESTERN:
        vietnamese = body.decode(FALLBACK, errors="replace")
        if _vietnamese_score(vietnamese) > 2 * _vietnamese_score(text) + 10:
            return None
    return text


def _decode(body: bytes, content_type: str | None) -> tuple[str, str]:
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom):].decode(bom_encoding, errors="replace"), bom_encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = [html_body_declared_encoding(body), http_content_type_encoding(content_type)]
    encodings = [resolve_encoding(name) or name for name in declared if name]
    for encoding in encodings:
        if encoding.replace("_", "-") in ("utf-8", "utf8"):
            continue
        text = _legacy(body, encoding)
        if text is not None:
            return text, encoding
    lenient = body.decode("utf-8", errors="replace")
    if lenient.count("\ufffd") <= MAX_BROKEN_UTF8 * len(lenient):
        return lenient, "utf-8"
    return body.decode(FALLBACK, errors="replace"), FALLBACK


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return the page text (NFC, no invisible characters) and the encoding used to decode it."""
    text, encoding = _decode(body, content_type)
    return scrub(text), encoding

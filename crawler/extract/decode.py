"""Decode page bytes to text, trusting the bytes over an HTTP charset that may lie.

Valid UTF-8 with non-ASCII text is almost never a legacy code page by accident, so a page
that decodes as UTF-8 is UTF-8 whatever the header says; otherwise the <meta> declaration
(windows-1258 pages often declare it only there), then the header, then windows-1258.
"""

from __future__ import annotations

from w3lib.encoding import (
    html_body_declared_encoding,
    http_content_type_encoding,
    read_bom,
    resolve_encoding,
)

FALLBACK = "cp1258"


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return the page text and the encoding used to decode it."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding:
        return body[len(bom):].decode(bom_encoding, errors="replace"), bom_encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for declared in (html_body_declared_encoding(body), http_content_type_encoding(content_type)):
        encoding = resolve_encoding(declared) if declared else None
        if encoding and encoding not in ("utf-8", "utf8"):
            try:
                return body.decode(encoding), encoding
            except (UnicodeDecodeError, LookupError):
                continue
    return body.decode(FALLBACK, errors="replace"), FALLBACK

"""Files that articles attach: what kinds there are, and what their servers said of each one.

A department attaches the plan or decision it announces as PDF, Word or Excel. The crawler asks
each file's server once, with HEAD, for its media type and size (never for its body); the
answer is kept in `file_heads`, so no file URL is asked twice, in this crawl or any later one.
Until a server has answered (or when it never does), the extension gives the type.

An attachment travels as a plain dict, as the article's `attachments` column keeps it:
{"url", "title", "type", "length"?} (`length` only when a server gave it).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base, Database, UTCDateTime, utcnow

# What departments attach, by extension. Fixed here rather than read from the system's
# mime.types, so a feed says the same on every machine. Images are not files: a linked photo
# is a figure of the article.
FILE_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
    "7z": "application/x-7z-compressed",
}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp", "bmp", "svg", "tif", "tiff", "ico"}
PAGE_EXTENSIONS = {"html", "htm", "shtml", "xhtml"}
UNKNOWN_TYPE = "application/octet-stream"
# What servers send for "some file": the extension says more.
VAGUE_TYPES = {"application/octet-stream", "binary/octet-stream", "application/force-download",
               "application/x-download", "application/download", "application/unknown"}
PAGE_TYPES = ("text/html", "application/xhtml+xml")


def extension(url_or_name: str) -> str:
    """The lower-case extension of a URL's path or of a file name ("" when there is none)."""
    path = urlsplit(url_or_name).path if "://" in url_or_name else url_or_name
    return PurePosixPath(unquote(path)).suffix[1:].lower()


def file_type(url_or_name: str) -> str | None:
    """The media type of a file a department attaches, by its extension (None: not such a file)."""
    return FILE_TYPES.get(extension(url_or_name))


def guessed_type(url_or_name: str) -> str:
    """The type by extension: the attached kinds first, then Python's table, else unknown."""
    known = file_type(url_or_name)
    if known:
        return known
    guessed, _ = mimetypes.guess_type(PurePosixPath(unquote(urlsplit(url_or_name).path)).name)
    return guessed or UNKNOWN_TYPE


def file_name(url: str) -> str:
    """The last segment of a URL's path, decoded ("Kế hoạch 48.pdf")."""
    return unquote(PurePosixPath(urlsplit(url).path).name)


class FileHead(Base):
    """What a file's server answered to HEAD: its status, media type and size."""

    __tablename__ = "file_heads"

    url: Mapped[str] = mapped_column(Text, primary_key=True)
    status: Mapped[int] = mapped_column(Integer)  # 0: no answer (refused, timed out, robots.txt)
    media_type: Mapped[str | None] = mapped_column(String(255))
    length: Mapped[int | None] = mapped_column(Integer)
    checked: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def described(attachment: dict[str, Any], head: FileHead | None) -> dict[str, Any] | None:
    """The attachment with what its server said: its type and length when it answered 200.

    None when the server said the link is a page (a "Tải về" link to an HTML page) and no
    extension says it is a file. No answer, or a failed one: the type by extension, no length.
    """
    found = {key: attachment[key] for key in ("url", "title", "type") if key in attachment}
    if head is None or head.status != 200:
        return found
    served = (head.media_type or "").split(";")[0].strip().lower()
    by_extension = file_type(attachment["url"])
    if served.startswith(PAGE_TYPES):
        return found if by_extension else None
    if served and served not in VAGUE_TYPES:
        found["type"] = served
    if head.length:
        found["length"] = head.length
    return found


class FileRows(Database):
    def file_heads(self, urls: Iterable[str]) -> dict[str, FileHead]:
        """What servers answered for these file URLs, for those already asked."""
        wanted = sorted(set(urls))
        found: dict[str, FileHead] = {}
        with self.session() as s:
            for start in range(0, len(wanted), 500):
                query = select(FileHead).where(FileHead.url.in_(wanted[start:start + 500]))
                found.update((head.url, head) for head in s.scalars(query))
        return found

    def save_file_head(self, url: str, status: int, media_type: str | None = None,
                       length: int | None = None) -> FileHead:
        """Keep a server's answer about a file; the first answer stays (a file is asked once)."""
        with self.session() as s:
            head = s.get(FileHead, url)
            if head is None:
                head = FileHead(url=url, status=status, media_type=media_type, length=length,
                                checked=utcnow())
                s.add(head)
            return head

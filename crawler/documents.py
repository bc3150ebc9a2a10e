"""Documents sections: a table of documents (number, date issued, summary, issuer, file), a row an entry.

Departments list their plans and decisions ("Văn bản", "Văn bản chỉ đạo điều hành") in a table
that people follow more closely than the news. A source with `kind = "documents"` reads it:
the table is the one whose header names a summary column and a number or date column; each
row becomes an entry whose title is the summary (with the number), published on the date
issued, with the document's file as its attachment and its detail page, when it has one, as
its link.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from core.fields import DocumentSelectors
from core.files import file_name
from crawler.canonical import clean_url
from crawler.extract.attachments import Attachment, link_attachment
from crawler.extract.dates import parse_date
from crawler.extract.text import clean_text

# Header cell → column, first match wins ("Cơ quan ban hành" is the issuer, "Ngày ban hành" the date).
COLUMNS = (
    ("number", re.compile(r"số\s*(?:/\s*)?(?:ký|kí)\s*hiệu|số\s*hiệu|số\s*văn\s*bản|ký hiệu|^số$"
                          r"|number|symbol", re.I)),
    ("issuer", re.compile(r"cơ\s*quan|đơn\s*vị|người\s*ký|nơi\s*ban\s*hành|issuer", re.I)),
    ("date", re.compile(r"ngày|ban\s*hành|hiệu\s*lực|date|issued", re.I)),
    ("summary", re.compile(r"trích\s*yếu|nội\s*dung|tên\s*(?:văn\s*bản|tài\s*liệu)?|tiêu\s*đề"
                           r"|title|summary", re.I)),
    ("file", re.compile(r"tải|tệp|tập\s*tin|file|đính\s*kèm|download|xem", re.I)),
)


@dataclass
class DocumentRow:
    summary: str
    number: str = ""
    issued: datetime | None = None
    issuer: str = ""
    page: str = ""  # the document's detail page, if the row links one
    files: list[Attachment] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The entry's own URL: its detail page, else its first file."""
        return self.page or (self.files[0].url if self.files else "")

    @property
    def title(self) -> str:
        return f"{self.summary} ({self.number})" if self.number and self.number not in self.summary \
            else self.summary

    def body_html(self) -> str:
        lines = [("Số/ký hiệu", self.number), ("Ngày ban hành", self.issued.strftime("%d/%m/%Y")
                                                 if self.issued else ""),
                 ("Cơ quan ban hành", self.issuer), ("Trích yếu", self.summary)]
        return "\n".join(f"<p><strong>{label}:</strong> {html.escape(value)}</p>"
                         for label, value in lines if value)

    def body_text(self) -> str:
        return "\n".join(clean_text(lxml_html.fromstring(line).text_content())
                         for line in self.body_html().splitlines())


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, text in enumerate(header):
        for name, pattern in COLUMNS:
            if name not in found and pattern.search(text):
                found[name] = index
                break
    return found


def _cells(row) -> list:
    return [cell for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]


def document_rows(page_html: str, base_url: str, timezone: str,
                  selectors: DocumentSelectors | None = None) -> list[DocumentRow]:
    """The documents the page lists, in page order (none: nothing on it looks like a documents list).

    A family's (or source's) selectors read lists that are no headed table; where they find
    nothing, the generic path looks for the table whose header names the columns.
    """
    root = lxml_html.fromstring(page_html or "<html></html>")
    for rows_selector in selectors.rows if selectors is not None else ():
        found = [doc for item in root.cssselect(rows_selector)
                 if (doc := _document(item, _parts(item, selectors), base_url, timezone))]
        if found:
            return found
    return _table_rows(root, base_url, timezone)


def _parts(item, selectors: DocumentSelectors) -> dict:
    """Each part of a listed document: the first match of its first selector that matches."""
    parts = {}
    for name in ("summary", "number", "date", "issuer", "file"):
        matches = (found[0] for selector in getattr(selectors, name) if (found := item.cssselect(selector)))
        match = next(matches, None)
        if match is not None:
            parts[name] = match
    return parts


def _within(element, container) -> bool:
    return container is not None and (element is container or container in element.iterancestors())


def _table_rows(root, base_url: str, timezone: str) -> list[DocumentRow]:
    for table in root.iter("table"):
        rows = [row for row in table.iter("tr") if row.getparent() is not None]
        if not rows:
            continue
        columns = _columns([clean_text(cell.text_content()) for cell in _cells(rows[0])])
        if "summary" not in columns or not ({"number", "date"} & set(columns)):
            continue
        found = []
        for row in rows[1:]:
            cells = _cells(row)
            parts = {name: cells[index] for name, index in columns.items() if index < len(cells)}
            if (doc := _document(row, parts, base_url, timezone)):
                found.append(doc)
        if found:
            return found
    return []


def _document(row, parts: dict, base_url: str, timezone: str) -> DocumentRow | None:
    """One document from its row and parts; its files are the row's links to files (any link of
    its file part), its page the first other link, the summary's own link first."""

    def text(name: str) -> str:
        return clean_text(parts[name].text_content()) if name in parts else ""

    summary = text("summary")
    if not summary:
        return None
    document = DocumentRow(summary, number=text("number"), issuer=text("issuer"),
                           issued=parse_date(text("date"), timezone) if "date" in parts else None)
    own_page = other_page = ""
    for anchor in row.iter("a"):
        attachment = link_attachment(anchor, base_url, any_link=_within(anchor, parts.get("file")))
        if attachment is not None:
            if attachment.url not in {f.url for f in document.files}:
                document.files.append(attachment)
            continue
        target = urljoin(base_url, (anchor.get("href") or "").strip()).split("#")[0]
        if urlsplit(target).scheme not in ("http", "https") or target == base_url:
            continue
        if _within(anchor, parts["summary"]) or _within(parts["summary"], anchor):
            own_page = own_page or target
        else:
            other_page = other_page or target
    if own_page or other_page:
        document.page = clean_url(own_page or other_page)  # not a file: the document's own page
    # "Tải về" names no file: the document's number (or summary) names its first (main) file
    unnamed = next((f for f in document.files if f.title == file_name(f.url)), None)
    document.files = [Attachment(f.url, document.number or summary, f.type) if f is unnamed else f
                      for f in document.files]
    return document if document.url else None

"""The files an article attaches: links to documents, "Tệp đính kèm" lists and embedded viewers.

Department news is often a wrapper around a file (a plan, a decision, a call for proposals).
Four shapes are found, read on the page's tree before it becomes blocks:
- a list of files under a label in the body ("Tệp đính kèm:", "File đính kèm:", "Tải về:"):
  attachments, and the label and its list leave the body (the entry lists the files after it,
  so they are not printed twice);
- a CMS's attachment panel (NukeViet's `news-download-file`, Drupal's file field), inside the
  body or beside it: attachments, and the panel leaves the body likewise;
- a link in the prose ("… theo Kế hoạch (tải về)"), by the file's extension, its `download`
  attribute or its text: an attachment, and the link stays where it is;
- a viewer embedded with <iframe>, <object> or <embed> (PDF.js `viewer.html?file=…`, Google Docs
  `docs.google.com/viewer?url=…`, a bare PDF): the cleaning drops the viewer as code, so a
  marker is left in its place first (`mark_viewers`) and read with the rest.
Images are never attachments: a linked photo stays a figure. Links to pages are not either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlsplit

from lxml import etree

from core.files import IMAGE_EXTENSIONS, PAGE_EXTENSIONS, extension, file_name, file_type, guessed_type
from crawler.canonical import clean_url
from crawler.extract.clean import in_chrome
from crawler.extract.page import Element, holds, is_element, remove, text_of
from crawler.extract.select import Selection
from crawler.extract.text import clean_text

MARK = "data-deptfeeds-file"  # the marker an embedded viewer leaves where it stood
MARK_TITLE = "data-deptfeeds-title"
VIEWERS = ("iframe", "object", "embed")
VIEWER_PARAMS = ("src", "url", "movie", "filename", "data")
# Attachment blocks of common CMSs (NukeViet, Drupal file fields, Joomla and WordPress plugins).
PANELS = Selection((".news-download-file", ".download-file", ".file-attachments", ".attachments",
                    ".attachment-list", ".field-type-file", ".field-name-field-file",
                    ".field-name-field-attachments", ".tep-dinh-kem", ".file-dinh-kem", ".dinh-kem"))
# A label heading a list of files: the whole text of its block, links left out.
LABEL = re.compile(r"(?:(?:các\s+)?(?:tệp|tập tin|file|văn bản|tài liệu)\s+(?:đính\s+kèm|kèm\s+theo)"
                   r"|đính kèm|tải về|tải xuống|download|attachments?)\s*:?", re.I)
# Link text that says "this is a file" without naming it.
DOWNLOAD_TEXT = re.compile(r"(?:bấm\s+|nhấn\s+)?(?:vào\s+)?(?:đây\s+để\s+)?"
                           r"(?:tải\s*(?:về|xuống|file|tệp)|download|xem\s+(?:file|tệp)"
                           r"|(?:tệp|tập tin|file|văn bản|tài liệu)\s+đính\s+kèm)(?:\s+(?:tại\s+)?đây)?\s*:?",
                           re.I)
SIZE = re.compile(r"[(\[]\s*\d+(?:[.,]\d+)?\s*(?:bytes?|[kmg]i?b)\s*[)\]]", re.I)
LETTERS = re.compile(r"[^\W\d_]")
LABEL_TAGS = ("p", "div", "span", "strong", "b", "em", "h3", "h4", "h5", "h6", "dt", "label")
MAX_TITLE = 300


@dataclass(frozen=True)
class Attachment:
    """A file the article attaches: its URL, its name as the page gives it, its type by extension."""

    url: str
    title: str
    type: str


def file_target(url: str, embedded: bool = False) -> str | None:
    """The file a URL serves or shows; None for a page, an image or a URL that is not the web.

    A viewer names its file in a parameter (`viewer.html?file=…`, `docs.google.com/viewer?url=…`),
    which is the file; a download script named after its file (`GetFile.aspx?f=KH48.pdf`) is
    the file itself.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    kind = extension(parts.path)
    if kind in IMAGE_EXTENSIONS:
        return None
    if file_type(parts.path):
        return url
    for _, value in parse_qsl(parts.query):
        inner = value.strip()
        try:
            inner_path = urlsplit(inner).path
        except ValueError:  # a query value with brackets that is no URL ("[@attr_id='x.pdf']")
            continue
        if not file_type(inner_path):
            continue
        if embedded or inner.startswith(("http://", "https://", "/")):
            target = urljoin(url, inner)
            return target if urlsplit(target).scheme in ("http", "https") else None
        return url
    return None


def _title(text: str, tooltip: str, url: str) -> str:
    """The page's name for a file: its link text, else the link's title, else the file's name."""
    for candidate in (text, tooltip):
        candidate = clean_text(SIZE.sub(" ", candidate)).strip(" :-–|")
        if candidate and not DOWNLOAD_TEXT.fullmatch(candidate) and len(candidate) <= MAX_TITLE \
                and LETTERS.search(candidate):
            return candidate
    return file_name(url) or url


def _attachment(url: str, text: str = "", tooltip: str = "") -> Attachment:
    url = clean_url(url)
    return Attachment(url, _title(text, tooltip, url), guessed_type(url))


def mark_viewers(root: Element, base_url: str) -> None:
    """Leave a marker before each embedded file viewer, so its file outlives the cleaning."""
    for viewer in list(root.iter(*VIEWERS)):
        sources = [viewer.get("src"), viewer.get("data")]
        sources += [param.get("value") for param in viewer.iter("param")
                    if (param.get("name") or "").lower() in VIEWER_PARAMS]
        for source in filter(None, sources):
            target = file_target(urljoin(base_url, source.strip()), embedded=True)
            if target is not None:
                marker = etree.Element("span", {MARK: target, MARK_TITLE: viewer.get("title") or ""})
                viewer.addprevious(marker)
                break


def link_attachment(anchor: Element, base_url: str, any_link: bool = False) -> Attachment | None:
    """The file a link points to: by its extension, its `download` attribute or its text.

    `any_link`: the link sits in an attachment panel, so any link but a page's or a photo's is a file.
    """
    href = (anchor.get("href") or "").strip()
    if not href or href.startswith("#"):
        return None
    url = urljoin(base_url, href).split("#")[0]
    text = clean_text(text_of(anchor))
    target = file_target(url)
    if target is None and urlsplit(url).scheme in ("http", "https") \
            and extension(url) not in IMAGE_EXTENSIONS | PAGE_EXTENSIONS \
            and (any_link or anchor.get("download") is not None or DOWNLOAD_TEXT.fullmatch(text)):
        target = url
    if target is None:
        return None
    return _attachment(target, text, anchor.get("title") or "")


def _loose_text(tag: Element) -> str:
    """The text of an element outside its links, sizes left out."""
    return clean_text(SIZE.sub(" ", " ".join(tag.xpath(".//text()[not(ancestor::a)]"))))


def _only_files(tag: Element, base_url: str) -> list[tuple[Element, Attachment]] | None:
    """The files of a block that holds nothing but file links (None when it holds anything else)."""
    if LETTERS.search(_loose_text(tag)):
        return None
    found = [(anchor, link_attachment(anchor, base_url)) for anchor in tag.iter("a")]
    if not found or any(a is None for _, a in found):
        return None
    return [(anchor, a) for anchor, a in found if a is not None]


def _labelled_lists(container: Element, base_url: str) -> list[tuple[Element, Attachment]]:
    """Files listed under a label in the body ("Tệp đính kèm:" and the links after it); the label
    and its list leave the body."""
    found: list[tuple[Element, Attachment]] = []
    for tag in list(container.iter(*LABEL_TAGS)):
        if tag is container or tag.getparent() is None or not holds(container, tag) \
                or not LABEL.fullmatch(_loose_text(tag)):
            continue
        block = tag  # the label's own line: the outermost element inside the body with its text
        while block.getparent() is not None and block.getparent() is not container \
                and _loose_text(block.getparent()) == _loose_text(tag):
            block = block.getparent()
        files = [(anchor, a) for anchor in block.iter("a") if (a := link_attachment(anchor, base_url))]
        listed = []
        for sibling in block.itersiblings():
            if not is_element(sibling):
                continue
            links = _only_files(sibling, base_url)
            if links is None:
                break
            listed.append(sibling)
            files += links
        if not files:
            continue
        found += files
        for done in [block, *listed]:
            remove(done)
    return found


def _panels(root: Element, container: Element, base_url: str,
            keep: frozenset[Element]) -> list[tuple[Element, Attachment]]:
    """Files in the CMS's attachment panel, wherever the page prints it (not in its chrome)."""
    found: list[tuple[Element, Attachment]] = []
    for panel in PANELS.select(root):
        if panel.getparent() is None or holds(panel, container) or in_chrome(panel, keep):
            continue
        found += [(anchor, a) for anchor in panel.iter("a")
                  if (a := link_attachment(anchor, base_url, any_link=True)) is not None]
        if holds(container, panel):
            remove(panel)
    return found


def find_attachments(root: Element, container: Element, base_url: str,
                     keep: frozenset[Element] = frozenset()) -> list[Attachment]:
    """Every file the article attaches, in page order, each once (the first name given wins).

    Lists and panels of files leave the body; links in the prose stay in it. The markers of
    `mark_viewers` are read inside the body and removed everywhere.
    """
    order = {element: index for index, element in enumerate(root.iter())}
    found: list[tuple[Element, Attachment]] = []
    for marker in [tag for tag in root.iter("span") if tag.get(MARK) is not None]:
        if holds(container, marker):
            found.append((marker, _attachment(marker.get(MARK), tooltip=marker.get(MARK_TITLE) or "")))
        remove(marker)
    found += _labelled_lists(container, base_url)
    found += _panels(root, container, base_url, keep)
    found += [(anchor, a) for anchor in container.iter("a")
              if (a := link_attachment(anchor, base_url)) is not None]
    found.sort(key=lambda pair: order.get(pair[0], len(order)))
    unique: dict[str, Attachment] = {}
    for _, attachment in found:
        unique.setdefault(attachment.url, attachment)
    return list(unique.values())

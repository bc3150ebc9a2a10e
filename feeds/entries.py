"""Turn stored stories into format-neutral feed entries: clean text, safe HTML, local dates, files.

An article's attached files are listed after its body (name, kind, size when known) and are
the entry's enclosures; an article without files offers its lead image instead.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from core.config import DEFAULT_TIMEZONE
from core.files import FILE_TYPES, UNKNOWN_TYPE, extension
from core.store import StoredArticle
from feeds.sanitize import clean_html, plain_text, xml_safe
from feeds.stories import Story

DEFAULT_ZONE = ZoneInfo(DEFAULT_TIMEZONE)
# The date of a feed with no entries: fixed, so an empty feed is as stable as any other.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC).astimezone(DEFAULT_ZONE)
UNTITLED = "(không có tiêu đề)"


@dataclass(frozen=True)
class Enclosure:
    url: str
    type: str
    length: int | None = None
    title: str = ""


@dataclass(frozen=True)
class Entry:
    """One item as every format needs it; all text already plain and XML-safe."""

    id: str
    url: str
    title: str
    summary: str
    content_html: str
    published: datetime
    updated: datetime
    source_id: str
    source_name: str
    author: str | None = None
    categories: tuple[str, ...] = ()
    image: Enclosure | None = None
    attachments: tuple[Enclosure, ...] = ()  # the files it attaches, in page order

    @property
    def enclosures(self) -> tuple[Enclosure, ...]:
        """What the entry offers to download: its files, else its lead image."""
        if self.attachments:
            return self.attachments
        return (self.image,) if self.image is not None else ()


@dataclass
class Feed:
    """One feed, ready to be written in each format."""

    path: str
    title: str
    description: str
    home_url: str
    author: str
    urls: Mapping[str, str]
    entries: list[Entry] = field(default_factory=list)

    @property
    def updated(self) -> datetime:
        """The newest entry's date, never the clock, so an unchanged feed keeps its bytes."""
        return max((e.updated for e in self.entries), default=EPOCH)


def local(value: datetime, zone: ZoneInfo = DEFAULT_ZONE) -> datetime:
    """The source's own time to the second: what every feed date carries (+07:00 in Vietnam)."""
    return value.astimezone(zone).replace(microsecond=0)


def published(article: StoredArticle, zone: ZoneInfo = DEFAULT_ZONE) -> datetime:
    return local(article.published or article.first_seen, zone)


def image_enclosure(url: str | None) -> Enclosure | None:
    """The lead image, when its type can be told from its URL (an enclosure must carry one)."""
    if not url or urlsplit(url).scheme not in ("http", "https"):
        return None
    kind, _ = mimetypes.guess_type(urlsplit(url).path)
    return Enclosure(url, kind) if kind and kind.startswith("image/") else None


@dataclass(frozen=True)
class Publisher:
    """What an entry shows of its source: the name, and the timezone its dates are given in."""

    name: str
    zone: ZoneInfo = DEFAULT_ZONE


def publisher(publishers: Mapping[str, Publisher], source_id: str) -> Publisher:
    return publishers.get(source_id) or Publisher(source_id)


def copies_html(copies: list[StoredArticle], publishers: Mapping[str, Publisher]) -> str:
    """A list of links to the other copies of a story, for the end of its entry."""
    if not copies:
        return ""
    items = []
    for copy in copies:
        who = publisher(publishers, copy.source_id)
        items.append(f'<li><a href="{html.escape(copy.url)}">{html.escape(who.name)}</a>: '
                     f"{html.escape(plain_text(copy.title))} ({published(copy, who.zone):%d/%m/%Y})</li>")
    return f"<p><strong>Tin này cũng được đăng tại:</strong></p><ul>{''.join(items)}</ul>"


def attached_files(article: StoredArticle) -> tuple[Enclosure, ...]:
    """The article's files as the store describes them (web URLs only, each once)."""
    found: dict[str, Enclosure] = {}
    for attachment in article.attachments or []:
        url = xml_safe(str(attachment.get("url") or ""))
        if urlsplit(url).scheme not in ("http", "https") or url in found:
            continue
        length = attachment.get("length")
        kind = plain_text(str(attachment.get("type") or "")) or UNKNOWN_TYPE
        found[url] = Enclosure(url, kind,
                               length if isinstance(length, int) and length > 0 else None,
                               plain_text(str(attachment.get("title") or "")))
    return tuple(found.values())


KIND_NAMES = {media_type: name.upper() for name, media_type in reversed(list(FILE_TYPES.items()))}


def size_text(length: int) -> str:
    """A file size as Vietnamese readers write it: "812 byte", "245 KB", "1,2 MB"."""
    if length < 1024:
        return f"{length} byte"
    if length < 1024 * 1024:
        return f"{round(length / 1024)} KB"
    return f"{length / 1024 / 1024:.1f} MB".replace(".", ",")


def kind_text(file: Enclosure) -> str:
    """The kind of a file in a word: its extension ("PDF", "DOCX"), else its media type's, else "tệp"."""
    name = extension(file.url)
    if name in FILE_TYPES:
        return name.upper()
    return KIND_NAMES.get(file.type, file.type if "/" in file.type else "tệp")


def attachments_html(files: tuple[Enclosure, ...]) -> str:
    """The list of attached files for after the body: name, kind and size when known."""
    items = []
    for file in files:
        about = ", ".join([kind_text(file), *([size_text(file.length)] if file.length else [])])
        items.append(f'<li><a href="{html.escape(file.url)}">{html.escape(file.title or file.url)}</a> '
                     f"({html.escape(about)})</li>")
    return f"<p><strong>Tệp đính kèm:</strong></p><ul>{''.join(items)}</ul>" if items else ""


def entry_for(story: Story, publishers: Mapping[str, Publisher]) -> Entry:
    """Clean and convert one story, dated in its source's timezone; its files, then its copies,
    are listed after the body."""
    article = story.article
    source = publisher(publishers, article.source_id)
    first = published(article, source.zone)
    changed = max([local(article.updated, source.zone), first,
                   *(local(c.updated, source.zone) for c in story.copies)])
    content = clean_html(article.body_html or "", article.url)
    files = attached_files(article)
    for extra in (attachments_html(files), copies_html(story.copies, publishers)):
        if extra:
            content += "\n" + clean_html(extra, article.url)
    categories = dict.fromkeys(c for c in (plain_text(x) for x in article.categories or []) if c)
    author = plain_text(article.author or "")
    url = xml_safe(article.url)
    return Entry(
        id=url,
        url=url,
        title=plain_text(article.title) or UNTITLED,
        summary=plain_text(article.summary or ""),
        content_html=content,
        published=first,
        updated=changed,
        source_id=article.source_id,
        source_name=source.name,
        author=author or None,
        categories=tuple(categories),
        image=image_enclosure(xml_safe(article.image_url or "")),
        attachments=files,
    )

"""Turn stored stories into format-neutral feed entries: clean text, safe HTML, local dates."""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from core.config import DEFAULT_TIMEZONE
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


def entry_for(story: Story, publishers: Mapping[str, Publisher]) -> Entry:
    """Clean and convert one story, dated in its source's timezone; copies are linked at the end."""
    article = story.article
    source = publisher(publishers, article.source_id)
    first = published(article, source.zone)
    changed = max([local(article.updated, source.zone), first,
                   *(local(c.updated, source.zone) for c in story.copies)])
    content = clean_html(article.body_html or "", article.url)
    extra = copies_html(story.copies, publishers)
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
    )

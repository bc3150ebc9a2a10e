"""The output folder's front page: every source with its crawl status and feeds, the latest news."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.config import Source
from core.store import CrawlRun, Store, StoredArticle
from feeds.entries import Entry, Feed, local
from feeds.formats import FEED_SUFFIXES, FORMAT_NAMES, MEDIA_TYPES, OPML_FILE

LATEST = 20
SUCCEEDED = ("ok", "partial")

TEMPLATES = Environment(loader=PackageLoader("feeds", "templates"), autoescape=select_autoescape(),
                        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


@dataclass(frozen=True)
class Link:
    name: str
    href: str
    type: str
    title: str


@dataclass(frozen=True)
class FeedRow:
    id: str
    name: str
    description: str
    links: list[Link]
    site: str = ""
    articles: int = 0
    last_success: str = ""
    last_status: str = ""


def links(feed: Feed) -> list[Link]:
    """Relative links, so the page works on whatever host serves the folder."""
    return [Link(FORMAT_NAMES[s], feed.path + s, MEDIA_TYPES[s], f"{feed.title} ({FORMAT_NAMES[s]})")
            for s in FEED_SUFFIXES]


def crawl_status(session: Session, source: Source) -> tuple[str, str]:
    """When the source was last crawled successfully (its local time), and how its last run ended."""
    source_id = source.id
    runs = select(CrawlRun).where(CrawlRun.source_id == source_id).order_by(CrawlRun.id.desc())
    last = session.scalars(runs.limit(1)).first()
    success = session.scalars(runs.where(CrawlRun.status.in_(SUCCEEDED)).limit(1)).first()
    zone = ZoneInfo(source.timezone)
    when = local(success.ended or success.started, zone).strftime("%d/%m/%Y %H:%M") if success else ""
    return when, last.status if last else ""


def render_index(store: Store, title: str, sources: Sequence[tuple[Source, Feed]], combined: Feed,
                 topics: Sequence[Feed], latest: Sequence[Entry]) -> bytes:
    """index.html: dated only by what the store holds, so an unchanged store keeps its bytes."""
    rows = []
    with store.session() as session:
        per_source = select(StoredArticle.source_id, func.count()).group_by(StoredArticle.source_id)
        counts = {source_id: count for source_id, count in session.execute(per_source)}
        for source, feed in sources:
            when, status = crawl_status(session, source)
            rows.append(FeedRow(source.id, source.name, feed.description, links(feed), site=source.listing[0],
                                articles=counts.get(source.id, 0), last_success=when, last_status=status))
    topic_rows = [FeedRow(f.path.rsplit("/", 1)[-1], f.title, f.description, links(f)) for f in topics]
    alternates = [link for feed in (combined, *(f for _, f in sources), *topics) for link in links(feed)]
    page = TEMPLATES.get_template("index.html").render(
        title=title, sources=rows, topics=topic_rows, latest=list(latest)[:LATEST],
        combined=FeedRow("all", combined.title, combined.description, links(combined)),
        alternates=alternates, opml=OPML_FILE)
    return page.encode("utf-8")

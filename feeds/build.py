"""Build RSS 2.0 and Atom 1.0 feeds per source and one combined feed, newest first.

Feed-level dates come from the newest entry, never from the clock, so a rebuild with
nothing new produces the same bytes and the file is left alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from feedgen.feed import FeedGenerator

from crawler.config import Config
from crawler.store import Article, Store
from feeds.write import write_if_changed

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass
class FeedSpec:
    slug: str
    title: str
    description: str
    link: str
    articles: Sequence[Article]


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(LOCAL_TZ) if value is not None else None


def render(spec: FeedSpec, base_url: str) -> dict[str, bytes]:
    """Serialise one feed as RSS and Atom bytes."""
    fg = FeedGenerator()
    fg.load_extension("dc")
    self_rss, self_atom = urljoin(base_url, f"{spec.slug}.rss"), urljoin(base_url, f"{spec.slug}.atom")
    fg.id(self_atom)
    fg.title(spec.title)
    fg.description(spec.description)
    fg.subtitle(spec.description)
    fg.link(href=spec.link, rel="alternate")
    fg.language("vi")
    fg.generator("deptfeeds")
    newest = max((a.updated for a in spec.articles), default=EPOCH)
    fg.updated(_local(newest))
    fg.lastBuildDate(_local(newest))
    for article in spec.articles:
        entry = fg.add_entry(order="append")
        entry.id(article.url)
        entry.guid(article.url, permalink=True)
        entry.title(article.title)
        entry.link(href=article.url)
        entry.published(_local(article.published or article.first_seen))
        entry.updated(_local(article.updated))
        if article.summary:
            entry.summary(article.summary)
        if article.body_html:
            entry.content(article.body_html, type="html")
        if article.author:
            entry.dc.dc_creator(article.author)
            entry.author(name=article.author)
    fg.link(href=self_atom, rel="self")
    atom = fg.atom_str(pretty=True)
    fg.link(href=self_rss, rel="self", replace=True)
    rss = fg.rss_str(pretty=True)
    return {f"{spec.slug}.atom": atom, f"{spec.slug}.rss": rss}


def feed_specs(store: Store, config: Config, sources: set[str] | None = None) -> list[FeedSpec]:
    """One feed per source (only those given, if any) plus `all`, the combined feed."""
    limit = config.feeds.limit
    specs = [FeedSpec(s.id, s.name, f"Tin tức mới của {s.name}", s.listing[0],
                      store.articles(s.id, limit)) for s in config.sources
             if sources is None or s.id in sources]
    specs.append(FeedSpec("all", config.feeds.title, "Tin tức mới của tất cả các nguồn",
                          config.feeds.base_url, store.articles(None, limit)))
    return specs


def build_feeds(store: Store, config: Config, sources: set[str] | None = None,
                out_dir: Path | None = None) -> dict[Path, bool]:
    """Write every feed (or those of `sources` plus `all`); return each file with whether it changed."""
    out_dir = out_dir or config.feeds_dir
    written: dict[Path, bool] = {}
    for spec in feed_specs(store, config, sources):
        for name, data in render(spec, config.feeds.base_url).items():
            path = out_dir / name
            written[path] = write_if_changed(path, data)
    return written

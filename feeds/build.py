"""Build every feed from the store: one per source, the combined `all`, one per topic.

Each feed is written as RSS 2.0, Atom 1.0 and JSON Feed 1.1, plus an OPML list, an
index.html and feed.xsl (the page a browser shows an RSS or Atom feed as). Dates come from
the entries, never the clock, so a rebuild with nothing new produces the same bytes and
leaves the files alone. The files a build changes are replaced
together at its end (feeds.write.WriteBatch), so a failed build leaves every old file in place.
"""

from __future__ import annotations

import gc
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from core.config import COMBINED_FEED, Config, Source
from core.store import Store
from feeds.entries import Feed, Publisher, entry_for
from feeds.formats import FEED_SUFFIXES, INDEX_FILE, OPML_FILE, STYLESHEET_FILE
from feeds.index import render_index
from feeds.jsonfeed import render_json
from feeds.opml import render_opml
from feeds.sanitize import plain_text
from feeds.stories import Scope, select_many
from feeds.topics import TopicMatcher
from feeds.write import WriteBatch, remove_stale_temporaries
from feeds.xmlfeeds import render_xml

TOPICS_DIR = "topics"
STYLESHEET = Path(__file__).parent / "templates" / STYLESHEET_FILE
log = logging.getLogger("deptfeeds.feeds")


@dataclass(frozen=True)
class FeedSpec:
    """What one feed is: where it goes, what it is called, which articles it may show."""

    path: str
    title: str
    description: str
    home_url: str
    author: str
    scope: Scope
    names_sources: bool = False

    def affected_by(self, sources: set[str]) -> bool:
        return self.scope.sources is None or bool(self.scope.sources & sources)


def source_spec(source: Source) -> FeedSpec:
    return FeedSpec(source.id, plain_text(source.name), f"Tin tức của {plain_text(source.name)}",
                    source.listing[0], plain_text(source.name), Scope(frozenset({source.id})))


def feed_specs(config: Config) -> tuple[list[FeedSpec], FeedSpec, list[FeedSpec]]:
    """The feeds a config asks for: per source, combined, per topic."""
    title = plain_text(config.feeds.title)
    # Only configured sources: a source taken out of the config keeps its articles in the store
    # (until `deptfeeds prune`), but out of every feed.
    configured = frozenset(s.id for s in config.sources)
    combined = FeedSpec(COMBINED_FEED, title, "Tin tức mới của tất cả các nguồn", config.feeds.base_url,
                        title, Scope(configured, one_per_story=True), names_sources=True)
    names = {s.id: plain_text(s.name) for s in config.sources}
    topics = []
    for topic in config.topics:
        matching = [f"từ khóa {', '.join(topic.keywords)}" if topic.keywords else "",
                    f"chuyên mục {', '.join(topic.categories)}" if topic.categories else ""]
        description = "Tin có " + " hoặc ".join(m for m in matching if m)
        if topic.sources:
            description += f", chỉ từ {', '.join(names[s] for s in topic.sources)}"
        scope = Scope(frozenset(topic.sources) if topic.sources else configured, TopicMatcher(topic).matches,
                      one_per_story=True)
        topics.append(FeedSpec(f"{TOPICS_DIR}/{topic.id}", plain_text(topic.name),
                               plain_text(description),
                               config.feeds.base_url, title, scope, names_sources=True))
    return [source_spec(s) for s in config.sources], combined, topics


def empty_feed(spec: FeedSpec, base_url: str) -> Feed:
    """A feed's title and addresses, before its entries are chosen."""
    urls = {suffix: urljoin(base_url, spec.path + suffix) for suffix in FEED_SUFFIXES}
    return Feed(spec.path, spec.title, spec.description, spec.home_url, spec.author, urls)


@contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Hold Python's cycle collector during a build: its ~130 passes over every live article and
    element took ~10 % of a 100k-article build's CPU time to free some 3k objects, which it
    frees as well once the build is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class WouldEmptyFeeds(Exception):
    """A build from a store that was never crawled would replace feeds that have entries."""


def refuse_to_empty(store: Store, out_dir: Path) -> None:
    """WouldEmptyFeeds when the store holds nothing, was never crawled, and the feeds hold entries.

    That store is almost always the wrong one (a typo in [store] url, a fresh file where the
    real one was meant): its feeds would silently drop every subscriber's entries.
    """
    if store.last_run_id() or store.count_articles():
        return
    full = [path for path in sorted(feed_files(out_dir)) if path.suffix == ".json" and _has_items(path)]
    if full:
        raise WouldEmptyFeeds(
            f"the store {store.url} has never been crawled and holds no article; building from it would "
            f"replace {len(full)} feeds in {out_dir} that have entries with empty ones. Check [store] url "
            "in the config, or crawl first (`deptfeeds run`); `deptfeeds build --force` builds anyway")


def _has_items(path: Path) -> bool:
    try:
        return bool(json.loads(path.read_bytes()).get("items"))
    except (OSError, ValueError, AttributeError):
        return False


def build_feeds(store: Store, config: Config, sources: set[str] | None = None, *,
                force: bool = False) -> dict[Path, bool]:
    """Write the feeds (only those `sources` affect, if given); return each file and whether it changed."""
    source_specs, combined_spec, topic_specs = feed_specs(config)
    base_url, out_dir = config.feeds.base_url, config.feeds_dir
    if not force:
        refuse_to_empty(store, out_dir)
    if out_dir.is_dir():
        remove_stale_temporaries(out_dir)
    publishers = {s.id: Publisher(plain_text(s.name), ZoneInfo(s.timezone)) for s in config.sources}
    origins = {s.path: (urljoin(base_url, s.path + ".rss"), urljoin(base_url, s.path + ".atom"))
               for s in source_specs}
    written: dict[Path, bool] = {}

    def build(specs: list[FeedSpec], batch: WriteBatch) -> list[Feed]:
        feeds = [empty_feed(spec, base_url) for spec in specs]
        wanted = [i for i, spec in enumerate(specs) if sources is None or spec.affected_by(sources)]
        chosen = select_many(store, [specs[i].scope for i in wanted], config.feeds.limit)
        for i, stories in zip(wanted, chosen, strict=True):
            feeds[i].entries = [entry_for(story, publishers) for story in stories]
            # relative, so the stylesheet comes from wherever the feed does (browsers want one origin)
            stylesheet = "../" * specs[i].path.count("/") + STYLESHEET_FILE
            outputs = render_xml(feeds[i], origins if specs[i].names_sources else None, stylesheet)
            outputs[".json"] = render_json(feeds[i])
            for suffix in FEED_SUFFIXES:
                path = out_dir / (specs[i].path + suffix)
                written[path] = batch.write_if_changed(path, outputs[suffix])
        return feeds

    with cycle_collection_paused(), WriteBatch() as batch:
        source_feeds = build(source_specs, batch)
        (combined,) = build([combined_spec], batch)
        topic_feeds = build(topic_specs, batch)

        opml = render_opml(combined.title, [("Nguồn tin", source_feeds), ("Tổng hợp", [combined]),
                                            ("Chủ đề", topic_feeds)])
        written[out_dir / OPML_FILE] = batch.write_if_changed(out_dir / OPML_FILE, opml)
        index = render_index(store, combined.title, list(zip(config.sources, source_feeds, strict=True)),
                             combined, topic_feeds, combined.entries)
        written[out_dir / INDEX_FILE] = batch.write_if_changed(out_dir / INDEX_FILE, index)
        written[out_dir / STYLESHEET_FILE] = batch.write_if_changed(out_dir / STYLESHEET_FILE,
                                                                    STYLESHEET.read_bytes())
        expected = {out_dir / (spec.path + suffix) for spec in (*source_specs, combined_spec, *topic_specs)
                    for suffix in FEED_SUFFIXES}
        for path in sorted(feed_files(out_dir) - expected):
            log.info("removing %s: its source or topic is no longer in the config", path)
            batch.remove(path)
    return written


def feed_files(out_dir: Path) -> set[Path]:
    """The feed files a build may have written: per source and combined, and per topic."""
    if not out_dir.is_dir():
        return set()
    return {path for folder in (out_dir, out_dir / TOPICS_DIR) if folder.is_dir()
            for path in folder.iterdir() if path.suffix in FEED_SUFFIXES and path.is_file()}

"""Read feeds back the way subscribers do, and fail loudly on anything a reader would choke on."""

from __future__ import annotations

from pathlib import Path

import feedparser

FEED_SUFFIXES = (".rss", ".atom")


def feed_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix in FEED_SUFFIXES)


def read_feed(path: Path) -> feedparser.FeedParserDict:
    """Parse one feed file; a bozo (malformed) feed fails the test with feedparser's reason."""
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, f"{path.name}: {parsed.get('bozo_exception')}"
    assert parsed.version, f"{path.name}: not recognised as RSS or Atom"
    return parsed


def feed_links(path: Path) -> set[str]:
    return {entry.link for entry in read_feed(path).entries}

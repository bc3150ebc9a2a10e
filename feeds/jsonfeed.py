"""Serialise a feed as JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/)."""

from __future__ import annotations

import json
from typing import Any

from feeds.entries import Enclosure, Entry, Feed

VERSION = "https://jsonfeed.org/version/1.1"


def _item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id, "url": entry.url, "title": entry.title}
    if entry.content_html:
        item["content_html"] = entry.content_html
    if entry.summary:
        item["summary"] = entry.summary
    if entry.image is not None:
        item["image"] = entry.image.url
    item["date_published"] = entry.published.isoformat()
    item["date_modified"] = entry.updated.isoformat()
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.categories:
        item["tags"] = list(entry.categories)
    if entry.enclosures:
        item["attachments"] = [_attachment(enclosure) for enclosure in entry.enclosures]
    return item


def _attachment(enclosure: Enclosure) -> dict[str, Any]:
    attachment: dict[str, Any] = {"url": enclosure.url, "mime_type": enclosure.type}
    if enclosure.title:
        attachment["title"] = enclosure.title
    if enclosure.length:
        attachment["size_in_bytes"] = enclosure.length
    return attachment


def render_json(feed: Feed) -> bytes:
    """JSON Feed bytes, UTF-8, keys in a fixed order so an unchanged feed keeps its bytes."""
    document = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.urls[".json"],
        "description": feed.description,
        "language": "vi",
        "authors": [{"name": feed.author}],
        "items": [_item(e) for e in feed.entries],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

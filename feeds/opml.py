"""An OPML 2.0 subscription list of every feed, so a reader can import them all at once."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from feeds.entries import Feed


def render_opml(title: str, groups: Sequence[tuple[str, Sequence[Feed]]]) -> bytes:
    """Each feed once, as RSS (one subscription per feed on import), grouped by kind.

    No date in the head: a build of only some feeds must produce the same list as a full one.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    body = etree.SubElement(root, "body")
    for group_title, feeds in groups:
        if not feeds:
            continue
        group = etree.SubElement(body, "outline", text=group_title, title=group_title)
        for feed in feeds:
            etree.SubElement(group, "outline", type="rss", text=feed.title, title=feed.title,
                             xmlUrl=feed.urls[".rss"], htmlUrl=feed.home_url,
                             description=feed.description, language="vi")
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8")

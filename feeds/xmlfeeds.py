"""Serialise a feed as RSS 2.0 and Atom 1.0 with feedgen, as the W3C validator wants them."""

from __future__ import annotations

import html
from datetime import datetime

from feedgen.entry import FeedEntry
from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from feeds.entries import Enclosure, Entry, Feed


class EntryExtras(BaseExtension):
    """Feed side of the entry extras: nothing at feed level."""


class EntryExtrasEntry(BaseEntryExtension):
    """What feedgen 1.0 gets wrong or lacks, written by hand: the enclosures and the source feed.

    feedgen 1.0 drops every attribute but href from Atom entry links (python-feedgen#135), so an
    enclosure given to it comes out as a second alternate link, which makes the Atom invalid.
    Atom elements are left without a namespace, like feedgen's own, to inherit the default one.
    """

    def __init__(self) -> None:
        self.enclosures: tuple[Enclosure, ...] = ()
        self.source: tuple[str, str, str, datetime] | None = None  # name, RSS, Atom URL, updated

    def extend_rss(self, item: etree._Element) -> etree._Element:
        if self.enclosures:
            # RSS allows one enclosure: the first file (else the image). It requires a length;
            # 0 is the RSS Advisory Board's value for "unknown".
            first = self.enclosures[0]
            etree.SubElement(item, "enclosure", url=first.url, length=str(first.length or 0), type=first.type)
        if self.source is not None:
            name, rss_url, _, _ = self.source
            etree.SubElement(item, "source", url=rss_url).text = name
        return item

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        for enclosure in self.enclosures:  # Atom takes any number: one link per file
            link = etree.SubElement(entry, "link", rel="enclosure", href=enclosure.url, type=enclosure.type)
            if enclosure.title:
                link.set("title", enclosure.title)
            if enclosure.length:
                link.set("length", str(enclosure.length))
        if self.source is not None:
            name, _, atom_url, updated = self.source
            source = etree.SubElement(entry, "source")
            etree.SubElement(source, "id").text = atom_url
            etree.SubElement(source, "title").text = name
            etree.SubElement(source, "updated").text = updated.isoformat()
            etree.SubElement(source, "link", rel="self", href=atom_url, type="application/atom+xml")
        return entry


def _generator(feed: Feed) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.register_extension("extras", EntryExtras, EntryExtrasEntry)
    fg.id(feed.urls[".atom"])
    fg.title(feed.title)
    fg.subtitle(feed.description)
    fg.link(href=feed.home_url, rel="alternate", type="text/html")
    fg.author(name=feed.author)
    fg.language("vi")
    fg.generator("deptfeeds")
    fg.docs("https://www.rssboard.org/rss-specification")
    fg.updated(feed.updated)
    return fg


def _add(fg: FeedGenerator, entry: Entry, origins: dict[str, tuple[str, str]] | None,
         sources_updated: dict[str, datetime]) -> None:
    item: FeedEntry = fg.add_entry(order="append")
    item.id(entry.id)
    item.guid(entry.url, permalink=True)
    item.title(entry.title)
    item.link(href=entry.url)
    item.published(entry.published)
    item.updated(entry.updated)
    if entry.summary:
        # RSS description is HTML, so plain text goes in escaped; Atom says so with type="html".
        item.summary(html.escape(entry.summary, quote=False), type="html")
    if entry.content_html:
        item.content(entry.content_html, type="html")
    if entry.author:
        item.author(name=entry.author)
        item.dc.dc_creator(entry.author)
    for category in entry.categories:
        item.category(term=category)
    item.extras.enclosures = entry.enclosures
    if origins is not None:
        item.extras.source = (entry.source_name, *origins[entry.source_id], sources_updated[entry.source_id])


def with_stylesheet(xml: bytes, href: str) -> bytes:
    """The document with an <?xml-stylesheet?> after its declaration (feedgen cannot add one)."""
    declaration, rest = xml.split(b"?>", 1)
    return b'%s?>\n<?xml-stylesheet type="text/xsl" href="%s"?>%s' % (declaration, href.encode(), rest)


def render_xml(feed: Feed, origins: dict[str, tuple[str, str]] | None = None,
               stylesheet: str | None = None) -> dict[str, bytes]:
    """RSS and Atom bytes; `origins` (source id → its RSS and Atom URLs) names each entry's source,
    `stylesheet` is the address, relative to the feed, of the page browsers show it as."""
    fg = _generator(feed)
    # A source's atom:updated: the newest change among its entries here, which are its newest.
    sources_updated: dict[str, datetime] = {}
    for entry in feed.entries:
        newest = sources_updated.get(entry.source_id, entry.updated)
        sources_updated[entry.source_id] = max(entry.updated, newest)
    for entry in feed.entries:
        _add(fg, entry, origins, sources_updated)
    fg.link(href=feed.urls[".atom"], rel="self", type="application/atom+xml")
    atom = fg.atom_str(pretty=True, encoding="UTF-8")
    fg.link(href=feed.urls[".rss"], rel="self", type="application/rss+xml", replace=True)
    fg.link(href=feed.home_url, rel="alternate", type="text/html")
    fg.pubDate(feed.updated)
    rss = fg.rss_str(pretty=True, encoding="UTF-8")
    if stylesheet:
        atom, rss = with_stylesheet(atom, stylesheet), with_stylesheet(rss, stylesheet)
    return {".atom": atom, ".rss": rss}

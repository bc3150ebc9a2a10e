"""Every generated feed follows the rules the W3C feed validator checks, asserted with XPath.

Public self links, unique stable ids, truthful isPermaLink, RFC 822 / RFC 3339 dates in
+07:00, RSS <author> only with an e-mail address, language vi, nothing XML cannot carry.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

import feedparser
from lxml import etree

from core.config import load_config
from deptfeeds.mirror import MirrorServer
from tests.conftest import run_cli

NS = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/",
      "content": "http://purl.org/rss/1.0/modules/content/"}
RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                    r"\d{4} \d\d:\d\d:\d\d \+0700")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00")
EMAIL = re.compile(r"[^@\s()]+@[^@\s()]+\.[a-z]{2,}", re.I)
MEDIA_TYPE = re.compile(r"[a-z]+/[a-z0-9.+-]+")
# What XML 1.0 forbids, plus C1 controls and the noncharacters validators reject.
NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd\U00010000-\U0010ffff]")


def rfc822(text: str | None) -> datetime:
    assert text and RFC822.fullmatch(text), f"not an RFC 822 date in +0700: {text!r}"
    value = parsedate_to_datetime(text)
    assert format_datetime(value) == text, f"wrong weekday or form: {text!r}"
    return value


def rfc3339(text: str | None) -> datetime:
    assert text and RFC3339.fullmatch(text), f"not an RFC 3339 date in +07:00: {text!r}"
    return datetime.fromisoformat(text)


def absolute(url: str | None) -> str:
    assert url and re.match(r"https?://[^/\s]+", url), f"not an absolute http(s) URL: {url!r}"
    return url


def check_rss(root: etree._Element, self_url: str) -> None:
    assert root.tag == "rss" and root.get("version") == "2.0"
    (channel,) = root.xpath("channel")
    for name in ("title", "link", "description"):
        assert channel.findtext(name), f"channel/{name} missing"
    assert channel.findtext("language") == "vi"
    assert channel.xpath("atom:link[@rel='self']/@href", namespaces=NS) == [self_url]
    assert channel.xpath("atom:link[@rel='self']/@type", namespaces=NS) == ["application/rss+xml"]
    built = rfc822(channel.findtext("lastBuildDate"))
    guids, dates = [], []
    for item in channel.xpath("item"):
        assert item.findtext("title")
        link = absolute(item.findtext("link"))
        (guid,) = item.xpath("guid")
        if guid.get("isPermaLink", "true") == "true":
            assert absolute(guid.text) == link, "a permalink guid must be the item's address"
        guids.append(guid.text)
        dates.append(rfc822(item.findtext("pubDate")))
        for author in item.xpath("author/text()"):
            assert EMAIL.search(author), f"<author> without an e-mail address: {author!r}"
        assert all(c.strip() for c in item.xpath("dc:creator/text()", namespaces=NS))
        for enclosure in item.xpath("enclosure"):
            absolute(enclosure.get("url"))
            assert (enclosure.get("length") or "").isdigit()
            assert MEDIA_TYPE.fullmatch(enclosure.get("type") or "")
        assert len(item.xpath("enclosure")) <= 1
        for source in item.xpath("source"):
            absolute(source.get("url"))
            assert source.text
    assert len(guids) == len(set(guids)), "guids must be unique"
    assert dates == sorted(dates, reverse=True), "newest first"
    assert all(built >= d for d in dates)


def check_atom(root: etree._Element, self_url: str) -> None:
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    assert root.xpath("atom:title/text()", namespaces=NS)
    absolute(root.findtext("atom:id", namespaces=NS))
    assert root.xpath("atom:link[@rel='self']/@href", namespaces=NS) == [self_url]
    updated = rfc3339(root.findtext("atom:updated", namespaces=NS))
    feed_author = bool(root.xpath("atom:author/atom:name/text()", namespaces=NS))
    ids, published, changed = [], [], []
    for entry in root.xpath("atom:entry", namespaces=NS):
        ids.append(absolute(entry.findtext("atom:id", namespaces=NS)))
        assert entry.findtext("atom:title", namespaces=NS)
        changed.append(rfc3339(entry.findtext("atom:updated", namespaces=NS)))
        published.append(rfc3339(entry.findtext("atom:published", namespaces=NS)))
        alternates = entry.xpath("atom:link[not(@rel) or @rel='alternate']", namespaces=NS)
        keys = [(a.get("type"), a.get("hreflang")) for a in alternates]
        assert len(alternates) == 1 and len(set(keys)) == len(keys), "one alternate link per type"
        absolute(alternates[0].get("href"))
        for enclosure in entry.xpath("atom:link[@rel='enclosure']", namespaces=NS):
            absolute(enclosure.get("href"))
            assert MEDIA_TYPE.fullmatch(enclosure.get("type") or "")
        assert feed_author or entry.xpath("atom:author/atom:name/text()", namespaces=NS)
        for content in entry.xpath("atom:content | atom:summary", namespaces=NS):
            assert content.get("type") in ("text", "html", None)
        for source in entry.xpath("atom:source", namespaces=NS):
            absolute(source.findtext("atom:id", namespaces=NS))
            assert rfc3339(source.findtext("atom:updated", namespaces=NS)), "atom:source needs updated"
        assert changed[-1] >= published[-1], "an entry is updated at or after its publication"
    # Each entry is dated by its own change, not by the crawl that stored it ("Two entries with
    # the same value for atom:updated"): entries published apart are updated apart.
    by_published = dict(zip(published, changed, strict=True))
    assert len(set(changed)) >= len(by_published), "entries share the crawl time as atom:updated"
    assert len(ids) == len(set(ids)), "entry ids must be unique"
    assert published == sorted(published, reverse=True), "newest first"
    assert updated == max(changed, default=updated), "the feed is dated by its newest entry"


def check_json(document: dict, self_url: str) -> None:
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] and document["language"] == "vi"
    assert document["feed_url"] == self_url
    absolute(document["home_page_url"])
    ids, published = [], []
    for item in document["items"]:
        assert isinstance(item["id"], str)
        ids.append(item["id"])
        absolute(item["url"])
        assert item["title"]
        assert item.get("content_html") or item.get("content_text")
        published.append(rfc3339(item["date_published"]))
        assert rfc3339(item["date_modified"]) >= published[-1]
        assert all(a["name"] for a in item.get("authors", []))
        for attachment in item.get("attachments", []):
            absolute(attachment["url"])
            assert MEDIA_TYPE.fullmatch(attachment["mime_type"])
    assert len(ids) == len(set(ids))
    assert published == sorted(published, reverse=True)


def check_feed(path: Path, public: Path, base_url: str) -> None:
    """Assert every rule on one generated feed file."""
    data = path.read_bytes()
    text = data.decode("utf-8")
    assert not NOT_XML.search(text), f"{path.name}: character XML cannot carry: {NOT_XML.search(text)!r}"
    self_url = base_url + path.relative_to(public).as_posix()
    if path.suffix == ".json":
        check_json(json.loads(text), self_url)
        return
    parsed = feedparser.parse(data)
    assert not parsed.bozo, f"{path.name}: {parsed.get('bozo_exception')}"
    root = etree.fromstring(data)
    (check_rss if path.suffix == ".rss" else check_atom)(root, self_url)


def feed_files(public: Path) -> list[Path]:
    return sorted(p for p in public.rglob("*") if p.suffix in (".rss", ".atom", ".json"))


def test_every_generated_feed_follows_the_validator_rules(feed_sites: Path) -> None:
    public = feed_sites.parent / "public"
    files = feed_files(public)
    assert len(files) == 15  # 2 sources, `all`, 2 topics; 3 formats each
    for path in files:
        check_feed(path, public, "https://feeds.example.vn/khcn/")


def test_opml_is_well_formed_and_absolute(feed_sites: Path) -> None:
    opml = etree.parse(feed_sites.parent / "public" / "feeds.opml")
    assert opml.getroot().get("version") == "2.0"
    for outline in opml.xpath("//outline[@xmlUrl]"):
        absolute(outline.get("xmlUrl"))
        absolute(outline.get("htmlUrl"))


def test_feeds_of_the_bundled_samples_follow_the_rules_too(mirror: MirrorServer, sample_config: Path) -> None:
    result = run_cli("run", "--config", str(sample_config), proxy=mirror)
    assert "feeds:" in result.stdout, result.stderr[-2000:]
    config = load_config(sample_config)
    files = feed_files(config.feeds_dir)
    assert len(files) == 3 * (len(config.sources) + 1 + len(config.topics))
    for path in files:
        check_feed(path, config.feeds_dir, config.feeds.base_url)

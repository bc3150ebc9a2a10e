"""From a site's address to a source entry: its feeds, its news listings, its CMS family.

`deptfeeds discover URL` reads the page it is given (a homepage or any page of the site) and
looks for what an editor would: a feed the site already publishes, the menu and section links
named like news sections ("Tin tức - Sự kiện", "Tin hoạt động", "Thông báo", "News"), failing
those the sections its sitemap files its pages under, and the family whose markup the pages
print. Each candidate listing is then previewed as a crawl would read it (crawler/preview.py),
and the best one becomes a source entry.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

from core.config import Source
from crawler.extract.metadata import TITLE_PARTS, names_the_page
from crawler.extract.rules import SECTION_NAME
from crawler.extract.text import clean_text
from crawler.families import FAMILIES
from crawler.preview import Fetcher, FetchError, ListingPreview, Page, preview

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
FEED_PATHS = ("/feed", "/rss", "/rss.xml", "/feed.xml", "/atom.xml")
# News first, then what departments also post as news (activities, notices).
NEWS_FIRST = re.compile(r"tin|news|press|hoạt động", re.I)
CANDIDATES = 3
HOST_PREFIXES = re.compile(r"^(?:www\.|sokhcn\.|skhcn\.|khcn\.|dost\.|dost-|sokhoahoc\.)")
ID_NOISE = re.compile(r"^(?:sokhcn|skhcn|khcn|dost|so)(?=[a-z]{3,})")
GOV_SUFFIX = re.compile(r"\.(?:gov|org|edu|com)?\.?vn$|\.(?:gov|org|com|net)$")


@dataclass
class Discovery:
    url: str
    site_name: str = ""
    feeds: list[str] = field(default_factory=list)
    family: str = ""
    family_score: int = 0
    candidates: list[ListingPreview] = field(default_factory=list)
    best: ListingPreview | None = None
    source: Source | None = None
    errors: list[str] = field(default_factory=list)


def source_id_for(host: str) -> str:
    """sokhcn.langson.gov.vn → langson, khcncaobang.gov.vn → caobang, bacgiang.tcvn.gov.vn → bacgiang-tcvn."""
    name = GOV_SUFFIX.sub("", HOST_PREFIXES.sub("", host.lower()))
    name = ID_NOISE.sub("", name) or name
    return re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:40] or "source"


def site_name(title: str) -> str:
    """The site's name from a page title: "Tin tức - Sự kiện | Sở KH&CN tỉnh X" → "Sở KH&CN tỉnh X"."""
    kept = [part for part in TITLE_PARTS.split(title) if part and not names_the_page(part)]
    return max(kept, key=len) if kept else title


def site_feeds(fetcher: Fetcher, page: Page, root) -> list[str]:
    """Feeds the site announces (<link rel=alternate>), else one at a common path that answers."""
    found = [urljoin(page.url, link.get("href")) for link in root.iter("link")
             if (link.get("rel") or "").lower() == "alternate"
             and (link.get("type") or "").lower() in FEED_TYPES and link.get("href")]
    if found:
        return list(dict.fromkeys(found))
    for path in FEED_PATHS:
        try:
            candidate = fetcher.page(urljoin(page.url, path))
        except FetchError:
            continue
        if re.search(r"<(?:rss|feed)\b", candidate.html[:2000]):
            return [candidate.url]
    return []


def family_of(roots: list) -> tuple[str, int]:
    """The family whose fingerprints the pages match most (none: the generic path).

    A family needs two different fingerprints: one alone, however many pages print it, is the
    site's template repeating itself (a search box posting to TimKiem.aspx on every page of an
    old custom site is no ASP.NET portal). Pages matched break ties.
    """
    scores = {}
    for name, family in FAMILIES.items():
        matched = [css for css in family.fingerprints for root in roots if root.cssselect(css)]
        scores[name] = (len(set(matched)), len(matched))
    best = max(scores, key=lambda name: scores[name], default="")
    return (best, scores[best][0]) if best and scores[best][0] >= 2 else ("", 0)


SITEMAP_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>", re.I)
SITEMAPS_READ = 3
SECTION_MIN = 3  # article URLs under one first path segment that make it a section


def sitemap_sections(fetcher: Fetcher, page: Page) -> list[str]:
    """Sections a sitemap (or a news sitemap it indexes) files its pages under: `/tin-tuc/` for
    `/tin-tuc/<slug>.html`, most pages first; the section pages are listing candidates."""
    root = urljoin(page.url, "/")
    try:
        listed = SITEMAP_LOC.findall(fetcher.page(urljoin(root, "/sitemap.xml")).html)
    except FetchError:
        return []
    children = sorted((u for u in listed if u.lower().endswith(".xml")),
                      key=lambda u: "news" not in u.lower())
    for child in children[:SITEMAPS_READ]:
        try:
            listed += SITEMAP_LOC.findall(fetcher.page(child).html)
        except FetchError:
            continue
    host, counts = urlsplit(page.url).hostname, Counter()
    for url in listed:
        parts = [p for p in urlsplit(url).path.split("/") if p]
        if urlsplit(url).hostname == host and len(parts) >= 2 and not url.lower().endswith(".xml"):
            counts[parts[0]] += 1
    return [urljoin(root, f"/{section}/") for section, n in counts.most_common(CANDIDATES)
            if n >= SECTION_MIN]


def listing_candidates(page: Page, root) -> list[str]:
    """Same-site links whose text names a news section, news first, in menu order."""
    host = urlsplit(page.url).hostname
    found: list[tuple[int, int, str]] = []
    for order, anchor in enumerate(root.iter("a")):
        href, text = anchor.get("href"), clean_text(anchor.text_content()).strip(" :»›")
        # a dropdown's parent ("Tin tức" over its sections) often links "#": the page itself
        if not href or href.strip().startswith(("#", "javascript:")) or not text or len(text) > 60 \
                or text.lower() == "trang chủ":
            continue
        if not SECTION_NAME.fullmatch(text):
            continue
        url = urljoin(page.url, href).split("#")[0]
        if urlsplit(url).hostname != host or urlsplit(url).scheme not in ("http", "https"):
            continue
        found.append((0 if NEWS_FIRST.search(text) else 1, order, url))
    return list(dict.fromkeys(url for *_, url in sorted(found)))


def discover(fetcher: Fetcher, url: str, progress=lambda message: None, articles: int = 3) -> Discovery:
    result = Discovery(url)
    progress(f"reading {url}")
    page = fetcher.page(url)
    root = lxml_html.fromstring(page.html or "<html></html>")
    title = root.find(".//title")
    result.site_name = site_name(clean_text(title.text_content()) if title is not None else "")
    result.feeds = site_feeds(fetcher, page, root)
    candidates = listing_candidates(page, root) or sitemap_sections(fetcher, page) or [page.url]
    roots = [root]
    host = urlsplit(page.url).hostname or ""
    for listing in candidates[:CANDIDATES]:
        progress(f"previewing {listing}")
        try:
            roots.append(lxml_html.fromstring(fetcher.page(listing).html or "<html></html>"))
        except FetchError as exc:
            result.errors.append(str(exc))
            continue
        result.family, result.family_score = family_of(roots)
        source = Source(id=source_id_for(host), name=result.site_name or host, listing=[listing],
                        family=result.family or None)
        shown = preview(fetcher, source, articles)
        result.candidates.append(shown)
        if shown.usable and (result.best is None or shown.links > result.best.links):
            result.best, result.source = shown, source
    return result

"""Turn the bundled sample sites into page templates with holes for title, text and URLs.

A template is the sample page serialised once with private-use markers where a generated
page puts its own values, so rendering thousands of pages is string substitution, not parsing.
"""

from __future__ import annotations

import codecs
import copy
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from core.config import Source
from crawler.extract.decode import decode_html
from crawler.extract.text import clean_text
from crawler.listing import next_page
from crawler.profiles import Profile, profile_for
from deptfeeds.mirror import Site, load_site, resolve

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
MARK = re.compile("\ue000([A-Z]+)(\\d*)\ue001")
MIN_TEXT = 25


def mark(kind: str, number: int | str = "") -> str:
    return f"\ue000{kind}{number}\ue001"


def fill(template: str, values: dict[str, str]) -> str:
    """Put each marker's value in place; every marker must have one."""
    return MARK.sub(lambda m: values[m.group(1) + m.group(2)], template)


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _vietnamese_decomposed(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: windows-1258 writes a tone as a combining mark after its base letter."""
    assert isinstance(error, UnicodeEncodeError)
    out = []
    for char in error.object[error.start:error.end]:
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        try:
            (base + tones).encode(error.encoding)
            out.append(base + tones)
        except UnicodeEncodeError:
            out.append(f"&#{ord(char)};")
    return "".join(out), error.end


codecs.register_error("bench-vietnamese", _vietnamese_decomposed)


def encode_page(text: str, encoding: str) -> bytes:
    """Encode a page in its site's charset, as the original server did."""
    return text.encode(encoding, errors="bench-vietnamese")


def http(url: str) -> str:
    """The mirror serves plain HTTP only (it is an HTTP proxy)."""
    parts = urlsplit(url)
    return urlunsplit(("http", *parts[1:]))


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _is_text(node: Any) -> bool:
    return type(node) is NavigableString and node.parent is not None and \
        node.parent.name not in ("script", "style", "title")


@dataclass
class ArticleTemplate:
    """One sample article with holes: T (title), P0..Pn (body text), UA/UP (its own URL)."""

    url: str
    html: str
    encoding: str
    lengths: list[int]


@dataclass
class ListingTemplate:
    """A sample listing page: ROWS (the list), S0..Sn (sidebar links), N (next page)."""

    html: str
    rows: list[str]
    sidebar: int
    next_url: str | None


@dataclass
class Sample:
    """A bundled sample site and its source entry, ready to be copied many times."""

    source: dict[str, Any]
    host: str
    root: Path
    site: Site
    profile: Profile
    articles: list[ArticleTemplate] = field(default_factory=list)
    listing: ListingTemplate | None = None
    words: list[str] = field(default_factory=list)

    @property
    def listing_url(self) -> str:
        return http(self.source["listing"][0])

    def page(self, url: str) -> Path:
        """The saved file the mirror answers `url` with."""
        parts = urlsplit(url)
        path = self.site.redirects.get(parts.path, parts.path) if not parts.query else parts.path
        found = resolve(self.site, path, parts.query)
        if found is None:
            raise FileNotFoundError(f"{self.root}: no saved page for {url}")
        return found


def sample_sources() -> list[dict[str, Any]]:
    """News source entries of the samples config (or the main config) whose site is saved
    (documents sections are no article templates)."""
    for config in (SAMPLES / "deptfeeds.toml", REPO / "deptfeeds.toml"):
        if not config.exists():
            continue
        raw = tomllib.loads(config.read_text("utf-8"))
        found = [s for s in raw.get("sources", []) if s.get("kind", "news") == "news"
                 and (SAMPLES / "sites" / (urlsplit(s["listing"][0]).hostname or "")).is_dir()]
        if found:
            return found
    raise FileNotFoundError(f"no sample source has a saved site under {SAMPLES / 'sites'}")


def load_samples() -> list[Sample]:
    """Every saved sample site with its article and listing templates."""
    samples = []
    for raw in sample_sources():
        host = urlsplit(raw["listing"][0]).hostname or ""
        root = SAMPLES / "sites" / host
        source = Source.model_validate({**raw, "listing": [http(u) for u in raw["listing"]]})
        sample = Sample(raw, host, root, load_site(root), profile_for(source))
        for expected_path in sorted(root.rglob("*.json")):
            expected = json.loads(expected_path.read_text("utf-8"))
            page = expected_path.with_suffix(".html")
            if isinstance(expected, dict) and expected.get("title") and expected.get("url") \
                    and page.exists():
                template = article_template(sample, page, expected)
                if template.lengths:
                    sample.articles.append(template)
                sample.words += [w for t in (expected.get("lead", ""), *expected.get("paragraphs", []))
                                 for w in t.split() if re.fullmatch(r"[\w,.-]+", w)]
        if sample.articles:
            sample.listing = listing_template(sample)
            samples.append(sample)
    if not samples:
        raise FileNotFoundError("no sample site has article pages with expected JSON")
    return samples


def _soup(sample: Sample, path: Path) -> tuple[BeautifulSoup, str]:
    text, encoding = decode_html(path.read_bytes(), sample.site.content_type)
    return BeautifulSoup(text, "html.parser"), encoding


def _serialise(soup: BeautifulSoup | Tag) -> str:
    # eventual_encoding=None keeps <meta charset> as the site declared it.
    return soup.decode(eventual_encoding=None)


def article_template(sample: Sample, page: Path, expected: dict[str, Any]) -> ArticleTemplate:
    """Holes for every text node of the expected lead and paragraphs, the title and the URL."""
    soup, encoding = _soup(sample, page)
    url, title = http(expected["url"]), clean_text(expected["title"])
    known = [clean_text(t) for t in (expected.get("lead", ""), *expected.get("paragraphs", [])) if t]
    container = None
    for selector in sample.profile.extract.body:
        container = soup.select_one(selector)
        if container is not None:
            break
    lengths: list[int] = []
    for node in list((container or soup).find_all(string=True)):
        text = clean_text(str(node))
        if _is_text(node) and len(text) >= MIN_TEXT and any(text in p for p in known):
            node.replace_with(mark("P", len(lengths)))
            lengths.append(len(text))
    for node in list(soup.find_all(string=True)):
        if type(node) is not NavigableString:
            continue
        raw = str(node)
        if clean_text(raw) == title:
            node.replace_with(mark("T"))
        elif title in raw or url in raw:
            node.replace_with(raw.replace(title, mark("T")).replace(url, mark("UA")))
    for tag in soup.find_all(True):
        for name in ("content", "title", "alt", "value"):
            value = tag.get(name)
            if isinstance(value, str) and title in clean_text(value):
                tag[name] = clean_text(value).replace(title, mark("T"))
        own_link = tag.name == "link" and "canonical" in (tag.get("rel") or []) or \
            tag.name == "meta" and tag.get("property") == "og:url"
        for name in ("href", "content"):
            value = tag.get(name)
            if isinstance(value, str) and (own_link or urljoin(url, value.strip()) == url):
                tag[name] = mark("UA") if value.startswith("http") else mark("UP")
    return ArticleTemplate(url, _serialise(soup), encoding, lengths)


def _listed_anchors(soup: BeautifulSoup, sample: Sample) -> list[Tag]:
    for selector in sample.profile.links:
        anchors = [a for a in soup.select(selector) if a.name == "a" and a.get("href")]
        if anchors:
            return anchors
    urls = {t.url for t in sample.articles}

    def reaches(href: str) -> bool:
        # Liferay lists its articles with a ?redirect= back to the list that the article URL lacks.
        url = urljoin(sample.listing_url, href).split("#")[0]
        return url in urls or url.split("?")[0] in urls

    return [a for a in soup.find_all("a", href=True) if reaches(a["href"])]


def listing_template(sample: Sample) -> ListingTemplate:
    """The list's rows become one hole; each row is kept as a template for generated rows."""
    base = sample.listing_url
    soup, _ = _soup(sample, sample.page(base))
    following = next_page(soup, base, {sample.host}, selectors=sample.profile.next_page)
    anchors = _listed_anchors(soup, sample)
    if not anchors:
        raise ValueError(f"{sample.root}: the listing page {base} has no article links")

    def target(a: Tag) -> str:
        return urljoin(base, a["href"]).split("#")[0]

    listed = {id(a) for a in anchors}
    rows: dict[int, Tag] = {}
    for anchor in anchors:
        node = anchor
        while node.parent is not None and node.parent.name not in ("body", "html", "[document]"):
            inside = {target(a) for a in node.parent.find_all("a", href=True) if id(a) in listed}
            if len(inside) > 1:
                break
            node = node.parent
        rows.setdefault(id(node), node)
    groups: dict[int, list[Tag]] = {}
    for row in rows.values():
        groups.setdefault(id(row.parent), []).append(row)
    # The list itself: its rows carry teasers and dates, sidebars only titles.
    main = max(groups.values(), key=lambda rows: sum(len(r.get_text()) for r in rows))
    templates = [_row_template(row, target) for row in main[:6]]

    in_main = {id(r) for r in main}
    elsewhere = [a for a in anchors
                 if id(a) not in in_main and not any(id(p) in in_main for p in a.parents)]
    for number, anchor in enumerate(elsewhere):
        anchor["href"] = mark("S", number)
    container = main[0].parent
    main[0].insert_before(mark("ROWS"))
    for row in main:
        row.extract()
    if following:
        for tag in soup.find_all(["a", "link"], href=True):
            if target(tag) == following:
                tag["href"] = mark("N")
    else:
        container.append(soup.new_tag("a", href=mark("N"), rel="next", string="Trang sau"))
    return ListingTemplate(_serialise(soup), templates, len(elsewhere), following)


def _row_template(row: Tag, target: Any) -> str:
    """One list row with holes for its article's link (H) and title (T)."""
    row_copy = copy.copy(row)
    anchors = ([row_copy] if row_copy.name == "a" else []) + row_copy.find_all("a", href=True)
    own = target(anchors[0]) if anchors else None
    linked = [a for a in anchors if target(a) == own]
    for anchor in linked:
        anchor["href"] = mark("H")
    titled = [a for a in linked if not a.find("img")]
    if titled:
        max(titled, key=lambda a: len(a.get_text())).string = mark("T")
    return _serialise(row_copy)

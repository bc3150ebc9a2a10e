"""Read a listing page: which links are articles, their listed dates, and the next page.

With no selectors, the article links are the largest group of same-shaped links with
title-length text outside navigation, header, footer and sidebars; that group is the list.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from crawler.extract.dates import parse_date
from crawler.extract.text import clean_text

CHROME = re.compile(r"(^|[-_ ])(nav|menu|header|footer|sidebar|breadcrumb|banner|top-?bar|widget)"
                    r"([-_ ]|$)", re.I)
NEXT_TEXT = re.compile(r"^(sau|tiếp|trang sau|trang tiếp|next|›|»|>|>>|tiếp theo)\W*$", re.I)
MIN_TITLE = 20


@dataclass(frozen=True)
class ListedLink:
    url: str
    text: str
    date: datetime | None = None


def _in_chrome(tag: Tag) -> bool:
    for parent in tag.parents:
        if parent.name in ("nav", "header", "footer", "aside"):
            return True
        marks = " ".join([parent.get("id") or "", *(parent.get("class") or [])])
        if marks and CHROME.search(marks):
            return True
    return False


def _shape(tag: Tag, depth: int = 4) -> str:
    parts = []
    for parent in list(tag.parents)[:depth]:
        parts.append(parent.name + "." + ".".join(sorted(parent.get("class") or [])))
    return "/".join(parts)


def _same_site(url: str, hosts: set[str]) -> bool:
    return (urlsplit(url).hostname or "") in hosts


def _item_date(anchor: Tag, timezone: str) -> datetime | None:
    """The date printed beside a link, looked for in the smallest block holding only it."""
    block = anchor
    for parent in anchor.parents:
        if parent.name in ("body", "html") or len(parent.find_all("a", href=True)) > 3:
            break
        block = parent
    text = clean_text(block.get_text(" ").replace(anchor.get_text(" "), " "))
    return parse_date(text, timezone) if text else None


def article_links(soup: BeautifulSoup, base_url: str, hosts: set[str], *,
                  selectors: tuple[str, ...] = (), patterns: tuple[str, ...] = (),
                  timezone: str = "Asia/Ho_Chi_Minh") -> list[ListedLink]:
    """Article links of a listing page, in page order, without repeats."""
    anchors: list[Tag] = []
    for selector in selectors:
        anchors = [a for a in soup.select(selector) if a.name == "a" and a.get("href")]
        if anchors:
            break
    if not anchors:
        compiled = [re.compile(p) for p in patterns]
        groups: dict[str, list[Tag]] = defaultdict(list)
        for a in soup.find_all("a", href=True):
            url = urljoin(base_url, a["href"])
            target = urlsplit(url)
            path = target.path + ("?" + target.query if target.query else "")
            matches = any(p.search(path) for p in compiled)
            text = clean_text(a.get_text(" ")) or clean_text(a.get("title", ""))
            if not _same_site(url, hosts) or _in_chrome(a):
                continue
            if matches or len(text) >= MIN_TITLE:
                groups[_shape(a)].append(a)
        if groups:
            anchors = max(groups.values(), key=lambda g: (len(g), sum(len(a.get_text()) for a in g)))
    seen: set[str] = set()
    links = []
    for a in anchors:
        url = urljoin(base_url, a["href"]).split("#")[0]
        if url in seen or url == base_url or not _same_site(url, hosts):
            continue
        seen.add(url)
        text = clean_text(a.get_text(" ")) or clean_text(a.get("title", ""))
        links.append(ListedLink(url, text, _item_date(a, timezone)))
    return links


def next_page(soup: BeautifulSoup, base_url: str, hosts: set[str], *,
              selectors: tuple[str, ...] = ()) -> str | None:
    """The URL of the following listing page, if the page links one."""
    candidates: list[Tag] = []
    for selector in selectors:
        candidates = [a for a in soup.select(selector) if a.get("href")]
        if candidates:
            break
    if not candidates:
        candidates = soup.select("a[rel~=next][href], link[rel~=next][href]")
    if not candidates:
        candidates = [a for a in soup.find_all("a", href=True)
                      if NEXT_TEXT.match(clean_text(a.get_text(" ")) or a.get("title", ""))]
    if not candidates:
        current = soup.select_one(".active, .current, .selected, strong.page, span.current")
        number = clean_text(current.get_text(" ")) if current is not None else ""
        if number.isdigit():
            wanted = str(int(number) + 1)
            candidates = [a for a in soup.find_all("a", href=True)
                          if clean_text(a.get_text(" ")) == wanted]
    for tag in candidates:
        url = urljoin(base_url, tag["href"]).split("#")[0]
        if url != base_url and _same_site(url, hosts) and not url.lower().startswith("javascript"):
            return url
    return None

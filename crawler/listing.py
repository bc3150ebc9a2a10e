"""Read a listing page: which links are articles, the date listed beside each, and the next page.

With no selectors, links are grouped by their markup (tag path and class); the article list
is the group whose items look most like news items: a title-length link, a date, a teaser,
a thumbnail. Menus, sidebars ("Tin mới nhất") and footers lose on those counts. The date of
a link is read from the short lines of its own item, never from its teaser text.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urljoin, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag

from core.fields import DEFAULT_TIMEZONE
from crawler.extract.clean import NOT_CHROME, chrome_element, chrome_rule
from crawler.extract.dates import parse_date
from crawler.extract.text import clean_text

# The whole text of a pager link, arrows allowed: "Tiếp »", "Trang sau", "›". Not a title that
# merely starts with the word ("Tiếp tục triển khai…", "Sau 5 năm…").
NEXT_TEXT = re.compile(r"^(sau|tiếp|trang sau|trang tiếp|next|›|»|>|>>|tiếp theo)\W*$", re.I)
MIN_TITLE = 20  # characters: shorter link texts are menu entries and page numbers
SHORT_LINE = 80  # a date is read from lines up to this long (teasers are longer)
TEASER = 60
CHROME_HEADING_PENALTY = 0.3
UNDESCRIBED_SHARE = 0.2  # a group of bare links (no dates, no teasers) keeps this much of its score
MAX_LINKS = 1000  # article links taken from one listing page
LINKS_READ = 10 * MAX_LINKS  # links of any kind looked at on one page, menus and footers included

log = logging.getLogger("deptfeeds.crawl")


@dataclass(frozen=True)
class ListedLink:
    url: str
    text: str
    date: datetime | None = None


def _same_site(url: str, hosts: set[str]) -> bool:
    return (urlsplit(url).hostname or "") in hosts


class _Links:
    """The page's links, found once, each with its absolute URL and host worked out once.

    A listing page may hold 50,000 links: every step over them must stay linear.
    """

    def __init__(self, soup: BeautifulSoup, base_url: str):
        self.base_url = base_url
        self.all: list[Tag] = []
        for node in soup.descendants:  # a plain walk: find_all's filters cost 3x as much
            if type(node) is Tag and node.name == "a" and node.get("href") is not None:
                if len(self.all) == LINKS_READ:
                    log.warning("%s: over %d links on the page; reading the first %d", base_url,
                                LINKS_READ, LINKS_READ)
                    break
                self.all.append(node)
        self._urls: dict[int, tuple[str, str, str]] = {}

    def _parts(self, anchor: Tag) -> tuple[str, str, str]:
        """URL, lower-case host and scheme of a link."""
        found = self._urls.get(id(anchor))
        if found is None:
            url = urljoin(self.base_url, str(anchor.get("href") or "").strip()).split("#")[0]
            parts = urlsplit(url)
            found = self._urls[id(anchor)] = (url, (parts.hostname or ""), parts.scheme)
        return found

    def __call__(self, anchor: Tag) -> str:
        return self._parts(anchor)[0]

    def on_site(self, anchor: Tag, hosts: set[str]) -> bool:
        """Whether a link is a web link to one of the source's hosts."""
        _, host, scheme = self._parts(anchor)
        return host in hosts and scheme in ("http", "https")


def _text(anchor: Tag) -> str:
    text = clean_text(anchor.get_text(" ")) or clean_text(str(anchor.get("title") or ""))
    if text:
        return text
    image = anchor.find("img")
    return clean_text(str(image.get("alt") or "")) if image else ""


def _signature(anchor: Tag) -> str:
    """Where a link sits: its class and the tag names of three ancestors."""
    names = [parent.name for parent in list(anchor.parents)[:3]]
    return ".".join(sorted(anchor.get("class") or [])) + "|" + "/".join(names)


class _Items:
    """For each block of the page, whether it holds links to two different listed articles.

    Built in one pass up from each listed link, so finding the item of every link stays linear
    in the page (asking each ancestor for all its links made a 50,000-link page quadratic).
    """

    _MANY = object()

    def __init__(self, links: _Links, listed: set[str]):
        self._holds: dict[int, object] = {}
        for anchor in links.all:
            url = links(anchor)
            if url not in listed:
                continue
            for parent in anchor.parents:
                held = self._holds.get(id(parent))
                if held is self._MANY or held == url:
                    break  # everything above was marked on an earlier walk
                self._holds[id(parent)] = url if held is None else self._MANY

    def item(self, anchor: Tag) -> Tag:
        """The largest block around a link that holds no link to another listed article."""
        item = anchor
        for parent in anchor.parents:
            if parent.name in ("body", "html", "[document]") or self._holds.get(id(parent)) is self._MANY:
                break
            item = parent
        return item


def _in_chrome(anchor: Tag) -> bool:
    """In the page's header, footer, navigation or a sidebar (clean.in_chrome, on BeautifulSoup)."""
    for parent in [anchor, *anchor.parents]:
        if parent.name in NOT_CHROME:
            return False
        if chrome_element(parent.name, " ".join([str(parent.get("id") or ""), *(parent.get("class") or [])])):
            return True
    return False


def _loose_lines(item: Tag) -> list[str]:
    """Text of an item outside its links, line by line."""
    lines = []
    for node in item.find_all(string=True):
        if type(node) is NavigableString and node.find_parent("a") is None:
            text = clean_text(str(node))
            if text:
                lines.append(text)
    return lines


def _item_date(item: Tag, timezone: str) -> datetime | None:
    for line in _loose_lines(item):
        if len(line) <= SHORT_LINE:
            found = parse_date(line, timezone)
            if found:
                return found
    return None


def _under_chrome_heading(anchor: Tag) -> bool:
    """A list introduced by "Tin mới nhất", "Tin liên quan" and the like is not the listing."""
    for text in anchor.find_all_previous(string=True, limit=40):
        line = clean_text(str(text)) if type(text) is NavigableString else ""
        if line:
            rule = chrome_rule(line)
            return rule is not None and rule.cut
    return False


def _group_score(anchors: list[Tag], items: _Items, links: _Links, timezone: str) -> float:
    """How much a group of links looks like a news list: items with dates, teasers, thumbnails.

    An item ends where a block holds another candidate link, of any group.
    """
    first: dict[str, Tag] = {}
    for anchor in anchors:
        if len(first) >= MAX_LINKS:
            break  # a group is scored on as many links as a page gives: the rest changes nothing
        first.setdefault(links(anchor), anchor)
    score, described = 0.0, 0
    for anchor in first.values():
        item = items.item(anchor)
        dated = _item_date(item, timezone) is not None
        teaser = any(len(line) >= TEASER for line in _loose_lines(item))
        described += dated or teaser
        score += 1 + dated + teaser + 0.5 * (item.find("img") is not None)
    score *= UNDESCRIBED_SHARE + (1 - UNDESCRIBED_SHARE) * described / max(len(first), 1)
    return score * (CHROME_HEADING_PENALTY if _under_chrome_heading(anchors[0]) else 1)


def _generic_anchors(links: _Links, hosts: set[str], patterns: tuple[str, ...],
                     timezone: str) -> list[Tag]:
    compiled = [re.compile(p) for p in patterns]
    groups: dict[str, list[Tag]] = defaultdict(list)
    page = links.base_url.split("#")[0].rstrip("/")
    for anchor in links.all:
        url = links(anchor)
        if not links.on_site(anchor, hosts) or url.rstrip("/") == page:
            continue
        if compiled:
            target = urlsplit(url)
            path = target.path + ("?" + target.query if target.query else "")
            if not any(p.search(path) for p in compiled):
                continue
        if len(_text(anchor)) < MIN_TITLE or _in_chrome(anchor):
            continue
        groups[_signature(anchor)].append(anchor)
    if not groups:
        return []
    items = _Items(links, {links(a) for group in groups.values() for a in group})
    return max(groups.values(), key=lambda group: _group_score(group, items, links, timezone))


def article_links(soup: BeautifulSoup, base_url: str, hosts: set[str], *,
                  selectors: tuple[str, ...] = (), patterns: tuple[str, ...] = (),
                  timezone: str = DEFAULT_TIMEZONE, limit: int = MAX_LINKS) -> list[ListedLink]:
    """Article links of a listing page, in page order, without repeats, with listed dates.

    At most `limit`: an "all news" page with 50,000 links is read for its first ones, and the
    cut is logged; the next runs follow the pager as usual.
    """
    links = _Links(soup, base_url)
    anchors: list[Tag] = []
    for selector in selectors:
        anchors = [a for a in soup.select(selector) if a.name == "a" and a.get("href")]
        if anchors:
            break
    if not anchors:
        anchors = _generic_anchors(links, hosts, patterns, timezone)
    anchors = [a for a in anchors if links.on_site(a, hosts)]
    items = _Items(links, {links(a) for a in anchors})
    found: dict[str, ListedLink] = {}
    for anchor in anchors:
        url = links(anchor)
        if url not in found and len(found) >= limit:
            log.warning("%s: listing page has over %d article links; taking the first %d",
                        base_url, limit, limit)
            break
        text = _text(anchor)
        date = _item_date(items.item(anchor), timezone)
        known = found.get(url)
        if known is None:
            found[url] = ListedLink(url, text, date)
        else:
            found[url] = ListedLink(url, max(known.text, text, key=len), known.date or date)
    return list(found.values())


def _pager_links(soup: BeautifulSoup, base_url: str, selectors: tuple[str, ...]) -> list[Tag]:
    """The links that may lead to the following listing page, best evidence first."""
    for selector in selectors:
        candidates = [a for a in soup.select(selector) if a.get("href")]
        if candidates:
            return candidates
    return (soup.select("a[rel~=next][href], link[rel~=next][href]")
            or [a for a in soup.find_all("a", href=True)
                if NEXT_TEXT.match(clean_text(a.get_text(" ")) or str(a.get("title") or ""))]
            or _page_after_current(soup, base_url))


def next_page(soup: BeautifulSoup, base_url: str, hosts: set[str], *,
              selectors: tuple[str, ...] = ()) -> str | None:
    """The URL of the following listing page, if the page links one."""
    for tag in _pager_links(soup, base_url, selectors):
        url = urljoin(base_url, str(tag["href"]).strip()).split("#")[0]
        if url != base_url and _same_site(url, hosts) and urlsplit(url).scheme in ("http", "https"):
            return url
    return None


POSTBACK = re.compile(r"^\s*javascript:\s*__doPostBack\(\s*['\"]([^'\"]+)['\"]\s*,"
                      r"\s*['\"]([^'\"]*)['\"]\s*\)", re.I)


@dataclass(frozen=True)
class Postback:
    """An ASP.NET WebForms pager link: the form posted back with this event target and argument."""

    target: str
    argument: str


def next_postback(soup: BeautifulSoup, base_url: str, *, selectors: tuple[str, ...] = ()) -> Postback | None:
    """The following listing page when the pager posts the page's form back instead of linking it."""
    if soup.find("input", attrs={"name": "__VIEWSTATE"}) is None:
        return None
    for tag in _pager_links(soup, base_url, selectors):
        found = POSTBACK.match(str(tag.get("href") or ""))
        if found:
            return Postback(found.group(1), found.group(2))
    return None


MAX_PAGER = 25  # page numbers one pager prints; a calendar prints 28 to 31 days
CALENDAR = re.compile(r"calendar|lich|datepicker|archive", re.I)


def _marks(tag: Tag) -> str:
    return " ".join([str(tag.get("id") or ""), *tag.get("class", [])]) if isinstance(tag, Tag) else ""


PAGE_NUMBER = re.compile(r"[\[(]?\s*(\d{1,4})\s*[\])]?")
CURRENT_MARKS = ".active, .current, .selected, .pager-current, strong.page, span.current, [aria-current]"


def _page_after_current(soup: BeautifulSoup, base_url: str) -> list[Tag]:
    """In a pager of bare page numbers ("Trang: 1 [2] 3", no "next" link): the link to the page after
    the current one. The current page is the number marked as such, the one number printed without
    a link, or the page number the URL carries; the link must be to that number plus one."""
    pagers: dict[int, tuple[Tag, list[Tag]]] = {}
    for anchor in soup.find_all("a", href=True, limit=LINKS_READ):
        if not clean_text(anchor.get_text(" ")).isdigit():
            continue
        pager = anchor.parent
        while pager is not None and pager.name in ("li", "span", "td", "b", "strong", "font"):
            pager = pager.parent  # a number wrapped in an item: the pager is the list around them
        if pager is not None:
            pagers.setdefault(id(pager), (pager, []))[1].append(anchor)
    for pager, anchors in pagers.values():
        if len(anchors) > MAX_PAGER or CALENDAR.search(" ".join(_marks(t) for t in (pager, *pager.parents))):
            continue  # a month's days in a calendar widget: numbers, but not pages
        current = _current_page(pager, anchors, base_url)
        if current is None:
            continue
        wanted = [a for a in anchors if int(clean_text(a.get_text(" "))) == current + 1]
        if wanted:
            return wanted
    return []


def _current_page(pager: Tag, anchors: list[Tag], base_url: str) -> int | None:
    marked = pager.select_one(CURRENT_MARKS)
    if marked is not None and clean_text(marked.get_text(" ")).isdigit():
        return int(clean_text(marked.get_text(" ")))
    linked = {int(clean_text(a.get_text(" "))) for a in anchors}
    printed = set()
    for piece in pager.find_all(string=True):
        if piece.find_parent("a") is None:
            for token in clean_text(str(piece)).replace(":", " ").split():
                number = PAGE_NUMBER.fullmatch(token)
                if number:
                    printed.add(int(number.group(1)))
    unlinked = {n for n in printed - linked if 0 < n <= max(linked) + 1}
    if len(unlinked) == 1:
        return unlinked.pop()
    if unlinked:
        return None
    return _page_in_url(anchors, base_url)


def _page_in_url(anchors: list[Tag], base_url: str) -> int | None:
    """The page number the listing's own URL carries, by the parameter or path step that carries it
    in the pager's links (`?page=3`, `/page/3/`, `?p=3`); 1 when the URL has none (the first page)."""
    for anchor in anchors:
        number = clean_text(anchor.get_text(" "))
        href = str(anchor["href"])
        for name, value in parse_qsl(urlsplit(href).query):
            if value == number:
                for own_name, own_value in parse_qsl(urlsplit(base_url).query):
                    if own_name == name and own_value.isdigit():
                        return int(own_value)
                return 1
        step = re.search(rf"/([a-z_-]+)[/-]{number}(?:/|\.html?)?$", urlsplit(href).path, re.I)
        if step:
            own = re.search(rf"/{re.escape(step.group(1))}[/-](\d+)(?:/|\.html?)?$",
                            urlsplit(base_url).path, re.I)
            return int(own.group(1)) if own else 1
    return None

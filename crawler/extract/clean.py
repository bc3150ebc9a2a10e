"""The one small engine that applies the noise table (rules.py) to a page and to its lines."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from crawler.extract.rules import MAX_CHROME_LINE, RULES, Rule
from crawler.extract.select import select_all
from crawler.extract.text import clean_text

# A container holding this share of the page's text is the article's wrapper, not chrome
# (ASP.NET pages sit inside one <form>; broken markup nests a page in its header div).
WRAPPER_SHARE = 0.4
# Ids and classes of page furniture, for telling where an element sits.
CHROME_MARKS = re.compile(r"(^|[-_ ])(nav|navbar|menu|header|footer|sidebar|breadcrumbs?|banner|top-?bar"
                          r"|widget|masthead|copyright)([-_ ]|$)", re.I)


def _text_length(tag: Tag) -> int:
    return len(clean_text(tag.get_text(" ")))


def _text_sizes(page: Tag) -> dict[int, int]:
    """Characters of text under every element, in one pass (children are summed into parents)."""
    sizes: dict[int, int] = defaultdict(int)
    for node in reversed(list(page.descendants)):
        if isinstance(node, Tag):
            sizes[id(node.parent)] += sizes[id(node)]
        elif type(node) is NavigableString:
            sizes[id(node.parent)] += len(node.strip())
    return sizes


def wrappers(soup: BeautifulSoup) -> frozenset[int]:
    """Ids of the elements holding a large share of the page's text: never chrome, whatever their class."""
    page = soup.body or soup
    sizes = _text_sizes(page)
    total = max(sizes[id(page)], 1)
    found: set[int] = set()
    level = [page]
    while level:
        found.update(id(tag) for tag in level)
        level = [child for tag in level for child in tag.children
                 if isinstance(child, Tag) and sizes[id(child)] > WRAPPER_SHARE * total]
    return frozenset(found)


def page_shape(soup: BeautifulSoup) -> tuple[int, int]:
    """How deep elements nest and how many there are (hostile markup nests thousands deep)."""
    depths: dict[int, int] = {id(soup): 0}
    deepest = 0
    for node in soup.descendants:
        if isinstance(node, Tag):
            depths[id(node)] = depth = depths[id(node.parent)] + 1
            deepest = max(deepest, depth)
    return deepest, len(depths) - 1


def prune(soup: BeautifulSoup, protected: Iterable[Tag] = (), extra: Iterable[str] = (),
          rules: Iterable[Rule] = RULES, keep: frozenset[int] | None = None) -> None:
    """Remove comments, blank file-path attributes and every element a selector rule matches.

    An element is kept when it is, or holds, a protected element (the title, the configured
    body) or a large share of the page's text, so removing chrome never removes the article.
    """
    rules = list(rules)
    for rule in rules:
        if rule.comment is not None:
            for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
                if rule.comment.fullmatch(str(comment)):
                    comment.extract()
        if rule.attribute is not None:
            name, pattern = rule.attribute
            for tag in soup.find_all(attrs={name: True}):
                if pattern.fullmatch(str(tag.get(name))):
                    tag[name] = ""
    guard = [tag for tag in protected if tag is not None]
    page = soup.body or soup
    keep = wrappers(soup) if keep is None else keep
    selectors = [rule.selector for rule in rules if rule.selector] + list(extra)
    for tag in select_all(page, selectors):
        if tag.decomposed or tag is page or id(tag) in keep:
            continue
        if any(tag is kept or tag in kept.parents for kept in guard):
            continue
        tag.decompose()


def in_chrome(tag: Tag, keep: frozenset[int] = frozenset()) -> bool:
    """In a page's header, footer, navigation or a sidebar (by tag, id or class), wrappers aside."""
    for parent in [tag, *tag.parents]:
        if parent.name in ("body", "html", "[document]", "article", "main"):
            return False
        if id(parent) in keep:
            continue
        if parent.name in ("nav", "footer", "aside", "header"):
            return True
        marks = " ".join([str(parent.get("id") or ""), *(parent.get("class") or [])])
        if marks and CHROME_MARKS.search(marks):
            return True
    return False


def chrome_rule(text: str, rules: Iterable[Rule] = RULES) -> Rule | None:
    """The text rule a whole line matches, if that line is chrome."""
    line = clean_text(text)
    if len(line) > MAX_CHROME_LINE:
        return None
    for rule in rules:
        if rule.text is None:
            continue
        if rule.upper and line != line.upper():
            continue
        if rule.text.fullmatch(line):
            return rule
    return None

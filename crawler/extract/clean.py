"""The one small engine that applies the noise table (rules.py) to a page and to its lines.

Selector, comment and attribute rules are applied to the page's lxml tree (page.py says why),
before the article is looked for; text rules are applied to the article's lines (compose.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from lxml import etree

from crawler.extract.page import NOT_TEXT, Element, holds, is_element, marks, remove, text_of
from crawler.extract.rules import MAX_CHROME_LINE, RULES, Rule
from crawler.extract.select import Selection
from crawler.extract.text import clean_text

# A container holding this share of the page's text is the article's wrapper, not chrome
# (ASP.NET pages sit inside one <form>; broken markup nests a page in its header div).
WRAPPER_SHARE = 0.4
# Ids and classes of page furniture, for telling where an element sits.
CHROME_MARKS = re.compile(r"(^|[-_ ])(nav|navbar|menu|header|footer|sidebar|breadcrumbs?|banner|top-?bar"
                          r"|widget|masthead|copyright)([-_ ]|$)", re.I)
CHROME_TAGS = ("nav", "footer", "aside", "header")
# Where the search for a chrome ancestor stops: past these, everything is the page itself.
NOT_CHROME = ("body", "html", "[document]", "article", "main")


def body_of(root: Element) -> Element:
    """The page's <body>, or the whole document when there is none (a frameset)."""
    return next(root.iter("body"), root)


def _text_sizes(page: Element) -> dict[Element, int]:
    """Characters of text under every element, in one pass (children are summed into parents)."""
    sizes: dict[Element, int] = {}
    quiet: set[Element] = set()  # elements whose strings are code, not text
    for node in page.iter():
        parent = node.getparent()
        if is_element(node):
            if node.tag in NOT_TEXT or parent in quiet:
                quiet.add(node)
            sizes[node] = len(node.text.strip()) if node.text and node not in quiet else 0
        if node.tail and node is not page and parent not in quiet:
            sizes[parent] += len(node.tail.strip())
    for element in reversed(list(sizes)):
        if element is not page:
            sizes[element.getparent()] += sizes[element]
    return sizes


def wrappers(root: Element) -> frozenset[Element]:
    """The elements holding a large share of the page's text: never chrome, whatever their class."""
    page = body_of(root)
    sizes = _text_sizes(page)
    total = max(sizes[page], 1)
    found: set[Element] = set()
    level = [page]
    while level:
        found.update(level)
        level = [child for tag in level for child in tag
                 if is_element(child) and sizes[child] > WRAPPER_SHARE * total]
    return frozenset(found)


def oversized(root: Element, max_depth: int, max_elements: int) -> str | None:
    """Why a page is too large or too deep to be an article (hostile markup nests thousands deep)."""
    count = int(root.xpath("count(//*)"))
    if count <= max_elements and not root.xpath(f"boolean(//*[count(ancestor::*) >= {max_depth}])"):
        return None
    depth = max(sum(1 for _ in leaf.iterancestors()) + 1 for leaf in root.iterfind(".//*"))
    return f"page too large or too deep to be an article ({count} elements, {depth} levels)"


def prune(root: Element, protected: Iterable[Element | None] = (), extra: Iterable[str] = (),
          rules: Iterable[Rule] = RULES, keep: frozenset[Element] | None = None) -> None:
    """Remove comments, blank file-path attributes and every element a selector rule matches.

    An element is kept when it is, or holds, a protected element (the title, the configured
    body) or a large share of the page's text, so removing chrome never removes the article.
    """
    rules = list(rules)
    for rule in rules:
        if rule.comment is not None:
            for comment in root.iter(etree.Comment):
                if rule.comment.fullmatch(comment.text or ""):
                    comment.text = ""  # an empty comment keeps the texts around it apart
        if rule.attribute is not None:
            name, pattern = rule.attribute
            for tag in root.iter(etree.Element):
                if tag.get(name) is not None and pattern.fullmatch(tag.get(name)):
                    tag.set(name, "")
    guard = [tag for tag in protected if tag is not None]
    page = body_of(root)
    keep = wrappers(root) if keep is None else keep
    selectors = tuple(rule.selector for rule in rules if rule.selector) + tuple(extra)
    others = tuple(rule.selector for rule in rules if rule.selector and not rule.widget) + tuple(extra)
    not_widget: set[Element] | None = None  # what the other rules match, found only when needed
    for tag in _selection(selectors).select(page):
        if tag is page or tag in keep:
            continue
        if any(holds(tag, kept) for kept in guard):
            continue
        if _holds_prose(tag):
            not_widget = set(_selection(others).select(page)) if not_widget is None else not_widget
            if tag not in not_widget:
                continue  # a widget's class on the article's own container
        remove(tag)


PROSE_PARAGRAPHS = 3  # paragraphs of this many characters that no share bar or toolbar holds
PROSE_PARAGRAPH = 100


def _holds_prose(tag: Element) -> bool:
    """Paragraphs of prose inside: an article's container, whatever its class says."""
    found = 0
    for paragraph in tag.iter("p"):
        if len(clean_text(text_of(paragraph))) >= PROSE_PARAGRAPH:
            found += 1
            if found >= PROSE_PARAGRAPHS:
                return True
    return False


@cache
def _selection(selectors: tuple[str, ...]) -> Selection:
    """The noise table's selectors (and a source's own), compiled once per combination."""
    return Selection(selectors)


def chrome_element(name: str, element_marks: str) -> bool:
    """A page header, footer, navigation or sidebar, by its tag or its id and classes."""
    return name in CHROME_TAGS or bool(element_marks and CHROME_MARKS.search(element_marks))


def in_chrome(tag: Element, keep: frozenset[Element] = frozenset()) -> bool:
    """In a page's header, footer, navigation or a sidebar (by tag, id or class), wrappers aside."""
    for parent in [tag, *tag.iterancestors()]:
        if parent.tag in NOT_CHROME:
            return False
        if parent not in keep and chrome_element(parent.tag, marks(parent)):
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

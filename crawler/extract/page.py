"""The whole page as lxml parses it: read and searched in C; only the article goes to BeautifulSoup.

Why two trees: BeautifulSoup builds its tree in Python, about 10 µs per node, so a department
page (a few hundred elements) costs ~5 ms before anything is read, more than the whole rest of
extraction. lxml builds the same tree (same parser, libxml2) in a tenth of a millisecond. So the
page-level work (metadata, title, date, dropping chrome, finding the article) runs on lxml, and
only the article container, a tenth of the page, is handed to BeautifulSoup for cleaning into
blocks (blocks.py). The helpers here keep BeautifulSoup's meaning where the rules depend on it:
`text_of` is `get_text(" ")`, and `remove` leaves the texts on either side apart as `decompose` does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from bs4 import BeautifulSoup, Tag
from bs4.builder import LXMLTreeBuilder
from cssselect import HTMLTranslator
from lxml import etree

Element = etree._Element

# Their strings are code or annotations, never page text (BeautifulSoup keeps them apart too).
NOT_TEXT = ("script", "style", "template", "rt", "rp")
_OUTSIDE_NOT_TEXT = "[not(" + " or ".join(f"ancestor::{name}" for name in NOT_TEXT) + ")]"
_TEXTS = etree.XPath("descendant-or-self::text()" + _OUTSIDE_NOT_TEXT, smart_strings=False)
# libxml2 parses HTML 4: it does not know these HTML5 void elements and nests whatever follows
# one inside it (an <embed> in an article body swallowed the paragraphs after it, and the "code"
# rule then removed them). They hold no text: they go, and what followed them stays in place.
HTML5_VOIDS = ("embed", "source", "track", "wbr", "keygen")


# libxml2 stops building the tree at a stray </body> or </html> and leaves out what follows
# (a CMS template that closes the page mid-article); browsers ignore such end tags and keep the
# text in <body>. Without them libxml2 closes both elements at the end of the input, as browsers do.
STRAY_END = re.compile(rb"</(?:body|html)\s*>", re.I)


def parse_page(html: str) -> Element:
    """The page's <html> element (an empty one when there is no markup at all)."""
    # A plain etree parser: lxml.html's element classes cost a Python call per element touched.
    parser = etree.HTMLParser(encoding="utf-8", huge_tree=True)  # parsers are not thread-safe
    root = etree.fromstring(STRAY_END.sub(b"", html.encode("utf-8", "replace")), parser)
    if root is None:
        return etree.Element("html")
    for void in list(root.iter(HTML5_VOIDS)):
        if void.tag == "embed" and (void.get("src") or void.get("data")):
            # What it shows stays known (an embedded PDF is an attachment): an empty copy of it.
            void.addprevious(etree.Element("embed", {k: v for k, v in void.attrib.items()
                                                     if k in ("src", "data", "type", "title")}))
        _unwrap(void)
    return root


def _unwrap(element: Element) -> None:
    """Put what an element holds in its place, and the element out (lxml.html's `drop_tag`)."""
    parent, previous, children = element.getparent(), element.getprevious(), list(element)
    loose = element.text or ""
    if children:
        children[-1].tail = (children[-1].tail or "") + (element.tail or "")
    else:
        loose += element.tail or ""
    if loose and previous is not None:
        previous.tail = (previous.tail or "") + loose
    elif loose:
        parent.text = (parent.text or "") + loose
    index = parent.index(element)
    parent[index:index + 1] = children


def is_element(node: Element) -> bool:
    """An element, not a comment or a processing instruction (lxml yields those among children)."""
    return isinstance(node.tag, str)


def elements(root: Element) -> Iterator[Element]:
    """`root` and every element under it, in document order."""
    return root.iter(etree.Element)


def text_of(element: Element) -> str:
    """The element's text as BeautifulSoup's `get_text(" ")` gives it: every text run, space-joined."""
    return " ".join(_TEXTS(element))


def _runs_in(element: Element) -> Iterator[tuple[str, Element]]:
    """The text runs printed inside an element (not its tail), each with the element holding it."""
    if not is_element(element) or element.tag in NOT_TEXT:
        return
    if element.text:
        yield element.text, element
    for child in element:
        yield from _runs_in(child)
        if child.tail:
            yield child.tail, element


def texts_after(start: Element, inside: bool = False) -> Iterator[tuple[str, Element]]:
    """The text runs after `start` in reading order (from its own first one, when `inside`), each
    with the element it is printed in; read lazily, as the callers stop after a few lines."""
    if inside:
        yield from _runs_in(start)
    node = start
    while (parent := node.getparent()) is not None:
        if node.tail:
            yield node.tail, parent
        for sibling in node.itersiblings():
            yield from _runs_in(sibling)
            if sibling.tail:
                yield sibling.tail, parent
        node = parent


def classes(element: Element) -> list[str]:
    """Its class names (BeautifulSoup splits `class` into a list; lxml keeps the string)."""
    return (element.get("class") or "").split()


def marks(element: Element) -> str:
    """Its id and classes, one string: what chrome and title patterns are matched against."""
    return " ".join([element.get("id") or "", *classes(element)])


def has_descendant(element: Element, names: Iterable[str]) -> bool:
    """Some element under it has one of these names (BeautifulSoup's `find(names)`)."""
    return next(element.iterdescendants(*names), None) is not None


def holds(element: Element, other: Element) -> bool:
    """`other` is `element` or sits inside it."""
    return other is element or any(parent is element for parent in other.iterancestors())


def remove(node: Element) -> None:
    """Take a node out, leaving an empty comment in its place.

    The placeholder keeps the texts before and after it apart, as BeautifulSoup's `decompose`
    does (lxml would glue them into one run), so the rules read the same lines either way.
    """
    parent = node.getparent()
    if parent is None:
        return
    placeholder = etree.Comment("")
    placeholder.tail = node.tail
    node.tail = None
    parent.replace(node, placeholder)


@cache
def _xpath(selector: str) -> etree.XPath:
    return etree.XPath(HTMLTranslator().css_to_xpath(selector))


def select(scope: Element, selector: str) -> list[Element]:
    """Elements under `scope` that a CSS selector matches, in document order.

    As in soupsieve, the selector is matched against the whole page (`article .content` finds
    a `.content` under `scope` whose `article` is outside it); compiled once, run by libxml2.
    """
    root = scope.getroottree().getroot()
    found = _xpath(selector)(root)
    if scope is root:
        return found
    return [element for element in found if element is not scope and holds(scope, element)]


_Prepared = tuple[Any, None, None, bool]  # markup, encoding, declared encoding, replaced characters


class _ElementBuilder(LXMLTreeBuilder):
    """BeautifulSoup's own lxml tree builder, fed an lxml element's events instead of markup.

    The tree is the one BeautifulSoup builds when lxml parses the page, node for node, without
    writing the element out and parsing it again (lxml's HTML writer percent-escapes URLs).
    """

    def prepare_markup(self, markup: Any, *args: Any, **kwargs: Any) -> Iterator[_Prepared]:
        yield markup, None, None, False

    def feed(self, markup: Any) -> None:
        self._replay(markup)

    def _replay(self, node: Element) -> None:
        if is_element(node):
            self.start(node.tag, dict(node.attrib))
            if node.text:
                self.data(node.text)
            for child in node:
                self._replay(child)
                if child.tail:
                    self.data(child.tail)
            self.end(node.tag)
        elif node.tag is etree.Comment:
            self.comment(node.text or "")


def to_soup(element: Element) -> Tag:
    """The element (and what it holds, not the text after it) as a BeautifulSoup tag, for cleaning."""
    soup = BeautifulSoup(element, builder=_ElementBuilder())
    return next(child for child in soup.contents if isinstance(child, Tag))

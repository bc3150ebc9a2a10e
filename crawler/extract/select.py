"""Match many CSS selectors against a page in one pass.

The noise table holds dozens of selectors; a CSS engine walks the whole page once per
selector (libxml2 runs the noise table as one XPath in ~5 ms a page, soupsieve took seconds
on a page of 50 000 elements). Most rule selectors are simple (`tag`, `#id`, `.a.b`,
`[attr]`, `[attr*=value]`), so those are matched here with set lookups in a single walk;
anything else (combinators, pseudo-classes) goes to `page.select`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from crawler.extract.page import Element, classes, elements, select

_SIMPLE = re.compile(r"^(?P<tag>[a-zA-Z][\w-]*(?:\\:[\w-]+)?)?(?P<id>#[\w-]+)?(?P<classes>(?:\.[\w-]+)*)"
                     r"(?P<attrs>(?:\[[\w-]+(?:[*^~]?=(?:'[^']*'|\"[^\"]*\"|[^\]]*))?\])*)$")
_ATTRIBUTE = re.compile(r"\[(?P<name>[\w-]+)(?:(?P<op>[*^~]?=)(?P<value>'[^']*'|\"[^\"]*\"|[^\]]*))?\]")


@dataclass(frozen=True)
class _Simple:
    source: int  # which selector of the list this part came from
    tag: str | None
    id: str | None
    classes: frozenset[str]
    attributes: tuple[tuple[str, str | None, str], ...]

    def matches(self, tag: Element, tag_classes: set[str]) -> bool:
        if self.tag and tag.tag != self.tag:
            return False
        if self.id and tag.get("id") != self.id:
            return False
        if self.classes and not self.classes <= tag_classes:
            return False
        for name, op, value in self.attributes:
            text = _value(tag, name)
            if text is None:
                return False
            if (op == "=" and text != value or op == "*=" and value not in text
                    or op == "^=" and not text.startswith(value) or op == "~=" and value not in text.split()):
                return False
        return True


def _value(tag: Element, name: str) -> str | None:
    """An attribute's value; a list of words (class, rel) with its spacing normalised."""
    value = tag.get(name)
    if value is not None and (name == "class" or name in ("rel", "rev") and tag.tag in ("a", "link", "area")):
        return " ".join(value.split())
    return value


def _simple(selector: str, source: int = 0) -> _Simple | None:
    match = _SIMPLE.match(selector.strip())
    if match is None or not selector.strip():
        return None
    attributes = tuple((a["name"], a["op"], (a["value"] or "").strip("'\""))
                       for a in _ATTRIBUTE.finditer(match["attrs"] or ""))
    tag = match["tag"].replace("\\", "").lower() if match["tag"] else None
    classes = frozenset(c for c in (match["classes"] or "").split(".") if c)
    return _Simple(source, tag, match["id"][1:] if match["id"] else None, classes, attributes)


def _split(selector: str) -> list[str]:
    """Split a selector list at its top-level commas (not those inside `:is(...)` or quotes)."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(selector):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(selector[start:index])
            start = index + 1
    parts.append(selector[start:])
    return [part.strip() for part in parts if part.strip()]


class Selection:
    """Selectors compiled once, indexed by id, class and tag name for a quick walk."""

    def __init__(self, selectors: Iterable[str]):
        self.by_id: dict[str, list[_Simple]] = {}
        self.by_class: dict[str, list[_Simple]] = {}
        self.by_tag: dict[str, list[_Simple]] = {}
        self.by_attribute: dict[str, list[_Simple]] = {}
        self.anywhere: list[_Simple] = []
        self.complex: list[tuple[int, str]] = []
        self.size = 0
        for source, selector in enumerate(selectors):
            self.size += 1
            for part in _split(selector):
                parsed = _simple(part, source)
                if parsed is None:
                    self.complex.append((source, part))
                elif parsed.id:
                    self.by_id.setdefault(parsed.id, []).append(parsed)
                elif parsed.classes:
                    self.by_class.setdefault(min(parsed.classes), []).append(parsed)
                elif parsed.tag:
                    self.by_tag.setdefault(parsed.tag, []).append(parsed)
                elif parsed.attributes:
                    self.by_attribute.setdefault(parsed.attributes[0][0], []).append(parsed)
                else:
                    self.anywhere.append(parsed)

    def _matching(self, tag: Element) -> list[_Simple]:
        """The simple selectors the element matches, looked up by its tag, id, classes, attributes."""
        tag_classes = classes(tag)
        found = [*self.anywhere, *self.by_tag.get(tag.tag, ())]
        element_id = tag.get("id")
        if element_id:
            found += self.by_id.get(element_id, ())
        for name in tag_classes:
            found += self.by_class.get(name, ())
        if self.by_attribute:
            for name in tag.attrib:
                found += self.by_attribute.get(name, ())
        if not found:
            return found
        class_set = set(tag_classes)
        return [simple for simple in found if simple.matches(tag, class_set)]

    def select_each(self, scope: Element) -> list[list[Element]]:
        """For each selector, the elements under `scope` it matches, in document order."""
        hits: dict[Element, set[int]] = {}
        for source, selector in self.complex:
            for tag in select(scope, selector):
                hits.setdefault(tag, set()).add(source)
        found: list[list[Element]] = [[] for _ in range(self.size)]
        for tag in _under(scope):
            sources = {simple.source for simple in self._matching(tag)}
            for source in sorted(sources | hits.get(tag, set())):
                found[source].append(tag)
        return found

    def select(self, scope: Element) -> list[Element]:
        """Every element under `scope` matched by any of the selectors, in document order."""
        hits = {tag for _, selector in self.complex for tag in select(scope, selector)}
        return [tag for tag in _under(scope) if tag in hits or self._matching(tag)]


def _under(scope: Element) -> Iterable[Element]:
    """The elements under `scope`; under the page's root, the root too (it is under the document)."""
    return elements(scope) if scope.getparent() is None else scope.iterdescendants(etree.Element)


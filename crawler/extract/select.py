"""Match many CSS selectors against a page in one pass.

The noise table holds dozens of selectors; soupsieve walks the whole page once per
selector, which takes seconds on a page of 50 000 elements. Most rule selectors are simple
(`tag`, `#id`, `.a.b`, `[attr]`, `[attr*=value]`), so those are matched here with set
lookups in a single walk; anything else (combinators, pseudo-classes) goes to soupsieve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bs4 import Tag

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

    def matches(self, tag: Tag) -> bool:
        if self.tag and tag.name != self.tag:
            return False
        if self.id and tag.get("id") != self.id:
            return False
        if self.classes and not self.classes <= set(tag.get("class") or ()):
            return False
        for name, op, value in self.attributes:
            present = tag.get(name)
            if present is None:
                return False
            text = " ".join(present) if isinstance(present, list) else str(present)
            if (op == "=" and text != value or op == "*=" and value not in text
                    or op == "^=" and not text.startswith(value) or op == "~=" and value not in text.split()):
                return False
        return True


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
                else:
                    self.anywhere.append(parsed)

    def _candidates(self, tag: Tag) -> list[_Simple]:
        found = list(self.anywhere)
        found += self.by_tag.get(tag.name, [])
        if tag.get("id"):
            found += self.by_id.get(str(tag["id"]), [])
        for name in tag.get("class") or ():
            found += self.by_class.get(name, [])
        return found

    def select_each(self, root: Tag) -> list[list[Tag]]:
        """For each selector, the elements under `root` it matches, in document order."""
        hits: dict[int, set[int]] = {}
        for source, selector in self.complex:
            for tag in root.select(selector):
                hits.setdefault(id(tag), set()).add(source)
        found: list[list[Tag]] = [[] for _ in range(self.size)]
        for tag in root.find_all(True):
            sources = {simple.source for simple in self._candidates(tag) if simple.matches(tag)}
            for source in sorted(sources | hits.get(id(tag), set())):
                found[source].append(tag)
        return found

    def select(self, root: Tag) -> list[Tag]:
        """Every element under `root` matched by any of the selectors, in document order."""
        hits = {id(tag) for _, selector in self.complex for tag in root.select(selector)}
        return [tag for tag in root.find_all(True)
                if id(tag) in hits or any(simple.matches(tag) for simple in self._candidates(tag))]


def select_all(root: Tag, selectors: Iterable[str]) -> list[Tag]:
    """Every element under `root` matched by any of the selectors, in document order."""
    return Selection(selectors).select(root)

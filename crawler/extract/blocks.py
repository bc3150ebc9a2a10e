"""Flatten an article container into clean blocks: paragraphs, headings, lists, tables, figures.

Every site nests its text differently (Word paste in spans, table layouts, text and <br> in
bare divs). Walking the container once in reading order and emitting simple blocks lets
the later steps (captions, byline, lead) reason about lines, not markup, and makes the
feed HTML simple by construction: only the tags in the output are the ones made here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from crawler.extract.text import clean_text

INLINE = {"a", "abbr", "acronym", "b", "big", "cite", "code", "del", "dfn", "em", "font", "i", "ins",
          "kbd", "label", "mark", "nobr", "q", "s", "samp", "small", "span", "strike", "strong", "sub",
          "sup", "time", "tt", "u", "var", "wbr"}
HEADINGS = {"h1": "h2", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
KEEP_INLINE = {"b": "strong", "strong": "strong", "i": "em", "em": "em", "sub": "sub", "sup": "sup"}
CAPTION_HINT = re.compile(r"caption|chu-?thich|chuthich|img-?desc|image-?desc|photo-?desc|"
                          r"figcaption|desc-?img|anh-?mota|imgcaption", re.I)
IMAGE_ATTRIBUTES = ("data-src", "data-original", "data-lazy-src", "data-lazy", "data-url", "src")
NOT_PHOTO = re.compile(r"(spacer|pixel|pix|blank|icon|loading|print|email|facebook|twitter|zalo|rss"
                       r"|logo|banner|button|arrow|bullet)[^/]*\.(gif|png|jpe?g|svg)$", re.I)
MIN_PHOTO_SIDE = 40
MIN_CAPTION_WORDS = 3  # an image title shorter than this is a label ("Hội nghị"), not a caption
FILE_NAME = re.compile(r"\.(jpe?g|png|gif|webp|bmp|tiff?)$|^(img|dsc|image|anh)[_-]?\d+$", re.I)


@dataclass(frozen=True)
class Style:
    """What the surrounding markup says about a run of text."""

    italic: bool = False
    bold: bool = False
    align: str = ""
    caption: bool = False

    def inside(self, tag: Tag) -> Style:
        css = str(tag.get("style") or "").lower().replace(" ", "")
        marks = " ".join([str(tag.get("id") or ""), *(tag.get("class") or [])])
        align = str(tag.get("align") or "").lower() or (
            "center" if "text-align:center" in css or tag.name == "center" else
            "right" if "text-align:right" in css else "left" if "text-align:" in css else "")
        return Style(
            italic=self.italic or tag.name in ("i", "em") or "font-style:italic" in css,
            bold=self.bold or tag.name in ("b", "strong") or "font-weight:bold" in css
            or "font-weight:700" in css,
            align=align or self.align,
            caption=self.caption or tag.name == "figcaption" or bool(marks and CAPTION_HINT.search(marks)),
        )


@dataclass
class Block:
    """One line of the article as a reader sees it, with the styling hints it came with."""

    kind: str
    node: Tag
    text: str
    italic: bool = False
    bold: bool = False
    align: str = ""
    caption: bool = False
    source: Tag | None = None
    image: str = ""
    tooltip: str = ""  # an image's `title`: its caption when nothing printed follows it


@dataclass
class _Stats:
    chars: int = 0
    italic: int = 0
    bold: int = 0

    def add(self, text: str, style: Style) -> None:
        size = len(text.strip())
        self.chars += size
        self.italic += size if style.italic else 0
        self.bold += size if style.bold else 0


BLOCK_TAGS = {"address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "figure",
              "figcaption", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
              "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead",
              "tr", "ul", "img"}


# Makes the tags of the output blocks, and never holds any (one soup less to build per page).
OUTPUT = BeautifulSoup("", "lxml")


def _tags(tag: Tag, names: Iterable[str]) -> list[Tag]:
    """The elements under `tag` with one of these names (`find_all`, without its filter machinery)."""
    return [node for node in tag.descendants if isinstance(node, Tag) and node.name in names]


def _has_block(tag: Tag) -> bool:
    return any(isinstance(node, Tag) and node.name in BLOCK_TAGS for node in tag.descendants)


def _has_paragraph_break(tag: Tag) -> bool:
    """Two line breaks in a row inside an inline element (`<font>…<br><br>…</font>`): paragraphs."""
    for br in _tags(tag, ("br",)):
        following = br.next_sibling
        while isinstance(following, NavigableString) and not str(following).strip():
            following = following.next_sibling
        if isinstance(following, Tag) and following.name == "br":
            return True
    return False


def block_text(node: Tag) -> str:
    """The text of a block as read: inline tags joined as printed, line breaks as spaces."""
    parts = []
    for item in node.descendants:
        if isinstance(item, NavigableString) and not isinstance(item, Comment):
            parts.append(str(item))
        elif isinstance(item, Tag) and item.name in ("br", "li", "td", "th", "tr", "p"):
            parts.append(" ")
    return clean_text("".join(parts))


def image_url(img: Tag, base_url: str) -> str:
    """The photo's absolute URL, preferring lazy-loading attributes over a placeholder src."""
    for name in IMAGE_ATTRIBUTES:
        value = str(img.get(name) or "").strip()
        if value and not value.startswith("data:"):
            url = urljoin(base_url, value)
            return url if urlsplit(url).scheme in ("http", "https") else ""
    return ""


def _is_photo(img: Tag, url: str) -> bool:
    if not url or NOT_PHOTO.search(urlsplit(url).path):
        return False
    for side in ("width", "height"):
        value = str(img.get(side) or "").strip().removesuffix("px")
        if value.isdigit() and int(value) < MIN_PHOTO_SIDE:
            return False
    return True


def _is_data_table(table: Tag) -> bool:
    """A table of figures, not a layout grid: no nested tables or photos, rows of short cells."""
    if table.find("table") is not None or table.find("img") is not None:
        return False
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    widths = [len(row.find_all(["td", "th"], recursive=False)) for row in rows]
    if len(rows) < 2 or max(widths, default=0) < 2:
        return False
    cells = [len(clean_text(cell.get_text(" ")))
             for row in rows for cell in row.find_all(["td", "th"], recursive=False)]
    total = sum(cells) or 1
    return max(cells) < 300 or max(cells) < 0.5 * total


class Builder:
    """Walks a container in reading order and emits blocks."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.out = OUTPUT
        self.blocks: list[Block] = []
        self.run: list[tuple[NavigableString | Tag, Style]] = []
        self.source: Tag | None = None
        self.root: Tag | None = None

    def build(self, container: Tag) -> list[Block]:
        self.root = container
        if container.name == "img":
            self.figure(container, container)
        self.walk(container, Style().inside(container), "p")
        self.flush("p")
        return self.blocks

    def walk(self, node: Tag, style: Style, kind: str) -> None:
        for child in list(node.children):
            if isinstance(child, Comment) or not isinstance(child, NavigableString | Tag):
                continue
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:
                    self._add(child, style, node)
                continue
            inner = style.inside(child)
            name = child.name
            if name == "br" or (name in INLINE and not _has_block(child) and not _has_paragraph_break(child)):
                self._add(child, inner, node)
            elif name == "img":
                self.flush(kind)
                self.figure(child, node)
            elif name in ("ul", "ol"):
                self.flush(kind)
                self.listing(child, inner)
            elif name == "table" and _is_data_table(child):
                self.flush(kind)
                self.table(child, inner)
            elif name == "hr":
                self.flush(kind)
            else:
                self.flush(kind)
                child_kind = HEADINGS.get(name) or ("blockquote" if name == "blockquote" else kind)
                self.walk(child, inner, child_kind)
                self.flush(child_kind)

    def _add(self, item: NavigableString | Tag, style: Style, parent: Tag) -> None:
        if not self.run:
            self.source = parent if parent is not self.root else None
        self.run.append((item, style))

    def flush(self, kind: str) -> None:
        run, self.run = self.run, []
        segment: list[tuple[NavigableString | Tag, Style]] = []
        breaks = 0
        for item, style in run:
            if isinstance(item, Tag) and item.name == "br":
                breaks += 1
                if breaks >= 2:
                    self._paragraph(segment, kind)
                    segment = []
                    continue
            elif str(item).strip() if isinstance(item, NavigableString) else True:
                breaks = 0
            segment.append((item, style))
        self._paragraph(segment, kind)

    def _paragraph(self, segment: list[tuple[NavigableString | Tag, Style]], kind: str) -> None:
        while segment and _blank(segment[0][0]):
            segment.pop(0)
        while segment and _blank(segment[-1][0]):
            segment.pop()
        if not segment:
            return
        stats = _Stats()
        node = self.out.new_tag(kind if kind in ("h2", "h3", "h4", "blockquote") else "p")
        for item, style in segment:
            for copy in self.simplify(item, style, stats):
                node.append(copy)
        _tidy(node)
        text = block_text(node)
        if not text:
            return
        styles = [style for _, style in segment]
        self.blocks.append(Block(
            kind=node.name, node=node, text=text,
            italic=stats.chars > 0 and stats.italic >= 0.9 * stats.chars,
            bold=stats.chars > 0 and stats.bold >= 0.9 * stats.chars,
            align=styles[0].align, caption=all(s.caption for s in styles), source=self.source,
        ))

    def simplify(self, item: NavigableString | Tag, style: Style, stats: _Stats) -> list:
        """Copies of inline content keeping only links, emphasis, sub/superscripts and breaks."""
        if isinstance(item, NavigableString):
            if isinstance(item, Comment) or type(item) is not NavigableString:
                return []
            text = re.sub(r"[\s\xa0]+", " ", str(item))
            stats.add(text, style)
            return [NavigableString(text)]
        if item.name == "br":
            return [self.out.new_tag("br")]
        if item.name in BLOCK_TAGS:
            return [self.out.new_tag("br"), *self._children(item, style, stats), self.out.new_tag("br")]
        children = self._children(item, style, stats)
        if item.name == "a" and item.get("href") and "".join(map(str, children)).strip():
            href = urljoin(self.base_url, str(item["href"]).strip())
            # A link whose target could run code (javascript:, vbscript:, data:) keeps its text only.
            safe = urlsplit(href).scheme in ("http", "https", "mailto")
            link = self.out.new_tag("a", href=href) if safe else self.out.new_tag("a")
            link.extend(children)
            return [link]
        if item.name in KEEP_INLINE and any(str(c).strip() for c in children if isinstance(c, NavigableString)
                                            or c.get_text(strip=True)):
            wrapper = self.out.new_tag(KEEP_INLINE[item.name])
            wrapper.extend(children)
            return [wrapper]
        return children

    def _children(self, tag: Tag, style: Style, stats: _Stats) -> list:
        copies = []
        for child in tag.children:
            inner = style.inside(child) if isinstance(child, Tag) else style
            if isinstance(child, Tag) and child.name == "img":
                continue
            copies.extend(self.simplify(child, inner, stats))
        return copies

    def figure(self, img: Tag, parent: Tag) -> None:
        url = image_url(img, self.base_url)
        if not _is_photo(img, url):
            return
        node = self.out.new_tag("figure")
        node.append(self.out.new_tag("img", src=url, alt=""))
        source = parent if parent is not self.root else None
        title = clean_text(str(img.get("title") or ""))
        tooltip = title if len(title.split()) >= MIN_CAPTION_WORDS and not FILE_NAME.search(title) else ""
        # Joomla's `img.caption`: the caption lives in `title` and a script prints it under the photo.
        own = tooltip if "caption" in (img.get("class") or []) else ""
        self.blocks.append(Block(kind="figure", node=node, text=own, source=source, image=url,
                                 tooltip=tooltip))

    def listing(self, tag: Tag, style: Style) -> None:
        node = self.out.new_tag(tag.name)
        items = []
        for li in tag.find_all("li", recursive=False) or tag.find_all("li"):
            stats = _Stats()
            item = self.out.new_tag("li")
            item.extend(self._children(li, style.inside(li), stats))
            _tidy(item)
            text = block_text(item)
            if text:
                node.append(item)
                items.append(text)
        if items:
            self.blocks.append(Block(kind=tag.name, node=node, text=" ".join(items), source=tag))
        for img in tag.find_all("img"):
            self.figure(img, tag)

    def table(self, tag: Tag, style: Style) -> None:
        node = self.out.new_tag("table")
        items = []
        for row in tag.find_all("tr"):
            if row.find_parent("table") is not tag:
                continue
            out_row = self.out.new_tag("tr")
            cells = []
            for cell in row.find_all(["td", "th"], recursive=False):
                out_cell = self.out.new_tag(cell.name)
                for span in ("colspan", "rowspan"):
                    if str(cell.get(span) or "1").strip() not in ("", "1"):
                        out_cell[span] = str(cell[span]).strip()
                out_cell.extend(self._children(cell, style.inside(cell), _Stats()))
                _tidy(out_cell)
                out_row.append(out_cell)
                cells.append(block_text(out_cell))
            if any(cells):
                node.append(out_row)
                items.extend(cells)
        if any(items):
            self.blocks.append(Block(kind="table", node=node, text=" ".join(filter(None, items)), source=tag))


def _blank(item: NavigableString | Tag) -> bool:
    if isinstance(item, NavigableString):
        return not str(item).replace("\xa0", " ").strip()
    return item.name == "br"


def _tidy(node: Tag) -> None:
    """Trim the whitespace and line breaks at the edges of a block and around its breaks."""
    for br in _tags(node, ("br",)):
        following = br.next_sibling
        if isinstance(following, Tag) and following.name == "br":
            br.decompose()
    while node.contents and _blank(node.contents[0]):
        node.contents[0].extract()
    while node.contents and _blank(node.contents[-1]):
        node.contents[-1].extract()
    strings = [string for string in node.descendants if isinstance(string, NavigableString)]
    if len(strings) == 1:
        strings[0].replace_with(str(strings[0]).strip())
    elif strings:
        strings[0].replace_with(str(strings[0]).lstrip())
        strings[-1].replace_with(str(strings[-1]).rstrip())


def to_blocks(container: Tag, base_url: str) -> list[Block]:
    """The article container as a list of blocks in reading order."""
    return Builder(base_url).build(container)

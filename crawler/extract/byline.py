"""Take the byline off the end of the article (or its top) and make it the author.

A byline is one or two short lines: a person's name ("Nguyễn Thị Nga"), a unit ("Phòng
Quản lý khoa học", "Trung tâm Thông tin và Ứng dụng TBKHCN"), or both; the two lines are
joined as "name - unit". Source lines ("Nguồn tin: …") are content, and CMS accounts
("admin") are never authors.
"""

from __future__ import annotations

import re

from bs4 import NavigableString, Tag

from crawler.extract.blocks import Block
from crawler.extract.metadata import is_author
from crawler.extract.text import clean_text

LABEL = re.compile(r"^(?:(?:tin(?:\s*,\s*|\s+và\s+)ảnh|bài(?:\s*,\s*|\s+và\s+)ảnh|bài|tin"
                   r"|tác giả(?: bài viết)?"
                   r"|người viết|tin bài|phóng viên|pv|ctv|btv|người đăng|thực hiện|author)\s*:\s*"
                   r"|(?:written\s+|posted\s+|story\s+)?(?-i:By|BY|by)\s+(?=\w))", re.I)
UNIT = re.compile(r"^(?:phòng|chi cục|trung tâm|sở|ban|văn phòng|thanh tra|cục|bộ|ubnd|ủy ban|hội|đoàn|viện"
                  r"|trường|báo|đài|cổng|tạp chí|liên hiệp|quỹ|công ty|hợp tác xã|htx|bệnh viện)\b", re.I)
NOT_BYLINE = re.compile(r"^(?:nguồn|theo|trích|xem|tải|file|tệp|đính kèm|ghi chú|lưu ý)\b", re.I)
TITLES = re.compile(r"^(?:ts|ths|pgs|gs|ks|bs|cn|ls|nts)\.?\s*(?:ts\.?\s*)?", re.I)
PARENTHESISED_UNIT = re.compile(r"^(.+?)\s*\((.+)\)$")  # "Name (Unit)" is "Name - Unit"
MAX_LINE = 80
MAX_NAME_WORDS = 6


def _is_name(text: str) -> bool:
    """Two to six capitalised words: how a Vietnamese person's name is printed."""
    words = TITLES.sub("", text).replace("(", " ").replace(")", " ").split()
    capitalised = all(word[:1].isupper() and word.replace(".", "").isalpha() for word in words)
    return 2 <= len(words) <= MAX_NAME_WORDS and capitalised


def _byline_text(text: str, right_aligned: bool = False) -> str | None:
    """The author in one printed line, or None when the line is not a byline."""
    if len(text) > MAX_LINE or NOT_BYLINE.match(text):
        return None
    text = PARENTHESISED_UNIT.sub(r"\1 - \2", LABEL.sub("", text)).strip(" -–()")
    if not text or text.endswith((".", ":", ";", ",", "!", "?", "./.")) or any(c.isdigit() for c in text):
        return None
    first = text.split(" - ")[0].split(",")[0].strip()
    if _is_name(first) or UNIT.match(first) or (right_aligned and first[:1].isupper()):
        return text
    return None


def _lines(node: Tag) -> list[str]:
    """The text of a block, split at its line breaks (nested ones too)."""
    lines = [""]
    for item in node.descendants:
        if isinstance(item, Tag) and item.name == "br":
            lines.append("")
        elif isinstance(item, NavigableString):
            lines[-1] += item
    return lines


def _line(block: Block) -> str | None:
    """The byline of a block (lines broken by <br> joined as "name - unit"), or None."""
    if block.kind != "p" or len(block.text) > 2 * MAX_LINE:
        return None
    lines = [clean_text(line) for line in _lines(block.node)]
    found = [_byline_text(line, block.align == "right") for line in lines if line]
    if not found or None in found or len(found) > 2:
        return None
    return " - ".join(found)  # type: ignore[arg-type]


def labelled_author(lines: list[str]) -> str | None:
    """An author printed with a label near the title or under the body ("Bài, ảnh: X")."""
    for index, line in enumerate(lines):
        if LABEL.match(line):
            rest = LABEL.sub("", line) or (lines[index + 1] if index + 1 < len(lines) else "")
            name = _byline_text(rest)
            if name and is_author(name):
                return name
    return None


def take_byline(blocks: list[Block]) -> tuple[list[Block], str | None]:
    """Blocks without the closing (or, failing that, opening) byline, and the author."""
    tail: list[str] = []
    for block in reversed(blocks[-2:]):
        line = _line(block)
        if line is None:
            break
        tail.insert(0, line)
    if tail and len(tail) == 2 and not (_is_name(tail[0]) or UNIT.match(tail[0])):
        tail = tail[1:]
    if tail and len(blocks) > len(tail):
        author = " - ".join(tail)
        if is_author(author):
            return blocks[: -len(tail)], author
    if len(blocks) > 2 and blocks[0].kind == "p" and len(blocks[0].text) <= 40:
        line = _line(blocks[0])
        if line and _is_name(line) and len(blocks[1].text) > 2 * MAX_LINE:
            return blocks[1:], line
    return blocks, None

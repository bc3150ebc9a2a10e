"""Take the byline off the end of the article (or its top) and make it the author.

A byline is one or two short lines: a person's name ("Nguyễn Thị Nga"), a unit ("Phòng
Quản lý khoa học", "Trung tâm Thông tin và Ứng dụng TBKHCN"), or both; the two lines are
joined as "name - unit". Source lines ("Nguồn tin: …") are content, and CMS accounts
("admin") are never authors.
"""

from __future__ import annotations

import re

from crawler.extract.blocks import Block
from crawler.extract.metadata import is_author

LABEL = re.compile(r"^(?:tin(?:\s*,\s*|\s+và\s+)ảnh|bài(?:\s*,\s*|\s+và\s+)ảnh|bài|tin|tác giả|người viết|"
                   r"tin bài|phóng viên|pv|ctv|btv|người đăng|thực hiện)\s*:\s*", re.I)
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
    return 2 <= len(words) <= MAX_NAME_WORDS and all(w[:1].isupper() and w.replace(".", "").isalpha() for w in words)


def _line(block: Block) -> str | None:
    """The byline text of a block, or None when the block is not a byline line."""
    if block.kind != "p" or len(block.text) > MAX_LINE or NOT_BYLINE.match(block.text):
        return None
    text = PARENTHESISED_UNIT.sub(r"\1 - \2", LABEL.sub("", block.text)).strip(" -–()")
    if not text or text.endswith((".", ":", ";", ",", "!", "?", "./.")) or any(c.isdigit() for c in text):
        return None
    first = text.split(" - ")[0].split(",")[0].strip()
    if _is_name(first) or UNIT.match(first) or (block.align == "right" and first[:1].isupper()):
        return text
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

"""Pair every photo with its caption: the italic, centred or "Ảnh:" line printed under it.

A caption drawn by a script from the image's `title` (Joomla's `img.caption`) is the image's
own; so is the `title` of a photo that nothing printed follows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup

from crawler.extract.blocks import Block

CAPTION_START = re.compile(r"^\(?\s*(ảnh|hình|hình ảnh|nguồn ảnh|photo)\s*(\d+\s*)?[:.)–-]", re.I)
MAX_CAPTION = 300
MAX_CAPTION_SECOND_LINE = 160
SENTENCE_END = (".", "!", "?", "…", "./.")


@dataclass
class Image:
    """A photo of the article and the caption printed with it."""

    url: str
    caption: str = ""


def _caption_like(block: Block, figure: Block) -> bool:
    if block.kind != "p" or len(block.text) > MAX_CAPTION:
        return False
    beside = block.source is not None and block.source is figure.source
    return (block.caption or bool(CAPTION_START.match(block.text)) or beside or block.italic
            or (block.align == "center" and len(block.text) <= 200))


def _continues(first: Block, second: Block) -> bool:
    """A caption split over two lines: same styling, short, and the first line unfinished."""
    if second.kind != "p" or len(second.text) > MAX_CAPTION_SECOND_LINE:
        return False
    if CAPTION_START.match(second.text) and not CAPTION_START.match(first.text):
        return True
    styled = first.italic or first.align == "center" or first.caption
    same_style = (second.italic, second.align, second.caption) == (first.italic, first.align, first.caption)
    unfinished = not first.text.endswith(SENTENCE_END) or second.text[:1].islower()
    return styled and same_style and unfinished


def attach_captions(blocks: list[Block], out: BeautifulSoup) -> tuple[list[Block], list[Image]]:
    """Blocks with caption lines folded into their figures, and the photos in reading order."""
    kept: list[Block] = []
    images: list[Image] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        if block.kind != "figure":
            kept.append(block)
            continue
        lines: list[str] = [block.text] if block.text else []
        if not lines and index < len(blocks) and _caption_like(blocks[index], block):
            lines.append(blocks[index].text)
            index += 1
            if index < len(blocks) and _continues(blocks[index - 1], blocks[index]):
                lines.append(blocks[index].text)
                index += 1
        if not lines and index == len(blocks) and block.tooltip:
            lines.append(block.tooltip)  # nothing printed after the photo: its title is the caption
        caption = " ".join(lines)
        if caption:
            figcaption = out.new_tag("figcaption")
            figcaption.string = caption
            block.node.append(figcaption)
            block.node.img["alt"] = caption
            block.text = caption
        kept.append(block)
        if block.image not in {image.url for image in images}:
            images.append(Image(block.image, caption))
    return kept, images

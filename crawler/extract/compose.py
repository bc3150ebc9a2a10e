"""Line-level cleaning of the block list: chrome lines, the title printed again, the lead.

Selector rules have already removed chrome elements; what is left inside the article
container is chrome printed as text (counters, toolbars, date lines), found by the text
rules, and structural repeats: the title as the first line, the lead printed twice.
"""

from __future__ import annotations

from crawler.extract.blocks import Block
from crawler.extract.clean import chrome_rule
from crawler.extract.text import same_text

TITLE_COPY_WINDOW = 3  # a copy of the title sits among the first lines
MIN_LEAD = 30


def _link_list(block: Block) -> bool:
    """A list whose every item is one link: related or latest news, not article text."""
    items = block.node.find_all("li")
    return len(items) >= 2 and all((link := item.find("a")) is not None
                                   and same_text(link.get_text(""), item.get_text("")) for item in items)


def _prune_items(block: Block) -> Block | None:
    """A list or table without its chrome items or rows; None when nothing else is left."""
    for item in block.node.find_all("li"):
        if chrome_rule(item.get_text(" ")) is not None:
            item.decompose()
    for row in block.node.find_all("tr"):
        text = row.get_text(" ", strip=True)
        if any(char.isalpha() for char in text) and chrome_rule(text) is not None:
            row.decompose()
    return block if block.node.get_text(strip=True) else None


def drop_chrome(blocks: list[Block], title: str) -> list[Block]:
    """Blocks without chrome lines, link lists, and copies of the title."""
    kept: list[Block] = []
    prose_seen = False
    for block in blocks:
        if block.kind == "figure":
            kept.append(block)
            continue
        if block.kind in ("ul", "ol", "table"):
            if block.kind != "table" and _link_list(block):
                continue
            pruned = _prune_items(block)
            if pruned is not None:
                kept.append(pruned)
            continue
        rule = chrome_rule(block.text)
        if rule is not None:
            if rule.cut and prose_seen:
                break
            continue
        if len(kept) < TITLE_COPY_WINDOW and same_text(block.text, title):
            continue
        prose_seen = prose_seen or len(block.text) > 2 * MIN_LEAD
        kept.append(block)
    return kept


def compose(blocks: list[Block], title: str) -> tuple[str, list[Block]]:
    """The lead (the first paragraph) and the blocks with the lead printed exactly once."""
    lead_index = next((i for i, b in enumerate(blocks) if b.kind == "p" and len(b.text) >= MIN_LEAD), None)
    if lead_index is None:
        return "", blocks
    lead = blocks[lead_index]
    rest = [b for i, b in enumerate(blocks) if i != lead_index and not (
        i > lead_index and b.kind == "p" and same_text(b.text, lead.text))]
    return lead.text, [lead, *rest]

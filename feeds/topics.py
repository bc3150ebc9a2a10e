"""Decide whether an article belongs to a topic: a keyword in its text or one of its categories."""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property

from crawler.config import Topic
from crawler.store import Article


def _fold(text: str) -> str:
    """Compare Vietnamese text whatever its Unicode form and case."""
    return unicodedata.normalize("NFC", text).casefold()


class TopicMatcher:
    """One topic's filters, compiled once per build."""

    def __init__(self, topic: Topic):
        self.topic = topic

    @cached_property
    def keywords(self) -> re.Pattern[str] | None:
        if not self.topic.keywords:
            return None
        words = ["\\s+".join(map(re.escape, _fold(k).split())) for k in self.topic.keywords]
        return re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)")

    @cached_property
    def categories(self) -> set[str]:
        return {_fold(c).strip() for c in self.topic.categories}

    def matches(self, article: Article) -> bool:
        """Whether the article's categories or its title, lead and text mention the topic."""
        if self.categories and self.categories & {_fold(c).strip() for c in article.categories or []}:
            return True
        if self.keywords is None:
            return False
        text = _fold(" ".join((article.title, article.summary or "", article.body_text or "")))
        return self.keywords.search(text) is not None

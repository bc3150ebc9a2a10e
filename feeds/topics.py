"""Decide whether an article belongs to a topic: a keyword in its text or one of its categories."""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import Protocol

from crawler.config import Topic


class Text(Protocol):
    """What matching reads: a stored article, or a light row of the same columns."""

    title: str
    summary: str | None
    body_text: str | None
    categories: list[str] | None


def _fold(text: str) -> str:
    """Compare Vietnamese text whatever its Unicode form and case."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text.casefold()


class Searchable:
    """An article's text and categories folded once, however many topics look at it."""

    def __init__(self, article: Text):
        self.article = article

    @cached_property
    def text(self) -> str:
        """Title, lead and text folded, one space between words."""
        a = self.article
        return " ".join(_fold(" ".join((a.title, a.summary or "", a.body_text or ""))).split())

    @cached_property
    def categories(self) -> set[str]:
        return {_fold(c).strip() for c in self.article.categories or []}


class TopicMatcher:
    """One topic's filters, compiled once per build."""

    def __init__(self, topic: Topic):
        self.topic = topic

    @cached_property
    def phrases(self) -> tuple[str, ...]:
        return tuple(" ".join(_fold(k).split()) for k in self.topic.keywords)

    @cached_property
    def keywords(self) -> re.Pattern[str] | None:
        """The phrases as whole words; run only on text that holds one as a substring (cheap)."""
        if not self.phrases:
            return None
        return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, self.phrases)) + r")(?!\w)")

    @cached_property
    def categories(self) -> set[str]:
        return {_fold(c).strip() for c in self.topic.categories}

    def matches(self, article: Text | Searchable) -> bool:
        """Whether the article's categories or its title, lead and text mention the topic."""
        seen = article if isinstance(article, Searchable) else Searchable(article)
        if self.categories & seen.categories:
            return True
        if self.keywords is None or not any(phrase in seen.text for phrase in self.phrases):
            return False
        return self.keywords.search(seen.text) is not None

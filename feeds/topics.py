"""Decide whether an article belongs to a topic: a keyword in its text or one of its categories."""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import Protocol

from core.config import Topic

WORD = re.compile(r"\w")


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
        """Title, lead and text folded (whitespace kept as it is: the patterns allow any run)."""
        a = self.article
        return _fold(" ".join((a.title, a.summary or "", a.body_text or "")))

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
    def words(self) -> tuple[tuple[str, ...], ...]:
        """Each phrase's words: text holding a phrase holds every one of them (a cheap test first)."""
        return tuple(tuple(phrase.split(" ")) for phrase in self.phrases)

    @cached_property
    def keywords(self) -> re.Pattern[str] | None:
        """The phrases, any run of whitespace between their words, not running on into a word.

        Where a phrase starts is checked by `mentions`: a lookbehind here would keep the regex
        engine from skipping ahead to the phrases' first letters (3x slower on long texts).
        """
        if not self.phrases:
            return None
        spaced = (r"\s+".join(map(re.escape, words)) for words in self.words)
        return re.compile(r"(?:" + "|".join(spaced) + r")(?!\w)")

    def mentions(self, text: str) -> bool:
        """Whether a phrase stands in the text as whole words."""
        assert self.keywords is not None
        found = self.keywords.search(text)
        while found is not None:
            start = found.start()
            if start == 0 or not WORD.match(text, start - 1):
                return True
            found = self.keywords.search(text, start + 1)
        return False

    @cached_property
    def categories(self) -> set[str]:
        return {_fold(c).strip() for c in self.topic.categories}

    def matches(self, article: Text | Searchable) -> bool:
        """Whether the article's categories or its title, lead and text mention the topic."""
        seen = article if isinstance(article, Searchable) else Searchable(article)
        if self.categories & seen.categories:
            return True
        if self.keywords is None or not any(all(w in seen.text for w in words) for words in self.words):
            return False
        return self.mentions(seen.text)

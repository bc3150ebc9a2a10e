"""The item a spider yields for each article page."""

from __future__ import annotations

from dataclasses import dataclass

from crawler.extract import Article


@dataclass
class ArticleItem:
    source_id: str
    requested_url: str
    article: Article

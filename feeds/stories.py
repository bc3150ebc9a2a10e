"""Choose what a feed shows: its newest articles, one entry per story where copies are folded.

The dedup engine marks copies of one story with a shared `articles.cluster_id` (the id of the
earliest-published member; NULL for a story with no copies). A source's own feed keeps its own
copy; the combined and topic feeds show each story once, as its earliest copy in their scope,
with the other copies listed inside the entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from crawler.store import Article, Store

NEWEST_FIRST = (func.coalesce(Article.published, Article.first_seen).desc(), Article.id.desc())
EARLIEST_FIRST = (func.coalesce(Article.published, Article.first_seen).asc(), Article.id.asc())


@dataclass(frozen=True)
class Scope:
    """Which articles a feed may show: some sources (None: all), an optional topic filter."""

    sources: frozenset[str] | None = None
    topic: Callable[[Article], bool] | None = None
    one_per_story: bool = False

    def covers(self, article: Article) -> bool:
        in_sources = self.sources is None or article.source_id in self.sources
        return in_sources and (self.topic is None or self.topic(article))

    def restrict(self, query: Select) -> Select:
        return query if self.sources is None else query.where(Article.source_id.in_(sorted(self.sources)))


@dataclass
class Story:
    """An article to publish, with the other copies of the same story (earliest first)."""

    article: Article
    copies: list[Article] = field(default_factory=list)


def select_stories(store: Store, scope: Scope, limit: int) -> list[Story]:
    """The newest `limit` stories in scope, newest first."""
    query = scope.restrict(select(Article)).order_by(*NEWEST_FIRST)
    with store.session() as session:
        if scope.topic is None and not scope.one_per_story:
            return [Story(a) for a in session.scalars(query.limit(limit))]
        stories: list[Story] = []
        for article in session.scalars(query.execution_options(yield_per=200)):
            if not scope.covers(article):
                continue
            story = _fold_copies(session, scope, article) if scope.one_per_story else Story(article)
            if story is not None:
                stories.append(story)
                if len(stories) == limit:
                    break
        return stories


def _fold_copies(session: Session, scope: Scope, article: Article) -> Story | None:
    """The story if `article` is its earliest copy in scope; None when an earlier copy stands for it."""
    if article.cluster_id is None:
        return Story(article)
    members = list(session.scalars(
        scope.restrict(select(Article).where(Article.cluster_id == article.cluster_id))
        .order_by(*EARLIEST_FIRST)))
    first = next((m for m in members if scope.covers(m)), article)
    if first.id != article.id:
        return None
    return Story(article, [m for m in members if m.id != article.id])

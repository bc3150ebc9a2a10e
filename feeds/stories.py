"""Choose what a feed shows: its newest articles, one entry per story where copies are folded.

The dedup engine marks copies of one story with a shared `articles.cluster_id` (the id of the
earliest-published member; NULL for a story with no copies). A source's own feed keeps its own
copy; the combined and topic feeds show each story once, as its earliest copy in their scope,
with the other copies listed inside the entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from crawler.store import Article, Store
from feeds.topics import Searchable

NEWEST_FIRST = (func.coalesce(Article.published, Article.first_seen).desc(), Article.id.desc())
EARLIEST_FIRST = (func.coalesce(Article.published, Article.first_seen).asc(), Article.id.asc())
# What deciding needs; scanning these light rows instead of whole articles keeps topic feeds cheap.
DECIDING = (Article.id, Article.source_id, Article.cluster_id, Article.title, Article.summary,
            Article.body_text, Article.categories)


@dataclass(frozen=True)
class Scope:
    """Which articles a feed may show: some sources (None: all), an optional topic filter."""

    sources: frozenset[str] | None = None
    topic: Callable[[Any], bool] | None = None
    one_per_story: bool = False

    def covers(self, article: Any, searchable: Searchable | None = None) -> bool:
        """Whether an article (or a row with its source and text) belongs in the feed."""
        in_sources = self.sources is None or article.source_id in self.sources
        return in_sources and (self.topic is None or self.topic(searchable or article))

    def restrict(self, query: Select) -> Select:
        return query if self.sources is None else query.where(Article.source_id.in_(sorted(self.sources)))

    @property
    def simple(self) -> bool:
        """A plain newest-first list, which SQL alone can give."""
        return self.topic is None and not self.one_per_story


@dataclass
class Story:
    """An article to publish, with the other copies of the same story (earliest first)."""

    article: Article
    copies: list[Article] = field(default_factory=list)


Chosen = tuple[int, list[int]]  # a story's article id and the ids of its other copies


def select_stories(store: Store, scope: Scope, limit: int) -> list[Story]:
    """The newest `limit` stories in scope, newest first."""
    return select_many(store, [scope], limit)[0]


def select_many(store: Store, scopes: Sequence[Scope], limit: int) -> list[list[Story]]:
    """The newest `limit` stories of each scope; the store is scanned once for all that filter."""
    with store.session() as session:
        results: list[list[Story]] = [[] for _ in scopes]
        filtering = [i for i, scope in enumerate(scopes) if not scope.simple]
        for i, scope in enumerate(scopes):
            if scope.simple:
                query = scope.restrict(select(Article)).order_by(*NEWEST_FIRST).limit(limit)
                results[i] = [Story(a) for a in session.scalars(query)]
        if filtering:
            chosen = _choose(session, [scopes[i] for i in filtering], limit)
            articles = _load(session, {n for ids in chosen for a, copies in ids for n in (a, *copies)})
            for i, ids in zip(filtering, chosen, strict=True):
                results[i] = [Story(articles[a], [articles[c] for c in copies]) for a, copies in ids]
        return results


def _choose(session: Session, scopes: Sequence[Scope], limit: int) -> list[list[Chosen]]:
    """For each scope, the ids of its stories, from one newest-first pass over light rows."""
    everywhere = any(scope.sources is None for scope in scopes)
    union = None if everywhere else frozenset().union(*(scope.sources or () for scope in scopes))
    rows = session.execute(Scope(union).restrict(select(*DECIDING)).order_by(*NEWEST_FIRST)
                           .execution_options(yield_per=500))
    chosen: list[list[Chosen]] = [[] for _ in scopes]
    for row in rows:
        still_open = [i for i in range(len(scopes)) if len(chosen[i]) < limit]
        if not still_open:
            break
        searchable = Searchable(row)
        for i in still_open:
            if scopes[i].covers(row, searchable):
                story = _story(session, scopes[i], row)
                if story is not None:
                    chosen[i].append(story)
    rows.close()
    return chosen


def _story(session: Session, scope: Scope, row: Any) -> Chosen | None:
    """The row as a story, or None when an earlier copy in scope stands for the same story."""
    if not scope.one_per_story or row.cluster_id is None:
        return row.id, []
    copies = select(*DECIDING).where(Article.cluster_id == row.cluster_id)
    members = session.execute(scope.restrict(copies).order_by(*EARLIEST_FIRST)).all()
    first = next((m for m in members if scope.covers(m)), row)
    if first.id != row.id:
        return None
    return row.id, [m.id for m in members if m.id != row.id]


def _load(session: Session, ids: Iterable[int]) -> dict[int, Article]:
    """Whole articles by id, in batches that stay under SQLite's parameter limit."""
    ids = sorted(ids)
    loaded: dict[int, Article] = {}
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        loaded.update((a.id, a) for a in session.scalars(select(Article).where(Article.id.in_(batch))))
    return loaded

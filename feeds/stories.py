"""Choose what a feed shows: its newest articles, one entry per story where copies are folded.

The dedup engine marks copies of one story with a shared `articles.cluster_id` (the id of the
earliest-published member; NULL for a story with no copies). A source's own feed keeps its own
copy; the combined and topic feeds show each story once, as its earliest copy in their scope,
with the other copies listed inside the entry.

Choosing reads ids from the index on `articles.sort_date` and loads articles (all that an
entry shows) only for the stories chosen. A topic feed looks for matches among the newest
`TOPIC_WINDOW` articles of its sources only, so a build never reads the text of the whole
store (matching costs about 80 us of CPU per article looked at): an older match is not shown,
even when the window holds fewer than `limit` matches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, defer

from core.store import Store, StoredArticle
from feeds.topics import Searchable

TOPIC_WINDOW = 10_000
NEWEST_FIRST = (StoredArticle.sort_date.desc(), StoredArticle.id.desc())
EARLIEST_FIRST = (StoredArticle.sort_date.asc(), StoredArticle.id.asc())
# What deciding needs: where an article belongs and which story it tells; topics add its text.
PLACING = (StoredArticle.id, StoredArticle.source_id, StoredArticle.cluster_id)
TEXT = (StoredArticle.title, StoredArticle.summary, StoredArticle.body_text, StoredArticle.categories)
BATCH = 500  # ids per query: well under SQLite's parameter limit
# What no entry shows, left in the database (reading one raises instead of querying).
UNSHOWN = (defer(StoredArticle.body_text, raiseload=True), defer(StoredArticle.extraction, raiseload=True))


@dataclass(frozen=True)
class Scope:
    """Which articles a feed may show: some sources (None: all), an optional topic filter."""

    sources: frozenset[str] | None = None
    topic: Callable[[Any], bool] | None = None
    one_per_story: bool = False

    def covers(self, article: Any, searchable: Searchable | None = None) -> bool:
        """Whether an article (or a row with its source and text) belongs in the feed."""
        return self.holds(article.source_id) and (self.topic is None or self.topic(searchable or article))

    def holds(self, source_id: str) -> bool:
        """Whether the feed may show articles of this source."""
        return self.sources is None or source_id in self.sources

    def restrict(self, query: Select) -> Select:
        if self.sources is None:
            return query
        return query.where(StoredArticle.source_id.in_(sorted(self.sources)))

    @property
    def simple(self) -> bool:
        """A plain newest-first list, which SQL alone can give."""
        return self.topic is None and not self.one_per_story


@dataclass
class Story:
    """An article to publish, with the other copies of the same story (earliest first)."""

    article: StoredArticle
    copies: list[StoredArticle] = field(default_factory=list)


Chosen = tuple[int, list[int]]  # a story's article id and the ids of its other copies


def select_many(store: Store, scopes: Sequence[Scope], limit: int) -> list[list[Story]]:
    """The newest `limit` stories of each scope; one pass over the index serves all that filter."""
    with store.session() as session:
        chosen: list[list[Chosen]] = [[] for _ in scopes]
        for i, scope in enumerate(scopes):
            if scope.simple:
                newest = scope.restrict(select(StoredArticle.id)).order_by(*NEWEST_FIRST).limit(limit)
                chosen[i] = [(n, []) for n in session.scalars(newest)]
        filtering = [i for i, scope in enumerate(scopes) if not scope.simple]
        if filtering:
            decided = _choose(session, [scopes[i] for i in filtering], limit)
            for i, ids in zip(filtering, decided, strict=True):
                chosen[i] = ids
        articles = _load(session, {n for ids in chosen for a, copies in ids for n in (a, *copies)})
        return [[Story(articles[a], [articles[c] for c in copies]) for a, copies in ids] for ids in chosen]


def _choose(session: Session, scopes: Sequence[Scope], limit: int) -> list[list[Chosen]]:
    """For each scope, the ids of its stories, from one newest-first pass over the index."""
    everywhere = any(scope.sources is None for scope in scopes)
    union = None if everywhere else frozenset().union(*(scope.sources or () for scope in scopes))
    rows = session.execute(Scope(union).restrict(select(*PLACING)).order_by(*NEWEST_FIRST)
                           .execution_options(yield_per=BATCH))
    chosen: list[list[Chosen]] = [[] for _ in scopes]
    looked = [0] * len(scopes)  # how many articles of its sources each topic scope has looked at

    def still_open(i: int) -> bool:
        return len(chosen[i]) < limit and (scopes[i].topic is None or looked[i] < TOPIC_WINDOW)

    for batch in rows.partitions():
        open_scopes = [i for i in range(len(scopes)) if still_open(i)]
        if not open_scopes:
            break
        texts = _texts(session, [r.id for r in batch if any(scopes[i].topic and scopes[i].holds(r.source_id)
                                                             for i in open_scopes)])
        for row in batch:
            searchable = Searchable(texts[row.id]) if row.id in texts else None
            for i in open_scopes:
                scope = scopes[i]
                if not still_open(i) or not scope.holds(row.source_id):
                    continue
                looked[i] += 1
                if scope.topic is not None and not scope.topic(searchable):
                    continue
                if (story := _story(session, scope, row)) is not None:
                    chosen[i].append(story)
    rows.close()
    return chosen


def _story(session: Session, scope: Scope, row: Any) -> Chosen | None:
    """The row as a story, or None when an earlier copy in scope stands for the same story."""
    if not scope.one_per_story or row.cluster_id is None:
        return row.id, []
    columns = (*PLACING, *TEXT) if scope.topic else PLACING
    copies = select(*columns).where(StoredArticle.cluster_id == row.cluster_id)
    members = session.execute(scope.restrict(copies).order_by(*EARLIEST_FIRST)).all()
    first = next((m for m in members if scope.covers(m)), row)
    if first.id != row.id:
        return None
    return row.id, [m.id for m in members if m.id != row.id]


def _texts(session: Session, ids: list[int]) -> dict[int, Any]:
    """The text of the given articles, what topics match on, by id."""
    texts: dict[int, Any] = {}
    for start in range(0, len(ids), BATCH):
        query = select(StoredArticle.id, *TEXT).where(StoredArticle.id.in_(ids[start:start + BATCH]))
        texts.update((row.id, row) for row in session.execute(query))
    return texts


def _load(session: Session, ids: Iterable[int]) -> dict[int, StoredArticle]:
    """Articles by id with what entries show, in batches that stay under SQLite's parameter limit."""
    ids = sorted(ids)
    loaded: dict[int, StoredArticle] = {}
    for start in range(0, len(ids), BATCH):
        query = select(StoredArticle).options(*UNSHOWN).where(StoredArticle.id.in_(ids[start:start + BATCH]))
        loaded.update((a.id, a) for a in session.scalars(query))
    return loaded

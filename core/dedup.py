"""Duplicate detection: exact content hashes within a source, near-duplicate clusters across all.

Dedup owns its tables (near_docs, near_bands, near_pairs, and near_scheme naming the layout
the index was filed under) and the content-hash lookup; the store calls the three functions
at the end of this docstring inside the transaction that saves an article. The index lives
in the store, never in module globals, so the same articles give the same clusters in any
process and any order. The arithmetic (shingles, MinHash, bands) is core/neardup.py, loaded
on the first article that needs it: numpy and datasketch are not imported otherwise.

The contract with the feeds: `articles.cluster_id` is NULL for a story with no copies; articles
with the same non-null cluster_id are copies of one story, and cluster_id is the id of the
cluster's earliest-published member. A cluster is a connected group of copy pairs; every
change to an article recomputes the clusters it touches, in the same transaction.

The store's interface: `copy_in_source` (the exact-copy lookup), `cluster_article` (file an
article and update its clusters) and `ensure_scheme` (re-index after a change of layout).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Iterable

from sqlalchemy import Float, ForeignKey, Integer, LargeBinary, Text, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base, Database, schema_lock

_SPACE = re.compile(r"\s+")


class NearDoc(Base):
    """An article in the near-duplicate index, with the LSH band keys it was filed under."""

    __tablename__ = "near_docs"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), primary_key=True)
    bands: Mapped[bytes] = mapped_column(LargeBinary)


class NearBand(Base):
    """LSH buckets: articles sharing a band key are candidates for being copies of each other."""

    __tablename__ = "near_bands"
    __table_args__ = {"sqlite_with_rowid": False}

    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class NearPair(Base):
    """Two articles found to be copies of one story (stored in both directions)."""

    __tablename__ = "near_pairs"
    __table_args__ = {"sqlite_with_rowid": False}

    article_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    other_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    similarity: Mapped[float] = mapped_column(Float)


class NearScheme(Base):
    """The shingle and LSH layout the index was filed under (core.neardup.SCHEME); one row."""

    __tablename__ = "near_scheme"

    scheme: Mapped[str] = mapped_column(Text, primary_key=True)


def content_hash(title: str, text: str) -> str:
    """Hash of the normalised text (NFC, whitespace, case), equal for the same story anywhere."""
    normal = unicodedata.normalize("NFC", f"{title}\n{text}").casefold()
    return hashlib.sha256(_SPACE.sub(" ", normal).strip().encode("utf-8")).hexdigest()


_SAME_TEXT = text("SELECT id, source_id FROM articles WHERE content_hash = :hash")


def copy_in_source(db: Connection, digest: str, source_id: str) -> int | None:
    """The stored article of this source with exactly this text, if any.

    By hash alone, then the source: with both in the query SQLite picks the source_id index
    and reads every article of the source (44 ms at 1M stored).
    """
    rows = db.execute(_SAME_TEXT, {"hash": digest})
    return next((article_id for article_id, source in rows if source == source_id), None)


_DROP_BAND = text("DELETE FROM near_bands WHERE band = :band AND article_id = :id")
_DROP_DOC = text("DELETE FROM near_docs WHERE article_id = :id")
_NEIGHBOURS = text("SELECT other_id FROM near_pairs WHERE article_id = :id")
_DROP_PAIR = text("DELETE FROM near_pairs WHERE article_id = :a AND other_id = :b")
# The statements run for every article go to the DB-API cursor as they are, in the same
# transaction: 3 us each against 15 through SQLAlchemy's result objects. They are written
# with SQLite's "?" and given "%s" for drivers of the format style (psycopg); the SQL itself
# (ON CONFLICT, IS DISTINCT FROM) is what SQLite and PostgreSQL both understand.
_ARTICLE = "SELECT title, body_text FROM articles WHERE id = ?"
_OLD_BANDS = "SELECT bands FROM near_docs WHERE article_id = ?"
_ADD_DOC = "INSERT INTO near_docs (article_id, bands) VALUES (?, ?)"
_ADD_BANDS = "INSERT INTO near_bands (band, article_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
_CANDIDATES = ("SELECT a.id, a.title, a.body_text FROM articles AS a WHERE a.id IN ("
               "SELECT article_id FROM near_bands WHERE band IN ({marks}) AND article_id != ? "
               "GROUP BY article_id HAVING count(*) >= {min_bands})")
_UNPAIRED = "UPDATE articles SET cluster_id = NULL WHERE id = ? AND cluster_id IS NOT NULL"
_ADD_PAIR = text("INSERT INTO near_pairs (article_id, other_id, similarity) VALUES (:a, :b, :s) "
                 "ON CONFLICT (article_id, other_id) DO UPDATE SET similarity = excluded.similarity")
_EARLIEST = text(
    "SELECT id FROM articles WHERE id IN :ids ORDER BY coalesce(published, first_seen), id LIMIT 1"
).bindparams(bindparam("ids", expanding=True))
_CLUSTER_OF = text("SELECT cluster_id FROM articles WHERE id = :id")
_SET_CLUSTER = text(
    "UPDATE articles SET cluster_id = :cluster WHERE id IN :ids AND cluster_id IS DISTINCT FROM :cluster"
).bindparams(bindparam("ids", expanding=True))


def _raw(db: Connection, sql: str) -> str:
    """A statement for the DB-API cursor, its "?" marks in the driver's own style."""
    return sql if db.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def _pack(keys: list[int]) -> bytes:
    return array("i", keys).tobytes()


def _unpack(blob: bytes) -> list[int]:
    keys = array("i")
    keys.frombytes(blob)
    return keys.tolist()


def _unindex(db: Connection, article_id: int) -> set[int]:
    """Take an article out of the index; return the articles it was paired with."""
    row = db.connection.cursor().execute(_raw(db, _OLD_BANDS), (article_id,)).fetchone()
    if row is None:
        return set()  # never indexed, so never paired
    bands = [{"band": band, "id": article_id} for band in _unpack(row[0])]
    if bands:
        db.execute(_DROP_BAND, bands)
    db.execute(_DROP_DOC, {"id": article_id})
    neighbours = set(db.execute(_NEIGHBOURS, {"id": article_id}).scalars())
    if neighbours:
        db.execute(_DROP_PAIR, [{"a": article_id, "b": n} for n in neighbours]
                        + [{"a": n, "b": article_id} for n in neighbours])
    return neighbours


def _component(db: Connection, start: int) -> set[int]:
    """Every article linked to `start` through copy pairs, `start` included."""
    seen, frontier = {start}, [start]
    while frontier:
        found = db.execute(
            text("SELECT DISTINCT other_id FROM near_pairs WHERE article_id IN :ids")
            .bindparams(bindparam("ids", expanding=True)), {"ids": frontier}).scalars()
        frontier = [i for i in found if i not in seen]
        seen.update(frontier)
    return seen


def _relabel(db: Connection, articles: Iterable[int]) -> None:
    """Give every cluster touching these articles its cluster_id (NULL for an article alone)."""
    done: set[int] = set()
    for article_id in sorted(articles):
        if article_id in done:
            continue
        members = _component(db, article_id)
        done |= members
        cluster = None
        if len(members) > 1:
            cluster = db.execute(_EARLIEST, {"ids": sorted(members)}).scalar()
        db.execute(_SET_CLUSTER, {"cluster": cluster, "ids": sorted(members)})


def cluster_article(db: Connection, article_id: int, near: str | None = None) -> int | None:
    """(Re)index one stored article and update the clusters it leaves or joins; return its cluster_id.

    `near` is the text to compare (default: the stored title and body); candidates are compared
    by their stored title and body.
    """
    from core.neardup import MIN_BANDS, THRESHOLD, index_keys, jaccard, near_text, shingles

    cursor = db.connection.cursor()
    if near is None:
        near = near_text(*cursor.execute(_raw(db, _ARTICLE), (article_id,)).fetchone())
    before = _unindex(db, article_id)
    items, keys = index_keys(near)
    cursor.execute(_raw(db, _ADD_DOC), (article_id, _pack(keys)))
    pairs = []
    if keys:
        distinct = sorted(set(keys))
        cursor.executemany(_raw(db, _ADD_BANDS), [(band, article_id) for band in distinct])
        candidates = _CANDIDATES.format(marks=",".join("?" * len(distinct)), min_bands=MIN_BANDS)
        cursor.execute(_raw(db, candidates), (*distinct, article_id))
        for other_id, other_title, other_body in cursor.fetchall():
            similarity = jaccard(items, shingles(near_text(other_title, other_body)))
            if similarity >= THRESHOLD:
                pairs.append((other_id, similarity))
    if not pairs and not before:  # alone before and after: the common case, kept cheap
        cursor.execute(_raw(db, _UNPAIRED), (article_id,))
        return None
    if pairs:
        db.execute(_ADD_PAIR, [{"a": a, "b": b, "s": s} for other, s in pairs
                               for a, b in ((article_id, other), (other, article_id))])
    _relabel(db, {article_id, *before, *(other for other, _ in pairs)})
    return db.execute(_CLUSTER_OF, {"id": article_id}).scalar()


def forget_articles(db: Connection, article_ids: Iterable[int]) -> set[int]:
    """Take articles out of the index before they are deleted; return the others whose clusters change.

    Relabel those (`relabel`) once the articles are gone, so no cluster is named after one.
    """
    ids = set(article_ids)
    neighbours: set[int] = set()
    for article_id in ids:
        neighbours |= _unindex(db, article_id)
    return neighbours - ids


def relabel(db: Connection, article_ids: Iterable[int]) -> None:
    """Name every cluster touching these articles after its earliest member again."""
    _relabel(db, article_ids)


def _forget_index(db: Connection) -> None:
    """Empty the index and every cluster, keeping the articles."""
    from core.neardup import SCHEME

    for table in ("near_pairs", "near_bands", "near_docs", "near_scheme"):
        db.execute(text(f"DELETE FROM {table}"))
    db.execute(text("UPDATE articles SET cluster_id = NULL WHERE cluster_id IS NOT NULL"))
    db.execute(text("INSERT INTO near_scheme (scheme) VALUES (:scheme)"), {"scheme": SCHEME})


def _index_all(db: Connection) -> int:
    """File every stored article into an empty index; return how many."""
    ids = list(db.execute(text("SELECT id FROM articles ORDER BY id")).scalars())
    for article_id in ids:
        cluster_article(db, article_id)
    return len(ids)


def ensure_scheme(db: Connection) -> bool:
    """Re-index every article when the index was filed under another SCHEME; say whether it was.

    Keys of another layout never match this one's, so old rows would hide copies. A store from
    before the scheme was recorded counts as another scheme when it has indexed articles.
    """
    from core.neardup import SCHEME

    schema_lock(db)  # two processes starting on one PostgreSQL store: one re-indexes, the other waits
    stored = list(db.execute(text("SELECT scheme FROM near_scheme")).scalars())
    if stored == [SCHEME]:
        return False
    indexed = db.execute(text("SELECT 1 FROM near_docs LIMIT 1")).first() is not None
    _forget_index(db)
    if not stored and not indexed:
        return False
    _index_all(db)
    return True


class NearDuplicateIndex:
    """The near-duplicate index of a store, for callers outside a crawl (benchmarks, repairs)."""

    def __init__(self, store: Database):
        self.store = store
        with store.engine.begin() as db:
            ensure_scheme(db)

    def add(self, article_id: int, near: str | None = None) -> int | None:
        """Index a stored article (again) in its own transaction; return its cluster_id."""
        with self.store.engine.begin() as db:
            return cluster_article(db, article_id, near)

    def add_many(self, articles: Iterable[tuple[int, str | None]]) -> list[int | None]:
        """Index many stored articles in one transaction (bulk loads); return their cluster_ids."""
        with self.store.engine.begin() as db:
            return [cluster_article(db, article_id, near) for article_id, near in articles]

    def rebuild(self) -> int:
        """Index every stored article afresh (after a change of shingles or LSH parameters)."""
        with self.store.engine.begin() as db:
            _forget_index(db)
            return _index_all(db)

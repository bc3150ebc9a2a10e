"""Near-duplicates at scale: time per article to insert and query with 10k, 100k and 1M stored.

The index lives in the store (core/dedup.py). The stored articles are synthetic: a body of
real-article length (about 2,300 characters of words from the samples) filed under BANDS
random LSH band keys (core.neardup's layout), which is what MinHash gives texts that share
nothing; computing real keys for a million background texts would take longer than everything
else here. Then, at each size, new articles go through the real code: `NearDuplicateIndex.add`
on stored articles not yet indexed (index insert + query + clusters, a transaction each), and
`Store.save_article` on others (row, index, query, clusters: what a crawl pays per new
article). One in ten is a light edit of an earlier one, so pairs and clusters are made too.
The filled stores are kept in bench/out/neardup/ (named by the tables and the LSH scheme they
were filled for) and the timed articles removed again, so later runs start at once.

    python -m bench.neardup_scale [--quick] [--sizes 10000,100000,1000000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sqlite3
import statistics
import sys
import time
from array import array
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.schema import CreateIndex, CreateTable

from bench.common import OUT, Clock, measure, own_usage, save, table
from bench.feeds_rebuild import paragraphs, word_pool
from core.database import Base
from core.neardup import BANDS, SCHEME
from core.store import ArticleRecord, Store

FULL_SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 10_000)
TIMED = 300
SOURCES = 60
TARGET_MS = 1.0
CHUNK = 20_000
INDEX_TABLES = ("near_docs", "near_bands", "near_pairs")
INSERT_ARTICLE = ("INSERT INTO articles (id, source_id, url, title, summary, body_html, body_text,"
                  " categories, published, extraction, content_hash, first_seen, last_seen, updated)"
                  " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)")


def fingerprint() -> str:
    """What the kept stores' synthetic rows depend on: the tables and the LSH scheme."""
    digest = hashlib.sha1(SCHEME.encode())
    for declared in Base.metadata.sorted_tables:
        digest.update(str(CreateTable(declared).compile(dialect=sqlite_dialect.dialect())).encode())
        for index in sorted(declared.indexes, key=lambda i: str(i.name)):
            digest.update(str(CreateIndex(index).compile(dialect=sqlite_dialect.dialect())).encode())
    return digest.hexdigest()[:12]


def _stamp(value: datetime) -> str:
    """How SQLAlchemy writes a DateTime into SQLite (naive UTC)."""
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def fill(path: Path, start: int, stop: int, seed: int = 7) -> None:
    """Add background articles start..stop-1 (ids start+1..stop) with random band keys."""
    rng = random.Random(f"{seed}/{start}")
    pool = paragraphs(rng, word_pool(), 4000)
    newest = datetime(2025, 6, 1, tzinfo=UTC)
    db = sqlite3.connect(path)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-400000")
    for begin in range(start, stop, CHUNK):
        articles, docs, bands = [], [], []
        for n in range(begin, min(begin + CHUNK, stop)):
            article_id = n + 1
            text = "\n".join(rng.sample(pool, rng.randint(4, 7)))
            when = _stamp(newest - timedelta(minutes=rng.randint(0, 5_000_000)))
            articles.append((article_id, f"src{n % SOURCES:02d}", f"http://bench.invalid/a/{article_id}",
                             " ".join(rng.choices(pool[n % len(pool)].split(), k=12)), "", "", text,
                             "[]", when, "{}", f"{rng.getrandbits(256):064x}", when, when, when))
            keys = [rng.getrandbits(32) - 2**31 for _ in range(BANDS)]
            docs.append((article_id, array("i", keys).tobytes()))
            bands.extend((key, article_id) for key in keys)
        bands.sort()
        with db:
            db.executemany(INSERT_ARTICLE, articles)
            db.executemany("INSERT INTO near_docs (article_id, bands) VALUES (?,?)", docs)
            db.executemany("INSERT OR IGNORE INTO near_bands (band, article_id) VALUES (?,?)", bands)
    db.close()


def sources_rows(path: Path) -> None:
    """The sources, and the scheme the synthetic band keys stand for."""
    db = sqlite3.connect(path)
    with db:
        db.execute("INSERT OR REPLACE INTO near_scheme (scheme) VALUES (?)", (SCHEME,))
        now = _stamp(datetime.now(UTC))
        db.executemany("INSERT OR IGNORE INTO sources (id, name, listing, created) VALUES (?,?,?,?)",
                       [(f"src{n:02d}", f"Nguồn {n}", "[]", now) for n in range(SOURCES)])
    db.close()


def count(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    finally:
        db.close()


def index_bytes(path: Path) -> dict[str, int]:
    """Bytes on disk of the index's tables and their indexes (SQLite's dbstat)."""
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")
        owner = {name: table for name, table in rows}
        sizes: dict[str, int] = {}
        for name, size in db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
            table_name = owner.get(name, name)
            sizes[table_name] = sizes.get(table_name, 0) + size
        return sizes
    finally:
        db.close()


def timed_texts(rng: random.Random, words: list[str], n: int) -> list[str]:
    """New articles' texts: fresh words, and every tenth a light edit of an earlier one."""
    texts: list[str] = []
    for k in range(n):
        if k % 10 == 9 and texts:
            base = rng.choice(texts).split()
            for _ in range(len(base) // 25):
                base[rng.randrange(len(base))] = rng.choice(words)
            texts.append(" ".join(base))
        else:
            texts.append(" ".join(rng.choices(words, k=rng.randint(300, 450))))
    return texts


def insert_rows(path: Path, texts: list[str], label: str) -> list[int]:
    """Store articles without indexing them (as fill does, minus the band keys); their ids."""
    db = sqlite3.connect(path)
    first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0]
    now = _stamp(datetime.now(UTC))
    rows = [(first + k, f"src{k % SOURCES:02d}", f"http://bench.invalid/{label}/{first + k}",
             f"Bài viết số {k}", "", "", text, "[]", now, "{}", hashlib.sha256(text.encode()).hexdigest(),
             now, now, now) for k, text in enumerate(texts)]
    with db:
        db.executemany(INSERT_ARTICLE, rows)
    db.close()
    return [row[0] for row in rows]


def measure_size(store_path: Path, size: int, timed: int) -> dict[str, Any]:
    """Time `timed` new articles into the index, and `timed` more through save_article, then
    take them out again."""
    from core.dedup import NearDuplicateIndex

    rng = random.Random(size)
    words = word_pool()
    indexed = insert_rows(store_path, timed_texts(rng, words, timed), "indexed")
    store = Store(f"sqlite:///{store_path}")
    index = NearDuplicateIndex(store)
    add_ms, add_wall, save_ms, save_wall, saved = [], [], [], [], []
    clusters = set()
    try:
        for article_id in indexed:
            with Clock() as clock:
                cluster = index.add(article_id)
            add_ms.append(clock.cpu * 1000)
            add_wall.append(clock.wall * 1000)
            if cluster is not None:
                clusters.add(cluster)
        for k, text in enumerate(timed_texts(rng, words, timed)):
            record = ArticleRecord(source_id=f"src{k % SOURCES:02d}", url=f"http://bench.invalid/new/{size}/{k}",
                                   title=f"Bài viết mới số {k}", body_text=text, body_html=f"<p>{text}</p>",
                                   published=datetime.now(UTC),
                                   content_hash=hashlib.sha256(text.encode()).hexdigest())
            with Clock() as clock:
                store.save_article(record)
            save_ms.append(clock.cpu * 1000)
            save_wall.append(clock.wall * 1000)
            saved.append(store.article_for_url(record.url).id)
        rss_mb = psutil.Process().memory_info().rss / 1e6
        sizes = index_bytes(store_path)
    finally:
        store.close()
        remove(store_path, indexed + saved)
    return {"stored": size, "timed": timed, "clusters_found": len(clusters),
            "save_article_ms": _stats(save_ms), "index_add_ms": _stats(add_ms),
            "save_article_wall_ms": _stats(save_wall), "index_add_wall_ms": _stats(add_wall),
            "index_mb": round(sum(sizes.get(t, 0) for t in INDEX_TABLES) / 1e6, 1),
            "index_mb_by_table": {t: round(sizes.get(t, 0) / 1e6, 1) for t in INDEX_TABLES},
            "store_mb": round(store_path.stat().st_size / 1e6, 1), "rss_after_adds_mb": round(rss_mb, 1),
            **own_usage()}


def remove(path: Path, ids: list[int]) -> None:
    """Take the timed articles out again, so the kept store stays at its size."""
    db = sqlite3.connect(path)
    marks = ",".join("?" * len(ids))
    with db:
        db.execute(f"UPDATE articles SET cluster_id = NULL WHERE cluster_id IN ({marks})", ids)
        db.execute(f"DELETE FROM near_bands WHERE article_id IN ({marks})", ids)
        db.execute(f"DELETE FROM near_pairs WHERE article_id IN ({marks}) OR other_id IN ({marks})",
                   ids + ids)
        db.execute(f"DELETE FROM near_docs WHERE article_id IN ({marks})", ids)
        db.execute(f"DELETE FROM article_urls WHERE article_id IN ({marks})", ids)
        db.execute(f"DELETE FROM articles WHERE id IN ({marks})", ids)
    db.close()


def _stats(values: list[float]) -> dict[str, float]:
    return {"mean": round(statistics.fmean(values), 3), "median": round(statistics.median(values), 3),
            "p90": round(statistics.quantiles(values, n=10)[-1], 3)}


def prepared_store(size: int, grown_from: Path | None) -> Path:
    """The kept store with `size` background articles, grown from a smaller one when there is one."""
    folder = OUT / "neardup"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"store-{size}-{fingerprint()}.db"
    if path.exists() and count(path) == size:
        return path
    for stale in folder.glob(f"store-{size}-*.db*"):
        stale.unlink()
    Store(f"sqlite:///{path}").close()
    sources_rows(path)
    start = 0
    if grown_from is not None:
        source = sqlite3.connect(grown_from)
        target = sqlite3.connect(path)
        source.backup(target)
        source.close()
        target.close()
        start = count(path)
    started = time.perf_counter()
    fill(path, start, size)
    print(f"  filled {path.name}: {size - start} articles in {time.perf_counter() - started:.0f} s",
          flush=True)
    return path


def measure_in_child(path: Path, size: int, timed: int) -> dict[str, Any]:
    """measure_size in a fresh process, so its peak memory is the index's working set alone."""
    run = measure(["-m", "bench.neardup_scale", "--measure", str(path), "--sizes", str(size),
                   "--timed", str(timed)], f"neardup-{size}")
    return run.last_json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}")
    parser.add_argument("--sizes", help="comma-separated store sizes")
    parser.add_argument("--timed", type=int, help=f"articles timed at each size (default {TIMED})")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        from core.dedup import NearDuplicateIndex  # noqa: F401
    except ImportError:
        print("neardup: core.dedup has no NearDuplicateIndex yet; nothing to measure")
        save("neardup_scale", {"available": False})
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else \
        (QUICK_SIZES if args.quick else FULL_SIZES)
    timed = args.timed or (100 if args.quick else TIMED)
    if args.measure:
        print(json.dumps(measure_size(args.measure, sizes[0], timed)))
        return 0
    levels, previous = [], None
    for size in sizes:
        path = prepared_store(size, previous)
        levels.append(measure_in_child(path, size, timed))
        previous = path
    at_largest = levels[-1]["index_add_ms"]["mean"]
    result = {"available": True, "levels": levels,
              "targets": {f"index insert+query <= 1 ms at {sizes[-1]:,}": at_largest <= TARGET_MS}}
    print(f"near-duplicates: {timed} new articles timed at each store size (CPU ms per article, "
          f"and wall ms of the index add)")
    rows = [(f"{lv['stored']:,}", lv["save_article_ms"]["mean"], lv["save_article_ms"]["p90"],
             lv["index_add_ms"]["mean"], lv["index_add_ms"]["p90"], lv["index_add_wall_ms"]["mean"],
             lv["clusters_found"], lv["index_mb"], lv["store_mb"], lv["rss_after_adds_mb"]) for lv in levels]
    print(table(rows, ("stored", "save_article", "p90", "index add", "p90", "add wall", "clusters",
                       "index MB", "store MB", "RSS MB")))
    for name, ok in result["targets"].items():
        print(f"  target {name}: {'met' if ok else 'MISSED'}")
    save("neardup_scale", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

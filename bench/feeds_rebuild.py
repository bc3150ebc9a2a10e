"""Feeds: rebuilding every feed from a store of 100k articles, and after one source changed.

The store is synthetic but shaped like a real one: 60 sources, articles with bodies of
real-article length (a few KB of HTML and text) and publication dates over ten years; one
article in twenty is republished a day later by another source (a story with two copies, as
the dedup engine marks them). It is made once and kept (bench/out/feeds/), then copied (and
flushed to disk) for each run. Timed: the first full build of the process into an empty folder
(cold: templates, caches), then the best of three full builds into an empty folder (what the
<= 2 s target is judged on: on a shared machine other work only ever adds time), the best of
three rebuilds with nothing new, after one new article in one source the incremental rebuild
of that source (`build_feeds(..., sources={...})`), and last a full build with three topic
feeds added (a frequent, a rare and a never-matching keyword), to show what topics cost.

    python -m bench.feeds_rebuild [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomli_w
from sqlalchemy import insert

from bench.common import OUT, REPO, Clock, own_usage, save, table
from bench.templates import load_samples
from core.config import Config, load_config
from core.store import ArticleRecord, ArticleUrl, Store, StoredArticle

SOURCES = 60
FULL_ARTICLES = 100_000
QUICK_ARTICLES = 5_000
TARGET_SECONDS = 2.0
REPEATS = 3
BATCH = 5_000
COPY_EVERY = 20
TOPICS = [{"id": "do-luong", "name": "Đo lường", "keywords": ["đo lường", "xăng dầu"]},
          {"id": "buc-xa", "name": "An toàn bức xạ", "keywords": ["an toàn bức xạ"]},
          {"id": "hiem", "name": "Hiếm gặp", "keywords": ["không bao giờ xuất hiện"]}]


def word_pool() -> list[str]:
    return [w for sample in load_samples() for w in sample.words] or ["khoa", "học", "công", "nghệ"]


def paragraphs(rng: random.Random, words: list[str], count: int) -> list[str]:
    """A pool of paragraphs of real-article length to assemble bodies from."""
    return [" ".join(rng.choices(words, k=rng.randint(50, 110))) + "." for _ in range(count)]


def write_config(folder: Path, name: str = "deptfeeds.toml", **more: Any) -> Path:
    sources = [{"id": f"src{n:02d}", "name": f"Sở KH&CN số {n}",
                "listing": [f"http://src{n:02d}.example.gov.vn/tin-tuc"]} for n in range(SOURCES)]
    config = {"store": {"url": "sqlite:///store.db"}, "feeds": {"dir": "public"}, "sources": sources, **more}
    path = folder / name
    path.write_text(tomli_w.dumps(config), "utf-8")
    return path


def fill_store(store: Store, config: Config, articles: int, seed: int = 1) -> None:
    """Insert `articles` synthetic articles spread over the sources, in big batches."""
    store.sync_sources(config.sources)
    rng = random.Random(seed)
    pool = paragraphs(rng, word_pool(), 3000)
    newest = datetime(2025, 6, 1, tzinfo=UTC)
    with store.engine.begin() as connection:
        for start in range(0, articles, BATCH):
            rows, urls = [], []
            for n in range(start, min(start + BATCH, articles)):
                source = config.sources[n % len(config.sources)]
                body = rng.sample(pool, rng.randint(4, 9))
                text = "\n".join(body)
                url = f"{source.listing[0]}/bai-viet-{n}.html"
                published = newest - timedelta(minutes=rng.randint(0, 10 * 365 * 24 * 60))
                rows.append({"id": n + 1, "source_id": source.id, "url": url,
                             "title": " ".join(rng.choices(pool[n % len(pool)].split(), k=12)),
                             "summary": body[0][:300], "body_html": "".join(f"<p>{p}</p>" for p in body),
                             "body_text": text, "author": "Phòng Quản lý khoa học", "image_url": None,
                             "categories": [], "published": published, "date_source": "metadata",
                             "extraction": {}, "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                             "first_seen": published, "last_seen": published, "updated": published,
                             "cluster_id": None})
                if n % COPY_EVERY == 1:  # a copy of the article before, a day later
                    original = rows[-2]
                    original["cluster_id"] = rows[-1]["cluster_id"] = original["id"]
                    for key in ("title", "summary", "body_html", "body_text", "content_hash"):
                        rows[-1][key] = original[key]
                    day_later = original["published"] + timedelta(days=1)
                    rows[-1].update(published=day_later, first_seen=day_later, last_seen=day_later,
                                    updated=day_later)
                urls.append({"url": url, "article_id": n + 1})
            connection.execute(insert(StoredArticle), rows)
            connection.execute(insert(ArticleUrl), urls)


def cached_store(articles: int) -> Path:
    """A folder with the config and a filled store, made again when the schema or this file changed."""
    schema = [REPO / "core" / f"{name}.py" for name in ("articles", "database", "dedup", "runs", "sources")]
    made_by = b"".join(path.read_bytes() for path in schema) + Path(__file__).read_bytes()
    stamp = hashlib.sha1(made_by).hexdigest()[:12]
    folder = OUT / "feeds" / f"store-{articles}-{stamp}"
    if not (folder / "ready").exists():
        for stale in folder.parent.glob(f"store-{articles}-*"):  # 800 MB each at 100k
            shutil.rmtree(stale)
        folder.mkdir(parents=True)
        config = load_config(write_config(folder))
        store = Store(config.store_url)
        try:
            fill_store(store, config, articles)
        finally:
            store.close()
        (folder / "ready").touch()
    return folder


def settle(path: Path) -> None:
    """Flush the fresh copy of the store to disk, so the first build's fsyncs do not wait for it."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def timed(label: str, build: Any) -> dict[str, Any]:
    with Clock() as clock:
        written = build()
    return {"build": label, "seconds": round(clock.wall, 3), "cpu_seconds": round(clock.cpu, 3),
            "files": len(written),
            "changed": sum(1 for changed in written.values() if changed)}


def best(label: str, build: Any, before: Any = lambda: None) -> dict[str, Any]:
    """The fastest of REPEATS runs, with every run's wall seconds."""
    tries = []
    for _ in range(REPEATS):
        before()
        tries.append(timed(label, build))
    fastest = min(tries, key=lambda run: run["seconds"])
    return {**fastest, "build": f"{label} (best of {REPEATS})", "all_seconds": [t["seconds"] for t in tries]}


def new_article(source_id: str, listing: str) -> ArticleRecord:
    text = "Bài viết mới nhất, đăng sau lần dựng feed trước. " * 20
    return ArticleRecord(source_id=source_id, url=f"{listing}/bai-viet-moi.html", title="Bài viết mới nhất",
                         summary=text[:200], body_html=f"<p>{text}</p>", body_text=text,
                         published=datetime.now(UTC), content_hash=hashlib.sha256(text.encode()).hexdigest())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ARTICLES} articles")
    parser.add_argument("--articles", type=int)
    args = parser.parse_args(argv)
    from feeds.build import build_feeds

    articles = args.articles or (QUICK_ARTICLES if args.quick else FULL_ARTICLES)
    cache = cached_store(articles)
    work = OUT / "feeds" / "work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(cache, work)
    settle(work / "store.db")
    config = load_config(work / "deptfeeds.toml")
    store = Store(config.store_url)
    try:
        def empty_folder() -> None:
            shutil.rmtree(config.feeds_dir, ignore_errors=True)

        def build() -> dict[Path, bool]:
            return build_feeds(store, config)

        runs = [timed("full, empty folder, first in process", build),
                {**best("full, empty folder", build, empty_folder), "judged": True},
                best("full, nothing new", build)]
        changed = config.sources[7]
        store.save_article(new_article(changed.id, changed.listing[0]))
        runs.append(timed(f"one source changed ({changed.id})",
                          lambda: build_feeds(store, config, sources={changed.id})))
        topics = load_config(write_config(work, "topics.toml", feeds={"dir": "public-topics"}, topics=TOPICS))
        runs.append(timed(f"full with {len(TOPICS)} topic feeds, empty folder",
                          lambda: build_feeds(store, topics)))
    finally:
        store.close()
    db_mb = (work / "store.db").stat().st_size / 1e6
    judged = next(run for run in runs if run.get("judged"))
    result = {"articles": articles, "sources": SOURCES, "store_mb": round(db_mb, 1), "runs": runs,
              **own_usage(), "targets": {"full rebuild <= 2 s": judged["seconds"] <= TARGET_SECONDS}}
    print(f"feeds rebuild: {articles} articles in {SOURCES} sources ({db_mb:.0f} MB store)")
    print(table([(r["build"], r["seconds"], r["cpu_seconds"], r["files"], r["changed"]) for r in runs],
                ("build", "seconds", "cpu s", "files", "changed")))
    ok = result["targets"]["full rebuild <= 2 s"]
    print(f"  target full rebuild <= {TARGET_SECONDS} s: {'met' if ok else 'MISSED'}")
    save("feeds_rebuild", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

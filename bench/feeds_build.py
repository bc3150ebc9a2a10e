"""How long building the feeds takes on a store of many articles: full, unchanged, one source.

Run: .venv/bin/python bench/feeds_build.py [ARTICLES] — prints figures, then a JSON summary.
The store is a real SQLite file filled with synthetic Vietnamese articles; a tenth of them are
marked as copies of a story in another source, as the dedup engine would mark them.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from crawler.config import Config, parse_config
from crawler.store import Article, Store
from feeds.build import build_feeds

SOURCES = 20
WORDS = ["khoa", "học", "công", "nghệ", "đo", "lường", "chất", "lượng", "sở", "hữu", "trí", "tuệ",
         "đổi", "mới", "sáng", "tạo", "chuyển", "đổi", "số", "nghiệm", "thu", "đề", "tài", "hội",
         "thảo", "tập", "huấn", "kiểm", "tra", "xăng", "dầu", "an", "toàn", "bức", "xạ", "doanh",
         "nghiệp"]


def config_for(folder: Path) -> Config:
    sources = [{"id": f"so{i:02}", "name": f"Sở KH&CN số {i}", "listing": [f"http://so{i:02}.gov.vn/tin/"]}
               for i in range(SOURCES)]
    topics = [{"id": "do-luong", "name": "Đo lường", "keywords": ["đo lường", "xăng dầu"]},
              {"id": "buc-xa", "name": "An toàn bức xạ", "keywords": ["an toàn bức xạ"]},
              {"id": "hiem", "name": "Hiếm gặp", "keywords": ["không bao giờ xuất hiện"]}]
    return parse_config({"store": {"url": "sqlite:///data/bench.db"}, "sources": sources, "topics": topics},
                        folder / "deptfeeds.toml")


def fill(store: Store, config: Config, count: int) -> None:
    """`count` articles spread over the sources and two years, about 3 kB of HTML each."""
    store.sync_sources(config.sources)
    rng = random.Random(7)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with store.session() as session:
        for n in range(count):
            source = f"so{n % SOURCES:02}"
            paragraphs = [" ".join(rng.choices(WORDS, k=60)) for _ in range(6)]
            body = "".join(f"<p>{p}.</p>" for p in paragraphs[:3])
            body += f'<figure><img src="/anh/{n}.jpg" alt="Ảnh {n}"><figcaption>Ảnh {n}</figcaption></figure>'
            body += "".join(f"<p>{p}.</p>" for p in paragraphs[3:])
            published = start + timedelta(minutes=n * 137 % (2 * 365 * 24 * 60))
            session.add(Article(
                source_id=source, url=f"http://{source}.gov.vn/tin/{n}.html",
                title=" ".join(paragraphs[0].split()[:12]),
                summary=paragraphs[0], body_html=body, body_text=" ".join(paragraphs), author="Phòng Quản lý",
                image_url=f"http://{source}.gov.vn/anh/{n}.jpg", categories=["Tin tức"], published=published,
                content_hash=f"{n:064x}", first_seen=published, last_seen=published, updated=published))
    with store.session() as session:
        for n in range(0, count - 1, 20):  # a tenth of the articles: pairs of copies
            session.execute(update(Article).where(Article.id.in_([n + 1, n + 2])).values(cluster_id=n + 1))


def timed(label: str, action) -> tuple[float, dict[Path, bool]]:
    """CPU seconds of the action (steadier than wall time on a shared machine), and its result."""
    began, began_cpu = time.perf_counter(), time.process_time()
    written = action()
    cpu, wall = time.process_time() - began_cpu, time.perf_counter() - began
    changed = sum(written.values())
    print(f"{label:<36} {cpu:6.2f} s CPU {wall:6.2f} s wall  {len(written):3} files {changed:3} changed")
    return cpu, written


def main(count: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as folder:
        config = config_for(Path(folder))
        store = Store(config.store_url)
        began = time.perf_counter()
        fill(store, config, count)
        print(f"{count} articles stored in {time.perf_counter() - began:.1f} s; "
              f"{SOURCES} sources, {len(config.topics)} topics, limit {config.feeds.limit}")
        full, _ = timed("full build", lambda: build_feeds(store, config))
        same, _ = timed("rebuild, nothing changed", lambda: build_feeds(store, config))
        with store.session() as session:
            session.execute(update(Article).where(Article.id == count).values(
                title="Tin mới", updated=datetime(2030, 1, 1, tzinfo=UTC)))
        one, _ = timed("one source changed (sources={...})",
                       lambda: build_feeds(store, config, sources={f"so{(count - 1) % SOURCES:02}"}))
        store.close()
    return {"articles": count, "full_build_cpu_s": round(full, 3), "unchanged_rebuild_cpu_s": round(same, 3),
            "one_source_build_cpu_s": round(one, 3)}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)))

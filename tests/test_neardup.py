"""Near-duplicates: one story republished by several departments forms one cluster; look-alikes don't.

Every pair of tests/fixtures/near_duplicates goes into one real SQLite store together, as a
crawl would put them there; the clusters must be exactly the pairs marked "same".
"""

from __future__ import annotations

import sqlite3
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.dedup import NearDuplicateIndex, content_hash
from core.neardup import SCHEME, THRESHOLD, jaccard, near_text, shingles
from core.store import ArticleRecord, Store

PAIRS = Path(__file__).parent / "fixtures" / "near_duplicates"


@dataclass
class Pair:
    name: str
    expect: str
    a: dict
    b: dict


def load_pairs() -> list[Pair]:
    pairs = []
    for path in sorted(PAIRS.glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        pairs.append(Pair(path.stem, raw["expect"], raw["a"], raw["b"]))
    return pairs


@dataclass(frozen=True)
class FakeSource:
    id: str
    name: str
    listing: tuple[str, ...] = ()


def record(side: dict, url: str, published: datetime) -> ArticleRecord:
    body = side["text"].strip()
    return ArticleRecord(source_id=side["source"], url=url, title=side["title"], body_text=body,
                         published=published, content_hash=content_hash(side["title"], body))


def open_store(path: Path, sources: set[str]) -> Store:
    store = Store(f"sqlite:///{path}")
    store.sync_sources([FakeSource(s, s) for s in sorted(sources)])
    return store


def test_fixture_set_is_large_enough() -> None:
    pairs = load_pairs()
    assert sum(p.expect == "same" for p in pairs) >= 8
    assert sum(p.expect == "different" for p in pairs) >= 8


def test_copies_cluster_and_look_alikes_do_not(tmp_path: Path) -> None:
    pairs = load_pairs()
    store = open_store(tmp_path / "near.db", {p.a["source"] for p in pairs} | {p.b["source"] for p in pairs})
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for n, pair in enumerate(pairs):
        # b is published a day after a, so a is the earliest member of its cluster
        day = start + timedelta(days=2 * n)
        store.save_article(record(pair.a, f"http://a.example.vn/{pair.name}", day))
        store.save_article(record(pair.b, f"http://b.example.vn/{pair.name}", day + timedelta(days=1)))

    by_url = {a.url: a for a in store.articles()}
    found = {"same": 0, "different": 0}
    for pair in pairs:
        a, b = by_url[f"http://a.example.vn/{pair.name}"], by_url[f"http://b.example.vn/{pair.name}"]
        similarity = jaccard(*(shingles(near_text(x.title, x.body_text)) for x in (a, b)))
        clustered = a.cluster_id is not None and a.cluster_id == b.cluster_id
        print(f"{pair.name:<45} expect={pair.expect:<9} jaccard={similarity:.2f} clustered={clustered}")
        if clustered:
            found[pair.expect] += 1
            assert a.cluster_id == a.id, "cluster_id is the earliest-published member"
    same = sum(p.expect == "same" for p in pairs)
    precision = found["same"] / max(1, found["same"] + found["different"])
    recall = found["same"] / same
    print(f"threshold {THRESHOLD}: precision {precision:.2f}, recall {recall:.2f} "
          f"({found['same']}/{same} copies clustered, {found['different']} look-alikes clustered)")
    assert precision == 1.0 and recall == 1.0
    clusters = {a.cluster_id for a in by_url.values() if a.cluster_id is not None}
    assert len(clusters) == same, "no cluster reaches across pairs"
    store.close()


def test_same_articles_give_same_clusters_in_any_order(tmp_path: Path) -> None:
    pairs = [p for p in load_pairs() if p.expect == "same"][:4]
    sources = {p.a["source"] for p in pairs} | {p.b["source"] for p in pairs}
    start = datetime(2024, 1, 1, tzinfo=UTC)
    items = [(pair.a, f"http://a.example.vn/{pair.name}", start + timedelta(days=n))
             for n, pair in enumerate(pairs)]
    items += [(pair.b, f"http://b.example.vn/{pair.name}", start - timedelta(days=n + 1))
              for n, pair in enumerate(pairs)]
    outcomes = []
    for name, order in (("forward", items), ("backward", list(reversed(items)))):
        store = open_store(tmp_path / f"{name}.db", sources)
        for side, url, published in order:
            store.save_article(record(side, url, published))
        by_id = {a.id: a for a in store.articles()}
        # the earliest-published member names the cluster, whatever the order of arrival
        outcomes.append({a.url: by_id[a.cluster_id].url for a in by_id.values()})
        store.close()
    assert outcomes[0] == outcomes[1]
    assert all(leader.startswith("http://b.example.vn/") for leader in outcomes[0].values())


def test_an_edit_that_parts_two_copies_dissolves_their_cluster(tmp_path: Path) -> None:
    pair = next(p for p in load_pairs() if p.name.startswith("same-01"))
    other = next(p for p in load_pairs() if p.name.startswith("different-03"))
    store = open_store(tmp_path / "edit.db", {pair.a["source"], pair.b["source"]})
    day = datetime(2024, 9, 12, tzinfo=UTC)
    assert store.save_article(record(pair.a, "http://a.example.vn/x", day)) == "new"
    assert store.save_article(record(pair.b, "http://b.example.vn/x", day + timedelta(hours=3))) == "new"
    first, second = sorted(store.articles(), key=lambda a: a.id)
    assert first.cluster_id == second.cluster_id == first.id

    rewritten = dict(pair.b, title=other.a["title"], text=other.a["text"])
    later = day + timedelta(hours=3)
    assert store.save_article(record(rewritten, "http://b.example.vn/x", later)) == "updated"
    assert [a.cluster_id for a in sorted(store.articles(), key=lambda a: a.id)] == [None, None]

    assert store.save_article(record(pair.b, "http://b.example.vn/x", day - timedelta(hours=1))) == "updated"
    first, second = sorted(store.articles(), key=lambda a: a.id)
    assert first.cluster_id == second.cluster_id == second.id, "the copy dated earlier now leads"
    store.close()


def test_index_api_for_callers_outside_a_crawl(tmp_path: Path) -> None:
    pair = next(p for p in load_pairs() if p.name.startswith("same-02"))
    store = open_store(tmp_path / "api.db", {pair.a["source"], pair.b["source"]})
    day = datetime(2023, 5, 18, tzinfo=UTC)
    store.save_article(record(pair.a, "http://a.example.vn/x", day))
    store.save_article(record(pair.b, "http://b.example.vn/x", day + timedelta(days=1)))
    first, second = sorted(store.articles(), key=lambda a: a.id)
    index = NearDuplicateIndex(store)
    assert index.add(second.id) == first.id
    assert index.rebuild() == 2
    members = (a for a in store.articles() if a.cluster_id == first.id)
    cluster = sorted(members, key=lambda a: (a.sort_date, a.id))
    assert [a.id for a in cluster] == [first.id, second.id]
    store.close()


@pytest.mark.parametrize("text", ["", "Quá ngắn để so sánh."])
def test_texts_too_short_to_judge_stay_alone(tmp_path: Path, text: str) -> None:
    store = open_store(tmp_path / "short.db", {"x", "y"})
    day = datetime(2024, 1, 1, tzinfo=UTC)
    for source in ("x", "y"):
        side = {"source": source, "title": "Thông báo", "text": text}
        store.save_article(record(side, f"http://{source}.example.vn/a", day))
    assert [a.cluster_id for a in store.articles()] == [None, None]
    store.close()


def test_an_index_filed_under_another_scheme_is_rebuilt(tmp_path: Path) -> None:
    pair = next(p for p in load_pairs() if p.name.startswith("same-02"))
    path = tmp_path / "old.db"
    store = open_store(path, {pair.a["source"], pair.b["source"]})
    day = datetime(2023, 5, 18, tzinfo=UTC)
    store.save_article(record(pair.a, "http://a.example.vn/x", day))
    store.close()
    old = sqlite3.connect(path)  # as an older version left it: other keys, no scheme recorded
    with old:
        old.execute("DELETE FROM near_scheme")
        old.execute("UPDATE near_bands SET band = band + 1")
        old.execute("UPDATE near_docs SET bands = x'01000000'")
    old.close()

    store = Store(f"sqlite:///{path}")
    assert store.save_article(record(pair.b, "http://b.example.vn/x", day + timedelta(days=1))) == "new"
    first, second = sorted(store.articles(), key=lambda a: a.id)
    assert first.cluster_id == second.cluster_id == first.id
    store.close()
    check = sqlite3.connect(path)
    assert check.execute("SELECT scheme FROM near_scheme").fetchall() == [(SCHEME,)]
    check.close()

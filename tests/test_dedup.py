"""One story, one row: URL variants, print views, exact copies and edits, in the store and in a crawl."""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from core.config import load_config
from core.dedup import content_hash
from core.neardup import jaccard, near_text, shingles
from core.store import ArticleRecord, ArticleUrl, Store, StoredArticle
from crawler.canonical import canonical_url
from deptfeeds.mirror import MirrorServer
from tests.conftest import fresh_store, use_store
from tests.sample_crawl import Crawl, crawl, write_config

BODY = ("Ngày 16/01/2020, Sở Khoa học và Công nghệ Lạng Sơn đã tổ chức Hội nghị tổng kết hoạt động "
        "khoa học và công nghệ năm 2019 và triển khai nhiệm vụ kế hoạch công tác năm 2020.")
TITLE = "Hội nghị tổng kết hoạt động Khoa học và Công nghệ năm 2019"


@dataclass(frozen=True)
class FakeSource:
    id: str
    name: str
    listing: tuple[str, ...] = ()


@pytest.fixture
def store(store_url: str) -> Store:
    store = Store(store_url)
    store.sync_sources([FakeSource("langson", "Lạng Sơn"), FakeSource("bacgiang", "Bắc Giang")])
    yield store
    store.close()


def record(url: str, title: str = TITLE, body: str = BODY, source: str = "langson") -> ArticleRecord:
    return ArticleRecord(source_id=source, url=url, title=title, body_text=body, body_html=f"<p>{body}</p>",
                         published=datetime(2020, 1, 17, 2, 42, tzinfo=UTC),
                         content_hash=content_hash(title, body))


def test_content_hash_ignores_unicode_form_whitespace_and_case() -> None:
    decomposed = unicodedata.normalize("NFD", BODY)
    assert decomposed != BODY
    assert content_hash(TITLE, decomposed) == content_hash(TITLE, BODY)
    assert content_hash(TITLE.upper(), "  " + BODY.replace(" ", " \n\t ")) == content_hash(TITLE, BODY)
    assert content_hash(TITLE, BODY.replace("2019", "2018")) != content_hash(TITLE, BODY)


def test_same_text_under_two_urls_of_one_source_is_one_row(store: Store) -> None:
    assert store.save_article(record("http://sokhcn.langson.gov.vn/node/1355")) == "new"
    copy = record("http://sokhcn.langson.gov.vn/index.php/hoi-nghi", body=unicodedata.normalize("NFD", BODY))
    assert store.save_article(copy) == "duplicate"
    assert store.count_articles() == 1
    assert store.article_for_url("http://sokhcn.langson.gov.vn/index.php/hoi-nghi").url.endswith("/node/1355")


def test_same_text_in_another_source_is_its_own_row_in_one_cluster(store: Store) -> None:
    store.save_article(record("http://sokhcn.langson.gov.vn/node/1355"))
    copy = record("http://bacgiang.tcvn.gov.vn/2020/01/hoi-nghi/", source="bacgiang")
    assert store.save_article(copy) == "new"
    first, second = sorted(store.articles(), key=lambda a: a.id)
    assert first.cluster_id == second.cluster_id == first.id


def test_an_edit_updates_the_row_and_nothing_else_is_written(store: Store) -> None:
    url = "http://sokhcn.langson.gov.vn/node/1355"
    store.save_article(record(url))
    stored = store.article_for_url(url)
    assert store.save_article(record(url)) == "unchanged"
    again = store.article_for_url(url)
    assert (again.updated, again.content_hash, again.body_html) == (stored.updated, stored.content_hash,
                                                                     stored.body_html)

    edited = record(url, body=BODY + " Đến dự Hội nghị có các đồng chí lãnh đạo Sở.")
    assert store.save_article(edited) == "updated"
    after = store.article_for_url(url)
    assert (after.id, after.url) == (stored.id, stored.url)
    assert after.updated > stored.updated and after.body_text.endswith("lãnh đạo Sở.")
    assert store.count_articles() == 1


# A crawl of the bundled sample sites (read-only, shared mirror).

@pytest.fixture(scope="module")
def sample_crawl(mirror: MirrorServer, tmp_path_factory: pytest.TempPathFactory, store_backend: str,
                 request: pytest.FixtureRequest) -> Iterator[tuple[Crawl, Path]]:
    folder = tmp_path_factory.mktemp("samples")
    with fresh_store(store_backend, folder, request) as url:
        config = use_store(write_config(folder), url)
        yield crawl(config, mirror), config


def rows(config: Path) -> tuple[list[StoredArticle], dict[str, int]]:
    store = Store(load_config(config).store_url)
    try:
        with store.session() as session:
            aliases = {url: article_id for url, article_id in session.execute(
                select(ArticleUrl.url, ArticleUrl.article_id))}
        return store.articles(), aliases
    finally:
        store.close()


def test_every_url_of_a_sample_article_leads_to_one_row(sample_crawl: tuple[Crawl, Path]) -> None:
    done, config = sample_crawl
    articles, aliases = rows(config)
    langson = "http://sokhcn.langson.gov.vn"
    # The listing links /node/1587, whose rel=canonical is the path alias: one row, under the alias.
    assert aliases[f"{langson}/node/1587"] == aliases[f"{langson}/index.php/trao-doi-hoc-tap-kinh-nghiem"]
    assert f"{langson}/index.php/trao-doi-hoc-tap-kinh-nghiem" in {a.url for a in articles}
    # The site links its ASP.NET pages with parameters in either order: still one row each,
    # shown as the site wrote it, found under the sorted form.
    dienbien = [a for a in articles if a.source_id == "dienbien"]
    assert len({canonical_url(a.url) for a in dienbien}) == len(dienbien) == 8
    assert all(aliases[canonical_url(a.url)] == a.id for a in dienbien)
    # Print views are never fetched.
    asked = [url for _, url, _ in done.hits]
    assert not [url for url in asked if "/bm/print/" in url or "PrintNews.aspx" in url]
    titles = [(a.source_id, a.title) for a in articles]
    assert len(titles) == len(set(titles)), "no story stored twice in one source"


def test_sample_copies_cluster_and_look_alikes_do_not(sample_crawl: tuple[Crawl, Path]) -> None:
    _, config = sample_crawl
    articles, _ = rows(config)
    by_url = {canonical_url(a.url): a for a in articles}
    copy_pairs = {("http://sokhcn.langson.gov.vn/index.php/trao-doi-hoc-tap-kinh-nghiem",
                   "http://bacgiang.tcvn.gov.vn/2023/02/trao-doi-hoc-tap-kinh-nghiem-tai-so-khoa-hoc-va-cong-nghe-"
                   "tinh-lang-son/")}
    look_alikes = {("http://skhcn.dienbien.gov.vn/Default.aspx?nid=1047&pid=57",
                    "http://skhcn.dienbien.gov.vn/Default.aspx?nid=1052&pid=57")}
    clustered = {frozenset(canonical_url(x.url) for x in (a, b))
                 for a, b in itertools.combinations(articles, 2)
                 if a.cluster_id is not None and a.cluster_id == b.cluster_id}
    expected = {frozenset(p) for p in copy_pairs}
    for a, b in sorted(copy_pairs | look_alikes):
        similarity = jaccard(*(shingles(near_text(by_url[u].title, by_url[u].body_text)) for u in (a, b)))
        print(f"jaccard {similarity:.2f} clustered={frozenset((a, b)) in clustered}: {a} | {b}")
    true_positive = len(clustered & expected)
    precision = true_positive / len(clustered) if clustered else 1.0
    recall = true_positive / len(expected)
    print(f"samples ({len(articles)} articles, {len(articles) * (len(articles) - 1) // 2} pairs): "
          f"precision {precision:.2f}, recall {recall:.2f}")
    assert clustered == expected
    for pair in expected:
        members = [by_url[u] for u in pair]
        earliest = min(members, key=lambda a: (a.published or a.first_seen, a.id))
        assert {a.cluster_id for a in members} == {earliest.id}
    assert all(a.cluster_id is None for a in articles if not any(canonical_url(a.url) in p for p in expected))

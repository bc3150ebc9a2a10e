"""The benchmarks at toy size, so they cannot rot: structure is checked here, never timing."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from bench.common import child_env, measure
from bench.extraction_speed import measure_pages, pick_pages, summarise
from bench.mirror import change_articles, classify, file_for, generate
from bench.serve import mirror_process
from core.config import load_config
from crawler.extract.article import extract_article
from crawler.listing import article_links, next_page
from crawler.profiles import profile_for
from deptfeeds.mirror import load_site


@pytest.fixture(scope="module")
def tiny_mirror(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """Two generated sites per sample site, of three listing pages each."""
    out = tmp_path_factory.mktemp("mirror")
    manifest = generate(out, sites=len(sample_hosts()) * 2, articles=18, per_page=6)
    return out, manifest


def sample_hosts() -> set[str]:
    from bench.templates import load_samples

    return {s.host for s in load_samples()}


def test_every_generated_listing_leads_to_every_article_of_its_site(tiny_mirror: tuple[Path, dict]) -> None:
    out, manifest = tiny_mirror
    config = load_config(out / "deptfeeds.toml")
    assert {s.id for s in config.sources} == {s["id"] for s in manifest["sites"]}
    for site in manifest["sites"]:
        source = config.source(site["id"])
        profile = profile_for(source)
        root = out / "sites" / site["host"]
        found, url, pages = [], site["pages"][0], []
        while url:
            pages.append(url)
            soup = BeautifulSoup((root / file_for(url)[0]).read_bytes(), "lxml")
            found += [link.url for link in article_links(soup, url, source.hosts, selectors=profile.links,
                                                         patterns=profile.article_urls)]
            url = next_page(soup, url, source.hosts, selectors=profile.next_page)
        assert pages == site["pages"] and len(pages) == 3
        assert set(site["articles"]) <= set(found), site["id"]


def test_generated_articles_extract_with_their_own_title_and_url(tiny_mirror: tuple[Path, dict]) -> None:
    out, manifest = tiny_mirror
    config = load_config(out / "deptfeeds.toml")
    for site in manifest["sites"]:
        root = out / "sites" / site["host"]
        rules = profile_for(config.source(site["id"])).extract
        titles = set()
        for url in site["articles"]:
            body = (root / file_for(url)[0]).read_bytes()
            article = extract_article(body, url, content_type=load_site(root).content_type, rules=rules)
            assert article.canonical in (None, url)
            assert len(article.body_text) > 200
            titles.add(article.title)
        assert len(titles) == len(site["articles"]), f"{site['id']}: titles repeat"


def test_changing_articles_rewrites_their_pages_and_nothing_else(tiny_mirror: tuple[Path, dict]) -> None:
    out, manifest = tiny_mirror
    kinds = classify(manifest)
    pages = {url: (out / "sites" / url.split("/")[2] / file_for(url)[0]).read_bytes() for url in kinds}
    changed = change_articles(out, 0.1, revision=1)
    try:
        after = {url: (out / "sites" / url.split("/")[2] / file_for(url)[0]).read_bytes() for url in kinds}
        assert {url for url in kinds if after[url] != pages[url]} == set(changed)
        assert all(kinds[url] == "article" for url in changed)
    finally:
        change_articles(out, 0.1, revision=0)
    restored = {url: (out / "sites" / url.split("/")[2] / file_for(url)[0]).read_bytes() for url in kinds}
    assert restored == pages


def test_extraction_benchmark_times_both_extractors_on_the_same_pages(tiny_mirror: tuple[Path, dict]) -> None:
    out, manifest = tiny_mirror
    pages = pick_pages(out, manifest, 4)
    result = summarise(measure_pages(pages))
    for name in ("ours", "trafilatura"):
        assert result[name]["pages"] == 4 and result[name]["extracted"] == 4
    assert set(result["ours"]["by_family_mean_ms"]) == {p.family for p in pages}
    assert "ours <= 0.6x trafilatura" in result["targets"]


def test_the_mirror_process_serves_the_crawl_and_counts_every_request(tiny_mirror: tuple[Path, dict]) -> None:
    out, manifest = tiny_mirror
    kinds = classify(manifest)
    with mirror_process(out / "sites") as server:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": server.proxy_url}))
        first = manifest["sites"][0]["articles"][0]
        with opener.open(first, timeout=10) as reply:
            assert reply.status == 200 and reply.headers["ETag"]
        assert server.take_hits() == [("GET", first, 200)]
        run = measure(["-m", "bench.crawl", "fetch", str(out / "deptfeeds.toml")], "fetch",
                      env=child_env({"http_proxy": server.proxy_url}), logs=out / "logs")
        figures = run.last_json()
        hits = server.take_hits()
    assert figures["spider"] == "fetch" and figures["pages"] == len(hits)
    assert {url for _, url, status in hits if status == 200} >= set(kinds)
    assert json.loads(json.dumps(figures))["peak_rss_mb"] > 0

"""Listings whose pager has no "next" link, crawled zero-config over HTTP to the last page.

Two made-up sites in tests/fixtures/sites: one prints only page numbers, the current one
unlinked ("Trang: 1 [2] 3"); the other is an ASP.NET WebForms grid whose page numbers are
`javascript:__doPostBack(...)` links, so the next page is the page's form posted back. Both
are bounded by `max_pages`, and neither reads a page twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_config
from core.store import Store
from deptfeeds.mirror import MirrorServer
from tests.conftest import run_cli

SITES = {
    "sotrang": ("Sở KH&CN Sơn Trang", "http://sokhcn.sotrang.gov.vn/tin-tuc/"),
    "webforms": ("Sở KH&CN Web Forms", "http://skhcn.webforms.gov.vn/TinTuc.aspx"),
}


def crawl(folder: Path, mirror: MirrorServer, source_id: str, max_pages: int = 10) -> Store:
    name, listing = SITES[source_id]
    config = folder / "deptfeeds.toml"
    config.write_text(f'[store]\nurl = "sqlite:///data/deptfeeds.db"\n\n[crawl]\ndelay = 0\n\n'
                      f'[[sources]]\nid = "{source_id}"\nname = "{name}"\nlisting = ["{listing}"]\n'
                      f"max_pages = {max_pages}\n", encoding="utf-8")
    result = run_cli("crawl", "--config", str(config), proxy=mirror)
    assert result.returncode == 0, result.stderr[-3000:]
    return Store(load_config(config).store_url)


def listing_hits(mirror: MirrorServer, source_id: str) -> list[tuple[str, str]]:
    """The listing pages asked for (method, URL), in order: not robots.txt, not articles."""
    host = SITES[source_id][1].split("/")[2]
    return [(method, url) for method, url, _ in mirror.hits if host in url and "ChiTiet" not in url
            and "/bai-" not in url and not url.endswith("robots.txt")]


@pytest.mark.parametrize("source_id", sorted(SITES))
def test_every_page_of_a_pager_without_a_next_link_is_read(source_id: str, tmp_path: Path,
                                                           fixture_mirror: MirrorServer) -> None:
    fixture_mirror.hits.clear()
    store = crawl(tmp_path, fixture_mirror, source_id)
    try:
        run = store.last_run(source_id)
        assert (run.status, run.new) == ("ok", 6)
        titles = [a.title for a in store.articles(source_id)]
        assert len(titles) == 6 and not any(t in ("Chi tiết tin", "Tin hoạt động", "Tin tức") for t in titles)
    finally:
        store.close()
    hits = listing_hits(fixture_mirror, source_id)
    assert len(hits) == len(set(hits)) == 3, hits
    if source_id == "webforms":
        assert [m for m, _ in hits] == ["GET", "POST", "POST"]


@pytest.mark.parametrize("source_id", sorted(SITES))
def test_max_pages_bounds_a_numbered_pager(source_id: str, tmp_path: Path,
                                           fixture_mirror: MirrorServer) -> None:
    fixture_mirror.hits.clear()
    store = crawl(tmp_path, fixture_mirror, source_id, max_pages=2)
    try:
        assert store.last_run(source_id).new == 4
    finally:
        store.close()
    assert len(listing_hits(fixture_mirror, source_id)) == 2

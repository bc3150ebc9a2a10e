"""An unchanged recrawl loads only what it needs: no extractor, no near-duplicate maths.

A recrawl of thousands of sources that finds nothing new is mostly start-up (issue 16): every
module it imports is paid for by every crawl process. Read from a real `deptfeeds crawl` process.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from deptfeeds.mirror import serving
from tests.conftest import REPO, cli_env
from tests.sample_crawl import write_config

SITE = """
[[sources]]
id = "tin"
name = "Sở KH&CN (trang thử)"
listing = ["http://tin.example.gov.vn/tin-tuc/"]
family = "drupal"
"""
# Loaded on the first listing page that changed (the listing parser), the first article page (the
# extractor) or the first new article (MinHash and what it stands on), never by a recrawl that
# finds its listing as the last clean run left it. (bs4 and html5lib are loaded anyway: soupsieve,
# which checks the config's selectors, stands on bs4.)
NOT_NEEDED = ("crawler.listing", "crawler.extract", "crawler.documents", "datasketch", "numpy", "scipy",
              "trafilatura")
# `deptfeeds crawl`, then the names of every module the process imported.
CRAWL_AND_LIST_MODULES = ("import json, sys; from deptfeeds.cli import main; code = main(sys.argv[1:]); "
                          "print(json.dumps(sorted(sys.modules))); sys.exit(code)")


def crawl_modules(config: Path, proxy_url: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", CRAWL_AND_LIST_MODULES, "crawl", "--config", str(config)],
                            cwd=REPO, env={**cli_env(), "http_proxy": proxy_url}, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


def test_an_unchanged_recrawl_imports_no_extractor_and_a_changed_listing_is_read(tmp_path: Path) -> None:
    sites, host = tmp_path / "sites", "tin.example.gov.vn"
    shutil.copytree(REPO / "tests" / "fixtures" / "sites" / host, sites / host)
    config = write_config(tmp_path, sources=SITE)
    with serving(sites) as server:
        first = crawl_modules(config, server.proxy_url)
        start = len(server.hits)
        again = crawl_modules(config, server.proxy_url)
        hits = server.hits[start:]
        # A new article on the listing: the page differs from its mark, so it is read again.
        site = sites / host
        (site / "node" / "10.html").write_text((site / "node" / "9.html").read_text("utf-8"), "utf-8")
        listing = site / "tin-tuc" / "index.html"
        item = ('<div class="views-row"><a href="/node/10">Tập huấn sở hữu trí tuệ cho doanh nghiệp '
                'năm 2024</a> <span>02/06/2024</span></div>\n')
        listing.write_text(listing.read_text("utf-8").replace('<div class="views-row">',
                                                              item + '<div class="views-row">', 1), "utf-8")
        start = len(server.hits)
        changed = crawl_modules(config, server.proxy_url)
        after_change = [url for _, url, _ in server.hits[start:]]
    assert "crawler.extract.article" in first, "the first crawl extracts articles"
    assert [url for _, url, _ in hits] == ["http://tin.example.gov.vn/tin-tuc/"], "only the listing is asked"
    assert loaded(again, NOT_NEEDED) == []
    assert after_change == ["http://tin.example.gov.vn/tin-tuc/", "http://tin.example.gov.vn/node/10"]
    assert "crawler.listing" in changed

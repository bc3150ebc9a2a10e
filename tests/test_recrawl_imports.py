"""An unchanged recrawl loads only what it needs: no extractor, no near-duplicate maths.

A recrawl of thousands of sources that finds nothing new is mostly start-up (issue 16): every
module it imports is paid for by every crawl process. Read from a real `deptfeeds crawl` process.
"""

from __future__ import annotations

import json
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
# Loaded on the first article page (the extractor, documents lists) or the first new article
# (MinHash and what it stands on), never by a crawl that fetches none.
NOT_NEEDED = ("crawler.extract.article", "crawler.documents", "datasketch", "numpy", "scipy",
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


def test_an_unchanged_recrawl_imports_no_extractor(tmp_path: Path) -> None:
    config = write_config(tmp_path, sources=SITE)
    with serving(REPO / "tests" / "fixtures" / "sites") as server:
        first = crawl_modules(config, server.proxy_url)
        start = len(server.hits)
        again = crawl_modules(config, server.proxy_url)
        hits = server.hits[start:]
    assert "crawler.extract.article" in first, "the first crawl extracts articles"
    assert [url for _, url, _ in hits] == ["http://tin.example.gov.vn/tin-tuc/"], "only the listing is asked"
    assert loaded(again, NOT_NEEDED) == []

"""The sample sites as configured sources, and real crawls and builds of them in subprocesses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from core.config import load_config
from core.store import ArticleUrl, CrawlRun, Store
from crawler.canonical import canonical_url
from deptfeeds.mirror import MirrorServer
from tests.conftest import run_cli, use_store

SOURCES = """
[[sources]]
id = "langson"
name = "Sở KH&CN Lạng Sơn"
listing = ["http://sokhcn.langson.gov.vn/index.php/tin-tuc-su-kien"]
family = "drupal"

[[sources]]
id = "caobang"
name = "Sở KH&CN Cao Bằng"
listing = ["http://khcncaobang.gov.vn/tin-tuc/"]
family = "nukeviet"

[[sources]]
id = "dienbien"
name = "Sở KH&CN Điện Biên"
listing = ["http://skhcn.dienbien.gov.vn/Default.aspx?pid=57"]
family = "aspnet-portal"

[[sources]]
id = "hoabinh"
name = "Sở KH&CN Hòa Bình"
listing = ["http://sokhcn.hoabinh.gov.vn/Lists/TinTuc/AllItems.aspx"]
family = "sharepoint"

[[sources]]
id = "bacgiang"
name = "Chi cục TC-ĐL-CL Bắc Giang"
listing = ["http://bacgiang.tcvn.gov.vn/tin-tuc/"]
family = "wordpress"

[[sources]]
id = "kontum"
name = "Sở KH&CN Kon Tum"
listing = ["http://skhcn.kontum.gov.vn/tin-tuc/"]
"""

def write_config(folder: Path, recheck_days: float = 2.0, sources: str = SOURCES) -> Path:
    """A config for these sources with its store and feeds in `folder`, politeness off (loopback)."""
    path = folder / "deptfeeds.toml"
    path.write_text(
        '[store]\nurl = "sqlite:///data/deptfeeds.db"\n\n[feeds]\ndir = "public"\n\n'
        f"[crawl]\ndelay = 0.0\nconcurrency_per_domain = 8\nrecheck_days = {recheck_days}\n"
        + sources, encoding="utf-8")
    return use_store(path)


@dataclass
class Crawl:
    runs: list[CrawlRun]
    hits: list[tuple[str, str, int]]

    def total(self, field: str) -> int:
        return sum(getattr(run, field) for run in self.runs)

    def statuses(self) -> dict[int, int]:
        return dict(Counter(status for _, _, status in self.hits))

    def asked(self, urls: set[str]) -> list[tuple[str, int]]:
        """The requests (URL, status) made for any of these URLs, compared in canonical form."""
        return [(url, status) for _, url, status in self.hits if canonical_url(url) in urls]


def stored_urls(config: Path) -> set[str]:
    """Every URL known to lead to a stored article."""
    store = Store(load_config(config).store_url)
    try:
        with store.session() as session:
            return set(session.scalars(select(ArticleUrl.url)))
    finally:
        store.close()


def crawl(config: Path, server: MirrorServer) -> Crawl:
    start = len(server.hits)
    result = run_cli("crawl", "--config", str(config), proxy=server)
    assert result.returncode in (0, 1), result.stderr
    store = Store(load_config(config).store_url)
    try:
        runs = [store.last_run(source.id) for source in load_config(config).sources]
    finally:
        store.close()
    print(result.stdout)
    return Crawl([r for r in runs if r is not None], server.hits[start:])


def build(config: Path) -> dict[Path, tuple[bytes, int]]:
    result = run_cli("build", "--config", str(config))
    assert result.returncode == 0, result.stderr
    folder = load_config(config).feeds_dir
    # Not index.html: it shows each source's last crawl time, so any crawl may change it.
    files = [p for p in sorted(folder.iterdir()) if p.name != "index.html"]
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}

"""The hostile web, crawled twice: once healthy, once under attack, with everything kept to compare.

One config holds a source per fault (tests/faults/faults.toml) plus a healthy control.
`hostile` crawls them all cleanly with `deptfeeds run`, arms the fault server and runs
again; the tests then read the run records, the logs, the store and the feeds.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.config import load_config
from core.store import CrawlRun, Store
from tests.faults.server import FaultServer, Hit, serving

REPO = Path(__file__).resolve().parents[2]

# Short limits so the timeout and slow cases take seconds, not minutes.
TEST_CRAWL = """
[crawl]
timeout = 3
delay = 0
concurrency_per_domain = 8
max_page_bytes = 300000
# Refetch every known article, so the armed crawl meets the faults (incremental crawls skip old ones).
recheck_days = 3650
"""

NETWORK_SOURCES = ["healthy", "retry500", "down503", "gone404", "ratelimit", "reset", "hang", "slow",
                   "truncated", "huge", "loop", "offsite", "moved", "binary", "empty", "paging",
                   "robots", "nxdomain", "internal", "schemes", "movedin"]
CONTENT_SOURCES = ["healthy", "content", "layout", "xss"]
UNRESOLVABLE = "sokhcn.nxdomain.invalid"


def source_host(source_id: str) -> str:
    return UNRESOLVABLE if source_id == "nxdomain" else f"{source_id}.example.gov.vn"


def source_toml(source_id: str, host: str | None = None, max_pages: int = 5) -> str:
    host = host or source_host(source_id)
    return (f'[[sources]]\nid = "{source_id}"\nname = "Sở KH&CN thử nghiệm {source_id}"\n'
            f'listing = ["http://{host}/index.php/tin-tuc"]\nfamily = "drupal"\nmax_pages = {max_pages}\n')


def write_config(folder: Path, sources: list[str], extra: str = TEST_CRAWL) -> Path:
    """A config whose store and feeds live in `folder`; feeds long enough to hold every XSS article."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "deptfeeds.toml"
    text = ('[store]\nurl = "sqlite:///data/deptfeeds.db"\n\n[feeds]\ndir = "public"\n'
            'base_url = "http://feeds.example.org/"\nlimit = 500\n' + extra + "\n"
            + "\n".join(source_toml(s) for s in sources))
    path.write_text(text, encoding="utf-8")
    return path


def cli(*args: str, proxy: FaultServer, no_proxy: str = "",
        timeout: float = 300) -> subprocess.CompletedProcess:
    """`deptfeeds ARGS` in a fresh process, reaching the web only through the fault server."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "http_proxy": proxy.proxy_url,
           "no_proxy": no_proxy}
    for key in ("HTTP_PROXY", "NO_PROXY", "https_proxy", "HTTPS_PROXY"):
        env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "deptfeeds", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


@dataclass
class Snapshot:
    """What the store held after one crawl: titles by URL per source, and the last run of each."""

    articles: dict[str, dict[str, str]]
    runs: dict[str, CrawlRun]
    result: subprocess.CompletedProcess


def snapshot(config_path: Path, result: subprocess.CompletedProcess) -> Snapshot:
    config = load_config(config_path)
    store = Store(config.store_url)
    try:
        articles = {s.id: {a.url: a.title for a in store.articles(s.id)} for s in config.sources}
        runs = {s.id: run for s in config.sources if (run := store.last_run(s.id)) is not None}
    finally:
        store.close()
    return Snapshot(articles, runs, result)


@dataclass
class HostileRun:
    server: FaultServer
    config: Path
    before: Snapshot
    after: Snapshot
    mark: int  # where the armed crawl's requests start in server.hits

    @property
    def log(self) -> str:
        return self.after.result.stderr

    @property
    def feeds(self) -> Path:
        return load_config(self.config).feeds_dir

    def errors(self, source_id: str) -> list[dict[str, str]]:
        return list(self.after.runs[source_id].errors)

    def hits(self, host: str, path: str | None = None) -> list[Hit]:
        """Requests the armed crawl made to `host` (and `path`)."""
        return [h for h in self.server.hits[self.mark:]
                if h.host == host and (path is None or h.path == path)]


@pytest.fixture(scope="session")
def fault_server() -> Iterator[FaultServer]:
    with serving() as server:
        yield server


@pytest.fixture(scope="session")
def network(fault_server: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    """The network and HTTP fault sources, crawled healthy and then under attack."""
    return crawl_twice(fault_server, tmp_path_factory.mktemp("network"), NETWORK_SOURCES)


@pytest.fixture(scope="session")
def content(fault_server: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> HostileRun:
    """The bad-content sources (hostile pages, XSS vectors, a changed layout), crawled twice."""
    return crawl_twice(fault_server, tmp_path_factory.mktemp("content"), CONTENT_SOURCES)


def crawl_twice(fault_server: FaultServer, folder: Path, sources: list[str]) -> HostileRun:
    """Crawl `sources` healthy, then armed (.invalid hosts really looked up); feeds built each time."""
    config = write_config(folder, sources)
    fault_server.disarm()
    first = cli("run", "--config", str(config), proxy=fault_server)
    assert "feeds:" in first.stdout, first.stderr[-3000:]
    before = snapshot(config, first)
    mark = len(fault_server.hits)
    fault_server.arm()
    try:
        second = cli("run", "--config", str(config), proxy=fault_server, no_proxy=".invalid")
    finally:
        fault_server.disarm()
    assert "feeds:" in second.stdout, second.stderr[-3000:]
    return HostileRun(fault_server, config, before, snapshot(config, second), mark)


@contextmanager
def own_fault_server(folder: Path, faults: list[dict], sites: dict[str, dict] | None = None,
                     ) -> Iterator[FaultServer]:
    """A fault server of its own (armed) with these faults and site shapes, for tests that set their own."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "faults.toml"
    tables = [f"[[faults]]\n{_toml(entry)}" for entry in faults]
    tables += [f'[sites."{host}"]\n{_toml(shape)}' for host, shape in (sites or {}).items()]
    path.write_text("\n".join(tables), encoding="utf-8")
    with serving(path) as server:
        server.arm()
        yield server


def _toml(table: dict) -> str:
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in table.items())


def cli_process(*args: str, proxy: FaultServer, no_proxy: str = "") -> subprocess.Popen:
    """`deptfeeds ARGS` started in the background (as `cli`), to be signalled; output captured."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "http_proxy": proxy.proxy_url, "no_proxy": no_proxy}
    for key in ("HTTP_PROXY", "NO_PROXY", "https_proxy", "HTTPS_PROXY"):
        env.pop(key, None)
    return subprocess.Popen([sys.executable, "-m", "deptfeeds", *args], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored_count(config_path: Path) -> int:
    """Articles in the store now, read with sqlite3 while a crawl may be writing."""
    database = Path(load_config(config_path).store_url.removeprefix("sqlite:///"))
    if not database.exists():
        return 0
    connection = sqlite3.connect(database, timeout=30)
    try:
        return connection.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet
    finally:
        connection.close()

"""Shared fixtures: the sample sites served on 127.0.0.1, and the CLI run as a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deptfeeds.mirror import MirrorServer, serving

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture(scope="session")
def mirror() -> Iterator[MirrorServer]:
    """The bundled sample sites, reachable as an HTTP proxy for their real host names."""
    with serving(SAMPLES / "sites") as server:
        yield server


def cli_env(proxy: MirrorServer | None = None, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a CLI process: this repository importable, plain HTTP through the mirror."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    for key in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        environment.pop(key, None)
    if proxy is not None:
        environment["http_proxy"] = proxy.proxy_url
    return environment


def run_cli(*args: str, proxy: MirrorServer | None = None, cwd: Path | None = None,
            timeout: float = 300, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `deptfeeds ARGS` in a fresh process (a Twisted reactor runs only once per process)."""
    return subprocess.run([sys.executable, "-m", "deptfeeds", *args], cwd=cwd or REPO,
                          env=cli_env(proxy, env), capture_output=True, text=True, timeout=timeout)


def start_cli(*args: str, log: Path, proxy: MirrorServer | None = None,
              cwd: Path | None = None) -> subprocess.Popen:
    """Start `deptfeeds ARGS` in the background (e.g. `schedule`), its output going to `log`."""
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen([sys.executable, "-m", "deptfeeds", *args], cwd=cwd or REPO,
                                env=cli_env(proxy), stdout=out, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="session")
def fixture_mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MirrorServer]:
    """The sample sites plus the small made-up ones under tests/fixtures/sites, on one mirror."""
    root = tmp_path_factory.mktemp("sites")
    for sites in (SAMPLES / "sites", REPO / "tests" / "fixtures" / "sites"):
        for site in sites.iterdir():
            if site.is_dir():
                shutil.copytree(site, root / site.name)
    with serving(root) as server:
        yield server


@pytest.fixture
def sample_config(tmp_path: Path) -> Path:
    """A copy of samples/deptfeeds.toml whose store and feeds live in a temporary folder."""
    target = tmp_path / "deptfeeds.toml"
    shutil.copy(SAMPLES / "deptfeeds.toml", target)
    return target


FEED_SITES = REPO / "tests" / "fixtures" / "feed-sites"


@pytest.fixture(scope="session")
def feed_sites(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/feed-sites crawled once over HTTP into a fresh store, feeds built; the config's path.

    Copies of a story are left unmarked (cluster_id NULL) whatever the dedup engine did, so the
    feed tests know what to expect; test_feeds_clusters marks them itself. Read-only: a test
    that changes the store or the feeds works on a copy (`feed_sites_copy`).
    """
    from sqlalchemy import update

    from core.config import load_config
    from core.store import Store, StoredArticle
    from feeds.build import build_feeds

    folder = tmp_path_factory.mktemp("feed-sites")
    config_path = folder / "deptfeeds.toml"
    shutil.copy(FEED_SITES / "deptfeeds.toml", config_path)
    with serving(FEED_SITES) as server:
        result = run_cli("run", "--config", str(config_path), proxy=server)
    assert result.returncode == 0, result.stdout + result.stderr
    config = load_config(config_path)
    store = Store(config.store_url)
    with store.session() as session:
        session.execute(update(StoredArticle).values(cluster_id=None))
    build_feeds(store, config)
    store.close()
    return config_path


@pytest.fixture
def feed_sites_copy(feed_sites: Path, tmp_path: Path) -> Path:
    """A private copy of the crawled fixture sites (config, store, feeds) that a test may change."""
    shutil.copytree(feed_sites.parent, tmp_path / "site", copy_function=shutil.copy2)
    return tmp_path / "site" / "deptfeeds.toml"


@pytest.fixture(scope="session")
def feed_server(feed_sites: Path) -> Iterator[str]:
    """`deptfeeds serve` on a free port over the fixture sites' feeds; its base URL."""
    command = [sys.executable, "-m", "deptfeeds", "serve", "--config", str(feed_sites), "--port", "0"]
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(command, cwd=REPO, env=environment, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        first_line = process.stdout.readline() if process.stdout else ""
        if " on http://" not in first_line:
            process.kill()
            raise RuntimeError(f"serve did not start: {first_line}{process.communicate()[1]}")
        yield first_line.split(" on ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)

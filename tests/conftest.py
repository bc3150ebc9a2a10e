"""Shared fixtures: the sample sites served on 127.0.0.1, the CLI run as a real process, and the store.

Every test that touches the store (directly, or through `sample_config`, `feed_sites`,
`store_url`...) runs twice: on SQLite and on a real PostgreSQL server (deptfeeds/servers.py), each
time on a fresh database. Without PostgreSQL installed those runs skip and say why; in CI
(CI set) they fail instead, since there the setup installs it.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from deptfeeds.mirror import MirrorServer, serving
from deptfeeds.servers import PostgresServer, RedisServer, ServerUnavailable

if TYPE_CHECKING:
    from tests.cluster import Processes

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
STORE_BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every test that needs `store_backend` (directly or through a fixture) on each backend."""
    if "store_backend" in metafunc.fixturenames:
        metafunc.parametrize("store_backend", STORE_BACKENDS, scope="session")


def unavailable(reason: str) -> None:
    """Skip for want of a server; in CI, where the setup installs the servers, fail instead."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must have it: tests/install-tools.sh installs it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of our own for the whole session, on a free port of 127.0.0.1."""
    try:
        server = PostgresServer()
    except ServerUnavailable as exc:
        unavailable(f"no PostgreSQL server: {exc}")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A Redis server of our own for the whole session, on a free port of 127.0.0.1."""
    try:
        server = RedisServer()
    except ServerUnavailable as exc:
        unavailable(f"no Redis server: {exc}")
    try:
        yield server
    finally:
        server.close()


@contextmanager
def fresh_store(backend: str, folder: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of an empty store on this backend: a SQLite file in `folder`, or a new database."""
    if backend == "sqlite":
        (folder / "data").mkdir(parents=True, exist_ok=True)
        yield f"sqlite:///{folder / 'data' / 'deptfeeds.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)


_TEST_STORES: dict[Path, str] = {}


@pytest.fixture
def store_url(store_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An empty store for this test, on each backend in turn (a module of store tests may name it
    in `pytestmark = pytest.mark.usefixtures("store_url")`; its configs then find it by folder)."""
    with fresh_store(store_backend, tmp_path, request) as url:
        _TEST_STORES[tmp_path.resolve()] = url
        try:
            yield url
        finally:
            _TEST_STORES.pop(tmp_path.resolve(), None)


def store_of_test(folder: Path) -> str | None:
    """The store of the running test whose temporary folder holds `folder` (None if none)."""
    folder = folder.resolve()
    return next((_TEST_STORES[f] for f in (folder, *folder.parents) if f in _TEST_STORES), None)


def use_store(config_path: Path, url: str | None = None) -> Path:
    """Point the config file's `[store] url` at this store (default: this test's); the config's path."""
    url = url or store_of_test(config_path.parent)
    if url is None or url.startswith("sqlite:"):
        return config_path  # the file's own (relative) SQLite path already lies in its folder
    raw = config_path.read_text(encoding="utf-8")
    pointed, found = re.subn(r'(?m)^url = "[^"]*"$', f'url = "{url}"', raw)
    if not found and "[store]" not in raw:
        pointed = f'[store]\nurl = "{url}"\n\n{raw}'
    assert f'url = "{url}"' in pointed, f"no [store] url to replace in {config_path}"
    config_path.write_text(pointed, encoding="utf-8")
    return config_path


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
def sample_config(tmp_path: Path, store_url: str) -> Path:
    """A copy of samples/deptfeeds.toml whose store (on each backend) and feeds live in a temporary folder."""
    target = tmp_path / "deptfeeds.toml"
    shutil.copy(SAMPLES / "deptfeeds.toml", target)
    return use_store(target, store_url)


FEED_SITES = REPO / "tests" / "fixtures" / "feed-sites"


@pytest.fixture(scope="session")
def feed_sites(tmp_path_factory: pytest.TempPathFactory, store_backend: str,
               request: pytest.FixtureRequest) -> Iterator[Path]:
    """tests/fixtures/feed-sites crawled once over HTTP into a fresh store, feeds built; the config's path.

    Copies of a story are left unmarked (cluster_id NULL) whatever the dedup engine did, so the
    feed tests know what to expect; test_feeds_clusters marks them itself. Read-only: a test
    that changes the store or the feeds works on a copy (`feed_sites_copy`).
    """
    folder = tmp_path_factory.mktemp("feed-sites")
    with fresh_store(store_backend, folder, request) as url:
        config_path = folder / "deptfeeds.toml"
        shutil.copy(FEED_SITES / "deptfeeds.toml", config_path)
        yield _crawl_feed_sites(use_store(config_path, url))


def _crawl_feed_sites(config_path: Path) -> Path:
    """Crawl the fixture sites into the config's store and build their feeds."""
    from sqlalchemy import update

    from core.config import load_config
    from core.store import Store, StoredArticle
    from feeds.build import build_feeds

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
def feed_sites_copy(feed_sites: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    """A private copy of the crawled fixture sites (config, store, feeds) that a test may change."""
    from core.config import load_config

    shutil.copytree(feed_sites.parent, tmp_path / "site", copy_function=shutil.copy2)
    copy = tmp_path / "site" / "deptfeeds.toml"
    url = load_config(feed_sites).store_url
    if not url.startswith("sqlite:"):
        server: PostgresServer = request.getfixturevalue("postgres")
        copied = server.copy_database(url)
        request.addfinalizer(lambda: server.drop_database(copied))
        use_store(copy, copied)
    return copy


@contextmanager
def serving_feeds(config: Path) -> Iterator[str]:
    """`deptfeeds serve` on a free port over a config's feed folder; its base URL."""
    command = [sys.executable, "-m", "deptfeeds", "serve", "--config", str(config), "--port", "0"]
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


@pytest.fixture(scope="session")
def feed_server(feed_sites: Path) -> Iterator[str]:
    """`deptfeeds serve` on a free port over the fixture sites' feeds; its base URL."""
    with serving_feeds(feed_sites) as base:
        yield base


_queues = itertools.count(1)


@pytest.fixture
def cluster_config(tmp_path: Path, postgres: PostgresServer, redis_server: RedisServer) -> Iterator[Callable]:
    """Write a config with a fresh PostgreSQL database and a queue of its own on the test Redis."""
    made: list[str] = []

    def write(*sources: str, crawl: str = "delay = 0", schedule: str = 'every = "1h"\njitter = "0s"') -> Path:
        url = postgres.create_database()
        made.append(url)
        path = tmp_path / "deptfeeds.toml"
        path.write_text(f'[store]\nurl = "{url}"\n\n[feeds]\ndir = "public"\n\n[crawl]\n{crawl}\n\n'
                        f'[schedule]\n{schedule}\n\n[cluster]\nbroker = "{redis_server.url}"\n'
                        f'queue = "test-{next(_queues)}"\n' + "".join(sources), encoding="utf-8")
        return path

    yield write
    for url in made:
        postgres.drop_database(url)


@pytest.fixture
def processes(fixture_mirror: MirrorServer, tmp_path: Path) -> Iterator[Callable[[Path], Processes]]:
    """Start `Processes(config)` groups; every process they started is killed at the end."""
    from tests.cluster import Processes  # tests/cluster.py itself uses this module's start_cli

    made: list[Processes] = []

    def start(config: Path) -> Processes:
        made.append(Processes(config, fixture_mirror))
        return made[-1]

    yield start
    for group in made:
        group.close()

"""Never two crawls of one source at once: a one-off crawl of a busy source refuses or waits, clearly."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_config
from core.locks import HOST, LockBusy, crawl_locks, scheduler_lock
from core.store import Store
from deptfeeds.mirror import MirrorServer
from tests.conftest import run_cli, start_cli, use_store

# Every test here touches the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("store_url")

CONFIG = '''
[store]
url = "sqlite:///data/deptfeeds.db"

[crawl]
delay = 0

[[sources]]
id = "vidu"
name = "Sở KH&CN Ví Dụ"
listing = ["http://sokhcn.vidu.gov.vn/tin-tuc/"]
'''


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "deptfeeds.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return use_store(path)


@pytest.fixture
def store(config_path: Path) -> Iterator[Store]:
    store = Store(load_config(config_path).store_url)
    yield store
    store.close()


def test_a_crawl_of_a_source_being_crawled_refuses_and_says_by_whom(
        config_path: Path, store: Store, fixture_mirror: MirrorServer) -> None:
    config = load_config(config_path)
    hits_before = len(fixture_mirror.hits)
    with crawl_locks(config, store, ["vidu"]):
        refused = run_cli("crawl", "--source", "vidu", "--config", str(config_path), proxy=fixture_mirror)
        waited = run_cli("crawl", "--source", "vidu", "--wait", "1", "--config", str(config_path),
                         proxy=fixture_mirror)

    assert refused.returncode == 75
    assert (f"deptfeeds: source 'vidu' is being crawled right now by pid {os.getpid()} on host {HOST}"
            in refused.stderr)
    assert "try again later or pass --wait SECONDS" in refused.stderr
    assert waited.returncode == 75
    assert "still busy after waiting 1s" in waited.stderr
    assert len(fixture_mirror.hits) == hits_before  # not a single request was made
    assert store.runs("vidu") == []


def test_a_crawl_told_to_wait_starts_once_the_other_one_is_done(
        tmp_path: Path, config_path: Path, store: Store, fixture_mirror: MirrorServer) -> None:
    config = load_config(config_path)
    with crawl_locks(config, store, ["vidu"]):
        waiting = start_cli("crawl", "--source", "vidu", "--wait", "60", "--config", str(config_path),
                            log=tmp_path / "crawl.log", proxy=fixture_mirror)
        log = tmp_path / "crawl.log"
        deadline = time.monotonic() + 60
        while "source 'vidu' is being crawled right now" not in log.read_text():
            assert waiting.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        assert "waiting up to 60s" in log.read_text()
        released = time.time()

    assert waiting.wait(60) == 0, (tmp_path / "crawl.log").read_text()
    [run] = store.runs("vidu")
    assert run.status == "ok" and run.new == 2
    assert run.started.timestamp() >= released


def test_a_run_left_running_by_a_dead_crawl_is_closed_by_the_next_one(
        config_path: Path, store: Store, fixture_mirror: MirrorServer) -> None:
    store.sync_sources(load_config(config_path).sources)
    orphan = store.start_run("vidu")  # as a crawl process leaves it when it is killed mid-run

    result = run_cli("crawl", "--source", "vidu", "--config", str(config_path), proxy=fixture_mirror)

    assert result.returncode == 0, result.stderr
    closed = store.run(orphan)
    assert closed.status == "failed" and closed.ended is not None
    assert closed.errors == [{"url": "http://sokhcn.vidu.gov.vn/tin-tuc/",
                              "error": "interrupted: the crawl process ended without finishing its run"}]
    assert store.runs("vidu")[0].status == "ok"


def test_crawl_locks_are_per_source(config_path: Path, store: Store) -> None:
    config = load_config(config_path)
    refusals: list[str] = []

    def another_crawl_of(source_id: str) -> None:
        try:
            with crawl_locks(config, store, [source_id]):
                pass
        except LockBusy as busy:
            refusals.append(str(busy))

    with crawl_locks(config, store, ["vidu"]):
        for source_id in ("vidu", "other"):
            thread = threading.Thread(target=another_crawl_of, args=(source_id,))
            thread.start()
            thread.join()
        assert store.lock_owner("crawl-vidu").pid == os.getpid()

    [refusal] = refusals
    assert refusal.startswith(f"source 'vidu' is being crawled right now by pid {os.getpid()} "
                              f"on host {HOST} (since ")
    assert store.lock_owner("crawl-vidu") is None  # released with its holder


def test_one_scheduler_per_store(config_path: Path, store: Store) -> None:
    config = load_config(config_path)
    with scheduler_lock(config, store), pytest.raises(LockBusy) as refused, scheduler_lock(config, store):
        pass
    assert str(refused.value).startswith(
        f"another `deptfeeds schedule` is already running on store {config.store_url}: "
        f"pid {os.getpid()} on host {HOST} (since ")
    assert str(refused.value).endswith("stop it first (one scheduler per store)")

"""Crawls on `deptfeeds worker`s through Celery and a real Redis, the store on a real PostgreSQL.

The scheduler only queues; workers (real processes) crawl the sample sites over HTTP, record
their runs and rebuild the feeds. A worker SIGKILLed mid-crawl has its task delivered again to
another one; two copies of one crawl never run at once.
"""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path

import feedparser

from core.config import load_config
from core.locks import crawl_lock_name, lock_taken
from core.store import Store
from scheduler.cluster import Queue, split, visibility_timeout
from tests.cluster import finished, stop, wait_for
from tests.conftest import run_cli
from tests.test_scheduler import LANGSON, VIDU


def test_the_scheduler_queues_and_a_worker_crawls_and_rebuilds(cluster_config, processes) -> None:
    config = cluster_config(LANGSON, VIDU)
    group = processes(config)
    worker, worker_log = group.worker("w1", concurrency=2)
    scheduler, scheduler_log = group.start("schedule")
    store = Store(load_config(config).store_url)
    try:
        wait_for(lambda: all(finished(store, s) for s in ("langson", "vidu")), "a crawl of each source")
        for source_id in ("langson", "vidu"):
            [run] = finished(store, source_id)
            assert (run.status, run.worker) == ("ok", "w1")
            assert run.new > 0 and store.count_articles(source_id) == run.new
        feed = config.parent / "public" / "langson.atom"
        wait_for(lambda: feed.exists() and len(feedparser.parse(feed.read_bytes()).entries)
                 == store.count_articles("langson"), "the rebuild task to put the articles in the feed")
    finally:
        store.close()
    stop(scheduler, scheduler_log)
    stop(worker, worker_log)
    assert "crawl queued for a worker" in scheduler_log.read_text()
    assert "crawl starts" not in scheduler_log.read_text()  # the scheduler itself crawled nothing
    assert re.search(r"langson, vidu: crawl starts", worker_log.read_text())  # due together, one task
    assert "feeds rebuilt" in worker_log.read_text()


def test_a_crawl_whose_worker_was_killed_is_delivered_to_another(cluster_config, processes) -> None:
    # delay: the crawl lasts a few seconds, so the worker can be killed in the middle of it
    config = cluster_config(LANGSON, crawl='delay = 0.4\ntime_limit = "20s"')
    group = processes(config)
    first, first_log = group.worker("doomed")
    settings = load_config(config)
    store = Store(settings.store_url)
    queue = Queue(settings)
    try:
        queue.crawl("langson")
        wait_for(lambda: any(r.status == "running" and r.worker == "doomed" for r in store.runs("langson")),
                 "the first worker's crawl to start")
        first.kill()
        first.wait()
        # its crawl child dies with it, and the server drops the crawl lock with its connection
        wait_for(lambda: lock_taken(store, crawl_lock_name("langson")) is False, "the crawl lock to go",
                 timeout=30)
        second, second_log = group.worker("heir")
        killed_at = time.monotonic()
        wait_for(lambda: any(r.status == "ok" and r.worker == "heir" for r in store.runs("langson")),
                 "the task to reach the second worker", timeout=visibility_timeout(settings) + 60)
        waited = time.monotonic() - killed_at
        runs = {r.worker: r for r in store.runs("langson")}
        assert runs["doomed"].status == "failed"  # closed as interrupted by the crawl that took over
        stored = store.count_articles("langson")
        assert stored > 0
    finally:
        queue.close()
        store.close()
    stop(second, second_log)
    assert waited <= visibility_timeout(settings) + 15
    # nothing was lost nor stored twice: a crawl after it finds nothing new and nothing more
    again = run_cli("crawl", "--source", "langson", "--config", str(config), proxy=group.mirror)
    assert again.returncode == 0, again.stdout + again.stderr
    store = Store(settings.store_url)
    try:
        assert store.last_run("langson").new == 0
        assert store.count_articles("langson") == stored
    finally:
        store.close()


def test_one_source_is_never_crawled_twice_at_once_across_workers(cluster_config, processes) -> None:
    config = cluster_config(LANGSON, crawl="delay = 0.3")
    group = processes(config)
    workers = [group.worker(name) for name in ("a", "b")]
    settings = load_config(config)
    store, queue = Store(settings.store_url), Queue(settings)
    try:
        for _ in range(3):
            queue.crawl("langson")
        done = re.compile(r"deptfeeds\.crawl_source\[[^\]]+\] succeeded")
        wait_for(lambda: sum(len(done.findall(log.read_text())) for _p, log in workers) == 3,
                 "the three crawl tasks to be done", timeout=180)
        runs = sorted(finished(store, "langson"), key=lambda r: r.started)
        assert runs and all(r.status == "ok" for r in runs)
        for earlier, later in itertools.pairwise(runs):
            assert earlier.ended <= later.started, "two crawls of one source overlapped"
        logs = "".join(log.read_text() for _p, log in workers)
        assert "skipped this time" in logs or len(runs) == 3
    finally:
        queue.close()
        store.close()
    for process, log in workers:
        stop(process, log)


def test_a_cluster_needs_a_shared_store(tmp_path: Path) -> None:
    path = tmp_path / "deptfeeds.toml"
    path.write_text('[store]\nurl = "sqlite:///data/deptfeeds.db"\n\n[cluster]\nbroker = "redis://127.0.0.1:1/0"\n'
                    + LANGSON, encoding="utf-8")
    result = run_cli("worker", "--config", str(path))
    assert result.returncode != 0
    assert "[cluster] needs a store every machine reaches" in result.stderr


def test_sources_due_together_split_into_even_batches_of_at_most_the_size() -> None:
    due = [f"s{n}" for n in range(7)]
    batches = split(due, 3)
    assert [len(b) for b in batches] == [3, 2, 2]
    assert sorted(s for b in batches for s in b) == sorted(due)
    assert split(due, 10) == [due] and split([], 3) == []

"""The cluster end to end, and what it survives: real workers, a real Redis, a real PostgreSQL.

Two workers crawl every sample site through Celery: every article once, feeds valid, both
workers used. Then the servers are restarted under running processes: Redis in the middle of
a crawl, PostgreSQL between runs (for longer than the leader's lock check). No process may
need a manual step afterwards.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import feedparser
import pytest

from core.config import load_config
from core.store import Store
from scheduler.cluster import Queue
from scheduler.leader import LEAD_CHECK
from tests.cluster import alive, finished, stop, wait_for
from tests.conftest import REPO, SAMPLES, cli_env, run_cli
from tests.test_end_to_end import entry_text, expected_articles
from tests.test_scheduler import LANGSON

SAMPLE_SOURCES = (SAMPLES / "deptfeeds.toml").read_text("utf-8").split("[[sources]]", 1)[1]
SAMPLE_SOURCES = "\n[[sources]]" + SAMPLE_SOURCES


def test_two_workers_crawl_every_sample_site_once(cluster_config, processes) -> None:
    config = cluster_config(SAMPLE_SOURCES, crawl="delay = 0\nconcurrency_per_domain = 4")
    text = config.read_text("utf-8").replace("[cluster]\n", "[cluster]\nbatch = 3\n")  # 3 tasks or more
    config.write_text(text.replace('[feeds]\ndir = "public"\n', '[feeds]\ndir = "public"\nlimit = 100\n'),
                      "utf-8")
    settings = load_config(config)
    group = processes(config)
    workers = [group.worker(name) for name in ("w1", "w2")]
    scheduler, scheduler_log = group.start("schedule")
    store = Store(settings.store_url)
    try:
        ids = [s.id for s in settings.sources]
        wait_for(lambda: all(finished(store, s) for s in ids), "a crawl of every source", timeout=240)
        runs = {s: finished(store, s) for s in ids}
        assert all(len(r) == 1 and r[0].status == "ok" for r in runs.values()), runs
        assert {r[0].worker for r in runs.values()} == {"w1", "w2"}, "one worker did everything"
        feeds = settings.feeds_dir
        tasks = scheduler_log.read_text().count("crawl queued for a worker")
        assert tasks >= 3
        rebuilt = re.compile(r"deptfeeds\.rebuild_feeds\[[^\]]+\] succeeded")
        wait_for(lambda: sum(len(rebuilt.findall(log.read_text())) for _p, log in workers) >= tasks,
                 "a feed rebuild after each crawl task")
    finally:
        store.close()
    stop(scheduler, scheduler_log)
    for process, log in workers:
        stop(process, log)
    links: Counter[str] = Counter()
    for name in ["all.atom", "all.rss", *(f"{s}.atom" for s in ids)]:
        feed = feedparser.parse((feeds / name).read_bytes())
        assert not feed.bozo, f"{name}: {feed.bozo_exception}"
        if name.endswith(".atom") and name != "all.atom":
            links.update(e.link for e in feed.entries)
    assert max(links.values()) == 1, f"an article in two feeds or twice: {links.most_common(3)}"
    combined = feedparser.parse((feeds / "all.atom").read_bytes()).entries
    copies = {u for e in combined for u in re.findall(r'href="([^"]+)"', entry_text(e))}
    found = {e.link for e in combined} | copies
    missing = [url for url in expected_articles() if url not in found]
    assert not missing, f"all.atom lacks {missing}"
    store = Store(settings.store_url)
    try:
        stored = [a.url for a in store.articles()]
    finally:
        store.close()
    assert stored and len(stored) == len(set(stored))
    assert "crawl starts" not in scheduler_log.read_text()


def test_workers_reconnect_after_redis_restarts_mid_crawl(cluster_config, processes, redis_server) -> None:
    config = cluster_config(LANGSON, crawl='delay = 0.4\ntime_limit = "60s"')
    group = processes(config)
    worker, worker_log = group.worker("w1")
    settings = load_config(config)
    store = Store(settings.store_url)
    queue = Queue(settings)
    try:
        queue.crawl("langson")
        wait_for(lambda: any(r.status == "running" for r in store.runs("langson")), "the crawl to start")
        redis_server.restart()
        # the crawl goes on without the broker and is recorded; the worker then reconnects
        wait_for(lambda: [r for r in finished(store, "langson") if r.status == "ok"], "the first crawl")
        queue.crawl("langson")
        wait_for(lambda: len([r for r in finished(store, "langson") if r.status == "ok"]) == 2,
                 "a crawl queued after the restart", timeout=120)
        assert alive(worker, worker_log)
        assert store.last_run("langson").new == 0  # the second crawl found what the first stored
    finally:
        queue.close()
        store.close()
    stop(worker, worker_log)


def test_scheduler_and_workers_recover_when_postgresql_restarts(cluster_config, processes, postgres) -> None:
    config = cluster_config(LANGSON, schedule='every = "20s"\njitter = "0s"')
    group = processes(config)
    worker, worker_log = group.worker("w1")
    scheduler, scheduler_log = group.start("schedule")
    settings = load_config(config)
    store = Store(settings.store_url)
    try:
        wait_for(lambda: [r for r in finished(store, "langson") if r.status == "ok"], "the first crawl")
        postgres.stop()
        time.sleep(LEAD_CHECK * 2.5)  # longer than a lock check: the leader finds the database gone
        postgres.start()
        before = store.last_run_id()
        wait_for(lambda: "jobs resumed" in scheduler_log.read_text(), "the leader to resume", timeout=60)
        assert alive(scheduler, scheduler_log) and alive(worker, worker_log)
        # the scheduler queues the next run on time, and the worker records it, neither restarted
        wait_for(lambda: any(r.status == "ok" for r in store.runs("langson", after_id=before)),
                 "a run after the restart", timeout=90)
        state = json.loads(run_cli("status", "--json", "--config", str(config)).stdout)["scheduler"]
        assert state["running"] and state["pid"] == scheduler.pid
    finally:
        store.close()
    log = scheduler_log.read_text()
    assert "does not answer" in log and "jobs paused" in log
    stop(scheduler, scheduler_log)
    stop(worker, worker_log)


def test_the_cluster_demo_crawls_the_samples_and_stops_everything(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "deptfeeds.cluster_demo", "--out", str(tmp_path)],
                            cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    rows = {line.split()[0]: line.split() for line in out.splitlines()
            if re.search(r" (ok|failed) +\d+ +\d+$", line)}
    sources = [s.id for s in load_config(SAMPLES / "deptfeeds.toml").sources]
    assert sorted(rows) == sorted(sources)
    assert all(row[2] == "ok" for row in rows.values())
    assert {row[1] for row in rows.values()} == {"worker-1", "worker-2"}
    for feed in (tmp_path / "public").glob("*.atom"):
        assert not feedparser.parse(feed.read_bytes()).bozo, feed
    assert (tmp_path / "public" / "all.atom").exists()
    assert out.rstrip().endswith("everything it started is stopped")
    port = int(re.search(r"PostgreSQL on 127\.0\.0\.1:(\d+)", out).group(1))
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()

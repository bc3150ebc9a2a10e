"""Cluster: the bench mirror crawled by 1, 2 and 4 Celery workers, against `deptfeeds run`.

One run, one mirror process, one PostgreSQL and one Redis of our own (deptfeeds/servers.py,
Debian's packages, free ports, temporary folders). Each row starts from an empty store:

- `run sqlite` and `run postgresql`: `deptfeeds run`, every source in one process, as today;
- `N workers`: N `deptfeeds worker --concurrency 1` processes on the PostgreSQL store; the
  sources are queued as N crawl tasks of equal size (what the scheduler sends with [cluster]
  batch = sources / N), so each worker crawls its share in one crawl process.

The concurrency budget is the same in every row: each source (one host) is crawled by exactly
one process, with the same [crawl] concurrency_per_domain. Wall seconds are from the first task
queued to the last run recorded; CPU seconds are every worker's and its crawl children's (the
workers are started, and idle, before the clock starts). Pages per second and per CPU second;
the ratio of each row to `run postgresql`, the same store. Target: 1 worker within 10 %.

    python -m bench.cluster [--quick] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
import time
import tomllib
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil
import tomli_w

from bench.common import OUT, child_env, measure, save, table
from bench.crawl_throughput import FULL, QUICK, mirror_dir
from bench.mirror import ensure
from bench.serve import MirrorProcess, mirror_process
from core.config import load_config
from core.store import Store
from deptfeeds import cluster_demo
from deptfeeds.mirror import proxied
from deptfeeds.servers import PostgresServer, RedisServer
from scheduler.cluster import Queue, split

TARGET_ONE_WORKER = 0.90  # a single worker's pages per second, as a share of `deptfeeds run`'s


def write_config(mirror: Path, folder: Path, store_url: str, broker: str | None = None,
                 batch: int = 1) -> Path:
    """The mirror's generated config, its store and feeds moved to `folder`."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    config = tomllib.loads((mirror / "deptfeeds.toml").read_text("utf-8"))
    config["store"]["url"] = store_url
    config["crawl"]["time_limit"] = "2h"
    if broker:
        config["cluster"] = {"broker": broker, "queue": f"bench-{folder.name}", "batch": batch}
    path = folder / "deptfeeds.toml"
    path.write_text(tomli_w.dumps(config), "utf-8")
    return path


def pages_of(config: Path) -> tuple[int, list[str]]:
    """Pages fetched over every source's runs, and the workers that recorded them."""
    settings = load_config(config)
    store = Store(settings.store_url)
    try:
        runs = [r for s in settings.sources for r in store.runs(s.id)]
    finally:
        store.close()
    return sum(r.pages for r in runs), sorted({r.worker or "" for r in runs})


def run_row(label: str, config: Path, server: MirrorProcess) -> dict[str, Any]:
    crawl = measure(["-m", "deptfeeds", "run", "-q", "--config", str(config)], f"cluster-{label}",
                    env=child_env({"http_proxy": server.proxy_url}), timeout=7200)
    if crawl.returncode not in (0, 1):
        raise RuntimeError(f"{label}: deptfeeds run failed (exit {crawl.returncode}):\n"
                           f"{crawl.stderr[-3000:]}")
    pages, _workers = pages_of(config)
    return row(label, 1, pages, crawl.seconds, crawl.cpu_seconds)


def row(label: str, processes: int, pages: int, seconds: float, cpu: float) -> dict[str, Any]:
    return {"mode": label, "worker processes": processes, "pages": pages, "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1), "pages_per_second": round(pages / seconds, 1),
            "pages_per_cpu_second": round(pages / cpu, 1)}


def cpu_of(workers: list[psutil.Process]) -> float:
    """CPU seconds of the workers and of every crawl child they have waited for."""
    total = 0.0
    for worker in workers:
        t = worker.cpu_times()
        total += t.user + t.system + t.children_user + t.children_system
    return total


def workers_row(count: int, mirror: Path, postgres: PostgresServer, redis: RedisServer,
                server: MirrorProcess) -> dict[str, Any]:
    folder = OUT / "cluster" / f"workers-{count}"
    ids = [s["id"] for s in tomllib.loads((mirror / "deptfeeds.toml").read_text("utf-8"))["sources"]]
    batch = math.ceil(len(ids) / count)
    config = write_config(mirror, folder, postgres.create_database(), redis.url, batch)
    settings = load_config(config)
    store = Store(settings.store_url)  # creates the schema before the workers start
    store.sync_sources(settings.sources)
    with ExitStack() as running, proxied(server):
        started = [running.enter_context(cluster_demo.started(
            f"worker-{n}", ["worker", "--name", f"w{n}", "--concurrency", "1"], config, folder))
            for n in range(1, count + 1)]
        for process, log in started:
            cluster_demo.wait_until(lambda lg=log: "ready" in lg.read_text(), f"{log.stem} to be ready",
                                    [(process, log)])
        workers = [psutil.Process(p.pid) for p, _ in started]
        cpu_before, clock = cpu_of(workers), time.perf_counter()
        queue = Queue(settings)
        tasks = split(ids, batch)
        for part in tasks:
            queue.crawl(*part)
        queue.close()
        # every crawl task done (its child reaped, so its CPU counted), then the rebuild each queued
        cluster_demo.wait_until(lambda: succeeded(started, "crawl_source") >= len(tasks), "the crawl tasks",
                                started, timeout=7200)
        cluster_demo.wait_until(lambda: succeeded(started, "rebuild_feeds") >= len(tasks), "the rebuilds",
                                started, timeout=7200)
        seconds = time.perf_counter() - clock
        cpu = cpu_of(workers) - cpu_before
    store.close()
    pages, names = pages_of(config)
    result = row(f"{count} worker{'s' if count > 1 else ''}", count, pages, seconds, cpu)
    result["workers used"] = len([n for n in names if n])
    postgres.drop_database(settings.store_url)
    return result


def succeeded(workers: list[tuple[subprocess.Popen, Path]], task: str) -> int:
    """How many `task` tasks the workers' logs say succeeded."""
    done = re.compile(rf"deptfeeds\.{task}\[[^\]]+\] succeeded")
    return sum(len(done.findall(log.read_text())) for _p, log in workers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the small mirror (6 sites x 60 articles)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4], help="worker counts to try")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    mirror = mirror_dir(args.quick)
    print(f"cluster: bench mirror of {size['sites']} sites x {size['articles']} articles in {mirror} ...",
          file=sys.stderr)
    ensure(mirror, size["sites"], size["articles"])
    rows = []
    postgres, redis = PostgresServer(), RedisServer()
    try:
        with mirror_process(mirror / "sites") as server:
            print("cluster: deptfeeds run on SQLite ...", file=sys.stderr)
            folder = OUT / "cluster" / "run-sqlite"
            rows.append(run_row("run sqlite", write_config(mirror, folder, "sqlite:///data/deptfeeds.db"),
                                server))
            print("cluster: deptfeeds run on PostgreSQL ...", file=sys.stderr)
            url = postgres.create_database()
            rows.append(run_row("run postgresql", write_config(mirror, OUT / "cluster" / "run-pg", url),
                                server))
            postgres.drop_database(url)
            for count in args.workers:
                print(f"cluster: {count} workers ...", file=sys.stderr)
                rows.append(workers_row(count, mirror, postgres, redis, server))
    finally:
        redis.close()
        postgres.close()
    base = next(r for r in rows if r["mode"] == "run postgresql")
    for r in rows:
        for key, rate in (("pages/s", "pages_per_second"), ("pages/CPU s", "pages_per_cpu_second")):
            r[f"vs run postgresql ({key})"] = round(r[rate] / base[rate], 2)
    one = next((r for r in rows if r["mode"] == "1 worker"), None)
    result = {"mirror": size, "rows": rows, "targets": {
        "1 worker within 10 % of deptfeeds run (pages/s)":
            None if one is None else one["pages_per_second"] >= TARGET_ONE_WORKER * base["pages_per_second"]}}
    print(table([(r["mode"], r["worker processes"], r["pages"], r["seconds"], r["cpu_seconds"],
                  r["pages_per_second"], r["pages_per_cpu_second"], r["vs run postgresql (pages/s)"],
                  r["vs run postgresql (pages/CPU s)"]) for r in rows],
                ("mode", "procs", "pages", "wall s", "CPU s", "pages/s", "pages/CPU s", "x run pg (pages/s)",
                 "x run pg (pages/CPU s)")))
    for name, met in result["targets"].items():
        print(f"  {name}: {'met' if met else 'MISSED' if met is not None else 'not measured'}")
    print(f"figures: {save('cluster', result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make cluster-demo`: the cluster on one machine, from nothing back to nothing.

Starts PostgreSQL and Redis of its own (Debian's packages, free ports, a temporary folder), the
sample sites, one `deptfeeds schedule` and two `deptfeeds worker`s as real processes, waits for
every sample source to be crawled and its feeds rebuilt, prints who crawled what and where the
feeds are, then stops everything it started. The feeds stay (in --out); the database goes.

    python -m deptfeeds.cluster_demo [--out samples/cluster-demo] [--workers 2] [--batch 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from core.config import load_config
from core.store import Store
from deptfeeds.mirror import proxied, serving
from deptfeeds.servers import PostgresServer, RedisServer, ServerUnavailable

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
REBUILT = re.compile(r"deptfeeds\.rebuild_feeds\[[^\]]+\] succeeded")
WAIT = 300.0  # seconds for the whole crawl; the samples take well under a minute


def write_config(out: Path, store_url: str, broker: str, batch: int) -> Path:
    """samples/deptfeeds.toml's sources, on the shared store and the broker, feeds in `out`."""
    sources = (SAMPLES / "deptfeeds.toml").read_text("utf-8").split("[[sources]]", 1)[1]
    path = out / "deptfeeds.toml"
    path.write_text(
        f'# Written by `make cluster-demo`: the sample sources on PostgreSQL, crawled by workers.\n'
        f'[store]\nurl = "{store_url}"\n\n[feeds]\ndir = "public"\nbase_url = "http://localhost:8080/"\n'
        f'limit = 100\n\n[crawl]\ndelay = 0\nconcurrency_per_domain = 4\n\n'
        f'[schedule]\nevery = "1h"\njitter = "0s"\n\n'
        f'[cluster]\nbroker = "{broker}"\nqueue = "cluster-demo"\nbatch = {batch}\n\n[[sources]]{sources}',
        encoding="utf-8")
    return path


@contextmanager
def started(name: str, args: list[str], config: Path, logs: Path) -> Iterator[tuple[subprocess.Popen, Path]]:
    """One deptfeeds process in the background, its output in logs/NAME.log; SIGTERM at the end."""
    log = logs / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "deptfeeds", *args, "--config", str(config)],
                                   stdout=output, stderr=subprocess.STDOUT)
    print(f"cluster-demo: started {name} (pid {process.pid}), log {log}")
    try:
        yield process, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        print(f"cluster-demo: stopped {name} (exit {process.returncode})")


def wait_until(condition: Callable[[], object], what: str, processes: list[tuple[subprocess.Popen, Path]],
               timeout: float = WAIT) -> None:
    """Poll until `condition`; stop with the log's name if one of the processes dies meanwhile."""
    deadline = time.monotonic() + timeout
    while not condition():
        for process, log in processes:
            if process.poll() is not None:
                raise SystemExit(f"cluster-demo: {log.stem} exited ({process.returncode}) while waiting for "
                                 f"{what}; its log: {log}")
        if time.monotonic() > deadline:
            raise SystemExit(f"cluster-demo: gave up after {timeout:g}s waiting for {what}; "
                             f"logs in {processes[0][1].parent}")
        time.sleep(0.5)


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m deptfeeds.cluster_demo",
                                      description=(__doc__ or "").split("\n\n")[0])
    options.add_argument("--out", type=Path, default=SAMPLES / "cluster-demo",
                         help="where the config, logs and feeds go (default: samples/cluster-demo)")
    options.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    options.add_argument("--batch", type=int, default=3, help="sources per crawl task (default 3)")
    args = options.parse_args(argv)
    out = args.out.resolve()
    shutil.rmtree(out / "public", ignore_errors=True)
    (out / "logs").mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        try:
            postgres = stack.enter_context(_closing(PostgresServer()))
            redis = stack.enter_context(_closing(RedisServer()))
        except ServerUnavailable as error:
            print(f"cluster-demo: {error}\n  install them with: sudo apt-get install postgresql redis-server",
                  file=sys.stderr)
            return 1
        print(f"cluster-demo: PostgreSQL on 127.0.0.1:{postgres.port}, Redis on 127.0.0.1:{redis.port} "
              "(temporary, removed at the end)")
        config = write_config(out, postgres.create_database(), redis.url, args.batch)
        mirror = stack.enter_context(serving(SAMPLES / "sites"))
        stack.enter_context(proxied(mirror))
        print(f"cluster-demo: sample sites served on {mirror.proxy_url}; config {config}")
        settings = load_config(config)
        store = Store(settings.store_url)
        stack.callback(store.close)
        workers = [stack.enter_context(started(f"worker-{n}", ["worker", "--name", f"worker-{n}"], config,
                                               out / "logs")) for n in range(1, args.workers + 1)]
        scheduler = stack.enter_context(started("scheduler", ["schedule"], config, out / "logs"))
        everyone = [*workers, scheduler]
        ids = [s.id for s in settings.sources]
        wait_until(lambda: all(any(r.status != "running" for r in store.runs(s)) for s in ids),
                   "a crawl of every source", everyone)
        tasks = scheduler[1].read_text().count("crawl queued for a worker")
        wait_until(lambda: sum(len(REBUILT.findall(log.read_text())) for _p, log in workers) >= tasks,
                   "the feed rebuilds", everyone)
        print(f"\ncluster-demo: {len(ids)} sources in {tasks} crawl tasks on {len(workers)} workers\n")
        width = max(len(s) for s in [*ids, "source"])
        print(f"{'source':<{width}}  {'worker':<10} {'status':<8} {'pages':>5} {'new':>4}")
        for source_id in ids:
            for run in store.runs(source_id):
                print(f"{source_id:<{width}}  {run.worker or '-':<10} {run.status:<8} {run.pages:>5} "
                      f"{run.new:>4}")
        feeds = settings.feeds_dir
        print(f"\nfeeds: {feeds} ({len(list(feeds.glob('*.atom')))} Atom feeds; all.atom has every source)")
        print(f"serve them: {sys.executable} -m deptfeeds serve --config {config}  (feeds stay; the "
              "database goes with the demo)\n")
    print("cluster-demo: everything it started is stopped")
    return 0


@contextmanager
def _closing(server: PostgresServer | RedisServer) -> Iterator:
    try:
        yield server
    finally:
        server.close()


if __name__ == "__main__":
    sys.exit(main())

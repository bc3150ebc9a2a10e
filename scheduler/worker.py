"""`deptfeeds worker`: run the crawl and rebuild tasks the scheduler queues, on any number of machines.

A worker is one Celery worker process with a pool of threads; each crawl task still runs its
crawl in a child process of its own (Scrapy's reactor cannot restart within a process), with
the [crawl] time limit, through the scheduler's own `crawl_batch`. A child is tied to its
worker (PR_SET_PDEATHSIG): a worker killed outright takes its crawls with it, so the crawl
redelivered to another worker finds the source's lock free. Every run records the worker's
name (crawl_runs.worker), so `deptfeeds status` and the demo can tell who crawled what.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
from typing import Any

from core.config import Config
from core.runs import WORKER_ENV
from core.store import Store
from scheduler import jobs
from scheduler.cluster import CRAWL_TASK, REBUILD_TASK, Queue, make_app

log = logging.getLogger("deptfeeds.worker")

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent() -> None:
    """In a crawl child: be killed when the worker that started it dies (Linux prctl)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class WorkerRuntime(jobs.Runtime):
    """The scheduler's runtime, but a crawl's feed rebuild goes back to the queue as a task."""

    queue: Queue | None = None

    def rebuild(self, sources: set[str]) -> int | None:
        assert self.queue is not None
        self.queue.rebuild(sources)
        return None

    def build_now(self, sources: set[str]) -> int:
        """Build the feeds of these sources here (the rebuild task)."""
        return super().rebuild(sources) or 0


_runtime: WorkerRuntime | None = None


def crawl_sources(source_ids: list[str] | str) -> dict[str, Any]:
    """The crawl task: crawl these sources in one child process, recording each one's run."""
    runtime = _current()
    wanted = [source_ids] if isinstance(source_ids, str) else list(source_ids)  # str: an older scheduler
    known = {s.id for s in runtime.config.sources}
    for source_id in wanted:
        if source_id not in known:
            log.error("%s: not a source of %s; is this worker's config the scheduler's?", source_id,
                      runtime.config.path)
    ids = [s for s in wanted if s in known]
    outcome = jobs.crawl_batch(runtime, ids) if ids else {}
    return {"sources": ids, "runs": [run.id for runs in outcome.values() for run in runs]}


def rebuild_feeds(source_ids: list[str]) -> dict[str, Any]:
    """The rebuild task: build the feeds these sources affect, and the combined ones."""
    runtime = _current()
    known = {s.id for s in runtime.config.sources} & set(source_ids)
    changed = runtime.build_now(known)
    log.info("feeds rebuilt for %s (%d files changed)", ", ".join(sorted(known)) or "no source", changed)
    return {"sources": sorted(known), "changed": changed}


def _current() -> WorkerRuntime:
    if _runtime is None:
        raise RuntimeError("the deptfeeds tasks run only inside `deptfeeds worker`")
    return _runtime


def default_name() -> str:
    return f"deptfeeds-{os.getpid()}@{socket.gethostname()}"


def serve(config: Config, log_flags: list[str], concurrency: int, name: str | None = None,
          verbose: bool = False) -> int:
    """Run tasks until SIGTERM/SIGINT (a warm shutdown: running crawls finish first)."""
    global _runtime
    assert config.cluster is not None
    name = name or default_name()
    os.environ[WORKER_ENV] = name  # every crawl child records it in its run
    store = Store(config.store_url)
    store.sync_sources(config.sources)
    runtime = WorkerRuntime(config, store, log_flags, popen={"preexec_fn": die_with_parent})
    runtime.queue = Queue(config)
    _runtime = runtime
    app = make_app(config)
    app.task(name=CRAWL_TASK)(crawl_sources)
    app.task(name=REBUILD_TASK)(rebuild_feeds)
    log.info("worker %s: %d crawls at a time from queue %r on %s; store %s", name, concurrency,
             config.cluster.queue, config.cluster.broker, config.store_url)
    try:
        app.worker_main(["worker", "--pool=threads", f"--concurrency={concurrency}", f"--hostname={name}",
                         f"--queues={config.cluster.queue}", "--without-gossip", "--without-mingle",
                         f"--loglevel={'DEBUG' if verbose else 'INFO'}"])
    finally:
        _runtime = None
        runtime.queue.close()
        store.close()
    return 0


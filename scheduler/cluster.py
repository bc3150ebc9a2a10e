"""Crawls as Celery tasks: `deptfeeds schedule` enqueues them, `deptfeeds worker`s on any machine run them.

With a [cluster] table the scheduler runs no crawl itself: the sources due together become "crawl
sources X, Y, ..." tasks on the Redis broker (up to [cluster] batch sources each, crawled by one
process on a worker, as [schedule] batch does on one machine), and feed builds become "rebuild
feeds for X" tasks. Celery does the
queueing, the delivery and the redelivery; the store (PostgreSQL) keeps the runs and the locks
that stop two machines from crawling one source at once.

Delivery is at least once: a task is acknowledged only when it has ended (acks_late), so a
worker killed mid-crawl leaves it unacknowledged and Redis hands it to another worker. That is
safe because a crawl takes its source's lock in the database (a second copy gives way) and the
store merges articles by URL (a crawl done twice stores nothing twice).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from core.config import Config, parse_duration
from core.store import Store
from scheduler.jobs import STOP_TIMEOUT, Runtime

if TYPE_CHECKING:
    from celery import Celery

log = logging.getLogger("deptfeeds.cluster")

CRAWL_TASK = "deptfeeds.crawl_source"
REBUILD_TASK = "deptfeeds.rebuild_feeds"
# What a crawl task does besides crawling: recording its run and queueing the rebuild.
RECORDING_MARGIN = 10.0
# How often each worker looks for tasks a dead worker left unacknowledged. Kombu's default sweep
# is one in ten polls of 10 s: a crawl redelivered up to 100 s after its visibility timeout.
RESTORE_SWEEP = 5


def visibility_timeout(config: Config) -> float:
    """How long Redis waits for a task's acknowledgement before handing the task to another worker.

    Redis cannot tell a dead worker from a slow one: it redelivers whatever stays unacknowledged
    this long. A crawl runs at most its [crawl] time_limit, plus STOP_TIMEOUT to stop, plus the
    time to record it; a shorter timeout would hand a crawl that is still running to a second
    worker (Celery-on-Redis's known trap), so it is derived from the time limit, never fixed.
    """
    return parse_duration(config.crawl.time_limit) + STOP_TIMEOUT + RECORDING_MARGIN


def make_app(config: Config) -> Celery:
    """The Celery app of this config: its broker, its queue, late acknowledgement."""
    from celery import Celery  # only with [cluster]: a lone scheduler never loads it

    assert config.cluster is not None, "make_app needs a [cluster] table"
    app = Celery("deptfeeds", broker=config.cluster.broker, set_as_current=False)
    app.conf.update(
        task_default_queue=config.cluster.queue,
        task_acks_late=True,  # acknowledged once done: a worker that dies leaves it to another
        task_reject_on_worker_lost=True,  # a task whose pool process died goes back to the queue
        worker_prefetch_multiplier=1,  # a worker holds no more tasks than it runs
        broker_transport_options={"visibility_timeout": visibility_timeout(config),
                                  "unacked_restore_interval": RESTORE_SWEEP,
                                  "unacked_restore_throttle": 1},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a restarted Redis is waited for, however long
        worker_cancel_long_running_tasks_on_connection_loss=False,  # a crawl goes on while Redis is away
        task_ignore_result=True,  # outcomes are in the store (crawl_runs), not in Celery
        task_serializer="json", accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
    )
    return app


class Queue:
    """The scheduler's side: send crawl and rebuild tasks to the workers."""

    def __init__(self, config: Config):
        self.config = config
        self.app = make_app(config)
        # A crawl nobody started within the misfire grace is dropped: a newer one is due by then.
        # Counted from sending, so the visibility timeout is added: a crawl handed to a second
        # worker after the first died is never dropped as expired on the way.
        self.expires = parse_duration(config.schedule.misfire_grace) + visibility_timeout(config)

    def crawl(self, *source_ids: str) -> str:
        """Queue one crawl of these sources (one process on a worker); return the task id."""
        result = self.app.send_task(CRAWL_TASK, args=[list(source_ids)], expires=self.expires)
        log.info("%s: crawl queued for a worker (task %s)", ", ".join(source_ids), result.id)
        return result.id

    def rebuild(self, source_ids: Iterable[str]) -> str:
        """Queue a rebuild of these sources' feeds (and the combined ones); return the task id."""
        ids = sorted(source_ids)
        result = self.app.send_task(REBUILD_TASK, args=[ids], expires=self.expires)
        log.info("feeds rebuild queued for %d sources (task %s)", len(ids), result.id)
        return result.id

    def close(self) -> None:
        self.app.close()



def split(source_ids: list[str], size: int) -> list[list[str]]:
    """Into as few batches of at most `size` as there can be, of even sizes (7 by 3: 3, 2, 2)."""
    count = math.ceil(len(source_ids) / size) if source_ids else 0
    return [source_ids[i::count] for i in range(count)]


class QueueingRuntime(Runtime):
    """The scheduler's runtime with [cluster]: due crawls and feed rebuilds go to the workers."""

    queue: Queue | None = None
    GATHER = 0.5  # seconds the first due job waits for the others due at the same moment

    def __post_init__(self) -> None:
        super().__post_init__()
        self.pending: list[str] = []
        self._pending_lock = threading.Lock()

    def crawl(self, source_id: str) -> None:
        """Each due job adds its source; the first one, after GATHER, queues them all in batches."""
        assert self.queue is not None and self.config.cluster is not None
        with self._pending_lock:
            self.pending.append(source_id)
            if len(self.pending) > 1:
                return
        time.sleep(self.GATHER)
        with self._pending_lock:
            due, self.pending = self.pending, []
        for batch in split(due, self.config.cluster.batch):
            self.queue.crawl(*batch)

    def rebuild(self, sources: set[str]) -> int | None:
        assert self.queue is not None
        self.queue.rebuild(sources)
        return None


def runtime_for(config: Config, store: Store, log_flags: list[str]) -> Runtime:
    """The scheduler's runtime: crawls in child processes here, or queued for workers with [cluster]."""
    if config.cluster is None:
        return Runtime(config, store, log_flags)
    runtime = QueueingRuntime(config, store, log_flags)
    runtime.queue = Queue(config)
    return runtime

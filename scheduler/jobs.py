"""The scheduled job: crawl due sources in a child process, record what happened, rebuild their feeds.

Crawls run in `python -m deptfeeds crawl` child processes, for two reasons: Twisted's reactor
cannot be restarted within one process (ReactorNotRestartable), and a crawl that crashes,
hangs or leaks must never take the scheduler down. A child can be stopped, killed and
replaced; whatever it left half-done (a run still "running") is closed here as failed.

Sources due together share a child (up to [schedule] batch of them): Scrapy crawls many sites
at once, each with its own per-domain politeness, and a process costs 1.8 s of CPU and 165 MB
to start, far more than an unchanged recrawl of a source. Each source keeps its own run, lock
and flags: a source that fails or overruns the time limit is recorded so, the others in its
batch are not. What a batch cannot isolate is the process itself (a segfault, the OOM killer):
then every source still running in it is recorded failed, and runs again on schedule.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.config import Config, parse_duration
from core.locks import BUSY_EXIT, LockBusy, close_running_runs, crawl_lock_name, holding, lock_dir
from core.store import CrawlRun, Store, utcnow
from scheduler.alerts import check_alerts
from scheduler.status import SHUTTING_DOWN, run_failed, source_status

log = logging.getLogger("deptfeeds.scheduler")

STOP_TIMEOUT = 15.0  # after SIGTERM, how long Scrapy gets to close the spider before SIGKILL
POLL = 0.2


class Crawl:
    """One crawl child process: its output forwarded to our log, its time limit enforced."""

    def __init__(self, source_ids: list[str], config: Config, log_flags: list[str], **popen: Any):
        self.source_ids = source_ids
        self.source_id = source_ids[0] if len(source_ids) == 1 else f"batch of {len(source_ids)}"
        command = [sys.executable, "-m", "deptfeeds", "crawl", "--skip-busy",
                   *(arg for source_id in source_ids for arg in ("--source", source_id)),
                   "--config", str(config.path), *log_flags]
        # A session of its own: Ctrl-C in a terminal reaches only the scheduler, which decides.
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, errors="replace", start_new_session=True, **popen)
        self.tail: deque[str] = deque(maxlen=20)
        self.stop_reason: str | None = None
        self.timed_out = False
        self._kill_at: float | None = None
        self._reader = threading.Thread(target=self._forward, name=f"output-{self.source_id}", daemon=True)
        self._reader.start()

    def _forward(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                self.tail.append(line.rstrip())
            sys.stderr.write(f"[{self.source_id}] {line}")

    def stop(self, reason: str) -> None:
        """Ask the crawl to stop (Scrapy closes the spider cleanly on SIGTERM); kill it if it hangs."""
        if self.stop_reason is not None:
            return
        self.stop_reason = reason
        self._kill_at = time.monotonic() + STOP_TIMEOUT
        log.warning("%s: stopping the crawl: %s", self.source_id, reason)
        with suppress(ProcessLookupError):
            self.process.terminate()

    def wait(self, time_limit: float, limit_text: str) -> int:
        """Wait for the process to end, stopping it at the time limit; return its exit status."""
        deadline = time.monotonic() + time_limit
        while True:
            try:
                code = self.process.wait(timeout=POLL)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if now >= deadline and not self.timed_out:
                self.timed_out = True
                self.stop(f"time limit of {limit_text} reached")
            if self._kill_at is not None and now >= self._kill_at:
                log.error("%s: the crawl did not stop within %gs; killing it", self.source_id, STOP_TIMEOUT)
                with suppress(ProcessLookupError):
                    self.process.kill()
        self._reader.join(timeout=5)
        return code

    def ending(self, code: int) -> str:
        """How the process ended, in words for the run record."""
        how = f"was killed by {signal.Signals(-code).name}" if code < 0 else f"exited with status {code}"
        if self.stop_reason:
            how = f"was stopped ({self.stop_reason}) and {how}"
        return f"crawl process {how}"


@dataclass
class Runtime:
    """What the job function needs from the running service; installed once by the service."""

    config: Config
    store: Store
    log_flags: list[str] = field(default_factory=list)
    popen: dict[str, Any] = field(default_factory=dict)  # more for each crawl's Popen (a worker's)
    stopping: threading.Event = field(default_factory=threading.Event)
    crawls: dict[int, Crawl] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _build_lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def running(self, crawl: Crawl) -> Iterator[None]:
        """Keep track of a crawl, so a shutdown can stop it; one that began as the shutdown did stops."""
        with self._lock:
            self.crawls[id(crawl)] = crawl
        if self.stopping.is_set():
            crawl.stop(SHUTTING_DOWN)
        try:
            yield
        finally:
            with self._lock:
                self.crawls.pop(id(crawl), None)

    def active(self) -> list[Crawl]:
        with self._lock:
            return list(self.crawls.values())

    batcher: Batcher = field(init=False)

    def __post_init__(self) -> None:
        self.batcher = Batcher(self, self.config.schedule.batch, self.config.schedule.parallel)

    def crawl(self, source_id: str) -> None:
        """Run a due crawl here, in a child process with the other sources due with it (with
        [cluster]: on a worker, scheduler/cluster.py)."""
        self.batcher.crawl(source_id)

    def rebuild(self, sources: set[str]) -> int | None:
        """Rebuild the feeds of these sources and the combined one; return how many files changed
        (None when the rebuild was handed to someone else)."""
        from feeds.build import build_feeds

        with self._build_lock:
            written = build_feeds(self.store, self.config, sources=sources)
        return sum(written.values())


_runtime: Runtime | None = None


def install(runtime: Runtime | None) -> None:
    global _runtime
    _runtime = runtime


def crawl_job(source_id: str) -> None:
    """The scheduled job; module level so the persistent job store can refer to it by name."""
    if _runtime is None:
        raise RuntimeError("crawl_job runs only inside `deptfeeds schedule`")
    if _runtime.stopping.is_set():
        log.info("%s: not starting a crawl, the scheduler is stopping", source_id)
        return
    _runtime.crawl(source_id)


class Batcher:
    """Due sources gathered into batches, each crawled by one child; at most `processes` at once.

    Every due job's thread joins the pending list, then waits for a free process slot or for
    its batch to be done: whoever gets a slot first crawls what is pending (up to `size`).
    """

    GATHER = 0.5  # seconds a batch waits for the sources due at the same moment

    def __init__(self, runtime: Runtime, size: int, processes: int):
        self.runtime, self.size = runtime, size
        self.slots = threading.Semaphore(processes)
        self.pending: list[Ticket] = []
        self._lock = threading.Lock()

    def crawl(self, source_id: str) -> list[CrawlRun]:
        ticket = Ticket(source_id)
        with self._lock:
            self.pending.append(ticket)
        while not ticket.done.is_set():
            if not self.slots.acquire(timeout=POLL):
                continue
            try:
                if self.size > 1:
                    time.sleep(self.GATHER)
                with self._lock:
                    batch, self.pending = self.pending[:self.size], self.pending[self.size:]
                if batch:
                    self._run(batch)
            finally:
                self.slots.release()
        return ticket.runs

    def _run(self, batch: list[Ticket]) -> None:
        outcome: dict[str, list[CrawlRun]] = {}
        try:
            outcome = crawl_batch(self.runtime, [t.source_id for t in batch])
        finally:  # the waiting jobs end even when the batch raised
            for ticket in batch:
                ticket.runs = outcome.get(ticket.source_id, [])
                ticket.done.set()


@dataclass
class Ticket:
    source_id: str
    runs: list[CrawlRun] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)


def crawl_batch(runtime: Runtime, source_ids: list[str]) -> dict[str, list[CrawlRun]]:
    """Crawl these sources in one child process, close what it left open, rebuild the feeds that changed."""
    config, store = runtime.config, runtime.store
    before, started = store.last_run_id(), utcnow()
    flagged = {s: {flag.kind for flag in source_status(store, config, config.source(s)).flags}
               for s in source_ids}
    log.info("%s: crawl starts", ", ".join(source_ids))
    crawl = Crawl(source_ids, config, runtime.log_flags, **runtime.popen)
    with runtime.running(crawl):
        code = crawl.wait(parse_duration(config.crawl.time_limit), config.crawl.time_limit)
    if code == BUSY_EXIT:  # someone else is crawling these sources; their runs are theirs to record
        log.warning("%s: skipped this time: %s", ", ".join(source_ids),
                    crawl.tail[-1] if crawl.tail else "busy")
        return {}
    outcome = {s: close_runs(runtime, crawl, code, s, before, started) for s in source_ids}
    changed = {s for s, runs in outcome.items() if sum(run.new + run.updated for run in runs)}
    rebuilt = runtime.rebuild(changed) if changed else None
    for source_id, runs in outcome.items():
        report(runtime, source_id, runs, flagged[source_id], rebuilt if source_id in changed else None)
    check_alerts(config, store)
    return outcome


def close_runs(runtime: Runtime, crawl: Crawl, code: int, source_id: str, before: int,
               started: datetime) -> list[CrawlRun]:
    """One source's runs in a crawl that ended: what the process left open or never recorded is
    recorded failed (or interrupted, when we stopped it for a shutdown)."""
    config, store = runtime.config, runtime.store
    source = config.source(source_id)
    runs = store.runs(source_id, after_id=before)
    if not runs and len(crawl.source_ids) > 1 and code == 0:
        return []  # left out of a batch: being crawled elsewhere (the child said so)
    error = {"url": source.listing[0], "error": crawl.ending(code)}
    if any(run.status == "running" for run in runs):
        try:
            with holding(store, lock_dir(config), crawl_lock_name(source_id), wait=5):
                close_running_runs(store, config, source_id, error["error"], after_id=before)
        except LockBusy:
            pass  # whoever crawls now has closed them when it took the lock
    elif not runs:
        last = crawl.tail[-1] if crawl.tail else "no output"
        store.add_failed_run(source_id, started,
                             {**error, "error": f"{error['error']} before recording a run: {last}"})
    elif crawl.stop_reason:
        # A crawl that overran its time limit failed; one stopped by a shutdown was interrupted
        # (the next run reads every listing page again, to finish what this one did not). A
        # source of the batch that had finished before is left as it ended.
        for run in runs:
            if run.status != "interrupted":
                continue
            status = "failed" if crawl.timed_out else "interrupted"
            store.mark_run(run.id, status, {**error, "error": f"stopped: {crawl.stop_reason}"})
    return store.runs(source_id, after_id=before)


def report(runtime: Runtime, source_id: str, runs: list[CrawlRun], flagged: set[str],
           rebuilt: int | None) -> None:
    """Log the outcome, rebuild the affected feeds when something changed, and raise new flags."""
    for run in runs:
        seconds = (run.ended - run.started).total_seconds() if run.ended else 0
        level = logging.WARNING if run_failed(run) else logging.INFO
        log.log(level, "%s: run %d %s in %.1fs: %d pages, %d new, %d updated, %d unchanged, %d errors",
                source_id, run.id, run.status, seconds, run.pages, run.new, run.updated,
                run.unchanged, len(run.errors))
    if sum(run.new + run.updated for run in runs):
        if rebuilt is not None:
            log.info("%s: feeds rebuilt (%d files changed)", source_id, rebuilt)
    else:
        log.info("%s: nothing new; feeds left as they are", source_id)
    status = source_status(runtime.store, runtime.config, runtime.config.source(source_id))
    for flag in status.flags:
        # A new flag is a warning; one raised before is repeated quietly, not every two hours.
        log.log(logging.INFO if flag.kind in flagged else logging.WARNING, "%s: %s", source_id, flag.message)

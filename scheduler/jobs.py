"""The scheduled job: crawl one source in a child process, record what happened, rebuild its feeds.

Each crawl runs in its own `python -m deptfeeds crawl` process, for two reasons: Twisted's
reactor cannot be restarted within one process (ReactorNotRestartable), and a crawl that
crashes, hangs or leaks must never take the scheduler down. A child can be stopped, killed
and replaced; whatever it left half-done (a run still "running") is closed here as failed.
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
from typing import Any

from core.config import Config, parse_duration
from core.locks import BUSY_EXIT, LockBusy, close_running_runs, crawl_lock_name, holding, lock_dir
from core.store import CrawlRun, Store, utcnow
from scheduler.status import SHUTTING_DOWN, run_failed, source_status

log = logging.getLogger("deptfeeds.scheduler")

STOP_TIMEOUT = 15.0  # after SIGTERM, how long Scrapy gets to close the spider before SIGKILL
POLL = 0.2


class Crawl:
    """One crawl child process: its output forwarded to our log, its time limit enforced."""

    def __init__(self, source_id: str, config: Config, log_flags: list[str], **popen: Any):
        self.source_id = source_id
        command = [sys.executable, "-m", "deptfeeds", "crawl", "--source", source_id,
                   "--config", str(config.path), *log_flags]
        # A session of its own: Ctrl-C in a terminal reaches only the scheduler, which decides.
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, errors="replace", start_new_session=True, **popen)
        self.tail: deque[str] = deque(maxlen=20)
        self.stop_reason: str | None = None
        self.timed_out = False
        self._kill_at: float | None = None
        self._reader = threading.Thread(target=self._forward, name=f"output-{source_id}", daemon=True)
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
    crawls: dict[str, Crawl] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _build_lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def running(self, crawl: Crawl) -> Iterator[None]:
        """Keep track of a crawl, so a shutdown can stop it; one that began as the shutdown did stops."""
        with self._lock:
            self.crawls[crawl.source_id] = crawl
        if self.stopping.is_set():
            crawl.stop(SHUTTING_DOWN)
        try:
            yield
        finally:
            with self._lock:
                self.crawls.pop(crawl.source_id, None)

    def active(self) -> list[Crawl]:
        with self._lock:
            return list(self.crawls.values())

    def crawl(self, source_id: str) -> None:
        """Run a due crawl here, in a child process (with [cluster]: on a worker, scheduler/cluster.py)."""
        crawl_and_record(self, source_id)

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


def crawl_and_record(runtime: Runtime, source_id: str) -> list[CrawlRun]:
    """Crawl one source in a child process, close what it left open, rebuild feeds if anything changed."""
    config, store = runtime.config, runtime.store
    source = config.source(source_id)
    before, started = store.last_run_id(), utcnow()
    flagged = {flag.kind for flag in source_status(store, config, source).flags}
    log.info("%s: crawl starts", source_id)
    crawl = Crawl(source_id, config, runtime.log_flags, **runtime.popen)
    with runtime.running(crawl):
        code = crawl.wait(parse_duration(config.crawl.time_limit), config.crawl.time_limit)
    if code == BUSY_EXIT:  # someone else is crawling this source; their run is theirs to record
        log.warning("%s: skipped this time: %s", source_id, crawl.tail[-1] if crawl.tail else "busy")
        return []
    runs = store.runs(source_id, after_id=before)
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
        # (the next run reads every listing page again, to finish what this one did not).
        for run in runs:
            status = "failed" if crawl.timed_out else "interrupted"
            store.mark_run(run.id, status, {**error, "error": f"stopped: {crawl.stop_reason}"})
    runs = store.runs(source_id, after_id=before)
    report(runtime, source_id, runs, flagged)
    return runs


def report(runtime: Runtime, source_id: str, runs: list[CrawlRun], flagged: set[str]) -> None:
    """Log the outcome, rebuild the affected feeds when something changed, and raise new flags."""
    for run in runs:
        seconds = (run.ended - run.started).total_seconds() if run.ended else 0
        level = logging.WARNING if run_failed(run) else logging.INFO
        log.log(level, "%s: run %d %s in %.1fs: %d pages, %d new, %d updated, %d unchanged, %d errors",
                source_id, run.id, run.status, seconds, run.pages, run.new, run.updated,
                run.unchanged, len(run.errors))
    if sum(run.new + run.updated for run in runs):
        changed = runtime.rebuild({source_id})
        if changed is not None:
            log.info("%s: feeds rebuilt (%d files changed)", source_id, changed)
    else:
        log.info("%s: nothing new; feeds left as they are", source_id)
    status = source_status(runtime.store, runtime.config, runtime.config.source(source_id))
    for flag in status.flags:
        # A new flag is a warning; one raised before is repeated quietly, not every two hours.
        log.log(logging.INFO if flag.kind in flagged else logging.WARNING, "%s: %s", source_id, flag.message)

"""`deptfeeds schedule`: the long-running process that recrawls every source on its schedule.

It runs in the foreground (for systemd or a container) until SIGTERM or SIGINT, then takes no
new crawls, lets running ones finish within the grace period, stops the rest cleanly, and
exits 0 with store and feeds consistent. One scheduler per store, enforced by a lock; on
PostgreSQL a second one stands by and takes over when the first dies (scheduler/leader.py).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import UTC
from types import FrameType

from apscheduler.events import EVENT_JOB_ERROR, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from core.config import Config, parse_duration
from core.locks import LockBusy, crawl_locks
from core.store import Store
from scheduler import jobs
from scheduler.cluster import runtime_for
from scheduler.leader import Leadership, Standby, hold_until_stopped, leading
from scheduler.schedules import sync_jobs
from scheduler.status import JOBS_TABLE, SHUTTING_DOWN, source_status

log = logging.getLogger("deptfeeds.scheduler")


class StopSignal:
    """Turns SIGTERM/SIGINT into an event; a second signal means: stop the crawls now."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.hurry = threading.Event()

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.stop.is_set():
            self.hurry.set()
        self.stop.set()
        log.info("received %s", signal.Signals(signum).name)


def make_scheduler(config: Config, store: Store) -> BackgroundScheduler:
    """APScheduler configured once: persistent jobs in the store, one crawl per source at a time."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=store.engine, tablename=JOBS_TABLE)},
        # One thread per due source that may wait on its batch; scheduler/jobs.py's Batcher
        # keeps the crawl processes to `parallel`.
        executors={"default": ThreadPoolExecutor(config.schedule.parallel * config.schedule.batch)},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": round(parse_duration(config.schedule.misfire_grace))},
        timezone=UTC,
    )
    scheduler.add_listener(on_job_error, EVENT_JOB_ERROR)
    return scheduler


def on_job_error(event: JobExecutionEvent) -> None:
    """A job that raised (APScheduler logs the traceback): say that the scheduler carries on."""
    log.error("job %s failed in the scheduler: %s: %s; the scheduler carries on and the job runs "
              "again on schedule", event.job_id, type(event.exception).__name__, event.exception)


def close_leftovers(config: Config, store: Store) -> None:
    """Close runs a killed scheduler left "running", for every source nobody crawls right now."""
    for source in config.sources:
        try:
            with crawl_locks(config, store, [source.id]):
                pass
        except LockBusy as busy:
            log.info("%s", busy)


def serve(config: Config, log_flags: list[str]) -> int:
    """Run until SIGTERM/SIGINT; LockBusy if another scheduler already uses this store."""
    signals = StopSignal()
    signals.install()
    store = Store(config.store_url)
    try:
        while True:
            with leading(config, store, signals.stop) as leadership:
                if _serve(config, store, log_flags, signals, leadership):
                    return 0
            log.warning("standing by again, for the leader lock")
    except Standby:
        return 0
    finally:
        store.close()


def _serve(config: Config, store: Store, log_flags: list[str], signals: StopSignal,
           leadership: Leadership | None = None) -> bool:
    """Lead until told to stop (True) or until another scheduler took the leader lock (False)."""
    store.sync_sources(config.sources)
    close_leftovers(config, store)
    runtime = runtime_for(config, store, log_flags)
    jobs.install(runtime)
    scheduler = make_scheduler(config, store)
    scheduler.start(paused=True)
    try:
        log.info("jobs: %s", sync_jobs(scheduler, config))
        runtime.rebuild({s.id for s in config.sources})
        for source in config.sources:
            for flag in source_status(store, config, source).flags:
                log.warning("%s: %s", source.id, flag.message)
        scheduler.resume()
        for job in scheduler.get_jobs():
            when = job.next_run_time.astimezone().isoformat(" ", "seconds") if job.next_run_time else "-"
            log.info("%s: next run %s", job.name, when)
        log.info("scheduler started: %d sources, store %s; stop with SIGTERM or Ctrl-C",
                 len(config.sources), config.store_url)
        led = hold_until_stopped(signals.stop, leadership, scheduler)
        shut_down(scheduler, runtime, config, signals)
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
        jobs.install(None)
    return led


def shut_down(scheduler: BackgroundScheduler, runtime: jobs.Runtime, config: Config,
              signals: StopSignal) -> None:
    """No new crawls; running ones get the grace period, then are stopped cleanly (killed if stuck)."""
    scheduler.pause()
    runtime.stopping.set()
    grace = parse_duration(config.schedule.grace_period)
    active = runtime.active()
    if active:
        log.info("stopping: no new crawls; waiting up to %s for %s", config.schedule.grace_period,
                 ", ".join(c.source_id for c in active))
    deadline = time.monotonic() + grace
    while runtime.active() and time.monotonic() < deadline and not signals.hurry.is_set():
        time.sleep(0.2)
    for crawl in runtime.active():
        crawl.stop(f"{SHUTTING_DOWN} (grace period {config.schedule.grace_period} over)")
    scheduler.shutdown(wait=True)  # job threads record their runs and rebuild feeds before returning
    log.info("scheduler stopped")

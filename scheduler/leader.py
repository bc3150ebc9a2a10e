"""Which `deptfeeds schedule` runs the jobs: one leader per store, the others stand by.

APScheduler 3 allows one scheduler per job store. On SQLite the second scheduler refuses to start
(one machine, one file lock). On PostgreSQL, which several machines share, it stands by: it waits
for the leader lock (a session-level advisory lock, which the server drops when the leader's
connection ends), says so in its log and in `deptfeeds status`, and takes over within a few
seconds of the leader's death. The new leader's APScheduler reads the same job store: a job the
old leader ran has its next run time moved on already, so nothing runs twice.

A database that stops answering (restarted, out of reach) takes the lock with it: the leader
pauses its jobs, asks again every few seconds, and leads on once it has the lock back; if
another scheduler took it first, it stops its jobs and stands by. Nothing here ever exits for
an outage: a restarted server needs no manual step.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Protocol

from sqlalchemy.exc import OperationalError

from core.config import Config
from core.database import is_postgresql
from core.locks import HOST, SCHEDULER, AdvisoryLock, describe_owner, scheduler_lock
from core.store import Store
from scheduler.status import STANDBY_PREFIX

log = logging.getLogger("deptfeeds.scheduler")

TAKE_OVER_POLL = 2.0  # a standby asks for the leader lock this often
LEAD_CHECK = 5.0  # the leader checks this often that the lock is still its own
LEADING, LOST, UNREACHABLE = "leading", "lost", "unreachable"
# What a database that is restarting or out of reach raises (psycopg's errors come wrapped).
DATABASE_DOWN = (OperationalError, OSError)


def standby_name(host: str = HOST, pid: int | None = None) -> str:
    return f"{STANDBY_PREFIX}{host}:{pid or os.getpid()}"


class Pausable(Protocol):
    def pause(self) -> None: ...
    def resume(self) -> None: ...


def first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


class Leadership:
    """The leader lock of one store, as this scheduler holds it or waits for it."""

    def __init__(self, store: Store):
        self.store = store
        self.lock = AdvisoryLock(store, SCHEDULER)
        self.down_since: float | None = None  # when the database stopped answering

    def wait(self, stop: threading.Event) -> bool:
        """Stand by until this scheduler leads (True) or is told to stop first (False).

        A database that does not answer (restarting, unreachable) is waited for like a busy
        lock: said once, then asked again every poll."""
        if self._try_lock():
            return True
        presence = AdvisoryLock(self.store, standby_name())  # says "this standby is alive" to status
        announced = False
        try:
            while not self._try_lock():
                # (again after a restarted server, which dropped the presence lock with its connection)
                if self.down_since is None and not presence.held() and self._announce(presence):
                    announced = True
                if stop.wait(TAKE_OVER_POLL):
                    log.info("standby: stopped before taking over")
                    return False
        finally:
            if announced:
                with suppress(Exception):
                    self.store.clear_lock_owner(standby_name(), os.getpid())
            presence.release()
        log.info("taking over: the leader lock of store %s is ours now", self.store.url)
        return True

    def _announce(self, presence: AdvisoryLock) -> bool:
        try:
            presence.release()  # a lock lost with its connection is still counted as ours until released
            presence.acquire(0)
            self.store.set_lock_owner(standby_name(), os.getpid(), HOST)
            owner = describe_owner(self.store.lock_owner(SCHEDULER))
        except DATABASE_DOWN as error:
            self._unreachable(error)
            return False
        log.info("standby: the scheduler of store %s is %s; waiting to take over when it stops",
                 self.store.url, owner)
        return True

    def _try_lock(self) -> bool:
        try:
            taken = self.lock.acquire(0)
        except DATABASE_DOWN as error:
            self._unreachable(error)
            return False
        if self.down_since is not None:
            log.info("the database answers again (after %.0fs)", time.monotonic() - self.down_since)
            self.down_since = None
        return taken

    def _unreachable(self, error: Exception) -> None:
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.warning("the database of store %s does not answer (%s); trying again every %gs",
                        self.store.url, first_line(error), TAKE_OVER_POLL)

    def check(self) -> str:
        """LEADING, LOST (another scheduler holds the lock) or UNREACHABLE (the database does not
        answer: the lock went with the connection, and nobody can take it either). A lock lost
        with a connection (a restarted server) is taken back when nobody else has it."""
        if self.lock.held():
            return LEADING
        self.lock.release()
        if not self._try_lock():
            return UNREACHABLE if self.down_since is not None else LOST
        log.warning("the connection holding the leader lock was lost; took the lock back")
        with suppress(*DATABASE_DOWN):
            self.store.set_lock_owner(SCHEDULER, os.getpid(), HOST)
        return LEADING

    def release(self) -> None:
        self.lock.release()


@contextmanager
def leading(config: Config, store: Store, stop: threading.Event) -> Iterator[Leadership | None]:
    """Be this store's scheduler: a Leadership on PostgreSQL (None if stopped while standing by);
    on other stores the file lock, refusing (LockBusy) when another scheduler holds it."""
    if not is_postgresql(store.engine):
        with scheduler_lock(config, store):
            yield None
        return
    leadership = Leadership(store)
    if not leadership.wait(stop):
        raise Standby()
    try:
        store.set_lock_owner(SCHEDULER, os.getpid(), HOST)
        yield leadership
    finally:
        try:
            with suppress(*DATABASE_DOWN):
                store.clear_lock_owner(SCHEDULER, os.getpid())
        finally:
            leadership.release()


class Standby(Exception):
    """Stopped while standing by: there is nothing to shut down."""


def hold_until_stopped(stop: threading.Event, leadership: Leadership | None,
                       jobs: Pausable | None = None) -> bool:
    """Wait for SIGTERM/SIGINT, checking the leader lock now and then; False if another took it.

    While the database does not answer, the jobs are paused (no lock, no leader: a job run now
    might run twice) and resume, the lock taken back, once it answers again."""
    paused = False
    while not stop.wait(LEAD_CHECK):
        if leadership is None:
            continue
        state = leadership.check()
        if state == LOST:
            log.error("lost the leader lock: another scheduler leads now; stopping the jobs here")
            return False
        if jobs is not None and paused != (state == UNREACHABLE):
            paused = state == UNREACHABLE
            if paused:
                log.warning("jobs paused until the database answers again")
                jobs.pause()
            else:
                log.info("leading again: jobs resumed")
                jobs.resume()
    return True

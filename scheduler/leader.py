"""Which `deptfeeds schedule` runs the jobs: one leader per store, the others stand by.

APScheduler 3 allows one scheduler per job store. On SQLite the second scheduler refuses to start
(one machine, one file lock). On PostgreSQL, which several machines share, it stands by: it waits
for the leader lock (a session-level advisory lock, which the server drops when the leader's
connection ends), says so in its log and in `deptfeeds status`, and takes over within a few
seconds of the leader's death. The new leader's APScheduler reads the same job store: a job the
old leader ran has its next run time moved on already, so nothing runs twice.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from core.config import Config
from core.database import is_postgresql
from core.locks import HOST, SCHEDULER, AdvisoryLock, describe_owner, scheduler_lock
from core.store import Store
from scheduler.status import STANDBY_PREFIX

log = logging.getLogger("deptfeeds.scheduler")

TAKE_OVER_POLL = 2.0  # a standby asks for the leader lock this often
LEAD_CHECK = 5.0  # the leader checks this often that the lock is still its own
LOST_LEADERSHIP = 75  # exit status (EX_TEMPFAIL) of a leader that lost its lock: restart it to stand by


def standby_name(host: str = HOST, pid: int | None = None) -> str:
    return f"{STANDBY_PREFIX}{host}:{pid or os.getpid()}"


class Leadership:
    """The leader lock of one store, as this scheduler holds it or waits for it."""

    def __init__(self, store: Store):
        self.store = store
        self.lock = AdvisoryLock(store, SCHEDULER)

    def wait(self, stop: threading.Event) -> bool:
        """Stand by until this scheduler leads (True) or is told to stop first (False)."""
        if self.lock.acquire(0):
            return True
        presence = AdvisoryLock(self.store, standby_name())  # says "this standby is alive" to status
        presence.acquire(0)
        self.store.set_lock_owner(standby_name(), os.getpid(), HOST)
        log.info("standby: the scheduler of store %s is %s; waiting to take over when it stops",
                 self.store.url, describe_owner(self.store.lock_owner(SCHEDULER)))
        try:
            while not self.lock.acquire(0):
                if stop.wait(TAKE_OVER_POLL):
                    log.info("standby: stopped before taking over")
                    return False
        finally:
            self.store.clear_lock_owner(standby_name(), os.getpid())
            presence.release()
        log.info("taking over: the leader lock of store %s is ours now", self.store.url)
        return True

    def still_leading(self) -> bool:
        """Whether the lock is still ours; after a lost connection (a restarted server), take it back
        if nobody else has."""
        if self.lock.held():
            return True
        self.lock.release()
        if self.lock.acquire(0):
            log.warning("the connection holding the leader lock was lost; took the lock back")
            self.store.set_lock_owner(SCHEDULER, os.getpid(), HOST)
            return True
        return False

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
            store.clear_lock_owner(SCHEDULER, os.getpid())
        finally:
            leadership.release()


class Standby(Exception):
    """Stopped while standing by: there is nothing to shut down."""


def hold_until_stopped(stop: threading.Event, leadership: Leadership | None) -> bool:
    """Wait for SIGTERM/SIGINT, checking the leader lock now and then; False if it was lost."""
    while not stop.wait(LEAD_CHECK):
        if leadership is not None and not leadership.still_leading():
            log.error("lost the leader lock: another scheduler leads now; stopping the jobs here "
                      "(start me again to stand by)")
            return False
    return True

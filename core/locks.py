"""Locks beside the store: one scheduler per store, one crawl per source at a time.

They are file locks (flock) because the kernel drops them when their process dies, so a
crash or a SIGKILL never leaves a stale lock behind. The store only keeps the owner's pid
and host (the `locks` table, declared here), to tell whoever is refused who holds the lock
and since when.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.config import Config
from core.database import Base, UTCDateTime, sqlite_file, utcnow
from core.runs import RunRows

log = logging.getLogger("deptfeeds.locks")

HOST = socket.gethostname()
BUSY_EXIT = 75  # EX_TEMPFAIL from sysexits.h: someone else is at it, try again later
SCHEDULER = "scheduler"
INTERRUPTED = "interrupted: the crawl process ended without finishing its run"


class LockBusy(Exception):
    """Someone else holds the lock; the message says who and what to do."""


class LockRow(Base):
    """Who holds a scheduler or crawl lock, so whoever is refused can be told; the lock is a file lock."""

    __tablename__ = "locks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer)
    host: Mapped[str] = mapped_column(Text)
    since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LockRows(RunRows):
    """The owners of locks, and closing the runs a crawl that lost its lock left open."""

    def set_lock_owner(self, name: str, pid: int, host: str) -> None:
        with self.session() as s:
            s.merge(LockRow(name=name, pid=pid, host=host, since=utcnow()))

    def clear_lock_owner(self, name: str, pid: int) -> None:
        with self.session() as s:
            row = s.get(LockRow, name)
            if row is not None and row.pid == pid:
                s.delete(row)

    def lock_owner(self, name: str) -> LockRow | None:
        with self.session() as s:
            return s.get(LockRow, name)


def lock_dir(config: Config) -> Path:
    """`<store file>.locks/` for a SQLite store, else `.deptfeeds-locks/` beside the config."""
    database = sqlite_file(config.store_url)
    if database is not None:
        return database.with_name(database.name + ".locks")
    return config.folder / ".deptfeeds-locks"


def crawl_lock_name(source_id: str) -> str:
    return f"crawl-{source_id}"


def lock_held(config: Config, name: str) -> bool:
    """Whether some process holds the lock `name` now, asked without taking it for long.

    Read-only, so `deptfeeds status` can tell a crawl that runs from one a SIGKILL ended (its run
    still says "running") even on a store it cannot write. No lock file: nobody ever held it.
    """
    path = lock_dir(config) / f"{name}.lock"
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return True  # cannot look: assume someone holds it rather than call a crawl dead
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing the descriptor drops the shared lock taken to look
    return False


def describe_owner(owner: LockRow | None) -> str:
    if owner is None:
        return "another process"
    since = owner.since.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    return f"pid {owner.pid} on host {owner.host} (since {since})"


def owner_alive(owner: LockRow | None) -> bool:
    """Whether a recorded owner still runs (only knowable on this host; elsewhere assume so)."""
    if owner is None:
        return False
    if owner.host != HOST:
        return True
    try:
        os.kill(owner.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def holding(store: LockRows, folder: Path, name: str, wait: float = 0) -> Iterator[None]:
    """Hold the lock `name`, waiting up to `wait` seconds for it; LockBusy if it stays taken."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / f"{name}.lock")
    try:
        lock.acquire(timeout=max(wait, 0))
    except Timeout:
        raise LockBusy(describe_owner(store.lock_owner(name))) from None
    try:
        store.set_lock_owner(name, os.getpid(), HOST)
        yield
    finally:
        try:
            store.clear_lock_owner(name, os.getpid())
        finally:
            lock.release()


@contextmanager
def scheduler_lock(config: Config, store: LockRows) -> Iterator[None]:
    """Refuse to run a second scheduler on the same store."""
    try:
        with holding(store, lock_dir(config), SCHEDULER):
            yield
    except LockBusy as busy:
        raise LockBusy(f"another `deptfeeds schedule` is already running on store {config.store_url}: "
                       f"{busy}; stop it first (one scheduler per store)") from None


def close_running_runs(store: LockRows, config: Config, source_id: str, reason: str,
                       after_id: int = 0) -> list[int]:
    """Mark runs still "running" as failed; only right while holding the source's crawl lock."""
    closed = []
    listing = config.source(source_id).listing[0] if source_id in {s.id for s in config.sources} else ""
    for run in store.runs(source_id, after_id=after_id):
        if run.status == "running":
            store.mark_run(run.id, "failed", {"url": listing, "error": reason})
            closed.append(run.id)
    return closed


@contextmanager
def crawl_locks(config: Config, store: LockRows, source_ids: Sequence[str],
                wait: float = 0) -> Iterator[None]:
    """Hold the crawl lock of every source (all or none), then close runs dead crawls left open."""
    deadline = time.monotonic() + wait
    with ExitStack() as held:
        for source_id in source_ids:
            name = crawl_lock_name(source_id)
            try:
                held.enter_context(holding(store, lock_dir(config), name))
                continue
            except LockBusy as busy:
                owner = busy
            if wait > 0:
                log.info("source %r is being crawled right now by %s; waiting up to %gs", source_id,
                         owner, wait)
                try:
                    remaining = max(deadline - time.monotonic(), 0)
                    held.enter_context(holding(store, lock_dir(config), name, remaining))
                    continue
                except LockBusy as busy:
                    owner = busy
            hint = f"still busy after waiting {wait:g}s" if wait else "try again later or pass --wait SECONDS"
            raise LockBusy(f"source {source_id!r} is being crawled right now by {owner}; {hint}")
        for source_id in source_ids:
            close_running_runs(store, config, source_id, INTERRUPTED)
        yield

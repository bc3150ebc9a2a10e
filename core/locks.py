"""Locks beside the store: one scheduler per store, one crawl per source at a time.

On SQLite they are file locks (flock) beside the database file, because the kernel drops them
when their process dies, so a crash or a SIGKILL never leaves a stale lock behind. On
PostgreSQL, which several machines share, they are the server's session-level advisory locks,
each held on a connection of its own: the server drops them when that connection ends, so a
dead holder on any machine frees its locks as flock would. The store only keeps the owner's
pid and host (the `locks` table, declared here), to tell whoever is refused who holds the lock
and since when.
"""

from __future__ import annotations

import fcntl
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from sqlalchemy import Integer, String, Text, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Mapped, mapped_column

from core.config import Config
from core.database import Base, UTCDateTime, advisory_key, is_postgresql, sqlite_file, utcnow
from core.runs import RunRows

log = logging.getLogger("deptfeeds.locks")

HOST = socket.gethostname()
BUSY_EXIT = 75  # EX_TEMPFAIL from sysexits.h: someone else is at it, try again later
SCHEDULER = "scheduler"
INTERRUPTED = "interrupted: the crawl process ended without finishing its run"
POLL = 0.1  # how often a waiting process asks again for an advisory lock


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

    _advisory: AdvisorySession | None = None

    def advisory_session(self) -> AdvisorySession:
        if self._advisory is None:
            self._advisory = AdvisorySession(self.engine)
        return self._advisory

    def set_lock_owner(self, name: str, pid: int, host: str) -> None:
        with self.session() as s:
            s.merge(LockRow(name=name, pid=pid, host=host, since=utcnow()))

    def clear_lock_owner(self, name: str, pid: int) -> None:
        with self.session() as s:
            row = s.get(LockRow, name)
            if row is not None and row.pid == pid and row.host == HOST:
                s.delete(row)

    def lock_owner(self, name: str) -> LockRow | None:
        with self.session() as s:
            return s.get(LockRow, name)

    def lock_owners(self, prefix: str) -> list[LockRow]:
        """The owners of every lock whose name starts with `prefix`."""
        with self.session() as s:
            return list(s.scalars(select(LockRow).where(LockRow.name.startswith(prefix, autoescape=True))
                                  .order_by(LockRow.since)))


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


class AdvisorySession:
    """Every advisory lock this process holds on one database, on one connection of their own.

    One connection whatever the number of locks (a crawl of a thousand sources holds a thousand),
    kept out of any transaction; closed when the last lock goes. A key held here counts as taken
    for this process too, as a second flock on the same file would.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._connection: Connection | None = None
        self._held: set[int] = set()
        self._mutex = threading.Lock()

    def _run(self, statement: Any, key: int) -> Any:
        if self._connection is None:
            self._connection = self.engine.connect()
            for setting in _KEEPALIVES:
                self._connection.execute(text(setting))
        try:
            value = self._connection.execute(statement, {"key": key, **_key_parts(key)}).scalar()
            self._connection.commit()
        except Exception:
            self._close()  # a dead connection took every lock with it; the next call opens a new one
            raise
        return value

    def try_lock(self, key: int) -> bool:
        with self._mutex:
            if key in self._held or not self._run(_TRY_LOCK, key):
                return False
            self._held.add(key)
            return True

    def holds(self, key: int) -> bool:
        """Whether the lock is still ours: false once the server dropped our connection."""
        with self._mutex:
            try:
                return key in self._held and bool(self._run(_OUR_ADVISORY, key))
            except Exception:  # the connection is gone, and every lock with it
                return False

    def unlock(self, key: int) -> None:
        with self._mutex:
            self._held.discard(key)
            try:
                self._run(_UNLOCK, key)
            except Exception:  # a dropped connection has released it already
                self._close()
                return
            if not self._held:
                self._close()

    def _close(self) -> None:
        if self._connection is not None:
            with suppress(Exception):
                self._connection.close()
        self._connection = None


class AdvisoryLock:
    """One PostgreSQL advisory lock, taken through the store's AdvisorySession."""

    def __init__(self, store: LockRows, name: str):
        self.session, self.key = store.advisory_session(), advisory_key(name)

    def acquire(self, timeout: float) -> bool:
        """Try until `timeout` seconds have passed; say whether the lock is now ours."""
        deadline = time.monotonic() + timeout
        while not self.session.try_lock(self.key):
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL)
        return True

    def held(self) -> bool:
        return self.session.holds(self.key)

    def release(self) -> None:
        self.session.unlock(self.key)


class FileLockOf:
    """A file lock beside a SQLite store, with the same acquire/held/release as AdvisoryLock."""

    def __init__(self, folder: Path, name: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.lock = FileLock(folder / f"{name}.lock")

    def acquire(self, timeout: float) -> bool:
        try:
            self.lock.acquire(timeout=max(timeout, 0))
        except Timeout:
            return False
        return True

    def held(self) -> bool:
        return self.lock.is_locked

    def release(self) -> None:
        self.lock.release()


# An advisory lock on a bigint key shows in pg_locks as two 32-bit halves (objsubid 1).
_ADVISORY = ("SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = :high "
             "AND objid = :low AND objsubid = 1 AND granted")
_OUR_ADVISORY = text(_ADVISORY + " AND pid = pg_backend_pid()")
_ANY_ADVISORY = text(_ADVISORY)
# The server probes an idle lock connection, so a holder whose machine vanished (no FIN, no RST)
# loses its locks within about 25 s instead of the kernel's two hours.
_KEEPALIVES = ("SET tcp_keepalives_idle = 10", "SET tcp_keepalives_interval = 5",
               "SET tcp_keepalives_count = 3")
_TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
_UNLOCK = text("SELECT pg_advisory_unlock(:key)")


def _key_parts(key: int) -> dict[str, int]:
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}


def lock_for(store: LockRows, folder: Path, name: str) -> AdvisoryLock | FileLockOf:
    """The kind of lock the store's database calls for."""
    return AdvisoryLock(store, name) if is_postgresql(store.engine) else FileLockOf(folder, name)


def lock_taken(store: LockRows, name: str) -> bool | None:
    """Whether anyone holds the lock `name`, as the database server knows it (None: not knowable)."""
    if not is_postgresql(store.engine):
        return None
    with store.engine.connect() as connection:
        return connection.execute(_ANY_ADVISORY, _key_parts(advisory_key(name))).first() is not None


@contextmanager
def holding(store: LockRows, folder: Path, name: str, wait: float = 0) -> Iterator[AdvisoryLock | FileLockOf]:
    """Hold the lock `name`, waiting up to `wait` seconds for it; LockBusy if it stays taken."""
    lock = lock_for(store, folder, name)
    if not lock.acquire(max(wait, 0)):
        raise LockBusy(describe_owner(store.lock_owner(name)))
    try:
        store.set_lock_owner(name, os.getpid(), HOST)
        yield lock
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
    # Asked of the store by status: a source recrawled hourly has thousands of runs.
    for run in store.runs(source_id, after_id=after_id, status="running"):
        store.mark_run(run.id, "failed", {"url": listing, "error": reason})
        closed.append(run.id)
    return closed


@contextmanager
def crawl_locks(config: Config, store: LockRows, source_ids: Sequence[str],
                wait: float = 0, skip_busy: bool = False) -> Iterator[list[str]]:
    """Hold the crawl lock of every source (all or none), then close runs dead crawls left open.

    With `skip_busy` (a batch of sources in one process), a source being crawled elsewhere is
    left out, said so, and the others go on; LockBusy only when every one is busy. Yields the
    sources whose locks are held.
    """
    deadline = time.monotonic() + wait
    taken: list[str] = []
    with ExitStack() as held:
        for source_id in source_ids:
            name = crawl_lock_name(source_id)
            try:
                held.enter_context(holding(store, lock_dir(config), name))
                taken.append(source_id)
                continue
            except LockBusy as busy:
                owner = busy
            if wait > 0:
                log.info("source %r is being crawled right now by %s; waiting up to %gs", source_id,
                         owner, wait)
                try:
                    remaining = max(deadline - time.monotonic(), 0)
                    held.enter_context(holding(store, lock_dir(config), name, remaining))
                    taken.append(source_id)
                    continue
                except LockBusy as busy:
                    owner = busy
            hint = f"still busy after waiting {wait:g}s" if wait else "try again later or pass --wait SECONDS"
            busy_text = f"source {source_id!r} is being crawled right now by {owner}; {hint}"
            if not skip_busy:
                raise LockBusy(busy_text)
            log.warning("skipped this time: %s", busy_text)
        if not taken:
            raise LockBusy(busy_text if len(source_ids) == 1 else
                           f"every source asked for is being crawled right now ({', '.join(source_ids)})")
        for source_id in taken:
            close_running_runs(store, config, source_id, INTERRUPTED)
        yield taken

"""Write feed files so that no reader ever sees half a file or a needless change."""

from __future__ import annotations

import os
import re
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

TEMP_PATTERN = ".*.tmp"
# ".all.rss.<host>-<pid>.<random>.tmp": whose it is, so a dead writer's leftovers go at once.
TEMP_OWNER = re.compile(r"\.(?P<host>[^.]+)-(?P<pid>\d+)\.[^.]+\.tmp$")
HOST = socket.gethostname().split(".")[0].replace("-", "_") or "host"
STALE_TEMP_SECONDS = 3600
# Each fsync waits for a disk flush (about 5 ms here); run side by side, the flushes are shared.
FSYNC_THREADS = 16


class WriteBatch:
    """Files replaced together: each written to a temporary, all flushed to disk at once, then renamed.

    A reader sees the old file or the new one, never half of one; an error or a crash before the
    end leaves every old file as it was (a killed build's temporaries are removed by the next).
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []
        self._removals: list[Path] = []

    def remove(self, path: Path) -> None:
        """Delete `path` when the batch commits, after the new files are in place."""
        self._removals.append(path)

    def write_if_changed(self, path: Path, data: bytes) -> bool:
        """Stage `data` for `path` unless the file already holds exactly that; say if staged."""
        try:
            if path.read_bytes() == data:
                return False
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{HOST}-{os.getpid()}.", suffix=".tmp",
                                    dir=path.parent)
        self._pending.append((Path(tmp), path))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        return True

    def commit(self) -> None:
        """Flush every staged file to disk, then move each into place."""
        if self._pending:
            with ThreadPoolExecutor(min(FSYNC_THREADS, len(self._pending))) as pool:
                list(pool.map(_fsync, (tmp for tmp, _ in self._pending)))
        for tmp, path in self._pending:
            os.replace(tmp, path)
        self._pending.clear()
        for path in self._removals:
            path.unlink(missing_ok=True)
        self._removals.clear()

    def discard(self) -> None:
        """Remove what was staged and not yet moved into place."""
        while self._pending:
            tmp, _ = self._pending.pop()
            tmp.unlink(missing_ok=True)

    def __enter__(self) -> WriteBatch:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if kind is None:
                self.commit()
        finally:
            self.discard()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove_stale_temporaries(folder: Path, older_than: float = STALE_TEMP_SECONDS) -> list[Path]:
    """Delete temporary files a killed build left behind: a dead process's at once, others by age."""
    removed = []
    now = time.time()
    for path in folder.rglob(TEMP_PATTERN):
        try:
            if not _writer_alive(path) or now - path.stat().st_mtime > older_than:
                path.unlink()
                removed.append(path)
        except FileNotFoundError:
            continue
    return removed


def _writer_alive(path: Path) -> bool:
    """Whether the process that wrote a temporary may still be writing (unknown writers may be)."""
    owner = TEMP_OWNER.search(path.name)
    if owner is None or owner["host"] != HOST:
        return True
    pid = int(owner["pid"])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

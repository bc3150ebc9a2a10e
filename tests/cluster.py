"""What the cluster tests share: background `deptfeeds worker`s and `schedule`s, and waiting for them."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from core.store import CrawlRun, Store
from deptfeeds.mirror import MirrorServer
from tests.conftest import start_cli


def wait_for(condition: Callable[[], object], what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(0.2)


class Processes:
    """`deptfeeds worker`s and `schedule`s in the background; whatever is left is killed at the end."""

    def __init__(self, config: Path, mirror: MirrorServer):
        self.config, self.mirror = config, mirror
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, *args: str) -> tuple[subprocess.Popen, Path]:
        log = self.config.parent / f"{args[0]}-{len(self.started)}.log"
        process = start_cli(*args, "--config", str(self.config), log=log, proxy=self.mirror)
        self.started.append((process, log))
        return process, log

    def worker(self, name: str, concurrency: int = 1) -> tuple[subprocess.Popen, Path]:
        process, log = self.start("worker", "--name", name, "--concurrency", str(concurrency))
        wait_for(lambda: alive(process, log) and "ready" in log.read_text(), f"worker {name} to be ready")
        return process, log

    def close(self) -> None:
        for process, _log in self.started:
            if process.poll() is None:
                process.kill()
                process.wait()


def alive(process: subprocess.Popen, log: Path) -> bool:
    assert process.poll() is None, log.read_text()
    return True


def finished(store: Store, source_id: str) -> list[CrawlRun]:
    return [run for run in reversed(store.runs(source_id)) if run.status != "running"]


def stop(process: subprocess.Popen, log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    assert process.wait(60) == 0, log.read_text()
